/// Fully connected layer: y = x · Wᵀ + b, with W stored [outputs, inputs] as in
/// PyTorch's `nn.Linear`, so a checkpoint's weights load there unchanged.
public final class Dense: ReLUFusing {
    public let inputShape: SampleShape
    public let outputShape: SampleShape
    public let weight: Parameter
    public let bias: Parameter
    public var parameters: [Parameter] { [weight, bias] }
    public var appliesReLU = false

    private let inputs: Int
    private let outputs: Int
    private let output = FloatBuffer()
    private let inputGradient = FloatBuffer()
    /// The output gradient masked by the fused ReLU.
    private let maskedGradient = FloatBuffer()
    private var lastInput: UnsafePointer<Float>?

    public init(input: SampleShape, outputs: Int, random: inout SeededRandom) {
        inputShape = input
        inputs = input.count
        self.outputs = outputs
        outputShape = .vector(outputs)
        weight = Parameter(name: "weight", shape: [outputs, inputs], decays: true, gradientIsOneProduct: true)
        bias = Parameter(name: "bias", shape: [outputs], decays: false)
        heInitialise(weight, fanIn: inputs, random: &random)
    }

    public var summary: String { "dense \(inputs)->\(outputs)" }
    public var forwardFLOPsPerSample: Int { 2 * inputs * outputs }

    public func forward(_ input: UnsafePointer<Float>, batch: Int, training: Bool) -> UnsafePointer<Float> {
        lastInput = input
        let y = output.reserve(batch * outputs)
        // Start from the bias in every row, then let the GEMM accumulate onto it.
        let b = bias.value
        for row in 0..<batch {
            (y + row * outputs).update(from: b, count: outputs)
        }
        BLAS.parallelGemm(transposeB: true, m: batch, n: outputs, k: inputs,
                          a: input, lda: inputs, b: weight.value, ldb: inputs,
                          beta: 1, c: y, ldc: outputs) { rows, columns in
            guard appliesReLU else { return }
            for row in rows {
                let line = y + row * outputs
                for column in columns { line[column] = max(line[column], 0) }
            }
        }
        return UnsafePointer(y)
    }

    public func backward(_ outputGradient: UnsafePointer<Float>, batch: Int, needsInputGradient: Bool) -> UnsafePointer<Float>? {
        guard let x = lastInput else { preconditionFailure("Dense.backward before forward") }
        var dy = outputGradient
        if appliesReLU {
            let masked = maskedGradient.reserve(batch * outputs)
            let y = UnsafePointer(output.pointer)
            // Masking and the bias gradient in one pass, split by columns so that each
            // thread owns its bias sums.
            Parallel.split(outputs, grain: max(16, (1 << 15) / max(batch, 1))) { _, columns in
                let sums = bias.gradient + columns.lowerBound
                sums.update(repeating: 0, count: columns.count)
                for row in 0..<batch {
                    let offset = row * outputs + columns.lowerBound
                    ReLU.mask(outputGradient + offset, by: y + offset, count: columns.count, into: masked + offset)
                    for j in 0..<columns.count { sums[j] += masked[offset + j] }
                }
            }
            dy = UnsafePointer(masked)
        } else {
            sumRows(outputGradient, rows: batch, columns: outputs, into: bias.gradient)
        }
        // dW = dYᵀ · X, or an optimizer's running sum of it: s = keep·s + dW.
        let dW = weight.gradientDestination
        BLAS.parallelGemm(transposeA: true, m: outputs, n: inputs, k: batch,
                          a: dy, lda: outputs, b: x, ldb: inputs,
                          beta: dW.keep, c: dW.values, ldc: inputs)
        guard needsInputGradient else { return nil }
        // dX = dY · W
        let dx = inputGradient.reserve(batch * inputs)
        BLAS.parallelGemm(m: batch, n: inputs, k: outputs,
                          a: dy, lda: outputs, b: weight.value, ldb: inputs,
                          c: dx, ldc: inputs)
        return UnsafePointer(dx)
    }
}

/// Column sums of a row-major matrix: the bias gradient of dense and conv layers.
@inline(__always)
func sumRows(_ matrix: UnsafePointer<Float>, rows: Int, columns: Int, into sums: UnsafeMutablePointer<Float>) {
    sums.update(repeating: 0, count: columns)
    for row in 0..<rows {
        let line = matrix + row * columns
        for column in 0..<columns {
            sums[column] += line[column]
        }
    }
}
