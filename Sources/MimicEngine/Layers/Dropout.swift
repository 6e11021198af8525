/// Inverted dropout: in training each activation is kept with probability 1 - rate and
/// scaled by 1 / (1 - rate), so inference is the identity and needs no rescaling.
public final class Dropout: Layer {
    public let inputShape: SampleShape
    public var outputShape: SampleShape { inputShape }
    public let rate: Float
    /// Not private: an epoch checkpoint saves and restores it, so a resumed training
    /// draws the same masks as one that never stopped.
    var random: SeededRandom
    private let mask = FloatBuffer()
    private let output = FloatBuffer()
    private let inputGradient = FloatBuffer()
    private var maskIsActive = false

    public init(shape: SampleShape, rate: Float, random: SeededRandom) {
        precondition(rate >= 0 && rate < 1, "dropout rate must be in [0, 1)")
        inputShape = shape
        self.rate = rate
        self.random = random
    }

    public var summary: String { "dropout \(rate)" }

    public func forward(_ input: UnsafePointer<Float>, batch: Int, training: Bool) -> UnsafePointer<Float> {
        maskIsActive = training && rate > 0
        guard maskIsActive else { return input }
        let count = batch * inputShape.count
        let m = mask.reserve(count)
        let y = output.reserve(count)
        let scale = 1 / (1 - rate)
        for i in 0..<count {
            m[i] = random.nextUnitFloat() < rate ? 0 : scale
        }
        for i in 0..<count {
            y[i] = input[i] * m[i]
        }
        return UnsafePointer(y)
    }

    public func backward(_ outputGradient: UnsafePointer<Float>, batch: Int, needsInputGradient: Bool) -> UnsafePointer<Float>? {
        guard needsInputGradient else { return nil }
        guard maskIsActive else { return outputGradient }
        let count = batch * inputShape.count
        let m = mask.pointer
        let dx = inputGradient.reserve(count)
        for i in 0..<count {
            dx[i] = outputGradient[i] * m[i]
        }
        return UnsafePointer(dx)
    }
}
