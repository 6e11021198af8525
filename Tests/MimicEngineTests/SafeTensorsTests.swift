import Foundation
import MimicEngine
import Testing
import MimicTestSupport

private let weights: [Float] = [1.5, -2, 0, -0.0, 1e-30, 3.25, .greatestFiniteMagnitude, -7]
private let bias: [Float] = [0.125, -0.5]
private let metadata = ["architecture": "mlp:784-32-10", "input": "1x28x28"]

/// A small valid file: a 2x4 weight then a bias of 2.
private func validFile() -> [UInt8] {
    weights.withUnsafeBufferPointer { w in
        bias.withUnsafeBufferPointer { b in
            SafeTensors.encode(
                tensors: [
                    .init(name: "0.weight", shape: [2, 4], values: w),
                    .init(name: "0.bias", shape: [2], values: b),
                ],
                metadata: metadata)
        }
    }
}

/// A file with a hand-written header, for the broken cases.
private func file(header: String, dataBytes: Int, declaredLength: UInt64? = nil) -> [UInt8] {
    let json = Array(header.utf8)
    let length = declaredLength ?? UInt64(json.count)
    return withUnsafeBytes(of: length.littleEndian, Array.init) + json + [UInt8](repeating: 0, count: dataBytes)
}

private func decodeError(_ bytes: [UInt8]) -> CheckpointError? {
    do {
        _ = try SafeTensors.decode(bytes, path: "model.safetensors")
        return nil
    } catch let error as CheckpointError {
        return error
    } catch {
        Issue.record("not a CheckpointError: \(error)")
        return nil
    }
}


/// Reads a file the way another tool would, with nothing of ours: the header through
/// json, the data through numpy, checking the layout rules other readers rely on.
private let pythonReader = """
    import json, struct, sys
    import numpy as np
    raw = open(sys.argv[1], "rb").read()
    (length,) = struct.unpack("<Q", raw[:8])
    assert length % 8 == 0, "header not padded to 8 bytes"
    header = json.loads(raw[8:8 + length])
    data = raw[8 + length:]
    metadata = header.pop("__metadata__", {})
    spans = sorted(tuple(entry["data_offsets"]) for entry in header.values())
    assert spans[0][0] == 0 and spans[-1][1] == len(data), "data not fully covered"
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:])), "gaps between tensors"
    tensors = {}
    for name, entry in header.items():
        assert entry["dtype"] == "F32"
        begin, end = entry["data_offsets"]
        array = np.frombuffer(data[begin:end], dtype="<f4").reshape(entry["shape"])
        tensors[name] = {"shape": list(array.shape), "values": [float(x) for x in array.ravel()]}
    print(json.dumps({"metadata": metadata, "tensors": tensors}))
    """

private struct PythonView: Decodable {
    struct Tensor: Decodable {
        var shape: [Int]
        var values: [Double]
    }
    var metadata: [String: String]
    var tensors: [String: Tensor]
}

@Suite struct SafeTensorsTests {
    @Test func roundTripKeepsValuesShapesAndMetadata() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("model.safetensors")
        try weights.withUnsafeBufferPointer { w in
            try bias.withUnsafeBufferPointer { b in
                try SafeTensors.write(
                    tensors: [.init(name: "0.weight", shape: [2, 4], values: w), .init(name: "0.bias", shape: [2], values: b)],
                    metadata: metadata, to: path)
            }
        }
        let contents = try SafeTensors.read(path: path)
        #expect(contents.metadata == metadata)
        #expect(contents.tensors["0.weight"] == SafeTensors.Tensor(shape: [2, 4], values: weights))
        #expect(contents.tensors["0.bias"] == SafeTensors.Tensor(shape: [2], values: bias))
        #expect(contents.tensors.count == 2)
        // −0 survives as −0: the bytes go through untouched.
        #expect(contents.tensors["0.weight"]!.values[3].sign == .minus)
    }

    @Test func writeReplacesTheFileAndLeavesNoTemporaryBehind() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("model.safetensors")
        for scale in [Float(1), 2] {
            let values = bias.map { $0 * scale }
            try values.withUnsafeBufferPointer { buffer in
                try SafeTensors.write(tensors: [.init(name: "b", shape: [2], values: buffer)], metadata: [:], to: path)
            }
            #expect(try SafeTensors.read(path: path).tensors["b"]?.values == values)
        }
        #expect(try folder.names() == ["model.safetensors"])
    }

    @Test func writingIntoAMissingFolderSaysSo() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("absent/model.safetensors")
        #expect(throws: CheckpointError.self) {
            try SafeTensors.write(tensors: [], metadata: [:], to: path)
        }
        do {
            try SafeTensors.write(tensors: [], metadata: [:], to: path)
        } catch let error as CheckpointError {
            guard case .unwritable(path, _) = error else { Issue.record("\(error)"); return }
        }
        #expect(try folder.names().isEmpty)
    }

    @Test func headerIsPaddedJSONWithContiguousOffsets() throws {
        let bytes = validFile()
        let length = Int(bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        #expect(length % 8 == 0)
        #expect(bytes.count == 8 + length + 4 * (weights.count + bias.count))
        let header = try #require(
            try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + length)])) as? [String: Any])
        #expect(header["__metadata__"] as? [String: String] == metadata)
        let weight = try #require(header["0.weight"] as? [String: Any])
        #expect(weight["dtype"] as? String == "F32")
        #expect(weight["shape"] as? [Int] == [2, 4])
        let biasEntry = try #require(header["0.bias"] as? [String: Any])
        // Tensors are laid out in the order given: the weight's 32 bytes, then the bias's 8.
        #expect(weight["data_offsets"] as? [Int] == [0, 32])
        #expect(biasEntry["data_offsets"] as? [Int] == [32, 40])
    }

    @Test(.enabled(if: NumpyReferenceMode.here.runsTests, "python3 with numpy is not installed"))
    func pythonAndNumpyReadWhatWeWrite() throws {
        try NumpyReferenceMode.here.requireNumpy()
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("model.safetensors")
        let finite = weights.map { $0 == .greatestFiniteMagnitude ? 123.456 : $0 }
        try finite.withUnsafeBufferPointer { w in
            try bias.withUnsafeBufferPointer { b in
                try SafeTensors.write(
                    tensors: [.init(name: "0.weight", shape: [2, 4], values: w), .init(name: "0.bias", shape: [2], values: b)],
                    metadata: metadata, to: path)
            }
        }
        let printed = try runPython(pythonReader, arguments: [path])
        let view = try JSONDecoder().decode(PythonView.self, from: printed)
        #expect(view.metadata == metadata)
        #expect(view.tensors["0.weight"]?.shape == [2, 4])
        #expect(view.tensors["0.weight"]?.values.map(Float.init) == finite)
        #expect(view.tensors["0.bias"]?.shape == [2])
        #expect(view.tensors["0.bias"]?.values.map(Float.init) == bias)
    }

    @Test func missingFileIsNamed() {
        #expect(throws: CheckpointError.missingFile(path: "/nonexistent/model.safetensors")) {
            try SafeTensors.read(path: "/nonexistent/model.safetensors")
        }
    }

    @Test func folderIsNotACheckpoint() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        #expect(throws: CheckpointError.notARegularFile(path: folder.path, kind: "a folder")) {
            try SafeTensors.read(path: folder.path)
        }
    }

    @Test func tooShortForTheLength() {
        for count in 0..<8 {
            #expect(decodeError([UInt8](repeating: 1, count: count))
                    == .tooShort(path: "model.safetensors", bytes: count))
        }
    }

    @Test func headerLongerThanTheFile() {
        #expect(decodeError(file(header: "{}", dataBytes: 0, declaredLength: 1000))
                == .headerLongerThanFile(path: "model.safetensors", headerBytes: 1000, bytesAfterLength: 2))
        #expect(decodeError(file(header: "{}", dataBytes: 0, declaredLength: .max)) != nil)
    }

    @Test func everyTruncationFailsCleanly() {
        let bytes = validFile()
        for count in 0..<bytes.count {
            #expect(decodeError(Array(bytes[0..<count])) != nil, "cut at \(count) bytes")
        }
        #expect(decodeError(bytes) == nil)
    }

    @Test func corruptedBytesNeverCrash() {
        var random = SeededRandom(seed: 42, stream: "corruption")
        let bytes = validFile()
        for _ in 0..<300 {
            var corrupted = bytes
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                corrupted[Int.random(in: 0..<corrupted.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
            // Success is fine too (a changed value byte is still a valid file); only a
            // crash or a foreign error would be a failure.
            do { _ = try SafeTensors.decode(corrupted, path: "x") } catch is CheckpointError {} catch {
                Issue.record("not a CheckpointError: \(error)")
            }
        }
    }

    @Test(arguments: ["not json{", "[1, 2]", "\"text\"", "", "{\"a\": "])
    func headerThatIsNotAJSONObject(header: String) {
        guard case .headerNotJSON(path: "model.safetensors", _) = decodeError(file(header: header, dataBytes: 0)) else {
            Issue.record("expected headerNotJSON for \(header)")
            return
        }
    }

    @Test func headerThatIsNotUTF8() {
        var bytes = file(header: "{\"a\":1}", dataBytes: 0)
        bytes[10] = 0xFF
        guard case .headerNotJSON = decodeError(bytes) else { Issue.record("expected headerNotJSON"); return }
    }

    @Test(arguments: [
        (#"{"w": 3}"#, "it is not a JSON object"),
        (#"{"w": {"shape": [2], "data_offsets": [0, 8]}}"#, "it has no \"dtype\" field"),
        (#"{"w": {"dtype": "F32", "data_offsets": [0, 8]}}"#, "it has no \"shape\" field"),
        (#"{"w": {"dtype": "F32", "shape": [2]}}"#, "it has no \"data_offsets\" field"),
        (#"{"w": {"dtype": 32, "shape": [2], "data_offsets": [0, 8]}}"#, "its \"dtype\" is not a string"),
        (#"{"w": {"dtype": "F32", "shape": "2", "data_offsets": [0, 8]}}"#, "its \"shape\" is not a list of whole numbers"),
        (#"{"w": {"dtype": "F32", "shape": [2.5], "data_offsets": [0, 8]}}"#, "its \"shape\" is not a list of whole numbers"),
        (#"{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 1e30]}}"#, "its \"data_offsets\" is not a list of whole numbers"),
        (#"{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4, 8]}}"#, "data_offsets has 3 numbers instead of [begin, end]"),
        (#"{"w": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}}"#, "shape [-2] has a negative dimension"),
    ])
    func malformedTensorEntry(header: String, problem: String) {
        #expect(decodeError(file(header: header, dataBytes: 8))
                == .malformedTensor(path: "model.safetensors", tensor: "w", problem: problem))
    }

    @Test(arguments: ["F16", "BF16", "F64", "I32", "U8"])
    func dtypeOtherThanF32IsNamed(dtype: String) {
        let header = #"{"w": {"dtype": "\#(dtype)", "shape": [2], "data_offsets": [0, 8]}}"#
        #expect(decodeError(file(header: header, dataBytes: 8))
                == .unsupportedDType(path: "model.safetensors", tensor: "w", dtype: dtype))
    }

    /// A dtype "F32" and a NUL read "is stored as F32 but mimic reads only F32": the NUL
    /// ended the name on the terminal. Names and dtypes from a file show their control
    /// characters as escapes.
    @Test func controlCharactersInADtypeOrNameAreShownAsEscapes() throws {
        let dtype = #"{"w": {"dtype": "F32\u0000", "shape": [2], "data_offsets": [0, 8]}}"#
        let message = try #require(decodeError(file(header: dtype, dataBytes: 8))).description
        #expect(message.hasPrefix(#"Tensor "w" in checkpoint model.safetensors is stored as F32\0 but mimic reads only F32 (and I64 for counts such as num_batches_tracked);"#), "\(message)")
        #expect(!message.unicodeScalars.contains { $0.value < 0x20 }, "\(message)")
        let name = #"{"w\u001b[31m\n": {"dtype": "F16", "shape": [2], "data_offsets": [0, 8]}}"#
        let named = try #require(decodeError(file(header: name, dataBytes: 8))).description
        #expect(named.hasPrefix(#"Tensor "w\u{1B}[31m\n" in checkpoint"#), "\(named)")
    }

    @Test(arguments: [
        (#"{"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}"#, "w", "it ends at byte 16 but the file holds only 8 bytes of data"),
        (#"{"w": {"dtype": "F32", "shape": [0], "data_offsets": [8, 0]}}"#, "w", "[8, 0] is not an increasing pair of byte positions"),
        (#"{"w": {"dtype": "F32", "shape": [0], "data_offsets": [-4, 0]}}"#, "w", "[-4, 0] is not an increasing pair of byte positions"),
        (#"{"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}"#, "w", "it spans 8 bytes but shape [3] of F32 needs 12"),
        (#"{"w": {"dtype": "F32", "shape": [4611686018427387904, 4], "data_offsets": [0, 8]}}"#, "w",
         "it spans 8 bytes but shape [4611686018427387904, 4] of F32 needs more than fits in memory"),
        (#"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}"#,
         "b", "its bytes overlap those of tensor \"a\""),
    ])
    func offsetsThatDoNotFitTheData(header: String, tensor: String, problem: String) {
        #expect(decodeError(file(header: header, dataBytes: 8))
                == .badOffsets(path: "model.safetensors", tensor: tensor, problem: problem))
    }

    @Test func metadataMustBeStrings() {
        let header = #"{"__metadata__": {"epochs": 3}}"#
        #expect(decodeError(file(header: header, dataBytes: 0)) == .malformedMetadata(path: "model.safetensors"))
    }

    @Test func emptyTensorsAndTrailingSpacesAreFine() throws {
        let header = #"{"e": {"dtype": "F32", "shape": [0, 3], "data_offsets": [0, 0]}}     "#
        let contents = try SafeTensors.decode(file(header: header, dataBytes: 0), path: "x")
        #expect(contents.tensors["e"] == SafeTensors.Tensor(shape: [0, 3], values: []))
        #expect(contents.metadata.isEmpty)
    }

    /// Counts PyTorch keeps as int64 (batch norm's num_batches_tracked, a 0-dimensional
    /// tensor) are written as I64, 8 bytes each, beside F32 tensors, and read back so.
    @Test func int64TensorsRoundTrip() throws {
        let counts: [Int64] = [3, -1, Int64.max]
        let scalar: [Int64] = [42]
        let bytes = bias.withUnsafeBufferPointer { b in
            counts.withUnsafeBufferPointer { c in
                scalar.withUnsafeBufferPointer { s in
                    SafeTensors.encode(tensors: [
                        .init(name: "0.bias", shape: [2], values: b), .init(name: "c", shape: [3], integers: c),
                        .init(name: "1.num_batches_tracked", shape: [], integers: s),
                    ], metadata: [:])
                }
            }
        }
        let contents = try SafeTensors.decode(bytes, path: "x")
        #expect(contents.tensors["c"] == SafeTensors.Tensor(shape: [3], integers: counts))
        #expect(contents.tensors["1.num_batches_tracked"] == SafeTensors.Tensor(shape: [], integers: scalar))
        #expect(contents.tensors["1.num_batches_tracked"]?.dtype == .int64)
        #expect(contents.tensors["0.bias"] == SafeTensors.Tensor(shape: [2], values: bias))
        let length = Int(bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        let header = try #require(try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + length)])) as? [String: Any])
        let tracked = try #require(header["1.num_batches_tracked"] as? [String: Any])
        #expect(tracked["dtype"] as? String == "I64")
        #expect(tracked["shape"] as? [Int] == [])
        #expect(tracked["data_offsets"] as? [Int] == [32, 40])
        #expect(bytes.count == 8 + length + 8 + 24 + 8)
    }

    @Test func int64SizesAreCheckedByTheirWidth() {
        let header = #"{"n": {"dtype": "I64", "shape": [2], "data_offsets": [0, 8]}}"#
        #expect(decodeError(file(header: header, dataBytes: 8))
                == .badOffsets(path: "model.safetensors", tensor: "n", problem: "it spans 8 bytes but shape [2] of I64 needs 16"))
    }

    @Test(.enabled(if: NumpyReferenceMode.here.runsTests, "python3 with numpy is not installed"))
    func numpyReadsInt64AsInt64() throws {
        try NumpyReferenceMode.here.requireNumpy()
        let folder = try TemporaryFolder()
        let path = folder.file("counts.safetensors")
        let scalar: [Int64] = [1 << 40]
        try scalar.withUnsafeBufferPointer { s in
            try SafeTensors.write(tensors: [.init(name: "n", shape: [], integers: s)], metadata: [:], to: path)
        }
        let printed = try runPython("""
            import json, struct, sys
            import numpy as np
            raw = open(sys.argv[1], "rb").read()
            (length,) = struct.unpack("<Q", raw[:8])
            entry = json.loads(raw[8:8 + length])["n"]
            begin, end = entry["data_offsets"]
            array = np.frombuffer(raw[8 + length + begin:8 + length + end], dtype="<i8").reshape(entry["shape"])
            print(json.dumps([entry["dtype"], list(array.shape), int(array)]))
            """, arguments: [path])
        #expect(String(decoding: printed, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == #"["I64", [], 1099511627776]"#)
    }
}
