/// Rectified linear unit, max(x, 0). Backward needs only its own output: the
/// gradient passes where the output is positive.
///
/// A network fuses each ReLU into the convolution or dense layer before it (see
/// `ReLUFusing`): that layer rectifies its output while it is still in cache and masks
/// the gradient in a pass it makes anyway, which saves two trips through memory over
/// the largest activations of the network. The fused ReLU keeps its place and index in
/// the network, so checkpoints and layer listings read as in PyTorch's `nn.Sequential`.
public final class ReLU: Layer {
    public let inputShape: SampleShape
    public var outputShape: SampleShape { inputShape }
    /// The layer before applies max(x, 0) and masks the gradient; this one passes through.
    public let isFused: Bool
    private let output = FloatBuffer()
    private let inputGradient = FloatBuffer()

    public init(shape: SampleShape) {
        inputShape = shape
        isFused = false
    }

    /// A ReLU whose work `producer`, the layer before it, does from now on.
    public init(fusedInto producer: some ReLUFusing) {
        inputShape = producer.outputShape
        isFused = true
        producer.appliesReLU = true
    }

    public var summary: String { isFused ? "relu (fused)" : "relu" }

    public func forward(_ input: UnsafePointer<Float>, batch: Int, training: Bool) -> UnsafePointer<Float> {
        if isFused { return input }
        let count = batch * inputShape.count
        let y = output.reserve(count)
        for i in 0..<count {
            y[i] = max(input[i], 0)
        }
        return UnsafePointer(y)
    }

    public func backward(_ outputGradient: UnsafePointer<Float>, batch: Int, needsInputGradient: Bool) -> UnsafePointer<Float>? {
        guard needsInputGradient else { return nil }
        if isFused { return outputGradient }
        let dx = inputGradient.reserve(batch * inputShape.count)
        ReLU.mask(outputGradient, by: output.pointer, count: batch * inputShape.count, into: dx)
        return UnsafePointer(dx)
    }

    /// to[i] = output[i] > 0 ? gradient[i] : 0. Both loads come before the comparison:
    /// a load under the condition cannot be hoisted, and then the loop neither
    /// vectorises nor avoids a mispredicted branch per element.
    @inline(__always)
    static func mask(_ gradient: UnsafePointer<Float>, by output: UnsafePointer<Float>, count: Int,
                     into to: UnsafeMutablePointer<Float>) {
        for i in 0..<count {
            let g = gradient[i], y = output[i]
            to[i] = y > 0 ? g : 0
        }
    }
}

/// A layer that can apply the ReLU after it itself (convolution and dense layers).
/// When `appliesReLU` is set its output is max(0, ·) and its backward masks the
/// incoming gradient by that output, exactly as the separate ReLU would.
public protocol ReLUFusing: Layer {
    var appliesReLU: Bool { get set }
}
