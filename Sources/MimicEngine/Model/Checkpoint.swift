/// A model's parameters and the facts needed to rebuild it (architecture, input shape,
/// classes...), as one safetensors file. Tensors are named as torch names a module's
/// state_dict ("0.weight", "3.bias"), so the same file loads into the torch model.
public struct Checkpoint: Sendable {
    public typealias NamedParameter = (name: String, parameter: Parameter)

    /// Where the checkpoint was read from; every error names it.
    public let path: String
    public let tensors: [String: SafeTensors.Tensor]
    public let metadata: [String: String]

    public init(path: String) throws {
        let contents = try SafeTensors.read(path: path)
        self.path = path
        tensors = contents.tensors
        metadata = contents.metadata
    }

    /// Saves the current values of `parameters`, in order, with `metadata`.
    public static func save(_ parameters: [NamedParameter], metadata: [String: String], to path: String) throws {
        let views = parameters.map { named in
            SafeTensors.TensorView(
                name: named.name, shape: named.parameter.shape,
                values: UnsafeBufferPointer(start: named.parameter.value, count: named.parameter.count))
        }
        // The views borrow the parameters' memory; keep the parameters alive until written.
        try withExtendedLifetime(parameters.map(\.parameter)) {
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

    /// Copies the saved values into `parameters`. Every name and shape is checked first,
    /// and the file must hold no tensor the model lacks, so a mismatch changes nothing: a
    /// model is never left half loaded.
    public func restore(into parameters: [NamedParameter]) throws {
        for (name, parameter) in parameters {
            guard let tensor = tensors[name] else { throw CheckpointError.missingTensor(path: path, tensor: name) }
            guard tensor.shape == parameter.shape else {
                throw CheckpointError.shapeMismatch(path: path, tensor: name, expected: parameter.shape, found: tensor.shape)
            }
            try Self.checkFinite(tensor, name: name, path: path)
        }
        let wanted = Set(parameters.map(\.name))
        let unexpected = tensors.keys.filter { !wanted.contains($0) }.sorted()
        guard unexpected.isEmpty else { throw CheckpointError.unexpectedTensors(path: path, tensors: unexpected) }

        for (name, parameter) in parameters {
            tensors[name]!.values.withUnsafeBufferPointer { values in
                parameter.value.update(from: values.baseAddress!, count: parameter.count)
            }
        }
    }
}
