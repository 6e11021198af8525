import Foundation
import GRDB
import MimicEngine
import MimicStore
import MimicTestSupport
import Testing

/// Input a broad probe found to crash, hang or mislead, through the real `mimic`
/// binary: each gets one sentence on standard error and a non-zero exit.
@Suite(.enabled(if: MimicProcess.binary != nil, "the mimic binary is not built next to the tests (swift build --product mimic)"))
struct HostileInputCommandTests {
    @Test func oversizeSpecsShapesAndClassesAreRefusedNotCrashedOn() throws {
        let folder = try TemporaryFolder()
        try expectRefusal(["presets", "--spec", "fc999999999"], in: folder,
                          startsWith: "Architecture \"fc999999999\": layer 1 \"fc999999999\" asks for a number of units above 65,536")
        try expectRefusal(["presets", "--spec", "fc4611686018427387904"], in: folder,
                          startsWith: "Architecture \"fc4611686018427387904\": layer 1 \"fc4611686018427387904\" asks for a number of units above")
        try expectRefusal(["presets", "--spec", "conv1p9223372036854775807"], in: folder,
                          startsWith: "Architecture \"conv1p9223372036854775807\": layer 1 \"conv1p9223372036854775807\" asks for a padding above 1,024")
        try expectRefusal(["presets", "--spec", "fc65536-fc65536"], in: folder,
                          startsWith: "Architecture \"fc65536-fc65536\": layer 2 \"fc65536\" brings the network on 1x28x28 input past 100,000,000 parameters")
        try expectRefusal(["presets", "--input", "1x99999999x99999999"], in: folder,
                          startsWith: "Architecture \"cnn-l\" cannot take 1x99999999x99999999 input, which holds more than 4,194,304 values per sample")
        try expectRefusal(["presets", "--classes", "99999999999999"], in: folder,
                          startsWith: "Architecture \"cnn-l\": its output layer to 99,999,999,999,999 classes brings the network past")
    }

    /// A 300-byte checkpoint whose metadata asks for a huge network, under eval and as a
    /// mentor: refused from the metadata, before anything is allocated.
    @Test func aCheckpointAskingForAHugeNetworkIsRefused() throws {
        let folder = try TemporaryFolder()
        let data = try MimicProcess.makeDataSet(in: folder)
        let checkpoint = folder.file("huge.safetensors")
        try Checkpoint.save([], metadata: ["spec": "fc999999999", "input_shape": "1x8x8", "classes": "10"], to: checkpoint)
        let sentence = "The checkpoint \(checkpoint) has \"spec\" = \"fc999999999\" in its metadata, which is not a valid architecture"
        try expectRefusal(["eval", "--model", checkpoint, "--data", data], in: folder, startsWith: sentence)
        try expectRefusal(["train", "--no-store", "--mentor-checkpoint", checkpoint] + MimicProcess.quickRun(data: data),
                          in: folder, startsWith: sentence)
    }

    /// The probe's command: Adam at --lr 1e9 ended "finished" with a test loss of 1.9e20.
    @Test func anExplodedLossFailsTheRunOnStandardError() throws {
        let folder = try TemporaryFolder()
        let data = try MimicProcess.makeDataSet(in: folder)
        for optimizer in ["adam", "sgd"] {
            let output = try MimicProcess.run(["train", "--no-store", "--data", data, "--mentor", "fc64", "--student", "fc32",
                                               "--epochs", "2", "--student-epochs", "2", "--lr", optimizer == "adam" ? "1e9" : "1e30",
                                               "--optimizer", optimizer, "--threads", "1"], in: folder)
            #expect(output.status == 1, "\(optimizer): \(output.stdout)")
            #expect(output.stderr.hasPrefix("mimic: Training of mentor (fc64) diverged: "), "\(optimizer): \(output.stderr)")
            #expect(output.stderr.split(separator: "\n").count == 1, "\(optimizer): \(output.stderr)")
            #expect(!output.stdout.contains("mimic: Training of mentor"), "\(optimizer): the failure goes to standard error")
        }
    }

    /// A NaN mentor made its students "diverge ... lower --student-lr", and eval printed
    /// "loss nan" with exit 0: non-finite weights are refused on load.
    @Test func nonFiniteWeightsAreRefusedOnLoad() throws {
        let folder = try TemporaryFolder()
        let data = try MimicProcess.makeDataSet(in: folder)
        for bad in [Float.nan, .infinity] {
            let network = try Network(spec: ArchitectureSpec("fc32"), input: SampleShape(channels: 1, height: 8, width: 8),
                                      classes: 10, random: SeededRandom(seed: 1))
            network.parameters[0].value[5] = bad
            let checkpoint = folder.file("bad-\(bad).safetensors")
            try network.save(to: checkpoint)
            let sentence = "Tensor \"1.weight\" in checkpoint \(checkpoint) holds 1 value that is NaN or infinite"
            try expectRefusal(["eval", "--model", checkpoint, "--data", data], in: folder, startsWith: sentence)
            try expectRefusal(["train", "--no-store", "--mentor-checkpoint", checkpoint] + MimicProcess.quickRun(data: data),
                              in: folder, startsWith: sentence)
        }
    }

    /// No test image gave every model 0.00% and loss 0.0000 with exit 0; no training image
    /// advised a smaller --labeled; one CIFAR class name trained "at 100%".
    @Test func emptyAndOneClassDataSetsAreRefused() throws {
        let folder = try TemporaryFolder()
        let shape = SampleShape(channels: 1, height: 8, width: 8)
        let someImages = SyntheticData.make(train: 200, test: 50)
        for emptyTest in [true, false] {
            let data = folder.file("empty-\(emptyTest ? "test" : "train")")
            try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
            let empty = ImageTable(shape: shape, pixels: [])
            try IDXWriter.write(images: emptyTest ? someImages.train : empty, to: data + "/train-images-idx3-ubyte")
            try IDXWriter.write(labels: emptyTest ? someImages.trainLabels : [], to: data + "/train-labels-idx1-ubyte")
            try IDXWriter.write(images: emptyTest ? empty : someImages.test, to: data + "/t10k-images-idx3-ubyte")
            try IDXWriter.write(labels: emptyTest ? [] : someImages.testLabels, to: data + "/t10k-labels-idx1-ubyte")
            let file = data + (emptyTest ? "/t10k-images-idx3-ubyte" : "/train-images-idx3-ubyte")
            try expectRefusal(["train", "--no-store"] + MimicProcess.quickRun(data: data), in: folder,
                              startsWith: "IDX file \(file) holds no \(emptyTest ? "test" : "training") image")
        }
        let cifar = folder.file("cifar")
        try FileManager.default.createDirectory(atPath: cifar, withIntermediateDirectories: true)
        let record = [UInt8](repeating: 0, count: 3073)
        try Data(Array([[UInt8]](repeating: record, count: 20).joined())).write(to: URL(fileURLWithPath: cifar + "/data_batch_1.bin"))
        try Data(record).write(to: URL(fileURLWithPath: cifar + "/test_batch.bin"))
        try Data("only\n".utf8).write(to: URL(fileURLWithPath: cifar + "/batches.meta.txt"))
        try expectRefusal(["train", "--no-store"] + MimicProcess.quickRun(data: cifar), in: folder,
                          startsWith: "CIFAR-10 class list \(cifar)/batches.meta.txt names only 1 class, but a classifier needs at least 2")
    }

    /// A FIFO given as a data file or checkpoint hung mimic forever, with no message.
    @Test func namedPipesAreRefusedNotWaitedOn() throws {
        let folder = try TemporaryFolder()
        let data = try MimicProcess.makeDataSet(in: folder)
        let checkpoint = try NamedPipe(at: folder.file("mentor.safetensors"))
        let sentence = "The checkpoint \(checkpoint.path) is a named pipe (FIFO), not a regular file"
        try expectRefusal(["eval", "--model", checkpoint.path, "--data", data], in: folder, startsWith: sentence)
        try expectRefusal(["train", "--no-store", "--mentor-checkpoint", checkpoint.path] + MimicProcess.quickRun(data: data),
                          in: folder, startsWith: sentence)
        let images = data + "/train-images-idx3-ubyte"
        try FileManager.default.removeItem(atPath: images)
        let pipe = try NamedPipe(at: images)
        try expectRefusal(["train", "--no-store"] + MimicProcess.quickRun(data: data), in: folder,
                          startsWith: "File \(pipe.path) is a named pipe (FIFO), not a regular file")
    }

    /// A store cut short was "cannot be opened for writing ... a folder you can write
    /// to", also for commands that only read.
    @Test func aTruncatedStoreIsCalledDamaged() throws {
        let folder = try TemporaryFolder()
        let data = try MimicProcess.makeDataSet(in: folder)
        let store = folder.storePath
        #expect(try MimicProcess.run(["train", "--store", store] + MimicProcess.quickRun(data: data), in: folder).status == 0)
        // Everything into the file itself, so that cutting the file cuts the runs.
        try DatabaseQueue(path: store).writeWithoutTransaction { db in try db.checkpoint(.truncate) }
        let truncated = folder.file("truncated.sqlite")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: store))
        try #require(bytes.count > 8192)
        try bytes.prefix(8192).write(to: URL(fileURLWithPath: truncated))
        let sentence = "The run store \(truncated) is damaged (database disk image is malformed): it was cut short or overwritten; "
            + "restore it from a backup, or move it away and pass --store with another file."
        for arguments in [["runs"], ["show", "1"], ["train"] + MimicProcess.quickRun(data: data)] {
            try expectRefusal(arguments + ["--store", truncated], in: folder, startsWith: sentence)
        }
    }

    /// `reproduce --out` printed Foundation's raw words ("NSCocoaErrorDomain error 512",
    /// "A file with the same name already exists") where a sentence names the problem.
    @Test func resultsThatCannotBeWrittenAreNamedInPlainWords() throws {
        let folder = try TemporaryFolder()
        let data = try MimicProcess.makeDataSet(in: folder, train: 2_000)
        let file = folder.file("a-file")
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        try expectRefusal(["reproduce", "--data", data, "--seeds", "1", "--no-store", "--out", file + "/"], in: folder,
                          startsWith: "Results folder \(file)/ is a file; pass --out with a folder.")
        let out = folder.file("out")
        try FileManager.default.createDirectory(atPath: out + "/results.md", withIntermediateDirectories: true)
        let output = try MimicProcess.run(["reproduce", "--data", data, "--seeds", "1", "--no-store", "--threads", "1", "--out", out],
                                          in: folder)
        #expect(output.status == 1)
        #expect(output.stderr == "mimic: The results cannot be written to \(out)/results.md (\(out)/results.md is a folder); pass a file in a folder you can write to.\n",
                "\(output.stderr)")
    }

    /// Negative values said "Missing value", a file given as --data was a folder that
    /// "does not exist", and an empty --store was "no run store at ;".
    @Test func misreadValuesAreNamed() throws {
        let folder = try TemporaryFolder()
        let data = try MimicProcess.makeDataSet(in: folder)
        let store = folder.storePath
        try expectRefusal(["train", "--no-store", "--data", data, "--labeled", "-0.1"], in: folder,
                          startsWith: "Labeled fraction -0.1 is outside (0, 1]")
        try expectRefusal(["presets", "--classes", "-5"], in: folder, startsWith: "--classes -5 is too few")
        for arguments in [["show", "-1"], ["show", "-1", "--store", store], ["export", "--store", store, "-2", "--json"]] {
            let id = arguments.first { $0.hasPrefix("-") && $0.count == 2 }!
            try expectRefusal(arguments, in: folder, startsWith: "\"\(id)\" is not a run id; pass the number that 'mimic runs' shows")
        }
        let seed = try MimicProcess.run(["train", "--no-store", "--data", data, "--seed", "-1"], in: folder)
        #expect(seed.status != 0 && seed.stderr.contains("'-1'") && !seed.stderr.contains("Missing value"), "\(seed.stderr)")

        let file = data + "/train-images-idx3-ubyte"
        try expectRefusal(["train", "--no-store", "--data", file], in: folder,
                          startsWith: "Data folder \(file) is a file, not a folder; pass --data with the folder that holds the data set's files.")
        for arguments in [["runs", "--store", ""], ["train", "--store", "", "--data", data]] {
            let output = try MimicProcess.run(arguments, in: folder)
            #expect(output.status != 0, "\(arguments)")
            #expect(output.stderr.contains("--store is empty; pass the path of a run store file"), "\(arguments): \(output.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: folder.file("xdg")), "no test touches a default store")
    }
}

/// A training past the memory this process may use is refused before it allocates,
/// under an address-space limit the test sets (`ulimit -v`), so that it holds on any
/// machine; and a few large images do not make the evaluations reserve room for 256.
@Suite(.enabled(if: MimicProcess.binary != nil, "the mimic binary is not built next to the tests (swift build --product mimic)"))
struct MemoryLimitCommandTests {
    /// Runs mimic under `ulimit -v` of `kilobytes`.
    static func runLimited(_ arguments: [String], kilobytes: Int, in folder: TemporaryFolder) throws -> MimicProcess.Output {
        let quoted = ([MimicProcess.binary!] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        let script = folder.file("limited.sh")
        try "ulimit -v \(kilobytes) && exec \(quoted.joined(separator: " "))\n".write(toFile: script, atomically: true, encoding: .utf8)
        return try MimicProcess.start(["/bin/sh", script], in: folder, executable: "/usr/bin/env").wait()
    }

    @Test func aNetworkTooLargeForTheMemoryIsRefusedInASentence() throws {
        let folder = try TemporaryFolder()
        let data = try MimicProcess.makeDataSet(in: folder)
        let output = try Self.runLimited(["train", "--store", folder.storePath, "--data", data, "--mentor", "conv65536",
                                          "--student", "linear", "--epochs", "1", "--student-epochs", "1"],
                                         kilobytes: 4_000_000, in: folder)
        #expect(output.status == 1, "\(output.stdout)\(output.stderr)")
        #expect(output.stderr.hasPrefix("mimic: Training conv65536 at batch 128 on 1x8x8 images needs about "), "\(output.stderr)")
        #expect(output.stderr.hasSuffix("; use a smaller network or smaller images.\n"), "\(output.stderr)")
        #expect(output.stderr.split(separator: "\n").count == 1)
        #expect(try RunStore(path: folder.storePath).runs().isEmpty, "a run that cannot start leaves no record")
    }

    @Test func fourLargeImagesTrainWithinAFewGigabytes() throws {
        let folder = try TemporaryFolder()
        let shape = SampleShape(channels: 1, height: 2048, width: 2048)
        let images = ImageTable(shape: shape, pixels: [UInt8](repeating: 7, count: 4 * shape.count))
        let dataSet = try DataSet(name: "large", classNames: ["a", "b"], train: images, trainLabels: [0, 1, 0, 1],
                                  test: images, testLabels: [0, 1, 0, 1])
        try IDXWriter.write(dataSet, to: folder.file("large"), compressed: false)
        let output = try Self.runLimited(["train", "--no-store", "--data", folder.file("large"), "--mentor", "linear",
                                          "--student", "linear", "--labeled", "0.5", "--epochs", "1", "--student-epochs", "1"],
                                         kilobytes: 4_000_000, in: folder)
        #expect(output.status == 0, "\(output.stderr)")
    }
}
