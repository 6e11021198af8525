// In the pooled convolution a product and a sum stay two roundings, as in the portable
// Swift loop (baseline x86-64 has no FMA): both loops then give the same bits, and a
// seed the same numbers. The direct convolution's fused multiply-adds are intrinsics,
// which the pragma leaves alone: it matches the portable path to rounding only.
// Before the includes, so that it covers the intrinsics' bodies too (target("avx512f")
// makes FMA available to the compiler); -ffast-math would override it, hence the error.
#pragma clang fp contract(off)
#ifdef __FAST_MATH__
#error "vector_kernels.c must not be built with -ffast-math: it must round as the Swift loop does"
#endif

#include "vector_kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f")))

/// The first `count` lanes of a 16-lane vector (all 16 for a count of 16 or more).
AVX512 static inline __mmask16 firstLanes(long count) {
    return count >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << count) - 1);
}

/// ConvPoolInference's `larger(x, y)`: y where x < y, else x (x where either is NaN).
AVX512 static inline __m512 larger(__m512 x, __m512 y) { return _mm512_max_ps(y, x); }

AVX512 void mimic_conv3x3_pool_single_channel_avx512(
    const float *even, const float *odd, long half_width,
    const float *weights, const float *bias, long filters,
    long pooled_rows, long pooled_width, int relu, float *out) {
    const long plane = pooled_rows * pooled_width;
    for (long r = 0; r < pooled_rows; r++) {
        for (long c = 0; c < pooled_width; c += 16) {
            const __mmask16 used = firstLanes(pooled_width - c);
            // Padded rows 2r ..< 2r+4 at columns c and c+1, even and odd: loaded once
            // for every filter. Masked-off lanes read nothing.
            __m512 e[4][2], o[4][2];
            for (int u = 0; u < 4; u++) {
                for (int s = 0; s < 2; s++) {
                    const long at = (2 * r + u) * half_width + c + s;
                    e[u][s] = _mm512_maskz_loadu_ps(used, even + at);
                    o[u][s] = _mm512_maskz_loadu_ps(used, odd + at);
                }
            }
            for (long f = 0; f < filters; f++) {
                const float *w = weights + 9 * f;
                __m512 best = _mm512_setzero_ps();
                // Output row 2r+i at the even and at the odd columns, summed in the
                // portable loop's order: ((w0·a + w1·b) + w2·c) row by row, rows added.
                for (int i = 0; i < 2; i++) {
                    __m512 evenColumns = _mm512_setzero_ps(), oddColumns = _mm512_setzero_ps();
                    for (int u = 0; u < 3; u++) {
                        const __m512 w0 = _mm512_set1_ps(w[3 * u]), w1 = _mm512_set1_ps(w[3 * u + 1]);
                        const __m512 w2 = _mm512_set1_ps(w[3 * u + 2]);
                        const int row = i + u;
                        const __m512 evenRow = _mm512_add_ps(
                            _mm512_add_ps(_mm512_mul_ps(w0, e[row][0]), _mm512_mul_ps(w1, o[row][0])),
                            _mm512_mul_ps(w2, e[row][1]));
                        const __m512 oddRow = _mm512_add_ps(
                            _mm512_add_ps(_mm512_mul_ps(w0, o[row][0]), _mm512_mul_ps(w1, e[row][1])),
                            _mm512_mul_ps(w2, o[row][1]));
                        evenColumns = u == 0 ? evenRow : _mm512_add_ps(evenColumns, evenRow);
                        oddColumns = u == 0 ? oddRow : _mm512_add_ps(oddColumns, oddRow);
                    }
                    const __m512 rowBest = larger(evenColumns, oddColumns);
                    best = i == 0 ? rowBest : larger(best, rowBest);
                }
                best = _mm512_add_ps(best, _mm512_set1_ps(bias[f]));
                if (relu) best = larger(best, _mm512_setzero_ps());
                _mm512_mask_storeu_ps(out + f * plane + r * pooled_width + c, used, best);
            }
        }
    }
}

/// `channels` (at most 8) output channels by two runs of 16 pixels, from `tile`: sixteen
/// accumulators in registers while the input channels and taps go by. With `channels`
/// a constant where it is inlined, the loops over it unroll.
AVX512 static inline __attribute__((always_inline)) void conv3x3_block(
    const float *in, long in_channels, long plane, long width, long tiles, long tile,
    const unsigned short *masks, const float *weights, long out_channels, long first_channel,
    const int channels, const float *bias, const float *add, int relu, float *out) {
    __m512 acc[8][2];
    for (int c = 0; c < channels; c++) {
        acc[c][0] = _mm512_setzero_ps();
        acc[c][1] = _mm512_setzero_ps();
    }
    // A missing second run (an odd number of runs) loads nothing and is not stored.
    const int runs = tile + 1 < tiles ? 2 : 1;
    __mmask16 m[2][9];
    for (int r = 0; r < 2; r++) {
        for (int t = 0; t < 9; t++) m[r][t] = r < runs ? masks[(tile + r) * 9 + t] : 0;
    }
    for (long i = 0; i < in_channels; i++) {
        const float *source = in + i * plane + tile * 16;
        const float *w = weights + i * 9 * out_channels + first_channel;
        for (int t = 0; t < 9; t++) {
            const long offset = (t / 3 - 1) * width + (t % 3 - 1);
            // Masked-off lanes read nothing, so an offset before the plane is safe.
            const __m512 x0 = _mm512_maskz_loadu_ps(m[0][t], source + offset);
            const __m512 x1 = _mm512_maskz_loadu_ps(m[1][t], source + 16 + offset);
            const float *wt = w + t * out_channels;
            for (int c = 0; c < channels; c++) {
                const __m512 weight = _mm512_set1_ps(wt[c]);
                acc[c][0] = _mm512_fmadd_ps(weight, x0, acc[c][0]);
                acc[c][1] = _mm512_fmadd_ps(weight, x1, acc[c][1]);
            }
        }
    }
    for (int c = 0; c < channels; c++) {
        const long o = first_channel + c;
        for (int r = 0; r < runs; r++) {
            const long at = o * plane + (tile + r) * 16;
            const __mmask16 used = firstLanes(plane - (tile + r) * 16);
            __m512 y = acc[c][r];
            if (bias) y = _mm512_add_ps(y, _mm512_set1_ps(bias[o]));
            if (add) y = _mm512_add_ps(y, _mm512_maskz_loadu_ps(used, add + at));
            if (relu) y = larger(y, _mm512_setzero_ps());
            _mm512_mask_storeu_ps(out + at, used, y);
        }
    }
}

AVX512 void mimic_conv3x3_same_avx512(
    const float *in, long in_channels, long height, long width,
    const unsigned short *masks, const float *weights, long out_channels,
    const float *bias, const float *add, int relu, float *out) {
    const long plane = height * width;
    const long tiles = (plane + 15) / 16;
    long o = 0;
    for (; o + 8 <= out_channels; o += 8) {
        for (long tile = 0; tile < tiles; tile += 2) {
            conv3x3_block(in, in_channels, plane, width, tiles, tile, masks, weights, out_channels, o, 8,
                          bias, add, relu, out);
        }
    }
    for (; o < out_channels; o++) {
        for (long tile = 0; tile < tiles; tile += 2) {
            conv3x3_block(in, in_channels, plane, width, tiles, tile, masks, weights, out_channels, o, 1,
                          bias, add, relu, out);
        }
    }
}

#endif
