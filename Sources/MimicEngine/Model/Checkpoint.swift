import Foundation

/// A model's parameters, its buffers (batch norm's running statistics) and the facts
/// needed to rebuild it (architecture, input shape, classes...), as one safetensors
/// file. Tensors are named as torch names a module's state_dict ("0.weight", "3.bias",
/// "1.running_mean"), so the same file loads into the torch model.
public struct Checkpoint: Sendable {
    public typealias NamedParameter = (name: String, parameter: Parameter)
    public typealias NamedBuffer = (name: String, buffer: LayerBuffer)

    /// Where the checkpoint was read from; every error names it.
    public let path: String
    public let tensors: [String: SafeTensors.Tensor]
    public let metadata: [String: String]

    public init(path: String) throws {
        let suffix = (path as NSString).pathExtension.lowercased()
        guard suffix != "pt" && suffix != "pth" else { throw CheckpointError.pytorchPickle(path: path) }
        let contents = try SafeTensors.read(path: path)
        self.path = path
        tensors = contents.tensors
        metadata = contents.metadata
    }

    /// Saves the current values of `parameters`, then of `buffers`, in order, with `metadata`.
    public static func save(_ parameters: [NamedParameter], buffers: [NamedBuffer] = [], metadata: [String: String],
                            to path: String) throws {
        let views = parameters.map { named in
            SafeTensors.TensorView(
                name: named.name, shape: named.parameter.shape,
                values: UnsafeBufferPointer(start: named.parameter.value, count: named.parameter.count))
        } + buffers.map { $0.buffer.view(named: $0.name) }
        // The views borrow the parameters' memory; keep the parameters alive until written.
        try withExtendedLifetime((parameters.map(\.parameter), buffers.map(\.buffer))) {
            try SafeTensors.write(tensors: views, metadata: metadata, to: path)
        }
    }

    /// The metadata value for `key`, or an error naming the file and the missing key.
    public func requiredMetadata(_ key: String) throws -> String {
        guard let value = metadata[key] else { throw CheckpointError.missingMetadata(path: path, key: key) }
        return value
    }

    /// A weight that is NaN or infinite makes every output NaN: a model loaded with one
    /// evaluates to "loss nan", and students taught by it "diverge" for no fault of their
    /// own. Such a file comes from a training that diverged, so it is refused on load.
    static func checkFinite(_ tensor: SafeTensors.Tensor, name: String, path: String) throws(CheckpointError) {
        let count = tensor.values.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
        guard count == 0 else { throw CheckpointError.nonFiniteValues(path: path, tensor: name, count: count) }
    }

    /// The tensor named `name`, checked to fit a tensor of `shape` and `dtype` in the
    /// model: present, of that shape and dtype, and, for floats, finite.
    static func tensor(_ name: String, shape: [Int], dtype: SafeTensors.DType, in tensors: [String: SafeTensors.Tensor],
                       path: String, checkingFinite: Bool = true) throws(CheckpointError) -> SafeTensors.Tensor {
        guard let tensor = tensors[name] else { throw CheckpointError.missingTensor(path: path, tensor: name) }
        guard tensor.shape == shape else {
            throw CheckpointError.shapeMismatch(path: path, tensor: name, expected: shape, found: tensor.shape)
        }
        guard tensor.dtype == dtype else {
            throw CheckpointError.dtypeMismatch(path: path, tensor: name, expected: dtype.rawValue, found: tensor.dtype.rawValue)
        }
        if checkingFinite { try checkFinite(tensor, name: name, path: path) }
        return tensor
    }

    /// Copies the saved values into `parameters` and `buffers`. Every name, shape and
    /// dtype is checked first, and the file must hold no tensor the model lacks, so a
    /// mismatch changes nothing: a model is never left half loaded.
    public func restore(into parameters: [NamedParameter], buffers: [NamedBuffer] = []) throws {
        for (name, parameter) in parameters {
            _ = try Self.tensor(name, shape: parameter.shape, dtype: .float32, in: tensors, path: path)
        }
        for (name, buffer) in buffers {
            _ = try Self.tensor(name, shape: buffer.shape, dtype: buffer.dtype, in: tensors, path: path)
        }
        let wanted = Set(parameters.map(\.name) + buffers.map(\.name))
        let unexpected = tensors.keys.filter { !wanted.contains($0) }.sorted()
        guard unexpected.isEmpty else { throw CheckpointError.unexpectedTensors(path: path, tensors: unexpected) }

        for (name, parameter) in parameters {
            tensors[name]!.values.withUnsafeBufferPointer { values in
                parameter.value.update(from: values.baseAddress!, count: parameter.count)
            }
        }
        for (name, buffer) in buffers {
            buffer.load(tensors[name]!)
        }
    }
}
