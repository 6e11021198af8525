/// 2-D convolution by im2col + one large GEMM.
///
/// The im2col columns of many samples sit side by side ([K, samples·P], K = Cin·k·k,
/// P = output pixels), so one `cblas_sgemm` of [Cout, K] x [K, samples·P] does a whole
/// chunk of the batch: small per-sample products waste most of what BLAS can do. The
/// chunk is capped so the column buffer stays bounded at any batch size, and backward
/// reuses the forward columns when the whole batch fitted in one chunk.
/// Weights are [Cout, Cin, k, k], as in PyTorch's `nn.Conv2d`.
public final class Conv2D: Layer {
    public let inputShape: SampleShape
    public let outputShape: SampleShape
    public let filters: Int
    public let kernel: Int
    public let stride: Int
    public let padding: Int
    public let weight: Parameter
    public let bias: Parameter
    public var parameters: [Parameter] { [weight, bias] }

    /// Default upper bound on the column buffer, in floats (32 MiB).
    public static let defaultColumnBudget = 8 << 20
    private let columnBudget: Int

    private let patch: Int  // K = Cin·k·k
    private let pixels: Int  // P = Ho·Wo
    private let columns = FloatBuffer()
    private let chunkOutput = FloatBuffer()
    private let output = FloatBuffer()
    private let inputGradient = FloatBuffer()
    private var lastInput: UnsafePointer<Float>?
    /// The chunk whose im2col columns are still in `columns`, if any.
    private var columnsHold: (start: Int, count: Int)?

    /// Returns nil when the kernel does not fit the padded input.
    public init?(input: SampleShape, filters: Int, kernel: Int, stride: Int, padding: Int,
                 columnBudget: Int = Conv2D.defaultColumnBudget, random: inout SeededRandom) {
        guard filters >= 1, kernel >= 1, stride >= 1, padding >= 0,
              input.height + 2 * padding >= kernel, input.width + 2 * padding >= kernel
        else { return nil }
        inputShape = input
        self.filters = filters
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.columnBudget = columnBudget
        outputShape = SampleShape(
            channels: filters,
            height: (input.height + 2 * padding - kernel) / stride + 1,
            width: (input.width + 2 * padding - kernel) / stride + 1)
        patch = input.channels * kernel * kernel
        pixels = outputShape.height * outputShape.width
        weight = Parameter(name: "weight", shape: [filters, input.channels, kernel, kernel], decays: true)
        bias = Parameter(name: "bias", shape: [filters], decays: false)
        heInitialise(weight, fanIn: patch, random: &random)
    }

    public var summary: String {
        "conv2d \(inputShape.channels)->\(filters) k\(kernel) s\(stride) p\(padding)"
    }

    public var forwardFLOPsPerSample: Int { 2 * filters * patch * pixels }

    private func chunkSize(batch: Int) -> Int {
        max(1, min(batch, columnBudget / (patch * pixels)))
    }

    public func forward(_ input: UnsafePointer<Float>, batch: Int, training: Bool) -> UnsafePointer<Float> {
        lastInput = input
        let chunk = chunkSize(batch: batch)
        let y = output.reserve(batch * filters * pixels)
        let col = columns.reserve(patch * chunk * pixels)
        let product = chunkOutput.reserve(filters * chunk * pixels)
        var start = 0
        while start < batch {
            let count = min(chunk, batch - start)
            let width = count * pixels
            im2col(input + start * inputShape.count, samples: count, into: col)
            BLAS.parallelGemm(m: filters, n: width, k: patch,
                      a: weight.value, lda: patch, b: col, ldb: width,
                      c: product, ldc: width)
            // [Cout, samples·P] -> NCHW, adding the bias on the way.
            for sample in 0..<count {
                let target = y + (start + sample) * filters * pixels
                for f in 0..<filters {
                    let b = bias.value[f]
                    let from = product + f * width + sample * pixels
                    let to = target + f * pixels
                    for p in 0..<pixels { to[p] = from[p] + b }
                }
            }
            columnsHold = (start, count)
            start += count
        }
        return UnsafePointer(y)
    }

    public func backward(_ outputGradient: UnsafePointer<Float>, batch: Int, needsInputGradient: Bool) -> UnsafePointer<Float>? {
        guard let x = lastInput else { preconditionFailure("Conv2D.backward before forward") }
        let chunk = chunkSize(batch: batch)
        let col = columns.pointer
        let gathered = chunkOutput.pointer
        let dx = needsInputGradient ? inputGradient.reserve(batch * inputShape.count) : nil
        bias.gradient.update(repeating: 0, count: filters)
        // Last chunk first: its columns are the ones forward left in the buffer.
        let lastChunk = (batch - 1) / chunk
        for chunkIndex in (0...lastChunk).reversed() {
            let start = chunkIndex * chunk
            let count = min(chunk, batch - start)
            let width = count * pixels
            if columnsHold == nil || columnsHold! != (start, count) {
                im2col(x + start * inputShape.count, samples: count, into: col)
            }
            // NCHW -> [Cout, samples·P], summing the bias gradient on the way.
            for sample in 0..<count {
                let source = outputGradient + (start + sample) * filters * pixels
                for f in 0..<filters {
                    let from = source + f * pixels
                    let to = gathered + f * width + sample * pixels
                    var sum: Float = 0
                    for p in 0..<pixels {
                        to[p] = from[p]
                        sum += from[p]
                    }
                    bias.gradient[f] += sum
                }
            }
            // dW (+)= dY · colsᵀ
            BLAS.parallelGemm(transposeB: true, m: filters, n: patch, k: width,
                      a: gathered, lda: width, b: col, ldb: width,
                      beta: chunkIndex == lastChunk ? 0 : 1, c: weight.gradient, ldc: patch)
            guard let dx else { continue }
            // dCols = Wᵀ · dY, written over the columns, which dW no longer needs.
            BLAS.parallelGemm(transposeA: true, m: patch, n: width, k: filters,
                      a: weight.value, lda: patch, b: gathered, ldb: width,
                      c: col, ldc: width)
            columnsHold = nil
            col2im(col, samples: count, into: dx + start * inputShape.count)
        }
        return dx.map { UnsafePointer($0) }
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

    private func im2col(_ input: UnsafePointer<Float>, samples: Int, into col: UnsafeMutablePointer<Float>) {
        let inC = inputShape.channels, inH = inputShape.height, inW = inputShape.width
        let outH = outputShape.height, outW = outputShape.width
        let rowLength = samples * pixels
        for c in 0..<inC {
            for ki in 0..<kernel {
                for kj in 0..<kernel {
                    let rowStart = col + ((c * kernel + ki) * kernel + kj) * rowLength
                    let (lo, hi) = validColumns(kj: kj)
                    for sample in 0..<samples {
                        let plane = input + (sample * inC + c) * inH * inW
                        let target = rowStart + sample * pixels
                        for oh in 0..<outH {
                            let line = target + oh * outW
                            let ih = oh * stride - padding + ki
                            guard ih >= 0, ih < inH else {
                                line.update(repeating: 0, count: outW)
                                continue
                            }
                            line.update(repeating: 0, count: lo)
                            (line + hi).update(repeating: 0, count: outW - hi)
                            let source = plane + ih * inW - padding + kj
                            if stride == 1 {
                                (line + lo).update(from: source + lo, count: hi - lo)
                            } else {
                                for ow in lo..<hi { line[ow] = source[ow * stride] }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The adjoint of im2col: every column entry adds back into the input pixel it came from.
    private func col2im(_ col: UnsafePointer<Float>, samples: Int, into dx: UnsafeMutablePointer<Float>) {
        let inC = inputShape.channels, inH = inputShape.height, inW = inputShape.width
        let outH = outputShape.height, outW = outputShape.width
        let rowLength = samples * pixels
        dx.update(repeating: 0, count: samples * inputShape.count)
        for c in 0..<inC {
            for ki in 0..<kernel {
                for kj in 0..<kernel {
                    let rowStart = col + ((c * kernel + ki) * kernel + kj) * rowLength
                    let (lo, hi) = validColumns(kj: kj)
                    for sample in 0..<samples {
                        let plane = dx + (sample * inC + c) * inH * inW
                        let source = rowStart + sample * pixels
                        for oh in 0..<outH {
                            let ih = oh * stride - padding + ki
                            guard ih >= 0, ih < inH else { continue }
                            let line = source + oh * outW
                            let target = plane + ih * inW - padding + kj
                            for ow in lo..<hi { target[ow * stride] += line[ow] }
                        }
                    }
                }
            }
        }
    }
}
