/// Turns C x H x W into one vector per sample. NCHW is already contiguous per
/// sample, so both passes hand the same memory through unchanged.
public final class Flatten: Layer {
    public let inputShape: SampleShape
    public var outputShape: SampleShape { .vector(inputShape.count) }

    public init(shape: SampleShape) { inputShape = shape }

    public var summary: String { "flatten" }

    public func forward(_ input: UnsafePointer<Float>, batch: Int, training: Bool) -> UnsafePointer<Float> {
        input
    }

    public func backward(_ outputGradient: UnsafePointer<Float>, batch: Int, needsInputGradient: Bool) -> UnsafePointer<Float>? {
        needsInputGradient ? outputGradient : nil
    }
}
