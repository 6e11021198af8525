import CVectorKernels

/// A 3x3 convolution with padding 1 and stride 1 (the output as large as the input) or
/// 2, computed straight from the input planes by CVectorKernels' AVX-512 loop, with no
/// columns: each run of 16 output pixels of the flattened plane is loaded once per tap
/// and input channel for eight filters at a time, two or three runs together, the
/// input pixels that fall outside the image masked off. With stride 1, the few pixels
/// after the last whole run (7x7: one) go sixteen filters to a vector instead of
/// wasting a run, and the input gradient is the same convolution of the output
/// gradient, with the filters' in and out channels swapped and their taps reversed.
/// The weight gradient, where the filters fill vectors of 16, is a second loop: the
/// filters along the vector, the nine taps of one to three input channels in
/// registers while the pixels go by.
///
/// With stride 2 the loop first splits each input plane into its four phase planes
/// (even and odd rows by even and odd columns), each as large as the output, where
/// every tap reads a contiguous run like a stride-1 tap; the input gradient is made
/// phase by phase, each from the taps that reach it, and interleaved back. Through
/// columns, these convolutions (the first of each ResNet stage) took a tenth of a
/// `resnet-20` step on 1x28x28 for a twentieth of its arithmetic.
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
    /// The input's height and width.
    let height: Int
    let width: Int
    /// 1 or 2.
    let stride: Int
    /// The output plane's pixels.
    private let outputPixels: Int
    /// For each run of 16 pixels of the output plane and each tap of a stride-1
    /// convolution on that plane, the lanes that read inside it.
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
    /// stride 1 or 2 and padding 1.
    init?(input: SampleShape, filters: Int, kernel: Int, stride: Int, padding: Int) {
        #if arch(x86_64)
        guard VectorKernels.enabled, kernel == 3, stride == 1 || stride == 2, padding == 1 else { return nil }
        #else
        return nil
        #endif
        inputChannels = input.channels
        outputChannels = filters
        height = input.height
        width = input.width
        self.stride = stride
        // The masks' plane: the output's.
        let outputHeight = (input.height - 1) / stride + 1, outputWidth = (input.width - 1) / stride + 1
        let plane = outputHeight * outputWidth
        outputPixels = plane
        var masks: [UInt16] = []
        for run in 0..<(plane + 15) / 16 {
            for tap in 0..<9 {
                var mask: UInt16 = 0
                for lane in 0..<16 where run * 16 + lane < plane {
                    let pixel = run * 16 + lane
                    let y = pixel / outputWidth + tap / 3 - 1, x = pixel % outputWidth + tap % 3 - 1
                    if y >= 0, y < outputHeight, x >= 0, x < outputWidth { mask |= 1 << lane }
                }
                masks.append(mask)
            }
        }
        self.masks = masks
        let weightBytes = 4 * 9 * inputChannels * filters
        let sampleBytes = 4 * max(inputChannels, filters) * input.height * input.width
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
    /// loop's input, and with stride 1 tap t reads where tap 8 − t wrote; the stride-2
    /// loop keeps the taps in forward's order.
    func prepareGradient(_ weight: UnsafePointer<Float>) {
        let gradientWeights = gradientWeights.reserve(inputChannels * 9 * outputChannels)
        for o in 0..<outputChannels {
            for i in 0..<inputChannels {
                for tap in 0..<9 {
                    let at = stride == 1 ? 8 - tap : tap
                    gradientWeights[(o * 9 + at) * inputChannels + i] = weight[(o * inputChannels + i) * 9 + tap]
                }
            }
        }
    }

    /// Floats of scratch `forward` needs for a call of `samplesPerCall` samples: their
    /// phase planes with stride 2, none with stride 1.
    var forwardScratch: Int { stride == 1 ? 0 : samplesPerCall * inputChannels * 4 * outputPixels }
    /// Floats of scratch `inputGradient` needs: one sample's gradient in phase planes
    /// with stride 2.
    var inputGradientScratch: Int { stride == 1 ? 0 : inputChannels * 4 * outputPixels }

    /// The output [samples, out, Ho, Wo] of consecutive samples, plus `bias` and `adding`
    /// where given, rectified when `rectify`, from `prepareForward`'s weights. `next`,
    /// the input of the caller's next call if any, is fetched into the caches meanwhile.
    /// `scratch` holds `forwardScratch` floats.
    func forward(samples: Int, _ x: UnsafePointer<Float>, bias: UnsafePointer<Float>?, adding: UnsafePointer<Float>?,
                 rectify: Bool, into y: UnsafeMutablePointer<Float>, next: UnsafePointer<Float>?,
                 scratch: UnsafeMutablePointer<Float>?) {
        #if arch(x86_64)
        masks.withUnsafeBufferPointer { masks in
            if stride == 1 {
                mimic_conv3x3_same_avx512(x, inputChannels, height, width, samples, masks.baseAddress, forwardWeights.pointer,
                                          outputChannels, bias, adding, rectify ? 1 : 0, y, next)
            } else {
                mimic_conv3x3_stride2_avx512(x, inputChannels, height, width, samples, masks.baseAddress,
                                             forwardWeights.pointer, outputChannels, bias, adding, rectify ? 1 : 0, y, scratch,
                                             next)
            }
        }
        #else
        preconditionFailure("the direct convolution runs only on x86-64 with AVX-512")
        #endif
    }

    /// Whether `weightGradient` runs: the filters fill whole vectors of 16.
    var makesWeightGradient: Bool { outputChannels % 16 == 0 }
    /// Floats of scratch `weightGradient` needs: the input (with stride 2 its phase
    /// planes) with a zero border, and the output gradient pixel by pixel.
    var weightGradientScratch: Int {
        let planes = stride == 1 ? 1 : 4
        let paddedPlane = ((height - 1) / stride + 3) * ((width - 1) / stride + 3)
        return inputChannels * planes * paddedPlane + outputPixels * outputChannels
    }

    /// Adds one sample's weight gradient, from its input [in, H, W] and output gradient
    /// [out, Ho, Wo], into `dWT` [in, 9, out] (the transpose of the weight's layout).
    /// With `map` (stride 1 only), the input is `x` through that map, made as the loop
    /// copies it. `next`, the next sample's input and output gradient if any, is fetched
    /// into the caches meanwhile.
    func weightGradient(sample x: UnsafePointer<Float>, mappedBy map: ChannelAffine? = nil,
                        outputGradient dy: UnsafePointer<Float>,
                        next: (input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>)?,
                        scratch: UnsafeMutablePointer<Float>, into dWT: UnsafeMutablePointer<Float>) {
        precondition(map == nil || stride == 1, "the stride-2 loop takes its input as it is")
        #if arch(x86_64)
        if stride == 1 {
            mimic_conv3x3_weight_gradient_avx512(x, inputChannels, height, width, dy, outputChannels, map?.scale, map?.shift,
                                                 map?.rectify == true ? 1 : 0, scratch, dWT, next?.input, next?.outputGradient)
        } else {
            mimic_conv3x3_stride2_weight_gradient_avx512(x, inputChannels, height, width, dy, outputChannels, scratch, dWT,
                                                         next?.input, next?.outputGradient)
        }
        #else
        preconditionFailure("the direct convolution runs only on x86-64 with AVX-512")
        #endif
    }

    /// The input gradient [samples, in, H, W] of consecutive samples from their output
    /// gradient [samples, out, Ho, Wo], from `prepareGradient`'s weights, plus `adding`
    /// where given (which may be `dx` itself); overwrites `dx`. `next` as in `forward`:
    /// the output gradient of the caller's next call. `scratch` holds
    /// `inputGradientScratch` floats.
    func inputGradient(samples: Int, _ dy: UnsafePointer<Float>, adding: UnsafePointer<Float>?,
                       into dx: UnsafeMutablePointer<Float>, next: UnsafePointer<Float>?, scratch: UnsafeMutablePointer<Float>?) {
        #if arch(x86_64)
        masks.withUnsafeBufferPointer { masks in
            if stride == 1 {
                mimic_conv3x3_same_avx512(dy, outputChannels, height, width, samples, masks.baseAddress,
                                          gradientWeights.pointer, inputChannels, nil, adding, 0, dx, next)
            } else {
                mimic_conv3x3_stride2_input_gradient_avx512(dy, outputChannels, height, width, samples, masks.baseAddress,
                                                            gradientWeights.pointer, inputChannels, adding, dx, scratch,
                                                            next)
            }
        }
        #else
        preconditionFailure("the direct convolution runs only on x86-64 with AVX-512")
        #endif
    }
}
