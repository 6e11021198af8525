import Foundation
import Testing
@testable import MimicStore
import MimicTestSupport

/// No file a person names for an output may be the run store, one of its companion
/// files or a file in a run folder, and a write that fails is an error, never "wrote".
@Suite(.enabled(if: MimicProcess.binary != nil, "the mimic binary is not built next to the tests (swift build --product mimic)"))
struct OutputPathTests {
    @Test func exportsNeverReplaceTheStoreOrARunsFiles() throws {
        let folder = try TemporaryFolder()
        let data = try MimicProcess.makeDataSet(in: folder)
        let store = folder.storePath
        let sweep = try MimicProcess.run(["sweep", "--store", store, "--labeled", "0.2", "--student", "fc16", "--mentor", "fc32",
                                          "--data", data, "--epochs", "2", "--student-epochs", "1", "--batch", "32", "--threads", "1"],
                                         in: folder)
        try #require(sweep.status == 0, "\(sweep.stderr)")
        let runFolder = try #require(try RunStore(path: store).run(1).folder)
        let checkpoint = try #require(try FileManager.default.contentsOfDirectory(atPath: runFolder).first { $0.hasSuffix(".safetensors") })
        try FileManager.default.createSymbolicLink(atPath: folder.file("link.sqlite"), withDestinationPath: store)
        try FileManager.default.linkItem(atPath: store, toPath: folder.file("hard.sqlite"))
        let metricsBefore = try RunStore(path: store).metrics(ofRun: 1)

        let refusedStore = "it is the run store's own file, and writing it would destroy every recorded run; pass another file."
        let refusedFolder = "it is inside \(runFolder), which holds runs' checkpoints and logs; pass another file."
        let cases: [(arguments: [String], message: String)] = [
            (["export", "1", "--csv", store], "Run 1 cannot be written to \(store): \(refusedStore)"),
            (["export", "1", "--json", store + "-wal"], "Run 1 cannot be written to \(store)-wal: \(refusedStore)"),
            (["export", "1", "--json", store + "-shm"], "Run 1 cannot be written to \(store)-shm: \(refusedStore)"),
            (["export", "1", "--csv", folder.file("link.sqlite")], "Run 1 cannot be written to \(folder.file("link.sqlite")): \(refusedStore)"),
            (["export", "1", "--csv", folder.file("hard.sqlite")], "Run 1 cannot be written to \(folder.file("hard.sqlite")): \(refusedStore)"),
            (["export", "1", "--csv", runFolder + "/" + checkpoint],
             "Run 1 cannot be written to \(runFolder)/\(checkpoint): \(refusedFolder)"),
            (["sweep", "export", "1", "--csv", store], "Sweep 1's grid cannot be written to \(store): \(refusedStore)"),
            (["sweep", "export", "1", "--md", runFolder + "/train.log"], "Sweep 1's grid cannot be written to \(runFolder)/train.log: \(refusedFolder)"),
            (["sweep", "export", "1", "--csv", folder.file("grid"), "--md", folder.file("grid")],
             "--csv and --md both name \(folder.file("grid")), so the second would replace the first; give each its own file."),
            (["export", "1", "--csv", "/dev/full"], "Run 1 cannot be written to /dev/full (the disk is full); pass a file in a folder you can write to."),
            (["sweep", "export", "1", "--md", "/dev/full"],
             "Sweep 1's grid cannot be written to /dev/full (the disk is full); pass a file in a folder you can write to."),
        ]
        for (arguments, message) in cases {
            let output = try MimicProcess.run(arguments + ["--store", store], in: folder)
            #expect(output.status == 1, "\(arguments)")
            #expect(output.stderr == "mimic: \(message)\n", "\(arguments): \(output.stderr)")
            #expect(!output.stderr.contains("wrote"), "\(arguments)")
        }
        #expect(try RunStore(path: store).metrics(ofRun: 1) == metricsBefore, "the store is as it was")
        #expect(try RunStore(path: store).run(1).status == .done, "nothing recorded is lost")
        #expect(FileManager.default.fileExists(atPath: runFolder + "/" + checkpoint))
        #expect(!FileManager.default.fileExists(atPath: folder.file("grid")), "nothing is written when the outputs clash")
        let character = try FileManager.default.attributesOfItem(atPath: "/dev/full")[.type] as? FileAttributeType
        #expect(character == .typeCharacterSpecial, "/dev/full is still the device")

        let saved = try MimicProcess.run(["train", "--store", store, "--save", runFolder] + MimicProcess.quickRun(data: data), in: folder)
        #expect(saved.status == 1)
        #expect(saved.stderr == "mimic: The checkpoint folder \(runFolder) (--save) cannot be used: it is inside \(runFolder), "
            + "which holds runs' checkpoints and logs; pass --save with a folder of your own.\n", "\(saved.stderr)")
    }

    @Test func aPathIsResolvedBeforeItIsCompared() throws {
        let folder = try TemporaryFolder()
        let guarded = GuardedPaths(storeFiles: [GuardedPaths.resolved(folder.file("runs.sqlite"))], folders: [folder.file("runs")])
        try FileManager.default.createDirectory(atPath: folder.file("runs/3"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: folder.file("other"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: folder.file("other/up"), withDestinationPath: folder.path)
        #expect(guarded.problem(writing: folder.file("other/up/runs.sqlite")) != nil)
        #expect(guarded.problem(writing: folder.file("other/../runs.sqlite")) != nil)
        #expect(guarded.problem(writing: folder.file("other/up/runs/3/new/file.csv")) != nil)
        #expect(guarded.problem(writing: folder.file("runs")) != nil)
        #expect(guarded.problem(writing: folder.file("runs-2/file.csv")) == nil, "a folder whose name starts the same is another folder")
        #expect(guarded.problem(writing: folder.file("other/runs.csv")) == nil)
    }
}
