/// A trainable tensor: its values, the gradient the last backward pass left, and its
/// shape as PyTorch lays it out (so checkpoints load into the same torch modules).
///
/// A class over raw memory rather than an array: layers, optimizers and checkpoints all
/// hold the same parameter, and the hot loops read it with no bounds checks or
/// copy-on-write checks in the way.
public final class Parameter {
    /// "weight" or "bias"; a model prefixes it with the layer's position for checkpoints.
    public let name: String
    /// [out, in] for dense, [out, in, k, k] for convolution, [out] for a bias.
    public let shape: [Int]
    public let count: Int
    public let value: UnsafeMutablePointer<Float>
    public let gradient: UnsafeMutablePointer<Float>
    /// Weight decay shrinks weights toward zero; decaying biases only costs fit.
    public let decays: Bool

    public init(name: String, shape: [Int], decays: Bool) {
        precondition(shape.allSatisfy { $0 > 0 }, "parameter \(name) has an empty dimension in \(shape)")
        self.name = name
        self.shape = shape
        self.decays = decays
        count = shape.reduce(1, *)
        value = .allocate(capacity: count)
        value.initialize(repeating: 0, count: count)
        gradient = .allocate(capacity: count)
        gradient.initialize(repeating: 0, count: count)
    }

    deinit {
        value.deallocate()
        gradient.deallocate()
    }
}
