import CVectorKernels

/// Batch normalization, as torch.nn.BatchNorm2d after a convolution (a mean and a
/// variance per channel, over the batch and every pixel) and BatchNorm1d after a dense
/// layer (per unit, over the batch): one class, since the two differ only in how many
/// values a channel has per sample (`plane`: H·W, or 1 after a dense layer).
///
/// Training normalizes by the batch's statistics (the biased variance) and moves the
/// running statistics toward them, exactly as PyTorch does: with momentum 0.1,
/// running_mean = 0.9·running_mean + 0.1·mean and running_var = 0.9·running_var +
/// 0.1·var·n/(n-1), the unbiased variance of the n values of a channel, and
/// num_batches_tracked counts the batches. Evaluation normalizes by the running
/// statistics. Either way the output is x·scale + shift per channel, with
/// scale = γ/√(var + ε) and shift = β − mean·scale, worked out in Double as PyTorch's
/// CPU kernels do; γ (weight) starts at 1 and β (bias) at 0.
///
/// A network puts the ReLU of the conv or dense layer before it after the batch norm
/// (conv, batch norm, ReLU, as torch models read) and fuses it here (`ReLUFusing`).
///
/// Each channel's statistics, output and gradients are made by one thread over the
/// whole batch, in a fixed order: the numbers do not depend on the thread count.
public final class BatchNorm: ReLUFusing {
    public static let momentum = 0.1
    public static let epsilon = 1e-5

    public let inputShape: SampleShape
    public var outputShape: SampleShape { inputShape }
    /// γ, the learned scale, [C].
    public let weight: Parameter
    /// β, the learned shift, [C].
    public let bias: Parameter
    public let runningMean: LayerBuffer
    public let runningVar: LayerBuffer
    /// Training batches seen, int64 as PyTorch keeps it.
    public let batchesTracked: LayerBuffer
    public var parameters: [Parameter] { [weight, bias] }
    public var buffers: [LayerBuffer] { [runningMean, runningVar, batchesTracked] }
    public var appliesReLU = false

    private let channels: Int
    /// Values of one channel in one sample: H·W after a convolution, 1 after a dense layer.
    private let plane: Int
    /// Where forward writes (and backward reads the ReLU's mask); a residual block
    /// points it into its `BlockWorkspace` and makes it again for backward (`restoreOutput`,
    /// `remakeOutput`).
    var output = FloatBuffer()
    /// Where backward writes dLoss/d(input); a block's, in its workspace.
    var inputGradient = FloatBuffer()
    private var lastInput: UnsafePointer<Float>?
    private var lastWasTraining = false
    /// Per channel, from the last forward in training: the batch's mean and 1/√(var + ε).
    private let batchMean: UnsafeMutablePointer<Float>
    private let inverseDeviation: UnsafeMutablePointer<Float>
    /// Per channel: the affine map of the last forward, which every forward sets anew
    /// (backward after a dense layer keeps its terms a and b there in the meantime).
    private let scale: UnsafeMutablePointer<Float>
    private let shift: UnsafeMutablePointer<Float>
    /// Per unit sums after a dense layer, where a thread adds a row's units side by side.
    private let sums: UnsafeMutablePointer<Double>
    private let secondSums: UnsafeMutablePointer<Double>

    /// Normalizes each channel of `shape` (each unit of a vector).
    public init(shape: SampleShape) {
        inputShape = shape
        channels = shape.channels
        plane = shape.height * shape.width
        // Weight decay leaves γ and β alone, as it does biases (see TRAINING.md).
        weight = Parameter(name: "weight", shape: [shape.channels], decays: false)
        bias = Parameter(name: "bias", shape: [shape.channels], decays: false)
        runningMean = LayerBuffer(name: "running_mean", shape: [shape.channels], dtype: .float32)
        runningVar = LayerBuffer(name: "running_var", shape: [shape.channels], dtype: .float32)
        batchesTracked = LayerBuffer(name: "num_batches_tracked", shape: [], dtype: .int64)
        func floats() -> UnsafeMutablePointer<Float> {
            let pointer = UnsafeMutablePointer<Float>.allocate(capacity: shape.channels)
            pointer.initialize(repeating: 0, count: shape.channels)
            return pointer
        }
        func doubles() -> UnsafeMutablePointer<Double> {
            let pointer = UnsafeMutablePointer<Double>.allocate(capacity: shape.channels)
            pointer.initialize(repeating: 0, count: shape.channels)
            return pointer
        }
        batchMean = floats()
        inverseDeviation = floats()
        scale = floats()
        shift = floats()
        sums = doubles()
        secondSums = doubles()
        weight.value.update(repeating: 1, count: shape.channels)
        runningVar.floats.update(repeating: 1, count: shape.channels)
    }

    deinit {
        for pointer in [batchMean, inverseDeviation, scale, shift] { pointer.deallocate() }
        sums.deallocate()
        secondSums.deallocate()
    }

    /// After a dense layer (one value per unit and sample), as BatchNorm1d.
    public var isAfterDense: Bool { plane == 1 }

    public var summary: String { "batchnorm\(isAfterDense ? "1d" : "2d") \(channels)" }

    /// The affine map, a multiply and an add per value, as inference runs it. Training
    /// also works out the statistics (about four more operations per value), which
    /// `Network.passesPerTrainingStep`'s rough three passes leave out, as they leave out
    /// a ReLU's; both are small beside a convolution's products.
    public var forwardFLOPsPerSample: Int { 2 * inputShape.count }

    /// Whether a training batch of `batch` samples gives each channel a single value, of
    /// which no variance can be had (PyTorch refuses it: "Expected more than 1 value per
    /// channel when training"). The trainer never makes such a batch (see `Network`).
    public func isTooSmall(batch: Int) -> Bool { batch * plane < 2 }

    public func forward(_ input: UnsafePointer<Float>, batch: Int, training: Bool) -> UnsafePointer<Float> {
        let y = output.reserve(batch * inputShape.count)
        forward(input, batch: batch, training: training, adding: nil, into: y)
        return UnsafePointer(y)
    }

    /// The end of a residual block: this batch norm's output plus `residual` (as many
    /// values, the shortcut's), rectified, written into `y`, in the same pass over the
    /// channels (on every thread) as the affine map. The same numbers as the batch
    /// norm's output and the sum taken one after the other; backward is unchanged (its
    /// caller masks the gradient by `y`).
    func forward(_ input: UnsafePointer<Float>, batch: Int, training: Bool, adding residual: UnsafePointer<Float>?,
                 into y: UnsafeMutablePointer<Float>) {
        precondition(residual == nil || !isAfterDense, "a residual sum follows a convolution's batch norm")
        precondition(!training || !isTooSmall(batch: batch),
                     "batch norm in training needs more than one value per channel; the trainer leaves out such a batch")
        lastInput = input
        lastWasTraining = training
        if training {
            batchesTracked.integers[0] += 1
        } else {
            for c in 0..<channels {
                let deviation = 1 / (Double(runningVar.floats[c]) + Self.epsilon).squareRoot()
                setAffine(c, mean: Double(runningMean.floats[c]), inverseDeviation: deviation)
            }
        }
        if isAfterDense {
            forwardAfterDense(input, into: y, batch: batch, training: training)
        } else {
            forwardPlanes(input, into: y, batch: batch, training: training, residual: residual)
        }
    }

    @inline(__always)
    private func setAffine(_ c: Int, mean: Double, inverseDeviation deviation: Double) {
        let s = Double(weight.value[c]) * deviation
        scale[c] = Float(s)
        shift[c] = Float(Double(bias.value[c]) - mean * s)
    }

    /// Takes a channel's batch statistics: keeps them for backward, moves the running
    /// statistics, and sets the affine map. `squares` is Σ (x − mean)² over its `n` values.
    @inline(__always)
    private func takeStatistics(_ c: Int, mean: Double, squares: Double, n: Int) {
        let deviation = 1 / (squares / Double(n) + Self.epsilon).squareRoot()
        batchMean[c] = Float(mean)
        inverseDeviation[c] = Float(deviation)
        let m = Self.momentum
        runningMean.floats[c] = Float(m * mean + (1 - m) * Double(runningMean.floats[c]))
        runningVar.floats[c] = Float(m * (squares / Double(n - 1)) + (1 - m) * Double(runningVar.floats[c]))
        setAffine(c, mean: mean, inverseDeviation: deviation)
    }

    /// Writes the last training forward's output again, from its input and the affine
    /// map that forward set, into `output`: the same values, bit for bit, for a block
    /// that let another block's pass overwrite them in the meantime.
    func restoreOutput(batch: Int) {
        guard let x = lastInput, lastWasTraining, !isAfterDense else {
            preconditionFailure("restoreOutput needs a training forward after a convolution first")
        }
        let y = output.reserve(batch * inputShape.count)
        Parallel.split(channels, grain: grain(batch: batch)) { _, range in
            for c in range { writeOutput(c, x, into: y, batch: batch, residual: nil) }
        }
    }

    /// The last training forward's input and the affine map it set: what a convolution
    /// whose input this output was needs to make it again inside a pass of its own, the
    /// same values bit for bit (`Conv2D.inputNorm`).
    var outputMap: (input: UnsafePointer<Float>, map: ChannelAffine) {
        guard let x = lastInput, lastWasTraining, !isAfterDense else {
            preconditionFailure("outputMap needs a training forward after a convolution first")
        }
        return (x, ChannelAffine(scale: scale, shift: shift, rectify: appliesReLU))
    }

    /// Writes sample `sample`'s output [C, H, W] of the last training forward again, from
    /// its input and the affine map that forward set, into `y`: the same values, bit for
    /// bit, for a convolution whose input this output was and has since been written
    /// over (`Conv2D.inputNorm`).
    func remakeOutput(sample: Int, into y: UnsafeMutablePointer<Float>) {
        guard let x = lastInput, lastWasTraining, !isAfterDense else {
            preconditionFailure("remakeOutput needs a training forward after a convolution first")
        }
        let offset = sample * inputShape.count
        for c in 0..<channels {
            Self.affine(x + offset + c * plane, into: y + c * plane, count: plane, scale: scale[c], shift: shift[c],
                        rectify: appliesReLU)
        }
    }

    // MARK: After a convolution: planes of H·W values

    /// Channels split across threads; each thread reads its channels' planes, sample by
    /// sample, for the mean, again for the variance, and once more to write the output.
    private func forwardPlanes(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, batch: Int, training: Bool,
                               residual: UnsafePointer<Float>?) {
        let stride = inputShape.count, n = batch * plane
        Parallel.split(channels, grain: grain(batch: batch)) { _, range in
            for c in range {
                if training {
                    var total = 0.0
                    for sample in 0..<batch {
                        readAhead(x, from: sample, channel: c, batch: batch)
                        total += Double(FloatLoops.sum(x + sample * stride + c * plane, count: plane))
                    }
                    let mean = total / Double(n)
                    var squares = 0.0
                    for sample in 0..<batch {
                        squares += Double(Self.squaredDeviations(x + sample * stride + c * plane, count: plane, from: Float(mean)))
                    }
                    takeStatistics(c, mean: mean, squares: squares, n: n)
                }
                writeOutput(c, x, into: y, batch: batch, residual: residual)
            }
        }
    }

    /// Channel `c` of every sample through the affine map, then the fused ReLU; or, with
    /// `residual`, plus the residual and rectified.
    @inline(__always)
    private func writeOutput(_ c: Int, _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, batch: Int,
                             residual: UnsafePointer<Float>?) {
        let a = scale[c], b = shift[c]
        for sample in 0..<batch {
            let offset = sample * inputShape.count + c * plane
            if let residual {
                readAhead(residual, from: sample, channel: c, batch: batch)
                Self.affine(x + offset, adding: residual + offset, into: y + offset, count: plane, scale: a, shift: b)
            } else {
                Self.affine(x + offset, into: y + offset, count: plane, scale: a, shift: b, rectify: appliesReLU)
            }
        }
    }

    /// Called by a pass at each sample of channel `c` of `values` [batch, C, H, W], fetches
    /// the plane `samplesAhead` samples on into the caches (and at the first sample, the
    /// planes before that one); past the batch, nothing. The passes go down a channel a
    /// plane per sample, each plane a stream too short for the hardware prefetcher to
    /// pick up before it ends (7x7: four cache lines at most).
    @inline(__always)
    private func readAhead(_ values: UnsafePointer<Float>, from sample: Int, channel c: Int, batch: Int) {
        if sample == 0 {
            for first in 1..<max(1, min(samplesAhead, batch)) {
                mimic_prefetch(values + first * inputShape.count + c * plane, 4 * plane)
            }
        }
        let ahead = sample + samplesAhead
        if ahead < batch { mimic_prefetch(values + ahead * inputShape.count + c * plane, 4 * plane) }
    }

    /// How far ahead `readAhead` fetches: about 8 KB of planes, so that the work on the
    /// planes between covers memory's latency (28x28 planes: 2 samples; 7x7: 10).
    private var samplesAhead: Int { max(1, min(10, 8192 / (4 * plane))) }

    /// Channels per thread: at least enough for about 32k values, so that a small layer
    /// stays on one thread rather than paying for a hand-over.
    private func grain(batch: Int) -> Int { max(1, (1 << 15) / max(1, batch * plane)) }

    // MARK: After a dense layer: one value per unit

    /// Units split across threads in blocks of whole cache lines; each thread goes down
    /// the rows, adding its block of units side by side, so the loops vectorise across units.
    private func forwardAfterDense(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, batch: Int, training: Bool) {
        let width = channels
        Parallel.split(width, grain: columnGrain(batch: batch)) { _, columns in
            let lo = columns.lowerBound, count = columns.count
            if training {
                let s = sums + lo, s2 = secondSums + lo, mean = batchMean + lo
                s.update(repeating: 0, count: count)
                s2.update(repeating: 0, count: count)
                for row in 0..<batch {
                    let line = x + row * width + lo
                    for j in 0..<count { s[j] += Double(line[j]) }
                }
                for j in 0..<count { mean[j] = Float(s[j] / Double(batch)) }
                for row in 0..<batch {
                    let line = x + row * width + lo
                    for j in 0..<count {
                        let d = Double(line[j]) - s[j] / Double(batch)
                        s2[j] += d * d
                    }
                }
                for j in 0..<count {
                    takeStatistics(lo + j, mean: s[j] / Double(batch), squares: s2[j], n: batch)
                }
            }
            let a = scale + lo, b = shift + lo
            for row in 0..<batch {
                let source = x + row * width + lo, target = y + row * width + lo
                if appliesReLU {
                    for j in 0..<count { target[j] = max(source[j] * a[j] + b[j], 0) }
                } else {
                    for j in 0..<count { target[j] = source[j] * a[j] + b[j] }
                }
            }
        }
    }

    /// Units per thread: whole cache lines, and enough rows' worth to be worth a thread.
    private func columnGrain(batch: Int) -> Int { max(16, (1 << 15) / max(1, batch)) }

    // MARK: Backward

    /// With dy' the output gradient (masked by the fused ReLU), per channel:
    /// dβ = Σ dy', dγ = Σ dy'·x̂ with x̂ = (x − mean)/σ, and, as the batch's statistics
    /// depend on every input, dx = γ/σ · (dy' − dβ/n − x̂·dγ/n) (as PyTorch's CPU kernel).
    public func backward(_ outputGradient: UnsafePointer<Float>, batch: Int, needsInputGradient: Bool) -> UnsafePointer<Float>? {
        guard let x = lastInput, lastWasTraining else { preconditionFailure("BatchNorm.backward needs a forward in training first") }
        let dx = needsInputGradient ? inputGradient.reserve(batch * inputShape.count) : nil
        if isAfterDense {
            backwardAfterDense(outputGradient, x: x, y: UnsafePointer(output.pointer), dx: dx, batch: batch)
        } else {
            backwardPlanes(outputGradient, x: x, dx: dx, batch: batch)
        }
        return dx.map { UnsafePointer($0) }
    }

    /// The constants of dx = a·dy' + b·(x − mean) + c for channel `c`, from its sums
    /// g = Σ dy' and h = Σ dy'·(x − mean); also sets γ's and β's gradients.
    @inline(__always)
    private func gradientTerms(_ c: Int, g: Double, h: Double, n: Int) -> (a: Float, b: Float, c: Float) {
        let deviation = Double(inverseDeviation[c])
        weight.gradient[c] = Float(h * deviation)
        bias.gradient[c] = Float(g)
        let a = Double(weight.value[c]) * deviation
        return (Float(a), Float(-a * deviation * deviation * h / Double(n)), Float(-a * g / Double(n)))
    }

    /// Channels split across threads, as in forward. The fused ReLU's mask comes from
    /// the input through forward's affine map, the same float operations as forward's
    /// output, so the pass reads two planes per value rather than three: a channel of a
    /// 28x28 layer's batch then stays in L2 between the sums and dx.
    private func backwardPlanes(_ dy: UnsafePointer<Float>, x: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?,
                                batch: Int) {
        let stride = inputShape.count, n = batch * plane
        let rectified = appliesReLU
        Parallel.split(channels, grain: grain(batch: batch)) { _, range in
            for c in range {
                let mean = batchMean[c]
                let map = rectified ? (scale: scale[c], shift: shift[c]) : nil
                var g = 0.0, h = 0.0
                for sample in 0..<batch {
                    let offset = sample * stride + c * plane
                    readAhead(dy, from: sample, channel: c, batch: batch)
                    readAhead(x, from: sample, channel: c, batch: batch)
                    let (sum, product) = Self.gradientSums(dy + offset, x + offset, rectifiedBy: map, count: plane, mean: mean)
                    g += Double(sum)
                    h += Double(product)
                }
                let terms = gradientTerms(c, g: g, h: h, n: n)
                guard let dx else { continue }
                for sample in 0..<batch {
                    let offset = sample * stride + c * plane
                    Self.inputGradient(dy + offset, x + offset, rectifiedBy: map, count: plane, mean: mean, terms: terms,
                                       into: dx + offset)
                }
            }
        }
    }

    private func backwardAfterDense(_ dy: UnsafePointer<Float>, x: UnsafePointer<Float>, y: UnsafePointer<Float>,
                                    dx: UnsafeMutablePointer<Float>?, batch: Int) {
        let width = channels
        let rectified = appliesReLU
        Parallel.split(width, grain: columnGrain(batch: batch)) { _, columns in
            let lo = columns.lowerBound, count = columns.count
            let s = sums + lo, s2 = secondSums + lo, mean = batchMean + lo
            s.update(repeating: 0, count: count)
            s2.update(repeating: 0, count: count)
            for row in 0..<batch {
                let offset = row * width + lo
                let dyLine = dy + offset, xLine = x + offset, yLine = y + offset
                for j in 0..<count {
                    // Both loads before the choice, so the loop vectorises (see `ReLU.mask`).
                    let gradient = dyLine[j], out = yLine[j]
                    let g = !rectified || out > 0 ? gradient : 0
                    s[j] += Double(g)
                    s2[j] += Double(g) * Double(xLine[j] - mean[j])
                }
            }
            // a, b and c of each unit, kept in the sums' place for the pass below.
            let a = scale + lo, b = shift + lo
            for j in 0..<count {
                let terms = gradientTerms(lo + j, g: s[j], h: s2[j], n: batch)
                a[j] = terms.a
                b[j] = terms.b
                s[j] = Double(terms.c)
            }
            guard let dx else { return }
            for row in 0..<batch {
                let offset = row * width + lo
                let dyLine = dy + offset, xLine = x + offset, yLine = y + offset, target = dx + offset
                for j in 0..<count {
                    let gradient = dyLine[j], out = yLine[j]
                    let g = !rectified || out > 0 ? gradient : 0
                    target[j] = a[j] * g + b[j] * (xLine[j] - mean[j]) + Float(s[j])
                }
            }
        }
    }

    // MARK: Loops over one plane

    /// Σ (x − mean)², in sixteen interleaved partial sums (see `FloatLoops.sum`).
    @inline(__always)
    static func squaredDeviations(_ x: UnsafePointer<Float>, count: Int, from mean: Float) -> Float {
        let raw = UnsafeRawPointer(x)
        let m = SIMD8<Float>(repeating: mean)
        var even = SIMD8<Float>(), odd = SIMD8<Float>()
        var i = 0
        while i + 16 <= count {
            let d0 = raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self) - m
            let d1 = raw.loadUnaligned(fromByteOffset: 4 * (i + 8), as: SIMD8<Float>.self) - m
            even += d0 * d0
            odd += d1 * d1
            i += 16
        }
        var total = (even + odd).sum()
        while i < count {
            let d = x[i] - mean
            total += d * d
            i += 1
        }
        return total
    }

    /// out = x·scale + shift, then max(·, 0) when `rectify`.
    @inline(__always)
    static func affine(_ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int,
                       scale: Float, shift: Float, rectify: Bool) {
        if rectify {
            for i in 0..<count { out[i] = max(x[i] * scale + shift, 0) }
        } else {
            for i in 0..<count { out[i] = x[i] * scale + shift }
        }
    }

    /// out = max((x·scale + shift) + r, 0), rounded as the two steps taken apart.
    @inline(__always)
    static func affine(_ x: UnsafePointer<Float>, adding r: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>,
                       count: Int, scale: Float, shift: Float) {
        for i in 0..<count {
            let normalized = x[i] * scale + shift
            out[i] = max(normalized + r[i], 0)
        }
    }

    /// (Σ dy', Σ dy'·(x − mean)), dy' being dy where the fused ReLU passed the value,
    /// x·scale + shift > 0 for `rectifiedBy`'s map, and 0 elsewhere; or dy itself.
    @inline(__always)
    static func gradientSums(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, rectifiedBy map: (scale: Float, shift: Float)?,
                             count: Int, mean: Float) -> (Float, Float) {
        let gradients = UnsafeRawPointer(dy), inputs = UnsafeRawPointer(x)
        let m = SIMD8<Float>(repeating: mean)
        var sum = SIMD8<Float>(), product = SIMD8<Float>()
        var i = 0
        if let map {
            let a = SIMD8<Float>(repeating: map.scale), b = SIMD8<Float>(repeating: map.shift)
            while i + 8 <= count {
                let v = inputs.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
                let g = gradients.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
                    .replacing(with: 0, where: .!(v * a + b .> 0))
                sum += g
                product += g * (v - m)
                i += 8
            }
        } else {
            while i + 8 <= count {
                let g = gradients.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
                sum += g
                product += g * (inputs.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self) - m)
                i += 8
            }
        }
        var total = sum.sum(), products = product.sum()
        while i < count {
            let g = map.map { x[i] * $0.scale + $0.shift > 0 ? dy[i] : 0 } ?? dy[i]
            total += g
            products += g * (x[i] - mean)
            i += 1
        }
        return (total, products)
    }

    /// dx = a·dy' + b·(x − mean) + c over one plane, dy' as in `gradientSums`.
    @inline(__always)
    static func inputGradient(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, rectifiedBy map: (scale: Float, shift: Float)?,
                              count: Int, mean: Float, terms: (a: Float, b: Float, c: Float),
                              into dx: UnsafeMutablePointer<Float>) {
        let (a, b, c) = terms
        if let map {
            let (scale, shift) = map
            for i in 0..<count {
                let gradient = dy[i], value = x[i]
                let g = value * scale + shift > 0 ? gradient : 0
                dx[i] = a * g + b * (value - mean) + c
            }
        } else {
            for i in 0..<count { dx[i] = a * dy[i] + b * (x[i] - mean) + c }
        }
    }
}
