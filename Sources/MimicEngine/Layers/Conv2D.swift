/// 2-D convolution by im2col + GEMM, one sample at a time on each of the engine's threads.
///
/// One sample's columns ([K, P], K = Cin·k·k, P = output pixels) stay in the core's L2
/// cache from im2col through the product, and the product [Cout, K] x [K, P] lands
/// directly in the sample's NCHW output, so nothing is copied into place afterwards.
/// Measured on cnn-l, this made a training step faster than one product over the
/// columns of the whole batch, which streamed 29 MB of columns through memory and then
/// had to reorder its [Cout, samples·P] result into NCHW.
/// Backward redoes im2col per sample rather than keeping the forward's columns: from
/// cache that is cheaper than reading them back from memory, and keeps memory flat.
/// Weights are [Cout, Cin, k, k], as in PyTorch's `nn.Conv2d`.
///
/// Without a bias (`nn.Conv2d(..., bias=False)`, as ResNets build a convolution that a
/// batch norm follows) the bias stays in memory at zero, so every path that starts from
/// it runs unchanged, but it is no parameter: never trained, saved or counted.
public final class Conv2D: ReLUFusing {
    public let inputShape: SampleShape
    public let outputShape: SampleShape
    public let filters: Int
    public let kernel: Int
    public let stride: Int
    public let padding: Int
    public let weight: Parameter
    public let bias: Parameter
    /// False for a bias-free convolution, whose `bias` stays zero.
    public let hasBias: Bool
    public var parameters: [Parameter] { hasBias ? [weight, bias] : [weight] }
    public var appliesReLU = false

    /// Default upper bound on each thread's column buffer, in floats (512 KiB, a Zen
    /// core's L2): enough for a whole sample of cnn-l's layers on 28x28 and 32x32 images.
    public static let defaultColumnBudget = 1 << 17
    /// Output rows per product: a whole sample unless its columns exceed the budget,
    /// then bands of rows, so a large image never needs a large buffer.
    private let bandRows: Int

    /// Whether forward may put several samples' columns side by side in one product
    /// where a sample's output is small (the 7x7 and 14x14 stages of a ResNet on 28x28
    /// input), since a product per sample is then narrow (N = 49) and packs the weights
    /// anew for little work. Off by default: OpenBLAS's edge kernels may round a value
    /// differently at another column of the product, and a convolution that a pool
    /// follows must give the fused training step's numbers (`ConvPoolTraining`), which
    /// works sample by sample. Residual blocks, which have no such step, turn it on.
    /// It also lets a 3x3 convolution with stride 1 or 2 run directly where the CPU has
    /// AVX-512 (`DirectConvolution`): forward, and where no ReLU is fused the input
    /// gradient, and the weight gradient too where the filters fill vectors of 16.
    public var groupsSamples = false
    /// The direct loop for this convolution's shape on this CPU, when there is one.
    private let direct: DirectConvolution?
    var runsDirect: Bool { groupsSamples && direct != nil }
    /// How many samples a call of the direct loop takes (see DirectConvolution).
    var directSamplesPerCall: Int { direct?.samplesPerCall ?? 0 }
    private let widestGroup: Int
    /// Samples per forward product.
    var samplesPerProduct: Int { groupsSamples ? widestGroup : 1 }
    private let patch: Int  // K = Cin·k·k
    private let pixels: Int  // P = Ho·Wo
    /// Where forward writes, and backward reads its ReLU's mask; a residual block
    /// points it into its `BlockWorkspace` where nothing reads it after the pass.
    var output = FloatBuffer()
    /// Where backward writes dLoss/d(input); a block's, in its workspace.
    var inputGradient = FloatBuffer()
    private var lastInput: UnsafePointer<Float>?
    /// The batch norm whose training output is this convolution's input, where that
    /// output is written over before backward: a residual block's second convolution,
    /// whose input lies in a buffer that the next block reuses. Backward's weight
    /// gradient makes the input again from that batch norm's input, bit for bit, a
    /// sample at a time in cache, rather than the whole batch in memory before backward:
    /// the stride-1 direct loop as it copies the sample, other paths into scratch.
    var inputNorm: BatchNorm?
    /// One per thread: its columns, and its share of the weight and bias gradients.
    private var scratch: [Scratch] = []

    private final class Scratch {
        let columns = FloatBuffer()
        /// The product of several samples side by side, [Cout, samples·P] (`samplesPerProduct`).
        let product = FloatBuffer()
        /// The output gradient of one band, masked by the fused ReLU.
        let gradient = FloatBuffer()
        /// This thread's sum of the weight gradient, transposed: [K, Cout].
        let weightGradient = FloatBuffer()
        let biasGradient = FloatBuffer()
        /// One sample's input, remade (`inputNorm`).
        let input = FloatBuffer()
    }

    /// Sample `sample`'s input for the weight gradient: forward's, or remade into `scratch`.
    private func input(_ x: UnsafePointer<Float>, sample: Int, scratch: Scratch) -> UnsafePointer<Float> {
        guard let inputNorm else { return x + sample * inputShape.count }
        inputNorm.remakeOutput(sample: sample, into: scratch.input.pointer)
        return UnsafePointer(scratch.input.pointer)
    }

    /// Returns nil when the kernel does not fit the padded input.
    public init?(input: SampleShape, filters: Int, kernel: Int, stride: Int, padding: Int, hasBias: Bool = true,
                 columnBudget: Int = Conv2D.defaultColumnBudget, random: inout SeededRandom) {
        guard filters >= 1, kernel >= 1, stride >= 1, padding >= 0,
              input.height + 2 * padding >= kernel, input.width + 2 * padding >= kernel
        else { return nil }
        inputShape = input
        self.filters = filters
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.hasBias = hasBias
        outputShape = SampleShape(
            channels: filters,
            height: (input.height + 2 * padding - kernel) / stride + 1,
            width: (input.width + 2 * padding - kernel) / stride + 1)
        patch = input.channels * kernel * kernel
        pixels = outputShape.height * outputShape.width
        bandRows = max(1, min(outputShape.height, columnBudget / (patch * outputShape.width)))
        let wideEnough = (Self.productWidth + pixels - 1) / pixels
        widestGroup = bandRows >= outputShape.height ? max(1, min(wideEnough, columnBudget / (patch * pixels))) : 1
        direct = DirectConvolution(input: input, filters: filters, kernel: kernel, stride: stride, padding: padding)
        weight = Parameter(name: "weight", shape: [filters, input.channels, kernel, kernel], decays: true)
        bias = Parameter(name: "bias", shape: [filters], decays: false)
        heInitialise(weight, fanIn: patch, random: &random)
    }

    public var summary: String {
        "conv2d \(inputShape.channels)->\(filters) k\(kernel) s\(stride) p\(padding)" + (hasBias ? "" : " no bias")
    }

    public var forwardFLOPsPerSample: Int { 2 * filters * patch * pixels }

    /// Output pixels a forward product should have at least, when samples can be put
    /// side by side to reach it.
    static let productWidth = 192

    /// Scratch for `parts` threads, allocated outside the threaded region.
    private func scratch(parts: Int) {
        while scratch.count < parts { scratch.append(Scratch()) }
        for part in 0..<parts {
            scratch[part].columns.reserve(max(columnCount, samplesPerProduct * patch * pixels))
            if samplesPerProduct > 1 { scratch[part].product.reserve(samplesPerProduct * filters * pixels) }
        }
    }

    public func forward(_ input: UnsafePointer<Float>, batch: Int, training: Bool) -> UnsafePointer<Float> {
        lastInput = input
        let y = output.reserve(batch * filters * pixels)
        forward(input, batch: batch, adding: nil, rectify: appliesReLU, into: y)
        return UnsafePointer(y)
    }

    /// The batch in groups of `samplesPerProduct` from its first sample (the last group
    /// smaller), whole groups to a thread, so a sample's group, and with it its numbers,
    /// do not depend on the thread count.
    private func forward(_ input: UnsafePointer<Float>, batch: Int, adding shortcut: UnsafePointer<Float>?,
                         rectify: Bool, into y: UnsafeMutablePointer<Float>) {
        if runsDirect, let direct {
            direct.prepareForward(weight.value)
            let parts = Parallel.partCount(batch)
            reserveColumns(parts: parts, floats: direct.forwardScratch)
            Parallel.run(parts: parts) { part in
                for (samples, next) in Self.calls(Parallel.range(part, of: parts, count: batch), direct) {
                    let offset = samples.lowerBound * filters * pixels
                    direct.forward(samples: samples.count, input + samples.lowerBound * inputShape.count,
                                   bias: hasBias ? bias.value : nil, adding: shortcut.map { $0 + offset },
                                   rectify: rectify, into: y + offset, next: next.map { input + $0 * inputShape.count },
                                   scratch: scratch[part].columns.pointer)
                }
            }
            return
        }
        let group = samplesPerProduct
        let groups = (batch + group - 1) / group
        let parts = Parallel.partCount(groups)
        scratch(parts: parts)
        Parallel.run(parts: parts) { part in
            for index in Parallel.range(part, of: parts, count: groups) {
                let first = index * group
                let count = min(group, batch - first)
                let offset = first * filters * pixels
                if count == 1 {
                    forward(sample: input + first * inputShape.count, into: y + offset,
                            columns: scratch[part].columns.pointer, rectify: rectify, adding: shortcut.map { $0 + offset })
                } else {
                    forward(samples: input + first * inputShape.count, count: count, into: y + offset,
                            columns: scratch[part].columns.pointer, product: scratch[part].product.pointer,
                            rectify: rectify, adding: shortcut.map { $0 + offset })
                }
            }
        }
    }

    /// `count` whole samples in one product: their columns side by side [K, count·P],
    /// the product [Cout, count·P] starting from the bias (and the shortcut), then
    /// copied into each sample's NCHW output, rectified there. Each output value is
    /// the same sum, in the same order, as the product of its sample alone makes.
    private func forward(samples x: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<Float>,
                         columns col: UnsafeMutablePointer<Float>, product: UnsafeMutablePointer<Float>,
                         rectify: Bool, adding: UnsafePointer<Float>?) {
        let width = count * pixels
        let sampleOutput = filters * pixels
        for s in 0..<count {
            im2col(x + s * inputShape.count, rows: 0..<outputShape.height, into: col + s * pixels, rowStride: width)
        }
        for f in 0..<filters {
            let b = bias.value[f]
            let line = product + f * width
            if let adding {
                for s in 0..<count {
                    let target = line + s * pixels, source = adding + s * sampleOutput + f * pixels
                    for p in 0..<pixels { target[p] = source[p] + b }
                }
            } else {
                for p in 0..<width { line[p] = b }
            }
        }
        BLAS.gemm(m: filters, n: width, k: patch,
                  a: weight.value, lda: patch, b: col, ldb: width,
                  beta: 1, c: product, ldc: width)
        for s in 0..<count {
            for f in 0..<filters {
                let source = product + f * width + s * pixels, target = out + s * sampleOutput + f * pixels
                if rectify {
                    for p in 0..<pixels { target[p] = max(source[p], 0) }
                } else {
                    target.update(from: source, count: pixels)
                }
            }
        }
    }

    /// Inference's last convolution of a residual block (batch norm folded in): each
    /// sample's output starts from the bias plus the shortcut's, the product adds onto
    /// it in cache and the ReLU follows there, so the sum with the shortcut and the
    /// ReLU take no pass of their own over the block's output. Writes into `y`.
    func forward(_ input: UnsafePointer<Float>, batch: Int, adding shortcut: UnsafePointer<Float>,
                 into y: UnsafeMutablePointer<Float>) {
        forward(input, batch: batch, adding: shortcut, rectify: true, into: y)
    }

    /// One sample's output [Cout, Ho·Wo], band by band through `columns` (room for
    /// `columnCount` floats), plus `adding` (a sample's worth of the output's shape)
    /// when given, rectified when `rectify`.
    func forward(sample x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>,
                 columns col: UnsafeMutablePointer<Float>, rectify: Bool, adding: UnsafePointer<Float>? = nil) {
        for top in Swift.stride(from: 0, to: outputShape.height, by: bandRows) {
            let rows = top..<min(top + bandRows, outputShape.height)
            let width = rows.count * outputShape.width
            let first = top * outputShape.width
            im2col(x, rows: rows, into: col)
            // Starting from the bias and accumulating (beta 1) spares OpenBLAS
            // its pass that zeroes C, and us the pass that adds the bias.
            if let adding {
                for f in 0..<filters {
                    let b = bias.value[f]
                    let line = out + f * pixels + first, source = adding + f * pixels + first
                    for p in 0..<width { line[p] = source[p] + b }
                }
            } else {
                for f in 0..<filters {
                    let b = bias.value[f]
                    let line = out + f * pixels + first
                    for p in 0..<width { line[p] = b }
                }
            }
            BLAS.gemm(m: filters, n: width, k: patch,
                      a: weight.value, lda: patch, b: col, ldb: width,
                      beta: 1, c: out + first, ldc: pixels)
            if rectify {
                for f in 0..<filters {
                    let line = out + f * pixels + first
                    for p in 0..<width { line[p] = max(line[p], 0) }
                }
            }
        }
    }

    /// Floats of one thread's columns: one band of rows.
    var columnCount: Int { patch * bandRows * outputShape.width }

    /// Whether a sample's output is made in one band, so `forward(sample:...)` and
    /// `backward(...bandGradient:)` see the whole sample at once.
    var isOneBand: Bool { bandRows >= outputShape.height }

    public func backward(_ outputGradient: UnsafePointer<Float>, batch: Int, needsInputGradient: Bool) -> UnsafePointer<Float>? {
        guard let x = lastInput else { preconditionFailure("Conv2D.backward before forward") }
        // The direct loop makes the input gradient where no ReLU mask comes between.
        if addsIntoInputGradient, let direct {
            weightGradient(x, outputGradient, batch: batch, direct: direct)
            guard needsInputGradient else { return nil }
            let gradient = inputGradient.reserve(batch * inputShape.count)
            inputGradient(outputGradient, batch: batch, direct: direct, adding: nil, into: gradient)
            return UnsafePointer(gradient)
        }
        let y = UnsafePointer(output.pointer)
        let rectified = appliesReLU
        return backward(input: x, batch: batch, needsInputGradient: needsInputGradient) { sample, rows, masked in
            let top = rows.lowerBound * outputShape.width
            let band = outputGradient + sample * filters * pixels + top
            guard rectified else { return (band, pixels) }
            let width = rows.count * outputShape.width
            let out = y + sample * filters * pixels + top
            for f in 0..<filters {
                ReLU.mask(band + f * pixels, by: out + f * pixels, count: width, into: masked + f * width)
            }
            return (UnsafePointer(masked), width)
        }
    }

    /// Whether `backward(_:batch:inputGradientPlus:into:)` can run: the direct loop makes
    /// the input gradient, and adds to it as it writes.
    var addsIntoInputGradient: Bool { runsDirect && !appliesReLU }

    /// Backward with the input gradient plus `other` written into `dx` (which may be
    /// `other` itself): a residual block's sum of its two paths' gradients, without a
    /// pass of its own. The same values as adding afterwards. Needs `addsIntoInputGradient`.
    func backward(_ outputGradient: UnsafePointer<Float>, batch: Int, inputGradientPlus other: UnsafePointer<Float>,
                  into dx: UnsafeMutablePointer<Float>) {
        guard let x = lastInput, addsIntoInputGradient, let direct else {
            preconditionFailure("Conv2D.backward(inputGradientPlus:) needs a forward on the direct loop first")
        }
        weightGradient(x, outputGradient, batch: batch, direct: direct)
        inputGradient(outputGradient, batch: batch, direct: direct, adding: other, into: dx)
    }

    /// The weight and bias gradients alone, of a convolution on the direct loop (no ReLU
    /// fused): by its own loop where the filters fill vectors of 16, else by columns.
    private func weightGradient(_ x: UnsafePointer<Float>, _ outputGradient: UnsafePointer<Float>, batch: Int,
                                direct: DirectConvolution) {
        if direct.makesWeightGradient {
            directWeightGradient(x, outputGradient, batch: batch, direct: direct)
            return
        }
        _ = backward(input: x, batch: batch, needsInputGradient: false) { sample, rows, _ in
            (outputGradient + sample * filters * pixels + rows.lowerBound * outputShape.width, pixels)
        }
    }

    /// dLoss/d(input) by the direct loop, plus `adding` where given, into `dx`.
    private func inputGradient(_ outputGradient: UnsafePointer<Float>, batch: Int, direct: DirectConvolution,
                               adding: UnsafePointer<Float>?, into dx: UnsafeMutablePointer<Float>) {
        direct.prepareGradient(weight.value)
        let parts = Parallel.partCount(batch)
        reserveColumns(parts: parts, floats: direct.inputGradientScratch)
        Parallel.run(parts: parts) { part in
            for (samples, next) in Self.calls(Parallel.range(part, of: parts, count: batch), direct) {
                let offset = samples.lowerBound * inputShape.count
                direct.inputGradient(samples: samples.count, outputGradient + samples.lowerBound * filters * pixels,
                                     adding: adding.map { $0 + offset }, into: dx + offset,
                                     next: next.map { outputGradient + $0 * filters * pixels },
                                     scratch: scratch[part].columns.pointer)
            }
        }
    }

    /// A thread's samples in runs of the direct loop's `samplesPerCall`, each with the
    /// first sample of the thread's next run, if any, for the loop to fetch ahead.
    private static func calls(_ samples: Range<Int>, _ direct: DirectConvolution) -> [(Range<Int>, next: Int?)] {
        Swift.stride(from: samples.lowerBound, to: samples.upperBound, by: direct.samplesPerCall).map {
            let end = min($0 + direct.samplesPerCall, samples.upperBound)
            return ($0..<end, end < samples.upperBound ? end : nil)
        }
    }

    /// Backward from the output gradient of each band of each sample, which
    /// `bandGradient(sample, rows, scratch)` returns with its row length: a pointer
    /// into the output gradient, or into `scratch` (room for one band, [Cout, rows·Wo])
    /// where it made it. The ReLU fused here masks the gradient that way, and
    /// `ConvPoolTraining` makes it from the pooled gradient.
    func backward(input x: UnsafePointer<Float>, batch: Int, needsInputGradient: Bool,
                  bandGradient: (_ sample: Int, _ rows: Range<Int>, _ scratch: UnsafeMutablePointer<Float>)
                      -> (UnsafePointer<Float>, Int)) -> UnsafePointer<Float>? {
        let dx = needsInputGradient ? inputGradient.reserve(batch * inputShape.count) : nil
        let grouped = samplesPerProduct > 1
        let parts = Parallel.partCount(grouped ? (batch + samplesPerProduct - 1) / samplesPerProduct : batch)
        scratch(parts: parts)
        reserveGradientScratch(parts: parts)
        for part in 0..<parts { scratch[part].gradient.reserve(filters * bandRows * outputShape.width) }
        if grouped {
            backwardInGroups(input: x, batch: batch, parts: parts, dx: dx, bandGradient: bandGradient)
        } else {
            Parallel.run(parts: parts) { part in
                // Each thread sums its samples' weight gradient in its own scratch, added
                // into the parameter afterwards in a fixed order; the first thread sums the
                // bias gradient straight into the parameter.
                let dWT = scratch[part].weightGradient.pointer
                let dB = part == 0 ? bias.gradient : scratch[part].biasGradient.pointer
                dB.update(repeating: 0, count: filters)
                let col = scratch[part].columns.pointer
                var first = true
                for sample in Parallel.range(part, of: parts, count: batch) {
                    let dxSample = dx.map { $0 + sample * inputShape.count }
                    dxSample?.update(repeating: 0, count: inputShape.count)
                    let sampleInput = input(x, sample: sample, scratch: scratch[part])
                    for top in Swift.stride(from: 0, to: outputShape.height, by: bandRows) {
                        let rows = top..<min(top + bandRows, outputShape.height)
                        let width = rows.count * outputShape.width
                        let (band, ld) = bandGradient(sample, rows, scratch[part].gradient.pointer)
                        if hasBias {
                            for f in 0..<filters { dB[f] += FloatLoops.sum(band + f * ld, count: width) }
                        }
                        im2col(sampleInput, rows: rows, into: col)
                        // dWᵀ (+)= cols · dYᵀ, [K, Cout]: the transpose of dW = dY · colsᵀ. The
                        // same dot products, but OpenBLAS's SkylakeX kernels run this
                        // orientation faster (one thread, best of 15: cnn-s's second
                        // convolution 32x144 from 196 pixels 67 GFLOPS, 144x32 85; its
                        // first 16x9 89, 9x16 138; cnn-l's second 96 against 110).
                        BLAS.gemm(transposeB: true, m: patch, n: filters, k: width,
                                  a: col, lda: width, b: band, ldb: ld,
                                  beta: first ? 0 : 1, c: dWT, ldc: filters)
                        first = false
                        guard let dxSample else { continue }
                        // dCols = Wᵀ · dY, written over the columns, which dW no longer needs.
                        BLAS.gemm(transposeA: true, m: patch, n: width, k: filters,
                                  a: weight.value, lda: patch, b: band, ldb: ld,
                                  c: col, ldc: width)
                        col2im(col, rows: rows, into: dxSample)
                    }
                }
                if first { dWT.update(repeating: 0, count: weight.count) }
            }
        }
        sumWeightGradients(parts: parts)
        return dx.map { UnsafePointer($0) }
    }

    /// Makes each of `parts` threads' columns room for at least `floats` floats: the
    /// direct loop's scratch.
    private func reserveColumns(parts: Int, floats: Int) {
        while scratch.count < parts { scratch.append(Scratch()) }
        for part in 0..<parts { scratch[part].columns.reserve(floats) }
    }

    /// Makes each of `parts` threads' room for its sums of the weight and bias gradients
    /// and, where the input is remade, for one sample's input.
    private func reserveGradientScratch(parts: Int) {
        while scratch.count < parts { scratch.append(Scratch()) }
        for part in 0..<parts {
            scratch[part].weightGradient.reserve(weight.count)
            if part > 0 { scratch[part].biasGradient.reserve(filters) }
            if inputNorm != nil { scratch[part].input.reserve(inputShape.count) }
        }
    }

    /// The weight gradient, from each thread's transposed sum in its scratch, and the
    /// bias gradient, from the first thread's (already in place) and the others', added
    /// in a fixed order.
    private func sumWeightGradients(parts: Int) {
        for f in 0..<filters {
            let row = weight.gradient + f * patch
            for k in 0..<patch { row[k] = scratch[0].weightGradient.pointer[k * filters + f] }
            for part in 1..<max(parts, 1) {
                let dWT = scratch[part].weightGradient.pointer
                for k in 0..<patch { row[k] += dWT[k * filters + f] }
            }
        }
        for part in 1..<max(parts, 1) {
            let dB = scratch[part].biasGradient.pointer
            for f in 0..<filters { bias.gradient[f] += dB[f] }
        }
    }

    /// The weight and bias gradients by the direct loop, sample by sample, each thread
    /// summing its samples' in its scratch (as the columns' path does).
    private func directWeightGradient(_ x: UnsafePointer<Float>, _ outputGradient: UnsafePointer<Float>, batch: Int,
                                      direct: DirectConvolution) {
        let parts = Parallel.partCount(batch)
        reserveGradientScratch(parts: parts)
        reserveColumns(parts: parts, floats: direct.weightGradientScratch)
        // A remade input is made in the loop's own copy of the sample (stride 1).
        let outputMap = inputNorm?.outputMap
        let remade = direct.stride == 1 ? outputMap : nil
        let source = outputMap?.input ?? x
        Parallel.run(parts: parts) { part in
            let dWT = scratch[part].weightGradient.pointer
            dWT.update(repeating: 0, count: weight.count)
            let dB = part == 0 ? bias.gradient : scratch[part].biasGradient.pointer
            dB.update(repeating: 0, count: filters)
            let samples = Parallel.range(part, of: parts, count: batch)
            for sample in samples {
                let dy = outputGradient + sample * filters * pixels
                if hasBias {
                    for f in 0..<filters { dB[f] += FloatLoops.sum(dy + f * pixels, count: pixels) }
                }
                let sampleInput = remade.map { $0.input + sample * inputShape.count }
                    ?? input(x, sample: sample, scratch: scratch[part])
                // What the next sample reads from memory: the input as forward kept it, or
                // what it is remade from.
                let next = sample + 1 < samples.upperBound
                    ? (source + (sample + 1) * inputShape.count, dy + filters * pixels) : nil
                direct.weightGradient(sample: sampleInput, mappedBy: remade?.map, outputGradient: dy, next: next,
                                      scratch: scratch[part].columns.pointer, into: dWT)
            }
        }
        sumWeightGradients(parts: parts)
    }

    /// Backward with the samples in forward's groups: each group's output gradient
    /// gathered side by side [Cout, count·P] and its columns [K, count·P], so the
    /// weight gradient's product sums over count·P pixels at once (rather than reading
    /// and writing its [K, Cout] sum for every 49-pixel sample) and the columns'
    /// gradient packs the weights once per group. Leaves each thread's sums in its
    /// scratch, as the sample-by-sample path does.
    private func backwardInGroups(input x: UnsafePointer<Float>, batch: Int, parts: Int, dx: UnsafeMutablePointer<Float>?,
                                  bandGradient: (_ sample: Int, _ rows: Range<Int>, _ scratch: UnsafeMutablePointer<Float>)
                                      -> (UnsafePointer<Float>, Int)) {
        let group = samplesPerProduct
        let groups = (batch + group - 1) / group
        let allRows = 0..<outputShape.height
        Parallel.run(parts: parts) { part in
            let dWT = scratch[part].weightGradient.pointer
            let dB = part == 0 ? bias.gradient : scratch[part].biasGradient.pointer
            dB.update(repeating: 0, count: filters)
            let col = scratch[part].columns.pointer, gathered = scratch[part].product.pointer
            var firstProduct = true
            for index in Parallel.range(part, of: parts, count: groups) {
                let first = index * group
                let count = min(group, batch - first)
                let width = count * pixels
                for s in 0..<count {
                    let (band, ld) = bandGradient(first + s, allRows, scratch[part].gradient.pointer)
                    for f in 0..<filters {
                        if hasBias { dB[f] += FloatLoops.sum(band + f * ld, count: pixels) }
                        (gathered + f * width + s * pixels).update(from: band + f * ld, count: pixels)
                    }
                    im2col(input(x, sample: first + s, scratch: scratch[part]), rows: allRows, into: col + s * pixels,
                           rowStride: width)
                }
                BLAS.gemm(transposeB: true, m: patch, n: filters, k: width,
                          a: col, lda: width, b: gathered, ldb: width,
                          beta: firstProduct ? 0 : 1, c: dWT, ldc: filters)
                firstProduct = false
                guard let dx else { continue }
                BLAS.gemm(transposeA: true, m: patch, n: width, k: filters,
                          a: weight.value, lda: patch, b: gathered, ldb: width,
                          c: col, ldc: width)
                for s in 0..<count {
                    let dxSample = dx + (first + s) * inputShape.count
                    dxSample.update(repeating: 0, count: inputShape.count)
                    col2im(col + s * pixels, rows: allRows, into: dxSample, rowStride: width)
                }
            }
            if firstProduct { dWT.update(repeating: 0, count: weight.count) }
        }
    }

    /// The output columns [ow lo, ow hi) whose input column lies inside the image for
    /// kernel column `kj`; the rest read padding.
    @inline(__always)
    private func validColumns(kj: Int) -> (Int, Int) {
        let outW = outputShape.width
        let lo = padding > kj ? (padding - kj + stride - 1) / stride : 0
        let last = inputShape.width - 1 + padding - kj
        let hi = last < 0 ? 0 : min(outW, last / stride + 1)
        return (min(lo, hi), hi)
    }

    /// Stride 1 with the output as wide as the input (padding (k-1)/2, the default of
    /// every spec): then a kernel offset moves a whole image row for row, so each row
    /// of the columns is one long copy of the input, shifted, plus a few zeros where it
    /// wrapped around an edge. Measured on cnn-l: 4x faster than copying line by line,
    /// whose 14-float lines spend more on loop overhead than on copying.
    private var shiftsWholeRows: Bool { stride == 1 && outputShape.width == inputShape.width }

    /// The columns [K, rows·Wo] of one sample's output rows `rows`. Also used by the
    /// fused inference step (`ConvPoolInference`), whose buffer holds nothing else: it
    /// passes `paddingZeroed` when the entries that read padding are still zero from a
    /// call with the same rows, and then only the pixels a shifted copy wrapped around
    /// an edge are zeroed again (the copy itself overwrites them).
    /// `rowStride` is the distance between two rows of the columns when several samples'
    /// columns lie side by side (by default one sample's row length).
    func im2col(_ input: UnsafePointer<Float>, rows: Range<Int>, into col: UnsafeMutablePointer<Float>,
                paddingZeroed: Bool = false, rowStride: Int? = nil) {
        let inH = inputShape.height, inW = inputShape.width
        let outW = outputShape.width
        let rowLength = rowStride ?? rows.count * outW
        for c in 0..<inputShape.channels {
            let plane = input + c * inH * inW
            for ki in 0..<kernel {
                for kj in 0..<kernel {
                    let target = col + ((c * kernel + ki) * kernel + kj) * rowLength
                    if shiftsWholeRows {
                        shiftedCopy(plane, ki: ki, kj: kj, rows: rows, into: target, paddingZeroed: paddingZeroed)
                        continue
                    }
                    let (lo, hi) = validColumns(kj: kj)
                    for oh in rows {
                        let line = target + (oh - rows.lowerBound) * outW
                        let ih = oh * stride - padding + ki
                        guard ih >= 0, ih < inH else {
                            if !paddingZeroed { for ow in 0..<outW { line[ow] = 0 } }
                            continue
                        }
                        if !paddingZeroed {
                            for ow in 0..<lo { line[ow] = 0 }
                            for ow in hi..<outW { line[ow] = 0 }
                        }
                        let source = plane + ih * inW - padding + kj
                        for ow in lo..<hi { line[ow] = source[ow * stride] }
                    }
                }
            }
        }
    }

    /// Output rows [valid lo, valid hi) of `rows` whose input row exists for kernel row `ki`.
    @inline(__always)
    private func validRows(ki: Int, rows: Range<Int>) -> Range<Int> {
        let lo = min(max(rows.lowerBound, padding - ki), rows.upperBound)
        let hi = min(rows.upperBound, inputShape.height + padding - ki)
        return lo..<max(lo, hi)
    }

    /// One row of the columns in the whole-row case: target[(oh, ow)] = plane[oh+ki-p, ow+kj-p].
    @inline(__always)
    private func shiftedCopy(_ plane: UnsafePointer<Float>, ki: Int, kj: Int, rows: Range<Int>,
                             into target: UnsafeMutablePointer<Float>, paddingZeroed: Bool) {
        let width = inputShape.width
        let valid = validRows(ki: ki, rows: rows)
        let before = (valid.lowerBound - rows.lowerBound) * width
        let count = valid.count * width
        let after = (rows.upperBound - valid.upperBound) * width
        if !paddingZeroed { for i in 0..<before { target[i] = 0 } }
        let source = plane + (valid.lowerBound - padding + ki) * width + (kj - padding)
        let destination = target + before
        // Reading one float before the plane (or after it) for the first (or last) pixel
        // would be out of bounds; those are exactly the wrapped pixels zeroed below.
        let first = kj < padding ? padding - kj : 0
        let last = kj > padding ? count - (kj - padding) : count
        // Through memmove, which glibc runs with the widest vectors the CPU has: a loop
        // here is compiled for baseline x86-64 and copies 16 bytes at a time.
        (destination + first).update(from: source + first, count: max(0, last - first))
        wrapFixup(destination, rows: valid.count, kj: kj) { $0.pointee = 0 }
        if !paddingZeroed { for i in 0..<after { destination[count + i] = 0 } }
    }

    /// Calls `body` on every pixel of a shifted row that wrapped around the image's
    /// left or right edge: the columns that in truth read padding. Column by column
    /// down the rows: row by row, the inner loop over the one or two wrapped pixels of
    /// a row became a call to memset each, 2,688 per sample for cnn-l's second
    /// convolution, which took a quarter of im2col's time.
    @inline(__always)
    private func wrapFixup(_ row: UnsafeMutablePointer<Float>, rows: Int, kj: Int, _ body: (UnsafeMutablePointer<Float>) -> Void) {
        guard kj != padding else { return }
        let width = inputShape.width
        let columns = kj < padding ? 0..<min(width, padding - kj) : max(0, width - (kj - padding))..<width
        for ow in columns {
            for r in 0..<rows { body(row + r * width + ow) }
        }
    }

    /// The adjoint of im2col: every column entry adds back into the input pixel it came
    /// from. Overwrites the wrapped entries of `col` with zeros in the whole-row case.
    private func col2im(_ col: UnsafeMutablePointer<Float>, rows: Range<Int>, into dx: UnsafeMutablePointer<Float>,
                        rowStride: Int? = nil) {
        let inH = inputShape.height, inW = inputShape.width
        let outW = outputShape.width
        let rowLength = rowStride ?? rows.count * outW
        for c in 0..<inputShape.channels {
            let plane = dx + c * inH * inW
            for ki in 0..<kernel {
                for kj in 0..<kernel {
                    let source = col + ((c * kernel + ki) * kernel + kj) * rowLength
                    if shiftsWholeRows {
                        let valid = validRows(ki: ki, rows: rows)
                        let from = source + (valid.lowerBound - rows.lowerBound) * inW
                        // Wrapped entries are gradients of padding: drop them before the
                        // long add would put them on the neighbouring row's edge pixel.
                        wrapFixup(from, rows: valid.count, kj: kj) { $0.pointee = 0 }
                        let target = plane + (valid.lowerBound - padding + ki) * inW + (kj - padding)
                        let count = valid.count * inW
                        let first = kj < padding ? padding - kj : 0
                        let last = kj > padding ? count - (kj - padding) : count
                        BLAS.add(from + first, into: target + first, count: max(0, last - first))
                        continue
                    }
                    let (lo, hi) = validColumns(kj: kj)
                    for oh in rows {
                        let ih = oh * stride - padding + ki
                        guard ih >= 0, ih < inH else { continue }
                        let line = source + (oh - rows.lowerBound) * outW
                        let target = plane + ih * inW - padding + kj
                        for ow in lo..<hi { target[ow * stride] += line[ow] }
                    }
                }
            }
        }
    }
}
