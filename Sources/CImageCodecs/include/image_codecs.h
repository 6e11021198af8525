#ifndef MIMIC_IMAGE_CODECS_H
#define MIMIC_IMAGE_CODECS_H

#include <stddef.h>
#include <stdint.h>

/// libpng and libjpeg report errors by longjmp out of their callbacks. Every call into
/// them is made here, in C, so that no longjmp ever crosses a Swift frame; Swift sees
/// only a status and a message.

typedef enum {
    MIMIC_IMAGE_DECODED = 0,
    /// The header's width x height x channels exceeds max_values; nothing was allocated.
    MIMIC_IMAGE_TOO_LARGE = 1,
    /// The header was read (width, height, channels are set) but the pixels would not
    /// fit in the buffer given (or none was given); nothing was decoded.
    MIMIC_IMAGE_HEADER_ONLY = 2,
    /// The file is damaged or truncated; message holds the library's words.
    MIMIC_IMAGE_DAMAGED = 3,
    /// A valid file in a form mimic does not read (a CMYK JPEG); message says which.
    MIMIC_IMAGE_UNSUPPORTED = 4,
} mimic_image_status;

typedef struct {
    uint32_t width;
    uint32_t height;
    /// After conversion: 1 for gray (with or without alpha), 3 for colour.
    uint32_t channels;
    char message[200];
} mimic_image_result;

/// Decodes a PNG held in memory to 8-bit samples, interleaved, rows top to bottom:
/// alpha and tRNS dropped, palettes expanded to RGB, gray of 1, 2 or 4 bits stretched to
/// 0-255, 16-bit samples scaled to 8 with exact rounding (png_set_scale_16).
mimic_image_status mimic_png_decode(const uint8_t *data, size_t size, uint64_t max_values,
                                    uint8_t *pixels, size_t capacity, mimic_image_result *result);

/// Decodes a JPEG held in memory to 8-bit gray or RGB samples, interleaved. Warnings
/// about corrupt data (a truncated file, a bad marker) count as damage.
mimic_image_status mimic_jpeg_decode(const uint8_t *data, size_t size, uint64_t max_values,
                                     uint8_t *pixels, size_t capacity, mimic_image_result *result);

// Writers, for the tests and the fuzzers' seeds: images in every colour type and bit
// depth, made by the libraries themselves. Each returns 0 and a malloc'd buffer that
// the caller frees with mimic_image_free, or -1.

/// `samples` holds width*height*samples-per-pixel values (1 gray or palette index, 2
/// gray+alpha, 3 RGB, 4 RGBA), each below 2^bit_depth. `palette` holds palette_count
/// RGB triples for colour type 3.
int mimic_png_encode(const uint16_t *samples, uint32_t width, uint32_t height,
                     int color_type, int bit_depth, const uint8_t *palette, int palette_count,
                     int interlaced, uint8_t **out, size_t *out_size);

/// `pixels` holds width*height*components bytes, interleaved; components is 1 (gray),
/// 3 (RGB) or 4 (CMYK, which the decoder refuses).
int mimic_jpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height,
                      int components, int quality, uint8_t **out, size_t *out_size);

void mimic_image_free(void *buffer);

#endif
