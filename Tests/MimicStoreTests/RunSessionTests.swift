import Foundation
import MimicEngine
import MimicSession
import MimicTestSupport
import Testing
@testable import MimicStore

/// A run's life through `RunSession`: what it records, where its folder is, and what
/// a start that fails leaves behind.
@Suite struct RunSessionTests {
    static let data = SyntheticData.make(train: 600, test: 200)

    static func files(in folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }

    /// Regression (data loss): run folders were `runs/<id>` beside the store, so a
    /// second store in the same folder, or a store made anew after the first was
    /// deleted, handed out the folder of another store's run; its refused start then
    /// deleted that folder, checkpoints and all.
    @Test func storesInOneFolderNeverShareOrDeleteEachOthersRunFolders() throws {
        let folder = try TemporaryFolder()
        let first = try RunStore(path: folder.file("d/a.sqlite"))
        let firstRun = try RunSession.start(quickConfig(), dataSet: Self.data, store: first, programVersion: "test")
        _ = firstRun.run { _ in }
        let firstFolder = try #require(try first.run(1).folder)
        #expect(firstFolder == folder.file("d/runs/1"))
        let kept = Self.files(in: firstFolder)
        #expect(kept.contains("run.json") && kept.contains("mentor-fc32.safetensors"), "\(kept)")

        // A second store beside it: its run 1 gets a folder of its own.
        let second = try RunStore(path: folder.file("d/b.sqlite"))
        let secondRun = try RunSession.start(quickConfig(), dataSet: Self.data, store: second, programVersion: "test")
        _ = secondRun.run { _ in }
        #expect(try second.run(1).folder == folder.file("d/runs/1-2"))
        #expect(try second.run(1).status == .done)

        // A start that is refused (a mentor checkpoint that is not there) removes its
        // own record and folder, nothing else.
        var refused = quickConfig()
        refused.mentorCheckpoint = folder.file("missing.safetensors")
        #expect(throws: (any Error).self) {
            try RunSession.start(refused, dataSet: Self.data, store: second, programVersion: "test")
        }
        #expect(try second.runs().map(\.id) == [1])
        #expect(!FileManager.default.fileExists(atPath: folder.file("d/runs/2")))

        // The first store deleted and made anew at the same path: its new run 1 too.
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: folder.file("d/a.sqlite" + suffix)) }
        let again = try RunStore(path: folder.file("d/a.sqlite"))
        #expect(throws: (any Error).self) {
            try RunSession.start(refused, dataSet: Self.data, store: again, programVersion: "test")
        }
        let anew = try RunSession.start(quickConfig(), dataSet: Self.data, store: again, programVersion: "test")
        let anewFolder = try again.run(anew.runID!).folder
        #expect(anewFolder != firstFolder && anewFolder != folder.file("d/runs/1-2"), "\(anewFolder ?? "none")")

        #expect(Self.files(in: firstFolder) == kept, "the first store's run folder is untouched")
        #expect(Self.files(in: folder.file("d/runs/1-2")).contains("run.json"))
    }

    @Test(arguments: StoreKind.tested) func aRecordedRunKeepsAbsolutePathsAndItsFinalWeightsOnce(_ kind: StoreKind) throws {
        let folder = try TestStore(kind)
        let store = try folder.open()
        var config = quickConfig()
        config.dataDirectory = "data/../synthetic"
        let session = try RunSession.start(config, dataSet: Self.data, store: store, programVersion: "test", partOf: "reproduce")
        let report = session.run { _ in }
        let run = try store.run(session.runID!)
        let cwd = FileManager.default.currentDirectoryPath
        #expect(run.config.dataDirectory == cwd + "/synthetic", "paths are recorded as they mean from here")
        #expect(run.partOf == "reproduce" && run.status == .done)
        #expect(session.wallSeconds(of: report) == report.wallTime)
        // One file of final weights per model, the one its result names.
        let weights = Self.files(in: run.folder!).filter { $0.hasSuffix(".safetensors") && !$0.hasSuffix(".epoch.safetensors") }
        #expect(weights == ["mentor-fc32.safetensors", "student-1-fc16.safetensors", "student-2-linear.safetensors"])
        #expect(report.results.map(\.checkpoint) == weights.map { run.folder! + "/" + $0 })
    }

    @Test(arguments: StoreKind.tested) func aStoppedRunResumesThroughItsSessionToTheSameResults(_ kind: StoreKind) throws {
        let folder = try TestStore(kind)
        let store = try folder.open()
        let whole = try RunSession.start(quickConfig(), dataSet: Self.data, store: store, programVersion: "test").run { _ in }

        let first = try RunSession.start(quickConfig(), dataSet: Self.data, store: store, programVersion: "test")
        _ = first.run { event in
            if case .progress(let point) = event, point.model.name == "student 1", point.epoch == 1, point.isEpochEnd {
                first.control.stop()
            }
        }
        let id = try #require(first.runID)
        let stopped = try store.run(id)
        #expect(stopped.status == .stopped)
        let firstPart = try #require(stopped.wallSeconds)
        let resumed = try RunSession.resume(id, store: store, dataSet: Self.data)
        let report = resumed.run { _ in }
        #expect(try store.run(id).status == .done)
        #expect(report.results.map { $0.test } == whole.results.map { $0.test })
        // The part before the stop counts up to its last kept point: once, not twice.
        let before = resumed.wallSeconds(of: report) - report.wallTime
        #expect(before > 0 && before <= firstPart, "\(before) of \(firstPart)")
        #expect(try store.run(id).wallSeconds == resumed.wallSeconds(of: report))

        // Done: reviewed as it ended, with nothing trained or written.
        var trained = false
        let review = try RunSession.review(id, store: store, dataSet: Self.data).run { event in
            if case .progress = event { trained = true }
        }
        #expect(!trained && review.results.map { $0.test } == whole.results.map { $0.test })
    }
}
