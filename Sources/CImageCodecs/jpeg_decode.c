#include "image_codecs.h"

#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <jpeglib.h>

typedef struct {
    struct jpeg_error_mgr base;
    struct jpeg_progress_mgr progress;
    jmp_buf jump;
    mimic_image_result *result;
} jpeg_failure;

static void on_error(j_common_ptr info) {
    jpeg_failure *failure = (jpeg_failure *)info->err;
    char text[JMSG_LENGTH_MAX];
    info->err->format_message(info, text);
    snprintf(failure->result->message, sizeof failure->result->message, "%s", text);
    longjmp(failure->jump, 1);
}

/// libjpeg reports corrupt data (a truncated file, a bad Huffman code) as a warning and
/// goes on with made-up pixels; mimic would rather refuse the file than learn from them.
static void on_message(j_common_ptr info, int level) {
    if (level < 0) on_error(info);
}

/// A progressive file of thousands of tiny scans takes minutes to decode; no encoder
/// writes more than a few dozen.
static void on_progress(j_common_ptr info) {
    j_decompress_ptr decompress = (j_decompress_ptr)info;
    if (decompress->input_scan_number > 1000) {
        jpeg_failure *failure = (jpeg_failure *)info->err;
        snprintf(failure->result->message, sizeof failure->result->message,
                 "more than 1000 progressive scans");
        longjmp(failure->jump, 1);
    }
}

mimic_image_status mimic_jpeg_decode(const uint8_t *data, size_t size, uint64_t max_values,
                                     uint8_t *pixels, size_t capacity, mimic_image_result *result) {
    memset(result, 0, sizeof *result);
    struct jpeg_decompress_struct info;
    jpeg_failure failure;
    volatile mimic_image_status status = MIMIC_IMAGE_DAMAGED;
    info.err = jpeg_std_error(&failure.base);
    failure.base.error_exit = on_error;
    failure.base.emit_message = on_message;
    failure.result = result;
    if (setjmp(failure.jump)) {
        jpeg_destroy_decompress(&info);
        return status;
    }
    jpeg_create_decompress(&info);
    failure.progress.progress_monitor = on_progress;
    info.progress = &failure.progress;
    jpeg_mem_src(&info, data, (unsigned long)size);
    if (jpeg_read_header(&info, TRUE) != JPEG_HEADER_OK) {
        snprintf(result->message, sizeof result->message, "it holds tables but no image");
        longjmp(failure.jump, 1);
    }
    switch (info.jpeg_color_space) {
    case JCS_GRAYSCALE:
        info.out_color_space = JCS_GRAYSCALE;
        result->channels = 1;
        break;
    case JCS_YCbCr:
    case JCS_RGB:
        info.out_color_space = JCS_RGB;
        result->channels = 3;
        break;
    default:
        snprintf(result->message, sizeof result->message, "%s colour",
                 info.jpeg_color_space == JCS_CMYK ? "CMYK"
                 : info.jpeg_color_space == JCS_YCCK ? "YCCK (CMYK)" : "an unknown kind of");
        status = MIMIC_IMAGE_UNSUPPORTED;
        longjmp(failure.jump, 1);
    }
    result->width = info.image_width;
    result->height = info.image_height;
    uint64_t values = (uint64_t)info.image_width * info.image_height * result->channels;
    if (values > max_values || values > capacity || pixels == NULL) {
        status = values > max_values ? MIMIC_IMAGE_TOO_LARGE : MIMIC_IMAGE_HEADER_ONLY;
        longjmp(failure.jump, 1);
    }
    jpeg_start_decompress(&info);
    if (info.output_width != result->width || info.output_height != result->height
        || (uint32_t)info.output_components != result->channels) {
        snprintf(result->message, sizeof result->message, "its decoded size differs from its header");
        longjmp(failure.jump, 1);
    }
    size_t stride = (size_t)result->width * result->channels;
    while (info.output_scanline < info.output_height) {
        JSAMPROW row = pixels + (size_t)info.output_scanline * stride;
        if (jpeg_read_scanlines(&info, &row, 1) != 1) {
            snprintf(result->message, sizeof result->message, "it ends before its last row");
            longjmp(failure.jump, 1);
        }
    }
    jpeg_finish_decompress(&info);
    jpeg_destroy_decompress(&info);
    return MIMIC_IMAGE_DECODED;
}
