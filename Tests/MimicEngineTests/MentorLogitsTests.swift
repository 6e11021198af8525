import Foundation
@testable import MimicEngine
import MimicTestSupport
import Testing

/// A mentor known only by its outputs: its logits file read and checked, and students
/// taught by it exactly as by the network that wrote the logits.
@Suite struct MentorLogitsTests {
    static let expected = MentorLogits.Expected(poolCount: 3, testCount: 2, classes: 2, seed: 1, labeledFraction: 0.2,
                                                listCommand: "mimic data list --data d")

    static func npyFile(_ descr: String, _ shape: [Int], _ body: [UInt8], in folder: TemporaryFolder,
                        name: String = "logits.npy") throws -> String {
        try folder.write(NPZDataTests.npy(descr, shape, body), to: name)
        return folder.file(name)
    }

    @Test func aNPYOfThePoolAloneOrWithTheTestRowsReads() throws {
        let folder = try TemporaryFolder()
        let values: [Float] = [1, -1, 0.5, 2, -3, 4, 9, 8, 7, 6]
        let withTest = try MentorLogits.read(
            from: try Self.npyFile("<f4", [5, 2], NPZDataTests.float32(values), in: folder), expected: Self.expected)
        #expect(withTest.pool == Array(values[0..<6]) && withTest.test == Array(values[6...]))
        let poolOnly = try MentorLogits.read(
            from: try Self.npyFile("<f4", [3, 2], NPZDataTests.float32(Array(values[0..<6])), in: folder, name: "p.npy"),
            expected: Self.expected)
        #expect(poolOnly.pool == Array(values[0..<6]) && poolOnly.test == nil)
        #expect(poolOnly.contentHash != withTest.contentHash)
    }

    @Test func aSafeTensorsFileOfPoolAndTestReads() throws {
        let folder = try TemporaryFolder()
        let logits = MentorLogits(classes: 2, pool: [1, 2, 3, 4, 5, 6], test: [7, 8, 9, 10])
        try logits.write(to: folder.file("l.safetensors"))
        let read = try MentorLogits.read(from: folder.file("l.safetensors"), expected: Self.expected)
        #expect(read.pool == logits.pool && read.test == logits.test && read.contentHash == logits.contentHash)
    }

    /// Each refusal is one sentence that names the file and says what to do.
    @Test func badLogitsAreRefusedInOneSentence() throws {
        let folder = try TemporaryFolder()
        func refusal(_ path: String) -> String {
            do {
                _ = try MentorLogits.read(from: path, expected: Self.expected)
                return "read"
            } catch let error as DataError {
                expectSentence(error, mentions: [path])
                return "\(error)"
            } catch {
                return "\(error)"
            }
        }
        func npy(_ descr: String, _ shape: [Int], _ body: [UInt8]) throws -> String {
            try Self.npyFile(descr, shape, body, in: folder, name: "\(UUID().uuidString).npy")
        }
        #expect(refusal(try npy("<f4", [4, 2], NPZDataTests.float32(Array(repeating: 0, count: 8))))
            .contains("holds 4 rows, but the pool holds 3 images and the test set 2; write 3 rows (or 5"))
        #expect(refusal(try npy("<f4", [3, 3], NPZDataTests.float32(Array(repeating: 0, count: 9))))
            .contains("holds 3 logits per image, but the data set has 2 classes"))
        #expect(refusal(try npy("<f4", [3, 2], NPZDataTests.float32([0, 0, 0, .nan, 0, 0])))
            .contains("holds nan at row 1, column 1"))
        #expect(refusal(try npy("<f8", [3, 2], (0..<6).flatMap { i in
            withUnsafeBytes(of: (i == 4 ? Double.infinity : 0).bitPattern.littleEndian) { Array($0) }
        })).contains("holds inf at row 2, column 0"))
        #expect(refusal(try npy("<f8", [3, 2], (0..<6).flatMap { i in
            withUnsafeBytes(of: (i == 0 ? 1e300 : 0).bitPattern.littleEndian) { Array($0) }
        })).contains("at row 0, column 0"), "past float32's range is not a finite float32")
        #expect(refusal(try npy("<i8", [3, 2], NPZDataTests.int64([0, 0, 0, 0, 0, 0]))).contains("holds int64 values"))
        #expect(refusal(try npy("<f4", [6], NPZDataTests.float32(Array(repeating: 0, count: 6)))).contains("shaped (images, classes)"))
        #expect(refusal(try npy("<f4", [3, 2], [1, 2, 3])).contains("NumPy array"))
        #expect(refusal(folder.file("missing.npy")).contains("missing.npy"))

        try folder.write([1, 2, 3], to: "logits.pt")
        #expect(refusal(folder.file("logits.pt")).contains("is neither a .npy nor a .safetensors file"))

        func safetensors(_ tensors: [String: [Float]], shapes: [String: [Int]]) throws -> String {
            let path = folder.file("\(UUID().uuidString).safetensors")
            let names = tensors.keys.sorted()
            let views = names.map { name in
                tensors[name]!.withUnsafeBufferPointer { SafeTensors.TensorView(name: name, shape: shapes[name]!, values: $0) }
            }
            // The views only point into the arrays, which outlive the write below.
            try SafeTensors.write(tensors: views, metadata: [:], to: path)
            return path
        }
        #expect(refusal(try safetensors(["logits": [0, 0, 0, 0, 0, 0]], shapes: ["logits": [3, 2]]))
            .contains("holds a tensor named \"logits\""))
        #expect(refusal(try safetensors([:], shapes: [:])).contains("has no tensor \"pool\""))
        #expect(refusal(try safetensors(["pool": [0, 0, 0, 0, 0, 0], "test": [0, 0]], shapes: ["pool": [3, 2], "test": [1, 2]]))
            .contains("holds 1 rows in \"test\", but the test set holds 2 images"))
    }

    /// The seed's "we need not know the mentor's architecture", run for real: the logits
    /// a mentor gave are all its students need, and give them the very same weights.
    @Test func studentsOfTheLogitsAreTheStudentsOfTheNetwork() throws {
        let data = SyntheticData.make()
        let folder = try TemporaryFolder("logits")
        var config = PipelineTests.learningConfig()
        config.epochs = 3
        config.studentEpochs = 2
        config.threads = 1
        config.saveDirectory = folder.file("network")
        let first = try Experiment(config: config, dataSet: data).run { _ in }
        let mentorPath = try #require(first.mentor?.checkpoint)

        let split = try DataSplit(dataSet: data, labeledFraction: config.labeledFraction, seed: config.seed)
        let mentor = try Network.load(from: mentorPath, otherwise: { nil }, input: data.train.shape, classes: data.classCount).0
        try MentorLogits.of(mentor, split: split).write(to: folder.file("l.safetensors"), split: split)

        config.mentorLogits = folder.file("l.safetensors")
        config.mentor = "not used: the mentor has no architecture"
        config.saveDirectory = folder.file("logits")
        let second = try Experiment(config: config, dataSet: data).run { _ in }
        let secondMentor = try #require(second.mentor)
        #expect(secondMentor.id.spec == "logits" && secondMentor.parameters == 0 && secondMentor.trainingTime == 0)
        #expect(secondMentor.test == first.mentor?.test, "the test logits give the network's accuracy and loss, to the bit")
        #expect(second.results.dropFirst().map(\.test) == first.results.dropFirst().map(\.test))
        for student in ["student-1-fc16", "student-2-linear"] {
            let a = try FileBytes.load(folder.file("network/\(student).safetensors"))
            let b = try FileBytes.load(folder.file("logits/\(student).safetensors"))
            #expect(a == b, "\(student) has the same weights, bit for bit")
        }

        // Pool rows alone: the students are the same; the mentor's test figures are unknown.
        try folder.write(NPZDataTests.npy("<f4", [split.unlabeled.count, data.classCount],
                                          NPZDataTests.float32(MentorLogits.of(mentor, split: split).pool)),
                         to: "pool.npy")
        config.mentorLogits = folder.file("pool.npy")
        config.saveDirectory = nil
        let third = try Experiment(config: config, dataSet: data).run { _ in }
        #expect(third.mentor?.test == nil && third.mentor?.status == .finished)
        #expect(third.results.dropFirst().map { $0.test?.accuracy } == first.results.dropFirst().map { $0.test?.accuracy })
        #expect(third.results.dropFirst().allSatisfy { $0.test?.agreement == nil && $0.timeToParity == nil })
        let table = ReportTable(third).rows
        #expect(table[0][4] == "unknown" && table[0][5] == "unknown" && table[0][2] == "-")

        // A file written for another split is refused before anything trains: by the split
        // it records, or by its size.
        config.mentorLogits = folder.file("l.safetensors")
        config.seed = 2
        let other = try #require(throws: DataError.self) { try Experiment(config: config, dataSet: data) }
        expectSentence(other, mentions: ["was written for the split of --seed 1 --labeled 0.2", "pass --seed 1 --labeled 0.2"])
        config.mentorLogits = folder.file("pool.npy")
        config.labeledFraction = 0.3
        let error = try #require(throws: DataError.self) { try Experiment(config: config, dataSet: data) }
        expectSentence(error, mentions: ["rows", "mimic data list --data", "--labeled 0.3 --seed 2"])
    }
}
