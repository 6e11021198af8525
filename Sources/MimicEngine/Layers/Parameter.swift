/// A trainable tensor: its values, the gradient the last backward pass left, and its
/// shape as PyTorch lays it out (so checkpoints load into the same torch modules).
public final class Parameter {
    public let name: String
    public let shape: [Int]
    public let count: Int
    public let value: UnsafeMutablePointer<Float>
    public let gradient: UnsafeMutablePointer<Float>
    /// Weight decay applies to weights, not to biases.
    public let decays: Bool

    public init(name: String, shape: [Int], decays: Bool) {
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
