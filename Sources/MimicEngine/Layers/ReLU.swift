/// Rectified linear unit, max(x, 0). Backward needs only its own output: the
/// gradient passes where the output is positive.
public final class ReLU: Layer {
    public let inputShape: SampleShape
    public var outputShape: SampleShape { inputShape }
    private let output = FloatBuffer()
    private let inputGradient = FloatBuffer()

    public init(shape: SampleShape) { inputShape = shape }

    public var summary: String { "relu" }

    public func forward(_ input: UnsafePointer<Float>, batch: Int, training: Bool) -> UnsafePointer<Float> {
        let count = batch * inputShape.count
        let y = output.reserve(count)
        for i in 0..<count {
            y[i] = max(input[i], 0)
        }
        return UnsafePointer(y)
    }

    public func backward(_ outputGradient: UnsafePointer<Float>, batch: Int, needsInputGradient: Bool) -> UnsafePointer<Float>? {
        guard needsInputGradient else { return nil }
        let count = batch * inputShape.count
        let y = output.pointer
        let dx = inputGradient.reserve(count)
        for i in 0..<count {
            dx[i] = y[i] > 0 ? outputGradient[i] : 0
        }
        return UnsafePointer(dx)
    }
}
