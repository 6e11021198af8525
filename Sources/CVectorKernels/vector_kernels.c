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
#include <string.h>

#define AVX512 __attribute__((target("avx512f")))

/// The first `count` lanes of a 16-lane vector (all 16 for a count of 16 or more, none
/// for a count of 0 or less).
AVX512 static inline __mmask16 firstLanes(long count) {
    return count >= 16 ? (__mmask16)0xFFFF : count <= 0 ? 0 : (__mmask16)((1u << count) - 1);
}

/// `base` + `offset` floats, for a masked load or store whose address may lie before or
/// past its buffer where every lane that would reach there is masked off: counted as
/// an integer, since C leaves a pointer formed outside its buffer undefined.
static inline const float *lanes_at(const float *base, long offset) {
    return (const float *)((unsigned long)base + 4 * (unsigned long)offset);
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

/// How the direct loop reads its input, a constant where it is inlined.
/// SAME: a 3x3 convolution with stride 1 and padding 1; tap (dy, dx) reads the input
/// plane at row and column offsets dy − 1 and dx − 1 from the output pixel.
/// PHASES: stride 2. The input is split into its four phase planes (even and odd rows
/// by even and odd columns, phase 2·(row parity) + column parity), each of the output
/// plane's size: input row 2r + dy − 1 is row r − 1 of the odd rows for dy = 0, row r
/// of the even rows for dy = 1 and of the odd ones for dy = 2, and so for columns.
/// Every tap then reads one phase plane at an offset of −1 or 0, like a stride-1 tap.
/// GRADIENT_PHASE + p: the input gradient of that stride-2 convolution at its phase p,
/// from the output gradient: the taps whose input rows and columns have p's parities
/// (one, two or four of them), each at an offset of 0 or +1 (an input row 2q + 1 is
/// reached by output row q + 1 through dy = 0 and by row q through dy = 2).
enum { SAME = 0, PHASES = 1, GRADIENT_PHASE = 2 };

/// How many taps `mode` sums.
static inline __attribute__((always_inline)) int tap_count(const int mode) {
    if (mode < GRADIENT_PHASE) return 9;
    const int phase = mode - GRADIENT_PHASE;
    return (phase / 2 ? 2 : 1) * (phase % 2 ? 2 : 1);
}

/// The k-th tap (dy·3 + dx) that `mode` sums: in increasing order, but for PHASES by
/// the phase plane the taps read. (In tap order clang broadcast weights of later taps
/// early and spilled them: one thread, 16->32 channels on 28x28 input, 147 GFLOPS
/// against 174.)
static inline __attribute__((always_inline)) int tap_at(const int mode, const int k) {
    if (mode == SAME) return k;
    if (mode == PHASES) {
        static const int by_phase[9] = {4, 3, 5, 1, 7, 0, 2, 6, 8};
        return by_phase[k];
    }
    const int phase = mode - GRADIENT_PHASE, odd_rows = phase / 2, odd_columns = phase % 2;
    const int row = odd_columns ? k / 2 : k, column = odd_columns ? k % 2 : 0;
    return (odd_rows ? 2 * row : 1) * 3 + (odd_columns ? 2 * column : 1);
}

/// The row (or column) offset at which tap coordinate `d` (0 to 2) of `mode` reads.
static inline __attribute__((always_inline)) int tap_shift(const int mode, const int d) {
    if (mode == SAME) return d - 1;
    if (mode == PHASES) return d == 0 ? -1 : 0;
    return d == 0 ? 1 : 0;
}

/// Where tap `t` reads, from an output pixel's place in the input channel's planes.
static inline __attribute__((always_inline)) long tap_offset(const int mode, const int t, long plane, long width) {
    const long offset = tap_shift(mode, t / 3) * width + tap_shift(mode, t % 3);
    return mode == PHASES ? offset + ((t / 3 != 1) * 2 + (t % 3 != 1)) * plane : offset;
}

/// Which of a run's nine masks (those of a stride-1 convolution) tap `t` reads by: the
/// one of the stride-1 tap with the same offsets.
static inline __attribute__((always_inline)) int tap_mask(const int mode, const int t) {
    return (tap_shift(mode, t / 3) + 1) * 3 + tap_shift(mode, t % 3) + 1;
}

/// `channels` (at most 8) output channels by `runs` (1 to 3) runs of 16 pixels from
/// `tile`: up to 24 accumulators in registers while the input channels and taps go by.
/// With `channels`, `runs` and `mode` constants where it is inlined, its loops unroll.
/// Where `next_input` is given, the same runs of its planes are fetched into the caches.
AVX512 static inline __attribute__((always_inline)) void conv3x3_block(
    const float *in, long in_channels, long plane, long width, long tile, const int runs,
    const unsigned short *masks, const float *weights, long out_channels, long first_channel,
    const int channels, const float *bias, const float *add, int relu, float *out, const float *next_input,
    const int mode) {
    const long channel_stride = mode == PHASES ? 4 * plane : plane;
    __m512 acc[8][3];
    for (int c = 0; c < channels; c++) {
        for (int r = 0; r < runs; r++) acc[c][r] = _mm512_setzero_ps();
    }
    __mmask16 m[3][9];
    for (int r = 0; r < runs; r++) {
        for (int k = 0; k < tap_count(mode); k++) m[r][k] = masks[(tile + r) * 9 + tap_mask(mode, tap_at(mode, k))];
    }
    // The runs of `add` the sums end with come from memory (a residual block's shortcut
    // or its gradient, written long before): asked for now, they arrive while the sums
    // are made.
    if (add) {
        for (int c = 0; c < channels; c++) {
            for (int r = 0; r < runs; r++) {
                mimic_prefetch(add + (first_channel + c) * plane + (tile + r) * 16, 64);
            }
        }
    }
    for (long i = 0; i < in_channels; i++) {
        const float *source = in + i * channel_stride + tile * 16;
        const float *w = weights + i * 9 * out_channels + first_channel;
        if (next_input) {
            for (int r = 0; r < runs; r++) _mm_prefetch((const char *)(next_input + i * plane + (tile + r) * 16), _MM_HINT_T0);
        }
        for (int k = 0; k < tap_count(mode); k++) {
            const int t = tap_at(mode, k);
            const long offset = tap_offset(mode, t, plane, width);
            // Masked-off lanes read nothing, so an offset before or past the plane is safe.
            // (Through `lanes_at` this loop ran 5-15% slower: clang no longer folded the
            // offsets into the loads.)
            __m512 x[3];
            for (int r = 0; r < runs; r++) x[r] = _mm512_maskz_loadu_ps(m[r][k], source + 16 * r + offset);
            const float *wt = w + t * out_channels;
            for (int c = 0; c < channels; c++) {
                const __m512 weight = _mm512_set1_ps(wt[c]);
                for (int r = 0; r < runs; r++) acc[c][r] = _mm512_fmadd_ps(weight, x[r], acc[c][r]);
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

/// The first `count` runs of output channels [first_channel, first_channel + channels),
/// `channels` at most 8: in pairs, with three at once for an odd count (one alone only
/// when there is just one); eight channels together, fewer one by one. With eight,
/// `next_input` as in `conv3x3_block`; fewer read nothing ahead. `mode` a constant.
AVX512 static inline __attribute__((always_inline)) void conv3x3_runs(
    const float *in, long in_channels, long plane, long width, long count,
    const unsigned short *masks, const float *weights, long out_channels, long first_channel, long channels,
    const float *bias, const float *add, int relu, float *out, const float *next_input, const int mode) {
    if (channels < 8) {
        for (long o = first_channel; o < first_channel + channels; o++) {
            for (long tile = 0; tile < count; tile++) {
                conv3x3_block(in, in_channels, plane, width, tile, 1, masks, weights, out_channels, o, 1, bias, add, relu,
                              out, 0, mode);
            }
        }
        return;
    }
    const long paired = count == 1 ? 0 : count % 2 == 0 ? count : count - 3;
    for (long tile = 0; tile < paired; tile += 2) {
        conv3x3_block(in, in_channels, plane, width, tile, 2, masks, weights, out_channels, first_channel, 8,
                      bias, add, relu, out, next_input, mode);
    }
    if (count == 1) {
        conv3x3_block(in, in_channels, plane, width, 0, 1, masks, weights, out_channels, first_channel, 8,
                      bias, add, relu, out, next_input, mode);
    } else if (count % 2 == 1) {
        conv3x3_block(in, in_channels, plane, width, paired, 3, masks, weights, out_channels, first_channel, 8,
                      bias, add, relu, out, next_input, mode);
    }
}

/// Output pixels [p0, p0 + pixels) of every channel, sixteen channels to a vector and
/// `vectors` vectors at a time: pixels·vectors sums in flight (at most 16). With
/// `pixels` and `vectors` constants where it is inlined, its loops unroll.
AVX512 static inline __attribute__((always_inline)) void conv3x3_pixels(
    const float *in, long in_channels, long height, long width, long p0, const int pixels, const int vectors,
    const float *weights, long out_channels, const float *bias, const float *add, int relu, float *out) {
    const long plane = height * width;
    // Where each tap of each pixel reads, or -1 for padding.
    long offset[4][9];
    for (int q = 0; q < pixels; q++) {
        const long p = p0 + q;
        for (int t = 0; t < 9; t++) {
            const long y = p / width + t / 3 - 1, x = p % width + t % 3 - 1;
            offset[q][t] = y >= 0 && y < height && x >= 0 && x < width ? y * width + x : -1;
        }
    }
    for (long o = 0; o < out_channels; o += 16 * vectors) {
        __mmask16 used[4];
        __m512 acc[4][4];
        for (int v = 0; v < vectors; v++) {
            const long left = out_channels - o - 16 * v;
            used[v] = left <= 0 ? 0 : firstLanes(left);
            for (int q = 0; q < pixels; q++) acc[q][v] = _mm512_setzero_ps();
        }
        for (long i = 0; i < in_channels; i++) {
            const float *source = in + i * plane;
            const float *w = weights + i * 9 * out_channels + o;
            for (int t = 0; t < 9; t++) {
                __m512 weight[4];
                for (int v = 0; v < vectors; v++) weight[v] = _mm512_maskz_loadu_ps(used[v], w + t * out_channels + 16 * v);
                for (int q = 0; q < pixels; q++) {
                    const __m512 x = _mm512_set1_ps(offset[q][t] >= 0 ? source[offset[q][t]] : 0.0f);
                    for (int v = 0; v < vectors; v++) acc[q][v] = _mm512_fmadd_ps(weight[v], x, acc[q][v]);
                }
            }
        }
        for (int q = 0; q < pixels; q++) {
            float values[64];
            for (int v = 0; v < vectors; v++) _mm512_storeu_ps(values + 16 * v, acc[q][v]);
            for (long k = 0; k < 16 * vectors && o + k < out_channels; k++) {
                const long at = (o + k) * plane + p0 + q;
                float y = values[k];
                if (bias) y = y + bias[o + k];
                if (add) y = y + add[at];
                // larger(y, 0): y itself when NaN.
                if (relu) y = 0.0f > y ? 0.0f : y;
                out[at] = y;
            }
        }
    }
}

/// The output pixels [first, plane) for every channel: for the few pixels past the
/// plane's last whole run, where a run of 16 lanes would compute mostly nothing (7x7:
/// 1 pixel in the fourth). Four pixels by two vectors at a time, or fewer pixels by
/// four vectors, so that about eight sums are in flight, as the FMA units' latency needs.
/// Each value is summed in the block's order, input channels then taps, with the same
/// fused multiply-adds, a tap that reads padding adding w·0; then the same bias, sum
/// and ReLU: the same bits as a run would give.
AVX512 static void conv3x3_last_pixels(
    const float *in, long in_channels, long height, long width, long first,
    const float *weights, long out_channels, const float *bias, const float *add, int relu, float *out) {
    const long plane = height * width;
    long p = first;
    for (; p + 4 <= plane; p += 4) {
        conv3x3_pixels(in, in_channels, height, width, p, 4, 2, weights, out_channels, bias, add, relu, out);
    }
    if (p + 2 <= plane) {
        conv3x3_pixels(in, in_channels, height, width, p, 2, 4, weights, out_channels, bias, add, relu, out);
        p += 2;
    }
    if (p < plane) conv3x3_pixels(in, in_channels, height, width, p, 1, 4, weights, out_channels, bias, add, relu, out);
}

/// Asks for every 64-byte line of `bytes` bytes at `start` to be brought into L2.
static inline void prefetch_l2(const char *start, long bytes) {
    const unsigned long end = (unsigned long)start + (unsigned long)bytes;
    for (unsigned long line = (unsigned long)start & ~63ul; line < end; line += 64) {
        _mm_prefetch((const char *)line, _MM_HINT_T1);
    }
}

/// A region of memory fetched into L2 a part at a time while a loop computes: the next
/// sample's, which the loop would read from memory else. A null start fetches nothing.
/// The region may reach past a buffer's end (a last call's shorter input): addresses
/// are only counted, never formed from `start` as pointers.
struct read_ahead {
    const char *start;
    long bytes;
    /// Bytes a part.
    long share;
};

/// `bytes` bytes at `start`, in `parts` parts.
static inline struct read_ahead read_ahead_in(const void *start, long bytes, long parts) {
    const struct read_ahead ahead = {(const char *)start, bytes, (bytes + parts - 1) / parts};
    return ahead;
}

/// Fetches part `part` of `ahead` (none past its end).
static inline void read_ahead_part(struct read_ahead ahead, long part) {
    const long from = part * ahead.share;
    if (ahead.start && from < ahead.bytes) {
        prefetch_l2((const char *)((unsigned long)ahead.start + from), ahead.bytes - from < ahead.share ? ahead.bytes - from : ahead.share);
    }
}

/// The weight gradient of input channels [first, first + inputs) and filters
/// [o, o + 16·vectors): inputs·vectors·9 vectors of 16 filters in registers while the
/// sample's pixels go by, each pixel's output gradient for those filters one load a
/// vector and each tap's input one broadcast. `padded` holds each input channel's
/// planes (one, or four phase planes for PHASES) with a zero border of one pixel, each
/// (height + 2)·(width + 2) floats, height and width the output's. With `vectors`,
/// `inputs` and `mode` constants where it is inlined, its loops unroll.
AVX512 static inline __attribute__((always_inline)) void conv3x3_weight_gradient_block(
    const float *padded, long padded_plane, long padded_width, long height, long width,
    const float *transposed, long filters, long o, long first, const int vectors, const int inputs, float *gradient,
    const int mode, const struct read_ahead ahead[2], long block) {
    const long planes = mode == PHASES ? 4 : 1;
    __m512 acc[3][2][9];
    for (int a = 0; a < inputs; a++) {
        for (int v = 0; v < vectors; v++) {
            for (int t = 0; t < 9; t++) acc[a][v][t] = _mm512_loadu_ps(gradient + ((first + a) * 9 + t) * filters + o + 16 * v);
        }
    }
    for (long r = 0; r < height; r++) {
        for (int k = 0; k < 2; k++) read_ahead_part(ahead[k], block * height + r);
        // Two pixels at a time: with stride 1, tap (dy, dx) of pixel c + 1 reads what tap
        // (dy, dx + 1) of pixel c reads, so a row of taps takes four broadcasts rather
        // than six (the compiler finds the shared loads; with stride 2 only dx = 0 of
        // c + 1 and dx = 2 of c share, five). Each sum still takes pixel c, then c + 1.
        long c = 0;
        for (; c + 2 <= width; c += 2) {
            __m512 g[2], h[2];
            for (int v = 0; v < vectors; v++) {
                g[v] = _mm512_loadu_ps(transposed + (r * width + c) * filters + o + 16 * v);
                h[v] = _mm512_loadu_ps(transposed + (r * width + c + 1) * filters + o + 16 * v);
            }
            for (int a = 0; a < inputs; a++) {
                const float *window = padded + (first + a) * planes * padded_plane + r * padded_width + c;
                for (int t = 0; t < 9; t++) {
                    const long at = tap_offset(mode, t, padded_plane, padded_width) + padded_width + 1;
                    const __m512 x = _mm512_set1_ps(window[at]), y = _mm512_set1_ps(window[at + 1]);
                    for (int v = 0; v < vectors; v++) {
                        acc[a][v][t] = _mm512_fmadd_ps(g[v], x, acc[a][v][t]);
                        acc[a][v][t] = _mm512_fmadd_ps(h[v], y, acc[a][v][t]);
                    }
                }
            }
        }
        for (; c < width; c++) {
            __m512 g[2];
            for (int v = 0; v < vectors; v++) g[v] = _mm512_loadu_ps(transposed + (r * width + c) * filters + o + 16 * v);
            for (int a = 0; a < inputs; a++) {
                // The border makes the offset of tap t from output pixel (r, c) one more in
                // rows and columns than `tap_offset` says, and never negative.
                const float *window = padded + (first + a) * planes * padded_plane + r * padded_width + c;
                for (int t = 0; t < 9; t++) {
                    const __m512 x = _mm512_set1_ps(window[tap_offset(mode, t, padded_plane, padded_width) + padded_width + 1]);
                    for (int v = 0; v < vectors; v++) acc[a][v][t] = _mm512_fmadd_ps(g[v], x, acc[a][v][t]);
                }
            }
        }
    }
    for (int a = 0; a < inputs; a++) {
        for (int v = 0; v < vectors; v++) {
            for (int t = 0; t < 9; t++) _mm512_storeu_ps(gradient + ((first + a) * 9 + t) * filters + o + 16 * v, acc[a][v][t]);
        }
    }
}

/// Adds one sample's weight gradient into `gradient` from `padded` (as the block above
/// reads it) and its output gradient [filters, height, width], height and width the
/// output's. `transposed` is room for height·width·filters floats. The next sample's
/// input and output gradient (`next_in_bytes` bytes at `next_in`, `next_out_bytes` at
/// `next_out`) are fetched into L2 as the blocks go, a part at each row of each block.
AVX512 static inline __attribute__((always_inline)) void conv3x3_weight_gradient(
    const float *padded, long in_channels, long height, long width, const float *gradient_out, long filters,
    float *transposed, float *gradient, const int mode, const float *next_in, long next_in_bytes,
    const float *next_out, long next_out_bytes) {
    const long plane = height * width, padded_width = width + 2, padded_plane = (height + 2) * padded_width;
    const long blocks = filters / 32 * in_channels + (filters % 32 ? in_channels / 3 + in_channels % 3 : 0);
    const struct read_ahead ahead[2] = {read_ahead_in(next_in, next_in_bytes, blocks * height),
                                        read_ahead_in(next_out, next_out_bytes, blocks * height)};
    long block = 0;
    // The output gradient pixel by pixel, [plane, filters]: a pixel's filters are a load.
    // Gathered sixteen filters at a time (a scalar loop took a fifth of the whole).
    const __m512i lanes = _mm512_mullo_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                                             _mm512_set1_epi32((int)plane));
    for (long o = 0; o < filters; o += 16) {
        const float *source = gradient_out + o * plane;
        for (long p = 0; p < plane; p++) {
            _mm512_storeu_ps(transposed + p * filters + o, _mm512_i32gather_ps(lanes, source + p, 4));
        }
    }
    long o = 0;
    for (; o + 32 <= filters; o += 32) {
        for (long i = 0; i < in_channels; i++) {
            conv3x3_weight_gradient_block(padded, padded_plane, padded_width, height, width, transposed, filters, o, i,
                                          2, 1, gradient, mode, ahead, block++);
        }
    }
    if (o < filters) {
        long i = 0;
        for (; i + 3 <= in_channels; i += 3) {
            conv3x3_weight_gradient_block(padded, padded_plane, padded_width, height, width, transposed, filters, o, i,
                                          1, 3, gradient, mode, ahead, block++);
        }
        for (; i < in_channels; i++) {
            conv3x3_weight_gradient_block(padded, padded_plane, padded_width, height, width, transposed, filters, o, i,
                                          1, 1, gradient, mode, ahead, block++);
        }
    }
}

/// Zeroes the one-pixel border of a plane padded to (height + 2) x (width + 2), whose
/// inside the caller fills row by row.
static void zero_border(float *padded, long height, long width) {
    const long padded_width = width + 2;
    memset(padded, 0, sizeof(float) * padded_width);
    memset(padded + (height + 1) * padded_width, 0, sizeof(float) * padded_width);
    for (long r = 1; r <= height; r++) {
        padded[r * padded_width] = 0;
        padded[r * padded_width + width + 1] = 0;
    }
}

/// `count` floats from `source` into `target`, each times `scale` plus `shift` and then,
/// when `relu`, 0 where 0 >= it: the same two roundings and the same NaNs as BatchNorm's
/// Swift loop, max(x·scale + shift, 0).
AVX512 static void affine_row(const float *source, long count, float scale, float shift, int relu, float *target) {
    const __m512 a = _mm512_set1_ps(scale), b = _mm512_set1_ps(shift), zero = _mm512_setzero_ps();
    for (long c = 0; c < count; c += 16) {
        const __mmask16 used = firstLanes(count - c);
        __m512 y = _mm512_add_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(used, source + c), a), b);
        if (relu) y = _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(zero, y, _CMP_GE_OQ), zero);
        _mm512_mask_storeu_ps(target + c, used, y);
    }
}

AVX512 void mimic_conv3x3_weight_gradient_avx512(
    const float *in, long in_channels, long height, long width, const float *gradient_out, long filters,
    const float *scale, const float *shift, int relu, float *scratch, float *gradient,
    const float *next_in, const float *next_gradient_out) {
    const long plane = height * width, padded_width = width + 2, padded_plane = (height + 2) * padded_width;
    // The input with its zero border, so that no tap needs a mask.
    float *padded = scratch;
    for (long i = 0; i < in_channels; i++) {
        float *target = padded + i * padded_plane;
        zero_border(target, height, width);
        for (long r = 0; r < height; r++) {
            float *row = target + (r + 1) * padded_width;
            if (scale) {
                affine_row(in + i * plane + r * width, width, scale[i], shift[i], relu, row + 1);
            } else {
                memcpy(row + 1, in + i * plane + r * width, sizeof(float) * width);
            }
        }
    }
    conv3x3_weight_gradient(padded, in_channels, height, width, gradient_out, filters, padded + in_channels * padded_plane,
                            gradient, SAME, next_in, 4 * in_channels * plane, next_gradient_out, 4 * filters * plane);
}

/// Row `y` of an input plane `width` wide, its even or odd columns (`odd`) into
/// `columns` floats at `target`, zeros past the row's end; zeros for a row past the
/// plane (`y` >= `height`).
AVX512 static inline void deinterleave_row(const float *plane, long height, long width, long y, int odd, long columns,
                                           float *target) {
    const __m512i pick = _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
    const __m512i even_pick = _mm512_sub_epi32(pick, _mm512_set1_epi32(1));
    for (long c = 0; c < columns; c += 16) {
        const long x = 2 * c;
        __m512 low = _mm512_setzero_ps(), high = _mm512_setzero_ps();
        if (y < height) {
            low = _mm512_maskz_loadu_ps(firstLanes(width - x), plane + y * width + x);
            high = _mm512_maskz_loadu_ps(firstLanes(width - x - 16), lanes_at(plane, y * width + x + 16));
        }
        const __m512 picked = _mm512_permutex2var_ps(low, odd ? pick : even_pick, high);
        _mm512_mask_storeu_ps(target + c, firstLanes(columns - c), picked);
    }
}

AVX512 void mimic_conv3x3_stride2_weight_gradient_avx512(
    const float *in, long in_channels, long height, long width, const float *gradient_out, long filters,
    float *scratch, float *gradient, const float *next_in, const float *next_gradient_out) {
    const long out_height = (height + 1) / 2, out_width = (width + 1) / 2;
    const long padded_width = out_width + 2, padded_plane = (out_height + 2) * padded_width;
    // Each channel's four phase planes with a zero border.
    float *padded = scratch;
    for (long i = 0; i < in_channels; i++) {
        for (int phase = 0; phase < 4; phase++) {
            float *target = padded + (i * 4 + phase) * padded_plane;
            zero_border(target, out_height, out_width);
            for (long r = 0; r < out_height; r++) {
                float *row = target + (r + 1) * padded_width;
                deinterleave_row(in + i * height * width, height, width, 2 * r + phase / 2, phase % 2, out_width, row + 1);
            }
        }
    }
    conv3x3_weight_gradient(padded, in_channels, out_height, out_width, gradient_out, filters,
                            padded + in_channels * 4 * padded_plane, gradient, PHASES, next_in, 4 * in_channels * height * width,
                            next_gradient_out, 4 * filters * out_height * out_width);
}

/// Splits `samples` samples [samples, channels, height, width] into their phase planes,
/// [samples, channels, 4, ⌈height/2⌉, ⌈width/2⌉] (see PHASES), zeros past the input.
AVX512 static void split_phases(const float *in, long samples, long channels, long height, long width, float *phases) {
    const long out_height = (height + 1) / 2, out_width = (width + 1) / 2, plane = out_height * out_width;
    for (long i = 0; i < samples * channels; i++) {
        for (int phase = 0; phase < 4; phase++) {
            for (long r = 0; r < out_height; r++) {
                deinterleave_row(in + i * height * width, height, width, 2 * r + phase / 2, phase % 2, out_width,
                                 phases + (i * 4 + phase) * plane + r * out_width);
            }
        }
    }
}

AVX512 void mimic_conv3x3_stride2_avx512(
    const float *in, long in_channels, long height, long width, long samples,
    const unsigned short *masks, const float *weights, long out_channels,
    const float *bias, const float *add, int relu, float *out, float *scratch, const float *next_input) {
    const long plane = ((height + 1) / 2) * ((width + 1) / 2), out_width = (width + 1) / 2;
    const long in_size = in_channels * 4 * plane, out_size = out_channels * plane;
    split_phases(in, samples, in_channels, height, width, scratch);
    // Every run as a run, the last one partly used: no loop for the pixels after the
    // last whole run.
    const long runs = (plane + 15) / 16;
    // The next call's input, a part at each step: the split reads it from memory.
    const struct read_ahead ahead = read_ahead_in(next_input, 4 * samples * in_channels * height * width,
                                                  (out_channels + 7) / 8 * samples);
    long step = 0;
    for (long o = 0; o < out_channels; o += 8) {
        const long channels = out_channels - o < 8 ? out_channels - o : 8;
        for (long n = 0; n < samples; n++) {
            read_ahead_part(ahead, step++);
            conv3x3_runs(scratch + n * in_size, in_channels, plane, out_width, runs, masks, weights, out_channels, o,
                         channels, bias, add ? add + n * out_size : 0, relu, out + n * out_size, 0, PHASES);
        }
    }
}

/// The input gradient's phase `mode` − GRADIENT_PHASE ([in_channels, plane] at `out`) of
/// one sample. `ahead` (the next sample's output gradient, in a part for each block
/// of eight channels of each phase) has its parts for this phase fetched meanwhile.
AVX512 static inline __attribute__((always_inline)) void conv3x3_gradient_phase(
    const float *gradient_out, long out_channels, long plane, long width, const unsigned short *masks,
    const float *weights, long in_channels, float *out, const int mode, struct read_ahead ahead) {
    const long runs = (plane + 15) / 16, blocks = (in_channels + 7) / 8;
    for (long i = 0; i < in_channels; i += 8) {
        const long channels = in_channels - i < 8 ? in_channels - i : 8;
        read_ahead_part(ahead, (mode - GRADIENT_PHASE) * blocks + i / 8);
        conv3x3_runs(gradient_out, out_channels, plane, width, runs, masks, weights, in_channels, i, channels, 0, 0, 0,
                     out, 0, mode);
    }
}

AVX512 void mimic_conv3x3_stride2_input_gradient_avx512(
    const float *gradient_out, long out_channels, long height, long width, long samples,
    const unsigned short *masks, const float *weights, long in_channels, const float *add, float *dx, float *scratch,
    const float *next_gradient_out) {
    const long out_height = (height + 1) / 2, out_width = (width + 1) / 2, plane = out_height * out_width;
    const long in_size = in_channels * height * width;
    const __m512i low_pick = _mm512_set_epi32(23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    const __m512i high_pick = _mm512_add_epi32(low_pick, _mm512_set1_epi32(8));
    for (long n = 0; n < samples; n++) {
        const float *dy = gradient_out + n * out_channels * plane;
        const struct read_ahead ahead = read_ahead_in(n + 1 < samples ? dy + out_channels * plane : next_gradient_out,
                                                      4 * out_channels * plane, 4 * ((in_channels + 7) / 8));
        // The four phases, each [in_channels, plane], one after the other.
        conv3x3_gradient_phase(dy, out_channels, plane, out_width, masks, weights, in_channels, scratch, GRADIENT_PHASE,
                               ahead);
        conv3x3_gradient_phase(dy, out_channels, plane, out_width, masks, weights, in_channels,
                               scratch + in_channels * plane, GRADIENT_PHASE + 1, ahead);
        conv3x3_gradient_phase(dy, out_channels, plane, out_width, masks, weights, in_channels,
                               scratch + 2 * in_channels * plane, GRADIENT_PHASE + 2, ahead);
        conv3x3_gradient_phase(dy, out_channels, plane, out_width, masks, weights, in_channels,
                               scratch + 3 * in_channels * plane, GRADIENT_PHASE + 3, ahead);
        // Interleaved back: row y's even columns from phase 2·(y%2), its odd ones from
        // the phase after, plus `add` (which may be `dx`).
        for (long i = 0; i < in_channels; i++) {
            for (long y = 0; y < height; y++) {
                const float *even = scratch + ((y % 2) * 2 * in_channels + i) * plane + (y / 2) * out_width;
                const float *odd = even + in_channels * plane;
                const long at = n * in_size + (i * height + y) * width;
                for (long c = 0; c < out_width; c += 16) {
                    const __m512 e = _mm512_maskz_loadu_ps(firstLanes(out_width - c), even + c);
                    const __m512 o = _mm512_maskz_loadu_ps(firstLanes(out_width - c), odd + c);
                    const long x = 2 * c;
                    const __mmask16 low_used = firstLanes(width - x), high_used = firstLanes(width - x - 16);
                    __m512 low = _mm512_permutex2var_ps(e, low_pick, o), high = _mm512_permutex2var_ps(e, high_pick, o);
                    if (add) {
                        low = _mm512_add_ps(low, _mm512_maskz_loadu_ps(low_used, add + at + x));
                        high = _mm512_add_ps(high, _mm512_maskz_loadu_ps(high_used, lanes_at(add, at + x + 16)));
                    }
                    _mm512_mask_storeu_ps(dx + at + x, low_used, low);
                    _mm512_mask_storeu_ps((float *)lanes_at(dx, at + x + 16), high_used, high);
                }
            }
        }
    }
}

AVX512 void mimic_conv3x3_same_avx512(
    const float *in, long in_channels, long height, long width, long samples,
    const unsigned short *masks, const float *weights, long out_channels,
    const float *bias, const float *add, int relu, float *out, const float *next_input) {
    const long plane = height * width;
    const long in_size = in_channels * plane, out_size = out_channels * plane;
    // Up to 7 pixels past the last whole run go by `conv3x3_last_pixels`, more as a run.
    const long whole = plane / 16, left = plane % 16;
    const long runs = left > 7 ? whole + 1 : whole;
    // Samples inside the filters' loop, so that one block's weights, in_channels·9·8
    // floats, are read once for every sample of the call rather than once a sample: at
    // 256 channels they are 72 KB a block and 2.3 MB a layer, which would otherwise
    // come from L3 for each sample.
    //
    // While the first block of filters goes over a sample's input, the next sample's is
    // fetched into the caches, run by run: each input channel's plane is a stream, and
    // at 64 channels and more there are more streams than the hardware prefetcher
    // follows.
    for (long o = 0; o < out_channels; o += 8) {
        const long channels = out_channels - o < 8 ? out_channels - o : 8;
        for (long n = 0; n < samples; n++) {
            const float *next = o > 0 ? 0 : n + 1 < samples ? in + (n + 1) * in_size : next_input;
            conv3x3_runs(in + n * in_size, in_channels, plane, width, runs, masks, weights, out_channels, o, channels,
                         bias, add ? add + n * out_size : 0, relu, out + n * out_size, next, SAME);
        }
    }
    if (runs == whole && left > 0) {
        for (long n = 0; n < samples; n++) {
            conv3x3_last_pixels(in + n * in_size, in_channels, height, width, whole * 16, weights, out_channels, bias,
                                add ? add + n * out_size : 0, relu, out + n * out_size);
        }
    }
}

#endif
