import Foundation
import MimicEngine
import Testing
@testable import MimicStore
import MimicTestSupport

/// Pause, resume and stop from another process, through the store.
@Suite struct ControlRequestTests {
    @Test(arguments: StoreKind.tested) func requestsAreTakenOnceInOrderAndOnlyForTheirRun(_ kind: StoreKind) throws {
        let folder = try TestStore(kind)
        let store = try folder.open()
        let one = try store.createRun(config: quickConfig(), programVersion: "1")
        let two = try store.createRun(config: quickConfig(), programVersion: "1")
        try store.requestControl(.pause, run: one.id)
        try store.requestControl(.stop, run: two.id)
        try store.requestControl(.resume, run: one.id)
        #expect(try store.takeControlRequests(run: one.id) == [.pause, .resume])
        #expect(try store.takeControlRequests(run: one.id) == [], "a request is handled once")
        #expect(try store.takeControlRequests(run: two.id) == [.stop])
    }

    @Test(arguments: StoreKind.tested) func aRunThatIsNotTrainingRefusesRequestsWithASentence(_ kind: StoreKind) throws {
        let folder = try TestStore(kind)
        let store = try folder.open()
        let run = try store.createRun(config: quickConfig(), programVersion: "1")
        try store.endRun(run.id, status: .done, message: nil)
        #expect(throws: StoreError("Run 1 is done, so it cannot be paused; only a running run takes pause, resume and stop.")) {
            try store.requestControl(.pause, run: run.id)
        }
        #expect(throws: StoreError.unknownRun(7, store: store.location)) { try store.requestControl(.stop, run: 7) }
    }

    @Test(arguments: StoreKind.tested) func thePollerAppliesRequestsToTheControl(_ kind: StoreKind) throws {
        let folder = try TestStore(kind)
        let store = try folder.open()
        let run = try store.createRun(config: quickConfig(), programVersion: "1")
        let control = TrainingControl()
        let poller = RunControlPoller(store: store, runID: run.id, control: control, interval: .milliseconds(20),
                                      reportFailure: { Issue.recordFailure($0) })
        defer { poller.cancel() }
        let watcher = try folder.open()
        try watcher.requestControl(.pause, run: run.id)
        #expect(eventually { control.isPaused })
        try watcher.requestControl(.resume, run: run.id)
        #expect(eventually { !control.isPaused })
        try watcher.requestControl(.stop, run: run.id)
        #expect(eventually { control.isStopped })
    }

    @Test(arguments: StoreKind.tested) func theRecorderRecordsPausesForEveryWatcher(_ kind: StoreKind) throws {
        let folder = try TestStore(kind)
        let store = try folder.open()
        let run = try store.createRun(config: quickConfig(), programVersion: "1")
        let recorder = RunRecorder(store: store, runID: run.id, reportFailure: { Issue.recordFailure($0) })
        recorder.record(.paused)
        #expect(try store.run(run.id).pausedAt != nil)
        recorder.record(.resumed)
        #expect(try store.run(run.id).pausedAt == nil)
    }

    @Test(arguments: StoreKind.tested) func changesReturnOnlyNewRowsAndThePlanShape(_ kind: StoreKind) throws {
        let folder = try TestStore(kind)
        let store = try folder.open()
        let run = try store.createRun(config: quickConfig(), programVersion: "1")
        let empty = try store.changes(ofRun: run.id, metricsAfter: 0)
        #expect(empty.models.isEmpty && empty.metrics.isEmpty && empty.lastMetricRowID == 0)
        try recordRun(run.config, into: store, run: run)
        let all = try store.changes(ofRun: run.id, metricsAfter: 0)
        #expect(all.metrics.map(\.point) == (try store.metrics(ofRun: run.id)))
        #expect(all.run.status == .done && all.models.count == 3)
        #expect(all.run.inputShape == SampleShape(channels: 1, height: 8, width: 8) && all.run.classes == 10)
        let none = try store.changes(ofRun: run.id, metricsAfter: all.lastMetricRowID)
        #expect(none.metrics.isEmpty && none.lastMetricRowID == all.lastMetricRowID)
        #expect(throws: StoreError.unknownRun(9, store: store.location)) { try store.changes(ofRun: 9, metricsAfter: 0) }
        #expect(try store.newestRunningRun() == nil)
        let next = try store.createRun(config: quickConfig(), programVersion: "1")
        #expect(try store.newestRunningRun() == next.id)
        #expect(try store.storedRuns().map(\.run.id) == [next.id, run.id])
        #expect(try store.storedRuns().map(\.models.count) == [0, 3])
    }
}

/// A request from another process reaches a real `mimic train` process.
@Suite(.enabled(if: MimicProcess.binary != nil, "the mimic binary is not built next to the tests (swift build --product mimic)"))
struct ControlRoundTripTests {
    @Test func watchWithNothingToWatchSaysSoInOneSentence() throws {
        let folder = try TemporaryFolder()
        let missing = try MimicProcess.run(["watch", "--store", folder.storePath], in: folder)
        #expect(missing.status == 1)
        #expect(missing.stderr == "mimic: There is no run store at \(folder.storePath) yet; 'mimic train' creates it with the first run, or pass --store with the path of an existing one.\n")

        let store = try RunStore(path: folder.storePath)
        let run = try store.createRun(config: quickConfig(), programVersion: "1")
        try store.endRun(run.id, status: .done, message: nil)
        let idle = try MimicProcess.run(["watch", "--store", folder.storePath], in: folder)
        #expect(idle.status == 1)
        #expect(idle.stderr == "mimic: No run is training in \(folder.storePath); start one with 'mimic train --detach', "
                + "or name a run to look back at with 'mimic watch RUN' ('mimic runs' lists them).\n")
        let unknown = try MimicProcess.run(["watch", "7", "--store", folder.storePath], in: folder)
        #expect(unknown.status == 1 && unknown.stderr == "mimic: There is no run 7 in \(folder.storePath); 'mimic runs' lists the runs there.\n")
        // A run that exists but no terminal: the dashboard's own sentence.
        let noTerminal = try MimicProcess.run(["watch", "1", "--store", folder.storePath], in: folder)
        #expect(noTerminal.status != 0 && noTerminal.stderr.hasPrefix("mimic: ") && noTerminal.stderr.contains("terminal"))
    }

    @Test func aWatchersPauseAndStopReachARealTrainingProcess() throws {
        let folder = try TemporaryFolder()
        let data = try MimicProcess.makeDataSet(in: folder)
        let training = try MimicProcess.start(["train", "--store", folder.storePath, "--data", data, "--mentor", "fc32",
                                               "--student", "fc16", "--labeled", "0.2", "--epochs", "500", "--batch", "8",
                                               "--threads", "1"], in: folder)
        var finished = false
        defer { if !finished { kill(training.pid, SIGKILL); _ = training.wait() } }

        // The store appears once the trainer has recorded its run.
        #expect(eventually(30) { FileManager.default.fileExists(atPath: folder.storePath) })
        let watcher = try RunStore(path: folder.storePath)
        #expect(try eventually(30) { try !watcher.metrics(ofRun: 1).isEmpty }, "training started")
        try watcher.requestControl(.pause, run: 1)
        #expect(try eventually(10) { try watcher.run(1).pausedAt != nil }, "the trainer recorded its pause")
        let pausedCount = try watcher.metrics(ofRun: 1).count
        Thread.sleep(forTimeInterval: 0.5)
        #expect(try watcher.metrics(ofRun: 1).count == pausedCount, "nothing trains while paused")

        try watcher.requestControl(.stop, run: 1)
        let output = training.wait()
        finished = true
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("paused"), "the trainer's own output says it paused")
        let run = try watcher.run(1)
        #expect(run.status == .stopped && run.pausedAt == nil)
        #expect(try watcher.takeControlRequests(run: 1).isEmpty, "every request was handled")
    }
}
