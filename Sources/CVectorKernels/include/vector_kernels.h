#ifndef MIMIC_VECTOR_KERNELS_H
#define MIMIC_VECTOR_KERNELS_H

/// Engine loops compiled for AVX-512F whatever the build's target: Swift compiles the
/// engine for baseline x86-64 (16-byte vectors, no FMA) and cannot mark one function
/// for another instruction set. Call them only when CPUFeatures says the CPU has
/// AVX-512F and the OS saves its registers (MimicEngine's VectorKernels decides):
/// anywhere else they fault. The pooled convolution computes exactly what the engine's
/// portable loop beside it computes, in the same order and without fused multiply-adds,
/// so both give the same bits (but for which NaN comes out where two different NaNs
/// meet); the direct convolution sums in its own order (see below).

/// Asks the CPU to bring the `bytes` bytes at `start` into its caches, every 64-byte
/// line they touch, ahead of a pass that will read them. A hint: it never faults.
static inline void mimic_prefetch(const void *start, long bytes) {
    const unsigned long end = (unsigned long)start + (unsigned long)bytes;
    for (unsigned long line = (unsigned long)start & ~63ul; line < end; line += 64) __builtin_prefetch((const void *)line);
}

#if defined(__x86_64__)

/// A 3x3 convolution of one input channel with stride 1, the 2x2 max pool with stride 2
/// after it, the bias and, when `relu`, the ReLU; see ConvPoolInference.singleChannel.
/// `even` and `odd` are the padded input plane's even and odd columns, each at least
/// 2·pooled_rows+2 rows of `half_width` >= pooled_width+1 floats. `weights` is
/// [filters, 3, 3]; `out` is [filters, pooled_rows, pooled_width].
void mimic_conv3x3_pool_single_channel_avx512(
    const float *even, const float *odd, long half_width,
    const float *weights, const float *bias, long filters,
    long pooled_rows, long pooled_width, int relu, float *out);

/// A 3x3 convolution with stride 1 and padding 1 of `samples` samples, computed directly (no
/// columns): out[o][p] = Σ_i Σ_t weights[i][t][o] · in[i][p + offset(t)], summed over the
/// input channels i and, within each, over the nine taps t in order with fused
/// multiply-adds, then plus `bias[o]` (when given), plus `add[o][p]` (when given), then
/// the ReLU (when `relu`; NaN stays NaN, as Swift's max(x, 0) keeps it). Unlike the
/// loop above it rounds otherwise than the engine's portable path (im2col and
/// OpenBLAS): see DirectConvolution.
///
/// `in` is [samples, in_channels, height, width], `out` and `add` [samples, out_channels,
/// height, width]; each sample's numbers are the same whatever the samples beside it.
/// `weights` is [in_channels, 9, out_channels]. `masks` is [tiles, 9], tiles =
/// ceil(height·width / 16): for each run of 16 output pixels of the flattened plane
/// and each tap, the lanes whose input pixel lies inside the image. `next_input`, when
/// not NULL, is the input [in_channels, height, width] of the caller's next call: it
/// is fetched into the caches, not read, while the last sample is computed.
void mimic_conv3x3_same_avx512(
    const float *in, long in_channels, long height, long width, long samples,
    const unsigned short *masks, const float *weights, long out_channels,
    const float *bias, const float *add, int relu, float *out, const float *next_input);

/// The weight gradient of the convolution above, for one sample, added into `gradient`
/// ([in_channels, 9, filters], the transpose of the weights' [filters, in_channels, 3, 3]):
/// gradient[i][t][o] += Σ_p gradient_out[o][p] · in[i][p + offset(t)], the input read
/// as zero outside the image, summed over the pixels in order with fused multiply-adds.
/// `filters` is a multiple of 16. `in` is [in_channels, height, width] and
/// `gradient_out` [filters, height, width]; `scratch` holds in_channels·(height+2)·
/// (width+2) + height·width·filters floats. Where `scale` is given, the input is rather
/// in[i]·scale[i] + shift[i], and when `relu` 0 where 0 >= that (NaN stays NaN), as
/// Swift's max(·, 0): a batch norm's output, made again from its input as the loop
/// copies it. `next_in` and `next_gradient_out`, when not NULL, are the next sample's
/// `in` and `gradient_out`: fetched into the caches, not read, while this sample's
/// gradient is summed.
void mimic_conv3x3_weight_gradient_avx512(
    const float *in, long in_channels, long height, long width, const float *gradient_out, long filters,
    const float *scale, const float *shift, int relu, float *scratch, float *gradient,
    const float *next_in, const float *next_gradient_out);

/// The same convolution with stride 2 (output ⌈height/2⌉ x ⌈width/2⌉, out[o][r][c] from
/// input pixels (2r + dy − 1, 2c + dx − 1)), the input split into phase planes first so
/// that each tap reads contiguous pixels: `in` [samples, in_channels, height, width],
/// `out` and `add` [samples, out_channels, ⌈height/2⌉, ⌈width/2⌉], `weights` as above.
/// `masks` are those of a stride-1 convolution on the output's plane. `scratch` holds
/// samples·in_channels·4·⌈height/2⌉·⌈width/2⌉ floats. `next_input`, when not NULL, is
/// the input of the caller's next call, fetched into L2 in shares as the call goes.
void mimic_conv3x3_stride2_avx512(
    const float *in, long in_channels, long height, long width, long samples,
    const unsigned short *masks, const float *weights, long out_channels,
    const float *bias, const float *add, int relu, float *out, float *scratch, const float *next_input);

/// The input gradient of that stride-2 convolution: `dx` [samples, in_channels, height,
/// width] from `gradient_out` [samples, out_channels, ⌈height/2⌉, ⌈width/2⌉], plus `add`
/// where given (which may be `dx`). `weights` is [out_channels, 9, in_channels], the
/// taps in the forward order. `scratch` holds in_channels·4·⌈height/2⌉·⌈width/2⌉ floats.
/// `next_gradient_out`, when not NULL, is the output gradient of the caller's next call,
/// fetched into the caches meanwhile.
void mimic_conv3x3_stride2_input_gradient_avx512(
    const float *gradient_out, long out_channels, long height, long width, long samples,
    const unsigned short *masks, const float *weights, long in_channels, const float *add, float *dx, float *scratch,
    const float *next_gradient_out);

/// Its weight gradient for one sample, as `mimic_conv3x3_weight_gradient_avx512` (`height`
/// and `width` the input's); `scratch` holds in_channels·4·(⌈height/2⌉+2)·(⌈width/2⌉+2)
/// + ⌈height/2⌉·⌈width/2⌉·filters floats.
void mimic_conv3x3_stride2_weight_gradient_avx512(
    const float *in, long in_channels, long height, long width, const float *gradient_out, long filters,
    float *scratch, float *gradient, const float *next_in, const float *next_gradient_out);

#endif

#endif
