/// A tensor a layer keeps besides its parameters, as a PyTorch module's buffers: batch
/// norm's running statistics and its count of batches. Saved and restored with the
/// parameters, under PyTorch's names and dtypes, but never trained: no gradient, no
/// optimizer state, no weight decay.
///
/// Float32, or Int64 for a count (PyTorch keeps `num_batches_tracked` as int64, and a
/// checkpoint must hold it so for `load_state_dict` to take it as is).
public final class LayerBuffer {
    /// "running_mean"; a network prefixes it with the layer's position, as for parameters.
    public let name: String
    /// [C] for running statistics; [] (one value, a 0-dimensional tensor) for a count.
    public let shape: [Int]
    public let count: Int
    public let dtype: SafeTensors.DType
    private let storage: UnsafeMutableRawPointer

    public init(name: String, shape: [Int], dtype: SafeTensors.DType) {
        precondition(shape.allSatisfy { $0 > 0 }, "buffer \(name) has an empty dimension in \(shape)")
        self.name = name
        self.shape = shape
        self.dtype = dtype
        count = shape.reduce(1, *)
        storage = .allocate(byteCount: count * dtype.byteWidth, alignment: 8)
        storage.initializeMemory(as: UInt8.self, repeating: 0, count: count * dtype.byteWidth)
    }

    deinit { storage.deallocate() }

    /// The values of a float32 buffer.
    public var floats: UnsafeMutablePointer<Float> {
        precondition(dtype == .float32, "buffer \(name) holds \(dtype.rawValue), not F32")
        return storage.assumingMemoryBound(to: Float.self)
    }

    /// The values of an int64 buffer.
    public var integers: UnsafeMutablePointer<Int64> {
        precondition(dtype == .int64, "buffer \(name) holds \(dtype.rawValue), not I64")
        return storage.assumingMemoryBound(to: Int64.self)
    }

    /// The bytes, for hashing a network's state.
    public var bytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: storage, count: count * dtype.byteWidth)
    }

    /// A view for writing it into a safetensors file, valid while the buffer lives.
    func view(named name: String) -> SafeTensors.TensorView {
        switch dtype {
        case .float32: SafeTensors.TensorView(name: name, shape: shape, values: UnsafeBufferPointer(start: floats, count: count))
        case .int64: SafeTensors.TensorView(name: name, shape: shape, integers: UnsafeBufferPointer(start: integers, count: count))
        }
    }

    /// Copies a tensor read from a file in, once `Checkpoint.check` has found that it fits.
    func load(_ tensor: SafeTensors.Tensor) {
        switch dtype {
        case .float32: _ = UnsafeMutableBufferPointer(start: floats, count: count).update(fromContentsOf: tensor.values)
        case .int64: _ = UnsafeMutableBufferPointer(start: integers, count: count).update(fromContentsOf: tensor.integers)
        }
    }
}
