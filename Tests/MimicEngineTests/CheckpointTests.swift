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
        ]
        for error in errors {
            let text = error.description
            #expect(text.contains(path), "\(text)")
            #expect(text.hasSuffix(".") && !text.contains("\n"), "\(text)")
            #expect(text.components(separatedBy: "; ").count == 2, "problem; fix: \(text)")
        }
        #expect(CheckpointError.unsupportedDType(path: path, tensor: "w", dtype: "F16").description.contains("F16"))
    }
}
