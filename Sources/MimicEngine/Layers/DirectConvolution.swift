import CVectorKernels

/// A 3x3 convolution with stride 1 and padding 1 (the output as large as the input),
/// computed straight from the input planes by CVectorKernels' AVX-512 loop, with no
/// columns: each run of 16 output pixels of the flattened plane is loaded once per tap
/// and input channel for eight filters at a time, two or three runs together, the
/// input pixels that fall outside the image masked off. The few pixels after the last
/// whole run (7x7: one) go sixteen filters to a vector instead of wasting a run. Its
/// input gradient is the same convolution of the output gradient, with the filters'
/// in and out channels swapped and their taps reversed. Its weight gradient, where the
/// filters fill vectors of 16, is a second loop: the filters along the vector, the
/// nine taps of one to three input channels in registers while the pixels go by.
///
/// Why: at the channel counts of the CIFAR ResNets (16 to 64) a convolution by im2col
/// and sgemm spends longer writing, packing and reading its columns than multiplying.
/// One thread, Zen 5, against im2col and OpenBLAS's own AVX-512 sgemm (about 240
/// GFLOPS on a large product): 16 channels at 28x28 255 GFLOPS directly against 55,
/// 32 at 14x14 258 against 80, 64 at 7x7 255 against 105; the weight gradient 188
/// against 54, 223 against 86, 218 against 128 (PERFORMANCE.md).
///
/// Its sums run in another order than OpenBLAS's, with fused multiply-adds, so its
/// numbers differ from the portable path's in the last bits: the same CPU, seed and
/// thread count still give the same numbers, but a CPU without AVX-512 gives others.
final class DirectConvolution {
    let inputChannels: Int
    let outputChannels: Int
    let height: Int
    let width: Int
    /// For each run of 16 pixels of the plane and each tap, the lanes that read the image.
    private let masks: [UInt16]
    /// Samples to a call: the loop reads a block of eight filters' weights once for all
    /// of them. Where a layer's weights outgrow L2 (256 channels: 2.3 MB) they would
    /// otherwise stream from L3 for every sample; as many samples as keep their inputs
    /// within half of a 1 MB L2 share each pass over them (256 channels at 8x8, one
    /// thread: 198 GFLOPS a sample at a time, 246 eight at a time). Smaller layers gain
    /// nothing, and large planes lose (64 channels at 32x32: 246 one at a time, 220 by
    /// four), so they go one by one. A sample's numbers do not depend on it.
    let samplesPerCall: Int
    /// The filters as the loop reads them, [in, 9, out], for forward and for the input
    /// gradient; made from the weights before each pass (the second only in training).
    private let forwardWeights = FloatBuffer()
    private let gradientWeights = FloatBuffer()

    /// Nil unless the CPU runs the AVX-512 loop and the convolution is a 3x3 one with
    /// stride 1 and padding 1.
    init?(input: SampleShape, filters: Int, kernel: Int, stride: Int, padding: Int) {
        #if arch(x86_64)
        guard VectorKernels.enabled, kernel == 3, stride == 1, padding == 1 else { return nil }
        #else
        return nil
        #endif
        inputChannels = input.channels
        outputChannels = filters
        height = input.height
        width = input.width
        let plane = height * width
        var masks: [UInt16] = []
        for run in 0..<(plane + 15) / 16 {
            for tap in 0..<9 {
                var mask: UInt16 = 0
                for lane in 0..<16 where run * 16 + lane < plane {
                    let pixel = run * 16 + lane
                    let y = pixel / width + tap / 3 - 1, x = pixel % width + tap % 3 - 1
                    if y >= 0, y < height, x >= 0, x < width { mask |= 1 << lane }
                }
                masks.append(mask)
            }
        }
        self.masks = masks
        let weightBytes = 4 * 9 * inputChannels * filters
        let sampleBytes = 4 * max(inputChannels, filters) * plane
        samplesPerCall = weightBytes > 1 << 20 ? max(1, min(16, (1 << 19) / sampleBytes)) : 1
    }

    /// Lays out `weight` ([out, in, 3, 3], as Conv2D holds it) for `forward`.
    func prepareForward(_ weight: UnsafePointer<Float>) {
        let forwardWeights = forwardWeights.reserve(inputChannels * 9 * outputChannels)
        for o in 0..<outputChannels {
            for i in 0..<inputChannels {
                for tap in 0..<9 { forwardWeights[(i * 9 + tap) * outputChannels + o] = weight[(o * inputChannels + i) * 9 + tap] }
            }
        }
    }

    /// Lays out `weight` for `inputGradient`: the output gradient's channels are the
    /// loop's input, and tap t reads where tap 8 − t wrote.
    func prepareGradient(_ weight: UnsafePointer<Float>) {
        let gradientWeights = gradientWeights.reserve(inputChannels * 9 * outputChannels)
        for o in 0..<outputChannels {
            for i in 0..<inputChannels {
                for tap in 0..<9 { gradientWeights[(o * 9 + 8 - tap) * inputChannels + i] = weight[(o * inputChannels + i) * 9 + tap] }
            }
        }
    }

    /// The output [samples, out, H, W] of consecutive samples, plus `bias` and `adding`
    /// where given, rectified when `rectify`, from `prepareForward`'s weights. `next`,
    /// the input of the caller's next call if any, is fetched into the caches meanwhile.
    func forward(samples: Int, _ x: UnsafePointer<Float>, bias: UnsafePointer<Float>?, adding: UnsafePointer<Float>?,
                 rectify: Bool, into y: UnsafeMutablePointer<Float>, next: UnsafePointer<Float>?) {
        #if arch(x86_64)
        masks.withUnsafeBufferPointer { masks in
            mimic_conv3x3_same_avx512(x, inputChannels, height, width, samples, masks.baseAddress, forwardWeights.pointer,
                                      outputChannels, bias, adding, rectify ? 1 : 0, y, next)
        }
        #else
        preconditionFailure("the direct convolution runs only on x86-64 with AVX-512")
        #endif
    }

    /// Whether `weightGradient` runs: the filters fill whole vectors of 16.
    var makesWeightGradient: Bool { outputChannels % 16 == 0 }
    /// Floats of scratch `weightGradient` needs: the input with a zero border, and the
    /// output gradient pixel by pixel.
    var weightGradientScratch: Int { inputChannels * (height + 2) * (width + 2) + height * width * outputChannels }

    /// Adds one sample's weight gradient, from its input [in, H, W] and output gradient
    /// [out, H, W], into `dWT` [in, 9, out] (the transpose of the weight's layout).
    func weightGradient(sample x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>,
                        scratch: UnsafeMutablePointer<Float>, into dWT: UnsafeMutablePointer<Float>) {
        #if arch(x86_64)
        mimic_conv3x3_weight_gradient_avx512(x, inputChannels, height, width, dy, outputChannels, scratch, dWT)
        #else
        preconditionFailure("the direct convolution runs only on x86-64 with AVX-512")
        #endif
    }

    /// The input gradient [samples, in, H, W] of consecutive samples from their output
    /// gradient [samples, out, H, W], from `prepareGradient`'s weights, plus `adding`
    /// where given (which may be `dx` itself); overwrites `dx`. `next` as in `forward`:
    /// the output gradient of the caller's next call.
    func inputGradient(samples: Int, _ dy: UnsafePointer<Float>, adding: UnsafePointer<Float>?,
                       into dx: UnsafeMutablePointer<Float>, next: UnsafePointer<Float>?) {
        #if arch(x86_64)
        masks.withUnsafeBufferPointer { masks in
            mimic_conv3x3_same_avx512(dy, outputChannels, height, width, samples, masks.baseAddress, gradientWeights.pointer,
                                      inputChannels, nil, adding, 0, dx, next)
        }
        #else
        preconditionFailure("the direct convolution runs only on x86-64 with AVX-512")
        #endif
    }
}
