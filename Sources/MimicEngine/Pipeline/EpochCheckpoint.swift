import Foundation

/// Where one model's training stands at the end of an epoch, besides its tensors:
/// with the weights and the optimizer's state, all it takes to go on exactly as if it
/// had never stopped.
struct TrainingPosition: Codable, Equatable {
    /// The model it belongs to ("student 1"), checked when it is loaded.
    var model: String
    var optimizer: OptimizerKind
    /// Epochs completed; training goes on with the next one.
    var epoch: Int
    var step: Int
    var samplesSeen: Int
    var trainingTime: Double
    var optimizerSteps: Int
    /// The shuffle generator's state after this epoch's shuffle (hex): a resumed
    /// trainer replays its shuffles and checks that it lands here.
    var shuffleState: String
    /// Each dropout layer's generator state, in layer order (hex).
    var dropoutStates: [String]
    /// The evaluation at the end of this epoch and the time-to-parity if reached, so
    /// the model's result is complete even when no epoch is left to train.
    var test: Evaluation?
    var timeToParity: Double?
}

/// A model's training at the end of an epoch, as one safetensors file: the weights and
/// the layers' buffers under the names of a plain checkpoint ("0.weight",
/// "1.running_mean"), the optimizer's buffers under
/// "optimizer.<buffer>.<parameter>" ("optimizer.exp_avg.0.weight"), and the position
/// as JSON in the metadata. One file, written to a temporary name and renamed, so a
/// process killed at any instant leaves the previous epoch's file or this one whole.
struct EpochCheckpoint {
    static let positionKey = "training_position"
    static let formatKey = "training_format"
    static let format = "1"

    let path: String
    let position: TrainingPosition
    private let contents: Checkpoint

    static func write(network: Network, optimizer: any Optimizer, position: TrainingPosition, to path: String) throws {
        var views: [SafeTensors.TensorView] = network.namedParameters.map { name, parameter in
            SafeTensors.TensorView(name: name, shape: parameter.shape,
                                   values: UnsafeBufferPointer(start: parameter.value, count: parameter.count))
        }
        views += network.namedBuffers.map { $0.buffer.view(named: $0.name) }
        for (name, shape, range, buffer) in optimizerTensors(network, optimizer) {
            views.append(SafeTensors.TensorView(name: name, shape: shape,
                                                values: UnsafeBufferPointer(rebasing: buffer.values[range])))
        }
        let metadata = [
            Network.CheckpointKey.spec: network.spec.text,
            Network.CheckpointKey.inputShape: network.inputShape.description,
            Network.CheckpointKey.classes: String(network.classes),
            formatKey: format,
            positionKey: String(decoding: try RunFolder.compactEncoder.encode(position), as: UTF8.self),
        ]
        // The views borrow the network's and the optimizer's memory until written.
        try withExtendedLifetime((network, optimizer)) {
            try SafeTensors.write(tensors: views, metadata: metadata, to: path)
        }
    }

    /// Reads the file whole and checks its metadata; its tensors are checked against a
    /// model only by `restore`.
    init(path: String) throws {
        contents = try Checkpoint(path: path)
        self.path = path
        let format = try contents.requiredMetadata(Self.formatKey)
        guard format == Self.format else {
            throw CheckpointError.invalidMetadata(path: path, key: Self.formatKey, value: format,
                                                  problem: "is not a format this mimic reads (\(Self.format))")
        }
        let json = try contents.requiredMetadata(Self.positionKey)
        do {
            position = try RunFolder.decoder.decode(TrainingPosition.self, from: Data(json.utf8))
        } catch {
            throw CheckpointError.invalidMetadata(path: path, key: Self.positionKey, value: String(json.prefix(60)),
                                                  problem: "is not a training position mimic can read")
        }
    }

    /// Copies the weights, the optimizer's state and the dropout generators into a model
    /// built as the one that was saved. Everything is checked first, so a file that does
    /// not fit changes nothing.
    func restore(into network: Network, optimizer: any Optimizer) throws {
        let spec = try contents.requiredMetadata(Network.CheckpointKey.spec)
        guard spec == network.spec.text else {
            throw CheckpointError.invalidMetadata(path: path, key: Network.CheckpointKey.spec, value: spec,
                                                  problem: "is not the architecture of \(position.model) (\(network.spec.text))")
        }
        let dropouts = network.layers.compactMap { $0 as? Dropout }
        let dropoutStates = position.dropoutStates.compactMap { UInt64($0, radix: 16) }
        guard dropoutStates.count == position.dropoutStates.count, dropoutStates.count == dropouts.count else {
            throw CheckpointError.invalidMetadata(
                path: path, key: Self.positionKey, value: position.dropoutStates.joined(separator: ","),
                problem: "does not hold one generator state for each of the \(dropouts.count) dropout layers")
        }

        // Every tensor the model and the optimizer need, and nothing else.
        var wanted: [(name: String, shape: [Int], destination: UnsafeMutableBufferPointer<Float>)] =
            network.namedParameters.map { name, parameter in
                (name, parameter.shape, UnsafeMutableBufferPointer(start: parameter.value, count: parameter.count))
            }
        for (name, shape, range, buffer) in Self.optimizerTensors(network, optimizer) {
            wanted.append((name, shape, UnsafeMutableBufferPointer(rebasing: buffer.values[range])))
        }
        let weights = Set(network.namedParameters.map(\.name))
        for (name, shape, _) in wanted {
            // The weights only: the optimizer's state may hold an inf it recovers from.
            _ = try Checkpoint.tensor(name, shape: shape, dtype: .float32, in: contents.tensors, path: path,
                                      checkingFinite: weights.contains(name))
        }
        for (name, buffer) in network.namedBuffers {
            _ = try Checkpoint.tensor(name, shape: buffer.shape, dtype: buffer.dtype, in: contents.tensors, path: path)
        }
        let names = Set(wanted.map(\.name) + network.namedBuffers.map(\.name))
        let unexpected = contents.tensors.keys.filter { !names.contains($0) }.sorted()
        guard unexpected.isEmpty else { throw CheckpointError.unexpectedTensors(path: path, tensors: unexpected) }

        withExtendedLifetime((network, optimizer)) {
            for (name, _, destination) in wanted {
                _ = destination.update(fromContentsOf: contents.tensors[name]!.values)
            }
            for (name, buffer) in network.namedBuffers {
                buffer.load(contents.tensors[name]!)
            }
        }
        optimizer.steps = position.optimizerSteps
        for (layer, state) in zip(dropouts, dropoutStates) {
            layer.random = SeededRandom(seed: state)
        }
    }

    /// Each optimizer buffer cut at its parameters' bounds, named after them.
    private static func optimizerTensors(_ network: Network, _ optimizer: any Optimizer)
        -> [(name: String, shape: [Int], range: Range<Int>, buffer: OptimizerStateBuffer)]
    {
        var tensors: [(String, [Int], Range<Int>, OptimizerStateBuffer)] = []
        for buffer in optimizer.stateBuffers {
            var offset = 0
            for (name, parameter) in network.namedParameters {
                tensors.append(("optimizer.\(buffer.name).\(name)", parameter.shape, offset..<offset + parameter.count, buffer))
                offset += parameter.count
            }
            precondition(offset == buffer.values.count, "the optimizer was not made over this network's parameters")
        }
        return tensors
    }
}

extension UInt64 {
    /// Sixteen hex digits, the form generator states take in JSON (whose numbers stop
    /// being exact above 2⁵³).
    var hexDigits: String { String(self, radix: 16).leftPadded(to: 16) }
}
