import Foundation
import MimicEngine
import MimicTestSupport
import Testing
@testable import MimicStore

/// Resuming a run in the store, in this process: the claim, the cut back to the last
/// epoch checkpoints, and the series that results.
@Suite struct RunResumptionTests {
    /// A metric point without what depends on the clock, tied to its model's position
    /// in the run, so two runs can be compared point for point.
    struct Point: Equatable, CustomStringConvertible {
        let model: Int
        let step: Int
        let epoch: Int
        let samplesSeen: Int
        let name: String
        let value: Double
        var description: String { "model \(model) step \(step) epoch \(epoch) \(name) \(value)" }
    }

    static func points(_ store: RunStore, run id: Int64) throws -> [Point] {
        let models = try store.models(ofRun: id).map(\.id)
        return try store.metrics(ofRun: id).filter { $0.name != "samples_per_second" }.map { point in
            Point(model: models.firstIndex(of: point.modelID)!, step: point.step, epoch: point.epoch,
                  samplesSeen: point.samplesSeen, name: point.name, value: point.value)
        }
    }

    static func config() -> ExperimentConfig {
        var config = quickConfig()
        config.studentEpochs = 3
        return config
    }

    /// A new run stopped at the first of student 1's points for which `stopAt` holds.
    /// By default during its second epoch, after three points: the stopped process
    /// has written points after its last epoch checkpoint.
    /// `recordingThePoint` false leaves that point out of the store, as a store that
    /// failed to take it would.
    static func stoppedRun(_ store: RunStore, recordingThePoint: Bool = true,
                           stopAt: @escaping (TrainingProgress) -> Bool = { $0.epoch == 2 && $0.step == 18 }) throws -> RunRecord
    {
        let record = try store.createRun(config: config(), programVersion: "test")
        let experiment = try Experiment(config: record.config, dataSet: SyntheticData.make(train: 600, test: 200),
                                        folder: try RunFolder.create(at: try #require(record.folder)))
        let recorder = RunRecorder(store: store, runID: record.id, flushInterval: .zero) { Issue.recordFailure($0) }
        let control = TrainingControl()
        _ = experiment.run(control: control) { event in
            if case .progress(let point) = event, point.model.name == "student 1", stopAt(point) {
                control.stop()
                if !recordingThePoint { return }
            }
            recorder.record(event)
        }
        return try store.run(record.id)
    }

    /// Resumes run `id` as `RunSession.resume` does, and says what writing its plan cut back.
    static func resume(_ store: RunStore, run id: Int64) throws -> RunStore.Rewind {
        let record = try store.resumableRun(id)
        let experiment = try Experiment(config: record.config, dataSet: SyntheticData.make(train: 600, test: 200),
                                        folder: try RunFolder.reopen(at: try #require(record.folder)))
        _ = try store.claimForResume(id)
        let recorder = RunRecorder(store: store, runID: id) { Issue.recordFailure($0) }
        _ = experiment.run { recorder.record($0) }
        return try #require(recorder.rewind)
    }

    @Test(arguments: StoreKind.tested) func everyRecordedRunHasARunFolderToResumeFrom(_ kind: StoreKind) throws {
        let folder = try TestStore(kind)
        let store = try folder.open()
        let record = try store.createRun(config: Self.config(), programVersion: "test")
        #expect(record.folder == folder.file("store/runs/1"))
        #expect(record.config == Self.config(), "the configuration is recorded as given")
        var isFolder: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: folder.file("store/runs/1"), isDirectory: &isFolder) && isFolder.boolValue)
    }

    @Test(arguments: StoreKind.tested) func aStoppedRunResumesIntoTheSeriesOfARunThatNeverStopped(_ kind: StoreKind) throws {
        let folder = try TestStore(kind)
        let store = try folder.open()
        let whole = try store.createRun(config: Self.config(), programVersion: "test")
        try recordRun(whole.config, into: store, run: whole)

        let cut = try Self.stoppedRun(store)
        #expect(cut.status == .stopped)
        let studentRow = try #require(try store.models(ofRun: cut.id).first { $0.role == .student && $0.position == 1 })
        let beforeResume = try store.metrics(ofRun: cut.id).filter { $0.modelID == studentRow.id }
        #expect(beforeResume.contains { $0.epoch == 2 }, "the stopped process wrote points after student 1's checkpoint")
        let keptWall = try store.metrics(ofRun: cut.id).filter { $0.epoch <= 1 || $0.modelID != studentRow.id }.map(\.wallSeconds).max()

        let rewind = try Self.resume(store, run: cut.id)
        #expect(rewind.filledEpochEnds.isEmpty)
        #expect(rewind.wallSeconds == keptWall)

        let resumed = try store.run(cut.id)
        #expect(resumed.status == .done && resumed.message == nil && resumed.endedAt != nil)
        #expect((resumed.wallSeconds ?? 0) >= rewind.wallSeconds)
        #expect(try Self.points(store, run: cut.id) == Self.points(store, run: whole.id),
                "the same points, with the same steps and values, in the same order")
        let models = try store.models(ofRun: cut.id), reference = try store.models(ofRun: whole.id)
        #expect(models.map(\.id) == models.sorted { $0.id < $1.id }.map(\.id), "the same model rows, none added")
        #expect(models.count == reference.count)
        for (model, expected) in zip(models, reference) {
            #expect(model.status == .finished)
            #expect(model.epochsCompleted == expected.epochsCompleted)
            #expect(model.test == expected.test)
            #expect((model.paritySeconds == nil) == (expected.paritySeconds == nil))
        }
        for model in models {
            let walls = try store.metrics(ofRun: cut.id).filter { $0.modelID == model.id }.map(\.wallSeconds)
            #expect(walls == walls.sorted(), "the wall clock of \(model.modelID) goes on from where it stopped")
        }
    }

    @Test(arguments: StoreKind.tested) func aRunStoppedRightAfterAnEpochKeepsThatEpochWhole(_ kind: StoreKind) throws {
        let folder = try TestStore(kind)
        let store = try folder.open()
        let whole = try store.createRun(config: Self.config(), programVersion: "test")
        try recordRun(whole.config, into: store, run: whole)
        // Nothing was written after the checkpoint of epoch 1, so nothing is dropped.
        let cut = try Self.stoppedRun(store) { $0.epoch == 1 && $0.isEpochEnd }
        let before = try Self.points(store, run: cut.id)
        #expect(before.contains { $0.model == 1 && $0.epoch == 1 && $0.name == "test_accuracy" })
        #expect(!before.contains { $0.model == 1 && $0.epoch == 2 })
        _ = try Self.resume(store, run: cut.id)
        #expect(Array(try Self.points(store, run: cut.id).prefix(before.count)) == before)
        #expect(try Self.points(store, run: cut.id) == Self.points(store, run: whole.id))
    }

    @Test(arguments: StoreKind.tested) func anEpochEndThatNeverReachedTheStoreIsFilledInFromItsCheckpoint(_ kind: StoreKind) throws {
        let folder = try TestStore(kind)
        let store = try folder.open()
        let whole = try store.createRun(config: Self.config(), programVersion: "test")
        try recordRun(whole.config, into: store, run: whole)
        let cut = try Self.stoppedRun(store, recordingThePoint: false) { $0.epoch == 2 && $0.isEpochEnd }
        let rewind = try Self.resume(store, run: cut.id)
        #expect(rewind.filledEpochEnds == ["epoch 2 of student 1"])
        // Its test results are there, at its step; its train metrics of that point are not.
        let tests = { (id: Int64) in try Self.points(store, run: id).filter { $0.name.hasPrefix("test_") } }
        #expect(try tests(cut.id) == tests(whole.id))
        let epochEnds = try Self.points(store, run: cut.id).filter { $0.model == 1 && $0.epoch == 2 && $0.step == 30 }
        #expect(Set(epochEnds.map(\.name)) == ["test_loss", "test_accuracy", "test_agreement"])
        #expect(try store.models(ofRun: cut.id).map(\.test) == store.models(ofRun: whole.id).map(\.test))
    }

    /// Regression: a stop asked of a process that was then killed stayed pending, and
    /// the resumed process took it and stopped at once.
    @Test(arguments: StoreKind.tested) func aResumedRunDoesNotObeyRequestsMadeToTheKilledProcess(_ kind: StoreKind) throws {
        let folder = try TestStore(kind)
        let store = try folder.open()
        let run = try store.createRun(config: Self.config(), programVersion: "test")
        try store.requestControl(.pause, run: run.id)
        try store.requestControl(.stop, run: run.id)
        try store.endRun(run.id, status: .interrupted, message: "killed")
        _ = try store.claimForResume(run.id)
        #expect(try store.takeControlRequests(run: run.id).isEmpty)
        #expect(try store.run(run.id).pausedAt == nil)
    }

    @Test(arguments: StoreKind.tested) func onlyARunThatDidNotFinishCanBeResumed(_ kind: StoreKind) throws {
        let folder = try TestStore(kind)
        let store = try folder.open()
        let done = try store.createRun(config: Self.config(), programVersion: "test")
        try recordRun(done.config, into: store, run: done)
        #expect(throws: StoreError("Run 1 is done: every model trained to its last epoch, so there is nothing to resume; 'mimic show 1' prints its table.")) {
            try store.resumableRun(done.id)
        }
        #expect(throws: StoreError.self) { try store.claimForResume(done.id) }
        #expect(try store.run(done.id).status == .done, "a refused claim changes nothing")

        // Running in another process: refused, by the claim too.
        let running = try store.createRun(config: Self.config(), programVersion: "test")
        try store.setProcess(of: running.id, pid: getppid())
        #expect(throws: StoreError.self) { try store.resumableRun(running.id) }
        #expect(throws: StoreError.self) { try store.claimForResume(running.id) }
        // Claimed for this process (by the parent of a detached resume): taken as it is.
        try store.setProcess(of: running.id, pid: getpid())
        #expect(try store.claimForResume(running.id).status == .running)

        // A run recorded before runs had a run folder.
        let oldRun = try store.createRun(config: Self.config(), programVersion: "test")
        try store.backend.write { db in
            try db.execute("UPDATE runs SET folder = NULL, status = 'interrupted' WHERE id = \(oldRun.id)")
        }
        #expect(throws: StoreError("Run \(oldRun.id) has no run folder to resume from (it was recorded before mimic kept epoch checkpoints); 'mimic show \(oldRun.id)' prints the command that trains it again.")) {
            try store.resumableRun(oldRun.id)
        }
        // A run whose folder never got started (its process failed before training).
        let failed = try store.createRun(config: Self.config(), programVersion: "test")
        try store.endRun(failed.id, status: .failed, message: "no data")
        #expect(throws: StoreError("Run \(failed.id) cannot be resumed: run folder \(failed.folder!) holds no run (there is no run.json in it); 'mimic show \(failed.id)' prints the command that trains it again.")) {
            try store.resumableRun(failed.id)
        }
    }
}
