import MimicEngine
import MimicTestSupport
import Testing

/// A two-layer model's parameters as a model would name them, filled with distinct values.
private func parameters(hidden: Int = 3, offset: Float = 0) -> [Checkpoint.NamedParameter] {
    let shapes: [(String, [Int], Bool)] = [
        ("0.weight", [hidden, 4], true), ("0.bias", [hidden], false),
        ("2.weight", [2, hidden], true), ("2.bias", [2], false),
    ]
    return shapes.enumerated().map { index, entry in
        let parameter = Parameter(name: entry.0.hasSuffix("bias") ? "bias" : "weight", shape: entry.1, decays: entry.2)
        for i in 0..<parameter.count {
            parameter.value[i] = offset + Float(index * 100 + i) * 0.5
        }
        return (entry.0, parameter)
    }
}

private func values(_ named: [Checkpoint.NamedParameter]) -> [[Float]] {
    named.map { Array(UnsafeBufferPointer(start: $0.parameter.value, count: $0.parameter.count)) }
}

@Suite struct CheckpointTests {
    @Test func savedParametersComeBackIntoAFreshModel() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("mentor.safetensors")
        let trained = parameters()
        try Checkpoint.save(trained, metadata: ["architecture": "mlp:4-3-2"], to: path)

        let fresh = parameters(offset: 1000)
        let checkpoint = try Checkpoint(path: path)
        try checkpoint.restore(into: fresh)
        #expect(values(fresh) == values(trained))
        #expect(try checkpoint.requiredMetadata("architecture") == "mlp:4-3-2")
        #expect(checkpoint.tensors["0.weight"]?.shape == [3, 4])
    }

    /// NaN or infinite weights make every output NaN: refused on load, naming the tensor,
    /// and the model is left as it was.
    @Test(arguments: [Float.nan, .infinity, -.infinity])
    func nonFiniteWeightsAreRefused(bad: Float) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("mentor.safetensors")
        let trained = parameters()
        trained[2].parameter.value[1] = bad
        try Checkpoint.save(trained, metadata: [:], to: path)
        let fresh = parameters(offset: 1000)
        let before = values(fresh)
        #expect(throws: CheckpointError.nonFiniteValues(path: path, tensor: "2.weight", count: 1)) {
            try Checkpoint(path: path).restore(into: fresh)
        }
        #expect(values(fresh) == before)
        #expect(CheckpointError.nonFiniteValues(path: path, tensor: "2.weight", count: 1).description
            == "Tensor \"2.weight\" in checkpoint \(path) holds 1 value that is NaN or infinite, so the model cannot predict; "
            + "it was saved from a training that diverged, so train the model again with a lower learning rate.")
    }

    @Test func aNamedPipeAsACheckpointIsRefused() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let pipe = try NamedPipe(at: folder.file("mentor.safetensors"))
        #expect(throws: CheckpointError.notARegularFile(path: pipe.path, kind: "a named pipe (FIFO)")) {
            try Checkpoint(path: pipe.path)
        }
        #expect(throws: CheckpointError.notARegularFile(path: folder.path, kind: "a folder")) {
            try Checkpoint(path: folder.path)
        }
    }

    @Test func missingMetadataNamesTheKey() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("student.safetensors")
        try Checkpoint.save(parameters(), metadata: [:], to: path)
        #expect(throws: CheckpointError.missingMetadata(path: path, key: "architecture")) {
            try Checkpoint(path: path).requiredMetadata("architecture")
        }
    }

    @Test func anotherArchitectureIsRefusedAndNothingIsOverwritten() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("mentor.safetensors")
        try Checkpoint.save(parameters(hidden: 3), metadata: [:], to: path)
        let checkpoint = try Checkpoint(path: path)

        let wider = parameters(hidden: 5, offset: 1000)
        let before = values(wider)
        #expect(throws: CheckpointError.shapeMismatch(path: path, tensor: "0.weight", expected: [5, 4], found: [3, 4])) {
            try checkpoint.restore(into: wider)
        }
        #expect(values(wider) == before)

        let extra = parameters() + [("4.weight", Parameter(name: "weight", shape: [1], decays: true))]
        #expect(throws: CheckpointError.missingTensor(path: path, tensor: "4.weight")) {
            try checkpoint.restore(into: extra)
        }

        let fewer = Array(parameters(offset: 1000).prefix(2))
        let fewerBefore = values(fewer)
        #expect(throws: CheckpointError.unexpectedTensors(path: path, tensors: ["2.bias", "2.weight"])) {
            try checkpoint.restore(into: fewer)
        }
        #expect(values(fewer) == fewerBefore)
    }

    /// Found by Fuzz/FuzzSafeTensors: an input shape whose value count overflows Int was
    /// accepted, and building the network on it trapped.
    @Test func inputShapeTooLargeToCountIsRefused() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("edited.safetensors")
        let shape = "9999999999x9999999999x9999999999"
        try Checkpoint.save([], metadata: ["spec": "linear", "input_shape": shape, "classes": "2"], to: path)
        #expect(throws: CheckpointError.invalidMetadata(path: path, key: "input_shape", value: shape,
                                                        problem: "is not a shape of the form CxHxW that fits in memory")) {
            try Network.load(from: path)
        }
    }

    @Test func everyErrorIsOneSentenceNamingTheFile() {
        let path = "/runs/7/mentor.safetensors"
        let errors: [CheckpointError] = [
            .missingFile(path: path),
            .unreadable(path: path, reason: "Permission denied"),
            .unwritable(path: path, reason: "No space left on device"),
            .tooShort(path: path, bytes: 3),
            .headerLongerThanFile(path: path, headerBytes: 900, bytesAfterLength: 12),
            .headerNotJSON(path: path, problem: "it does not parse as UTF-8 JSON"),
            .malformedTensor(path: path, tensor: "0.weight", problem: "it has no \"dtype\" field"),
            .unsupportedDType(path: path, tensor: "0.weight", dtype: "F16"),
            .badOffsets(path: path, tensor: "0.weight", problem: "it ends at byte 16 but the file holds only 8 bytes of data"),
            .malformedMetadata(path: path),
            .missingMetadata(path: path, key: "architecture"),
            .missingTensor(path: path, tensor: "0.weight"),
            .unexpectedTensors(path: path, tensors: ["4.weight"]),
            .shapeMismatch(path: path, tensor: "0.weight", expected: [5, 4], found: [3, 4]),
            .dtypeMismatch(path: path, tensor: "1.num_batches_tracked", expected: "I64", found: "F32"),
        ]
        for error in errors {
            let text = error.description
            #expect(text.contains(path), "\(text)")
            #expect(text.hasSuffix(".") && !text.contains("\n"), "\(text)")
            #expect(text.components(separatedBy: "; ").count == 2, "problem; fix: \(text)")
        }
        #expect(CheckpointError.unsupportedDType(path: path, tensor: "w", dtype: "F16").description.contains("F16"))
    }

    /// A network with batch norm after a convolution and after a dense layer, trained
    /// a few steps so that its running statistics and counts are no longer their start.
    static func trainedBatchNormNetwork() throws -> Network {
        let network = try Network(spec: ArchitectureSpec("conv4-bn-pool-fc8-bn"), input: SampleShape(channels: 1, height: 8, width: 8),
                                  classes: 3, random: SeededRandom(seed: 2))
        for step in 0..<3 {
            let x = randomInput(count: 5 * 64, seed: UInt64(50 + step)).map { $0 + Float(step) }
            _ = x.withUnsafeBufferPointer { network.forward($0.baseAddress!, batch: 5, training: true) }
        }
        var random = SeededRandom(seed: 3)
        for case let norm as BatchNorm in network.layers {
            for c in 0..<norm.inputShape.channels {
                norm.weight.value[c] = 0.5 + random.nextUnitFloat()
                norm.bias.value[c] = random.nextGaussian()
            }
        }
        return network
    }

    static func state(_ network: Network) -> [String: [Double]] {
        var state: [String: [Double]] = [:]
        for (name, parameter) in network.namedParameters {
            state[name] = (0..<parameter.count).map { Double(parameter.value[$0]) }
        }
        for (name, buffer) in network.namedBuffers {
            state[name] = buffer.dtype == .int64
                ? (0..<buffer.count).map { Double(buffer.integers[$0]) }
                : (0..<buffer.count).map { Double(buffer.floats[$0]) }
        }
        return state
    }

    /// Saved and loaded, a network with batch norm keeps its weights, its running
    /// statistics and its count of batches (int64, as torch keeps it), and so evaluates
    /// to the same bits.
    @Test func batchNormStateRoundTrips() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("bn.safetensors")
        let network = try Self.trainedBatchNormNetwork()
        let norm = try #require(network.layers[1] as? BatchNorm)
        #expect(norm.batchesTracked.integers[0] == 3)
        #expect(norm.runningMean.floats[0] != 0 && norm.runningVar.floats[0] != 1)
        try network.save(to: path)

        let file = try SafeTensors.read(path: path)
        #expect(file.tensors["1.num_batches_tracked"] == SafeTensors.Tensor(shape: [], integers: [3]))
        #expect(file.tensors["6.num_batches_tracked"] == SafeTensors.Tensor(shape: [], integers: [3]))
        #expect(file.tensors["1.running_var"]?.shape == [4] && file.tensors["1.running_var"]?.dtype == .float32)

        let loaded = try Network.load(from: path).network
        #expect(Self.state(loaded) == Self.state(network))
        #expect(Self.state(loaded).keys.count == 16)
        let x = randomInput(count: 4 * 64, seed: 60)
        func evaluate(_ network: Network) -> [Float] {
            x.withUnsafeBufferPointer { Array(UnsafeBufferPointer(start: network.forward($0.baseAddress!, batch: 4, training: false), count: 12)) }
        }
        #expect(evaluate(loaded) == evaluate(network))
        // Evaluation reads the running statistics and leaves them, and the count, alone.
        #expect(Self.state(loaded) == Self.state(network))
    }

    /// A count stored as F32 is refused, naming the tensor and both dtypes; a checkpoint
    /// without the running statistics is refused too, and the model is left as it was.
    @Test func batchNormBuffersMustBeThereInTheirDtype() throws {
        let folder = try TemporaryFolder()
        let network = try Self.trainedBatchNormNetwork()
        let contents = try { () throws -> [String: SafeTensors.Tensor] in
            let path = folder.file("whole.safetensors")
            try network.save(to: path)
            return try SafeTensors.read(path: path).tensors
        }()
        let metadata = ["spec": "conv4-bn-pool-fc8-bn", "input_shape": "1x8x8", "classes": "3"]
        func write(_ tensors: [String: SafeTensors.Tensor], to path: String) throws {
            var floats: [(String, [Int], [Float])] = [], integers: [(String, [Int], [Int64])] = []
            for (name, tensor) in tensors {
                if tensor.dtype == .int64 { integers.append((name, tensor.shape, tensor.integers)) } else { floats.append((name, tensor.shape, tensor.values)) }
            }
            // Copies that live as long as the views.
            let floatStorage = floats.map { UnsafeMutableBufferPointer<Float>.allocate(capacity: max(1, $0.2.count)) }
            let integerStorage = integers.map { UnsafeMutableBufferPointer<Int64>.allocate(capacity: max(1, $0.2.count)) }
            defer { floatStorage.forEach { $0.deallocate() }; integerStorage.forEach { $0.deallocate() } }
            var views: [SafeTensors.TensorView] = []
            for (index, (name, shape, values)) in floats.enumerated() {
                _ = floatStorage[index].initialize(fromContentsOf: values)
                views.append(.init(name: name, shape: shape, values: UnsafeBufferPointer(rebasing: floatStorage[index][0..<values.count])))
            }
            for (index, (name, shape, values)) in integers.enumerated() {
                _ = integerStorage[index].initialize(fromContentsOf: values)
                views.append(.init(name: name, shape: shape, integers: UnsafeBufferPointer(rebasing: integerStorage[index][0..<values.count])))
            }
            try SafeTensors.write(tensors: views, metadata: metadata, to: path)
        }

        var asFloat = contents
        asFloat["1.num_batches_tracked"] = SafeTensors.Tensor(shape: [], values: [3])
        let floatPath = folder.file("float-count.safetensors")
        try write(asFloat, to: floatPath)
        #expect(throws: CheckpointError.dtypeMismatch(path: floatPath, tensor: "1.num_batches_tracked", expected: "I64", found: "F32")) {
            try Network.load(from: floatPath)
        }

        var withoutStatistics = contents
        withoutStatistics["6.running_mean"] = nil
        let missingPath = folder.file("no-statistics.safetensors")
        try write(withoutStatistics, to: missingPath)
        let fresh = try Network(spec: ArchitectureSpec("conv4-bn-pool-fc8-bn"), input: SampleShape(channels: 1, height: 8, width: 8),
                                classes: 3, random: SeededRandom(seed: 9))
        let before = Self.state(fresh)
        #expect(throws: CheckpointError.missingTensor(path: missingPath, tensor: "6.running_mean")) {
            try Checkpoint(path: missingPath).restore(into: fresh.namedParameters, buffers: fresh.namedBuffers)
        }
        #expect(Self.state(fresh) == before)
    }
}
