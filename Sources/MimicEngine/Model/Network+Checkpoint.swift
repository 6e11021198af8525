/// Saving a network with what it takes to rebuild it, and rebuilding it from the file.
extension Network {
    /// Metadata keys every mimic checkpoint carries.
    public enum CheckpointKey {
        public static let spec = "spec"
        public static let inputShape = "input_shape"
        public static let classes = "classes"
    }

    /// Writes the parameters, the buffers (batch norm's running statistics and count, so
    /// the model evaluates the same once loaded) and `extra` metadata, plus the spec,
    /// input shape and class count.
    public func save(to path: String, metadata extra: [String: String] = [:]) throws {
        var metadata = extra
        metadata[CheckpointKey.spec] = spec.text
        metadata[CheckpointKey.inputShape] = inputShape.description
        metadata[CheckpointKey.classes] = String(classes)
        try Checkpoint.save(namedParameters, buffers: namedBuffers, metadata: metadata, to: path)
    }

    /// A network from `path`: one mimic saved rebuilds itself from its metadata; a
    /// state_dict saved elsewhere (PyTorch's `save_file(model.state_dict(), path)`,
    /// with no "spec" in its metadata) is loaded into the architecture `spec` gives
    /// (read only then), built for `input` images in `classes` classes, and must hold
    /// exactly its tensors, by the names, shapes and types `pytorchSequential` gives
    /// (the first that differs is named).
    public static func load(from path: String, otherwise spec: () throws -> ArchitectureSpec?, input: SampleShape,
                            classes: Int) throws -> (network: Network, metadata: [String: String], imported: Bool) {
        let checkpoint = try Checkpoint(path: path)
        if checkpoint.metadata[CheckpointKey.spec] != nil {
            let (network, metadata) = try load(checkpoint)
            return (network, metadata, false)
        }
        guard let spec = try spec() else { throw CheckpointError.stateDictWithoutSpec(path: path) }
        let network = try Network(spec: spec, input: input, classes: classes, random: SeededRandom(seed: 0))
        try checkpoint.restore(into: network.namedParameters, buffers: network.namedBuffers)
        return (network, checkpoint.metadata, true)
    }

    /// Rebuilds the network a checkpoint was saved from, with its weights and buffers.
    public static func load(from path: String) throws -> (network: Network, metadata: [String: String]) {
        try load(Checkpoint(path: path))
    }

    private static func load(_ checkpoint: Checkpoint) throws -> (network: Network, metadata: [String: String]) {
        let path = checkpoint.path
        let specText = try checkpoint.requiredMetadata(CheckpointKey.spec)
        let shapeText = try checkpoint.requiredMetadata(CheckpointKey.inputShape)
        let classesText = try checkpoint.requiredMetadata(CheckpointKey.classes)
        let spec: ArchitectureSpec
        do {
            spec = try ArchitectureSpec(specText)
        } catch {
            throw CheckpointError.invalidMetadata(path: path, key: CheckpointKey.spec, value: specText, problem: "is not a valid architecture (\(error.description))")
        }
        guard let shape = SampleShape(parsing: shapeText) else {
            throw CheckpointError.invalidMetadata(path: path, key: CheckpointKey.inputShape, value: shapeText, problem: "is not a shape of the form CxHxW that fits in memory")
        }
        guard let classes = Int(classesText), classes >= 2, classes <= 65_536 else {
            throw CheckpointError.invalidMetadata(path: path, key: CheckpointKey.classes, value: classesText, problem: "is not a class count from 2 to 65536")
        }
        let network: Network
        do {
            network = try Network(spec: spec, input: shape, classes: classes, random: SeededRandom(seed: 0))
        } catch {
            throw CheckpointError.invalidMetadata(path: path, key: CheckpointKey.spec, value: specText, problem: "cannot be built on \(shape) input (\(error.description))")
        }
        try checkpoint.restore(into: network.namedParameters, buffers: network.namedBuffers)
        return (network, checkpoint.metadata)
    }
}
