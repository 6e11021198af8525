#include "image_codecs.h"

#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>

typedef struct {
    uint8_t *data;
    size_t size;
    size_t capacity;
} growing_buffer;

static void write_to_memory(png_structp png, png_bytep bytes, size_t count) {
    growing_buffer *buffer = png_get_io_ptr(png);
    if (buffer->size + count > buffer->capacity) {
        size_t capacity = buffer->capacity * 2 + count + 1024;
        uint8_t *grown = realloc(buffer->data, capacity);
        if (grown == NULL) png_error(png, "out of memory");
        buffer->data = grown;
        buffer->capacity = capacity;
    }
    memcpy(buffer->data + buffer->size, bytes, count);
    buffer->size += count;
}

static void flush_nothing(png_structp png) { (void)png; }

static int samples_per_pixel(int color_type) {
    switch (color_type) {
    case PNG_COLOR_TYPE_GRAY: return 1;
    case PNG_COLOR_TYPE_GRAY_ALPHA: return 2;
    case PNG_COLOR_TYPE_RGB: return 3;
    case PNG_COLOR_TYPE_RGB_ALPHA: return 4;
    case PNG_COLOR_TYPE_PALETTE: return 1;
    default: return 0;
    }
}

int mimic_png_encode(const uint16_t *samples, uint32_t width, uint32_t height,
                     int color_type, int bit_depth, const uint8_t *palette, int palette_count,
                     int interlaced, uint8_t **out, size_t *out_size) {
    int per_pixel = samples_per_pixel(color_type);
    if (per_pixel == 0) return -1;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    if (png == NULL) return -1;
    png_infop info = png_create_info_struct(png);
    growing_buffer buffer = {NULL, 0, 0};
    size_t row_bytes = (size_t)width * per_pixel * (bit_depth == 16 ? 2 : 1);
    png_bytep volatile row = malloc(row_bytes ? row_bytes : 1);
    if (info == NULL || row == NULL || setjmp(png_jmpbuf(png))) {
        free(row);
        free(buffer.data);
        png_destroy_write_struct(&png, &info);
        return -1;
    }
    png_set_write_fn(png, &buffer, write_to_memory, flush_nothing);
    png_set_IHDR(png, info, width, height, bit_depth, color_type,
                 interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (color_type == PNG_COLOR_TYPE_PALETTE) {
        png_color colors[256];
        for (int i = 0; i < palette_count && i < 256; i++) {
            colors[i].red = palette[3 * i];
            colors[i].green = palette[3 * i + 1];
            colors[i].blue = palette[3 * i + 2];
        }
        png_set_PLTE(png, info, colors, palette_count);
    }
    png_write_info(png, info);
    // One byte per sample below 8 bits; libpng packs them.
    if (bit_depth < 8) png_set_packing(png);
    int passes = png_set_interlace_handling(png);
    for (int pass = 0; pass < passes; pass++) {
        for (uint32_t y = 0; y < height; y++) {
            const uint16_t *source = samples + (size_t)y * width * per_pixel;
            for (size_t i = 0; i < (size_t)width * per_pixel; i++) {
                if (bit_depth == 16) {
                    row[2 * i] = (png_byte)(source[i] >> 8);
                    row[2 * i + 1] = (png_byte)(source[i] & 0xff);
                } else {
                    row[i] = (png_byte)source[i];
                }
            }
            png_write_row(png, row);
        }
    }
    png_write_end(png, NULL);
    free(row);
    png_destroy_write_struct(&png, &info);
    *out = buffer.data;
    *out_size = buffer.size;
    return 0;
}

typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf jump;
} encode_failure;

static void encode_error(j_common_ptr info) {
    longjmp(((encode_failure *)info->err)->jump, 1);
}

int mimic_jpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height,
                      int components, int quality, uint8_t **out, size_t *out_size) {
    if (components != 1 && components != 3 && components != 4) return -1;
    struct jpeg_compress_struct info;
    encode_failure failure;
    unsigned char *volatile buffer = NULL;
    unsigned long size = 0;
    info.err = jpeg_std_error(&failure.base);
    failure.base.error_exit = encode_error;
    if (setjmp(failure.jump)) {
        jpeg_destroy_compress(&info);
        free(buffer);
        return -1;
    }
    jpeg_create_compress(&info);
    jpeg_mem_dest(&info, (unsigned char **)&buffer, &size);
    info.image_width = width;
    info.image_height = height;
    info.input_components = components;
    info.in_color_space = components == 1 ? JCS_GRAYSCALE : components == 3 ? JCS_RGB : JCS_CMYK;
    jpeg_set_defaults(&info);
    jpeg_set_quality(&info, quality, TRUE);
    jpeg_start_compress(&info, TRUE);
    while (info.next_scanline < info.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)info.next_scanline * width * components);
        jpeg_write_scanlines(&info, &row, 1);
    }
    jpeg_finish_compress(&info);
    jpeg_destroy_compress(&info);
    *out = buffer;
    *out_size = size;
    return 0;
}

void mimic_image_free(void *buffer) { free(buffer); }
