/// Global average pooling, torch's nn.AdaptiveAvgPool2d(1): each channel of C x H x W
/// becomes the mean of its H·W values, C x 1 x 1. A network follows it with a `Flatten`,
/// as the torch model does, so that layer indices and checkpoint names agree.
public final class GlobalAveragePool: Layer {
    public let inputShape: SampleShape
    public let outputShape: SampleShape
    private let plane: Int
    private let output = FloatBuffer()
    private let inputGradient = FloatBuffer()

    public init(input: SampleShape) {
        inputShape = input
        outputShape = .vector(input.channels)
        plane = input.height * input.width
    }

    public var summary: String { "global avg pool \(inputShape.height)x\(inputShape.width)" }

    /// An addition per value; the one division per channel is not counted.
    public var forwardFLOPsPerSample: Int { inputShape.count }

    public func forward(_ input: UnsafePointer<Float>, batch: Int, training: Bool) -> UnsafePointer<Float> {
        let channels = inputShape.channels
        let y = output.reserve(batch * channels)
        let inverse = 1 / Float(plane)
        Parallel.split(batch * channels, grain: max(1, (1 << 14) / plane)) { _, planes in
            for index in planes {
                y[index] = FloatLoops.sum(input + index * plane, count: plane) * inverse
            }
        }
        return UnsafePointer(y)
    }

    /// Every value of a plane had the same share, 1/(H·W), in its mean.
    public func backward(_ outputGradient: UnsafePointer<Float>, batch: Int, needsInputGradient: Bool) -> UnsafePointer<Float>? {
        guard needsInputGradient else { return nil }
        let channels = inputShape.channels
        let dx = inputGradient.reserve(batch * inputShape.count)
        let inverse = 1 / Float(plane)
        Parallel.split(batch * channels, grain: max(1, (1 << 14) / plane)) { _, planes in
            for index in planes {
                (dx + index * plane).update(repeating: outputGradient[index] * inverse, count: plane)
            }
        }
        return UnsafePointer(dx)
    }
}
