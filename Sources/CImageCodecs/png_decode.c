#include "image_codecs.h"

#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t offset;
} png_memory;

static void read_from_memory(png_structp png, png_bytep out, size_t count) {
    png_memory *memory = png_get_io_ptr(png);
    if (count > memory->size - memory->offset) {
        png_error(png, "the file ends early: it is truncated");
    }
    memcpy(out, memory->data + memory->offset, count);
    memory->offset += count;
}

static void on_error(png_structp png, png_const_charp message) {
    mimic_image_result *result = png_get_error_ptr(png);
    snprintf(result->message, sizeof result->message, "%s", message);
    png_longjmp(png, 1);
}

/// Warnings (a bad CRC in an ancillary chunk, an unknown sRGB profile) leave the
/// pixels intact, so they are not a reason to refuse the file.
static void on_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

mimic_image_status mimic_png_decode(const uint8_t *data, size_t size, uint64_t max_values,
                                    uint8_t *pixels, size_t capacity, mimic_image_result *result) {
    memset(result, 0, sizeof *result);
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0) {
        snprintf(result->message, sizeof result->message, "no PNG signature");
        return MIMIC_IMAGE_DAMAGED;
    }
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, result, on_error, on_warning);
    if (png == NULL) {
        snprintf(result->message, sizeof result->message, "libpng could not start (out of memory)");
        return MIMIC_IMAGE_DAMAGED;
    }
    png_infop info = png_create_info_struct(png);
    // Set before setjmp and only read after it, so they need not be volatile.
    png_memory memory = {data, size, 0};
    png_bytep *volatile rows = NULL;
    volatile mimic_image_status status = MIMIC_IMAGE_DAMAGED;
    if (info == NULL || setjmp(png_jmpbuf(png))) {
        free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        if (info == NULL && result->message[0] == 0) {
            snprintf(result->message, sizeof result->message, "libpng could not start (out of memory)");
        }
        return status;
    }
    png_set_read_fn(png, &memory, read_from_memory);
    // Every ancillary chunk but tRNS is skipped unread: libpng allocates a text or ICC
    // chunk's declared length before reading it (FuzzImage found an iTXt chunk claiming
    // 1.3 GB), and mimic uses none of them.
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, NULL, -1);
    // What a chunk may still inflate to, should one be read.
    png_set_chunk_malloc_max(png, 8u << 20);
    png_read_info(png, info);

    png_uint_32 width = 0, height = 0;
    int depth = 0, color_type = 0;
    png_get_IHDR(png, info, &width, &height, &depth, &color_type, NULL, NULL, NULL);
    int gray = (color_type & PNG_COLOR_MASK_COLOR) == 0;
    result->width = width;
    result->height = height;
    result->channels = gray ? 1 : 3;
    uint64_t values = (uint64_t)width * height * result->channels;
    if (values > max_values || values > capacity || pixels == NULL) {
        status = values > max_values ? MIMIC_IMAGE_TOO_LARGE : MIMIC_IMAGE_HEADER_ONLY;
        png_longjmp(png, 1);
    }

    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (gray && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (depth == 16) png_set_scale_16(png);
    // Strips a real alpha channel and the one a palette's tRNS becomes when expanded.
    png_set_strip_alpha(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    if (png_get_rowbytes(png, info) != (size_t)width * result->channels) {
        png_error(png, "its rows do not convert to 8-bit samples");
    }

    rows = malloc((size_t)height * sizeof(png_bytep));
    if (rows == NULL) png_error(png, "out of memory for the row table");
    for (png_uint_32 y = 0; y < height; y++) {
        rows[y] = pixels + (size_t)y * width * result->channels;
    }
    png_read_image(png, rows);
    // Reads up to IEND, so a file cut after its pixels is still refused as truncated.
    png_read_end(png, NULL);
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    return MIMIC_IMAGE_DECODED;
}
