import Foundation
import GRDB
import MimicEngine
import MimicTestSupport
import Synchronization
import Testing
@testable import MimicStore

@Suite struct RunRecorderTests {
    /// The events of one real run, to replay into a recorder step by step.
    static func events(_ config: ExperimentConfig = quickConfig()) throws -> [TrainingEvent] {
        var events: [TrainingEvent] = []
        _ = try Experiment(config: config, dataSet: SyntheticData.make(train: 600, test: 200)).run { events.append($0) }
        return events
    }

    static func metricCount(_ store: RunStore) throws -> Int {
        try store.backend.read { db in try db.value("SELECT count(*) FROM metrics", as: Int.self) ?? 0 }
    }

    /// A flush that caught up on many points (a store that failed for a while) writes
    /// them in statements of `rowsPerInsert` rows, every row once, in order.
    @Test(arguments: StoreKind.tested) func aLongBacklogIsWrittenInChunksInOrder(_ kind: StoreKind) throws {
        let folder = try TestStore(kind)
        let store = try folder.open()
        let run = try store.createRun(config: quickConfig(), programVersion: "1")
        let model = try store.backend.write { db in
            try db.value("""
                INSERT INTO models (run_id, role, position, spec, parameters, forward_flops, epochs, status)
                VALUES (\(run.id), 'mentor', 1, 'fc32', 1, 1, 1, 'training') RETURNING id
                """, as: Int64.self)
        }
        let count = RunRecorder.rowsPerInsert * 2 + 345
        let rows: [StoreQuery] = (0..<count).map { step in
            "(\(model), \(step), 1, \(step), 0.5, 0.5, 'train_loss', \(Double(step) / 8))"
        }
        try store.backend.write { db in try RunRecorder.insert(metricRows: rows, into: db) }
        let metrics = try store.metrics(ofRun: run.id)
        #expect(metrics.map(\.step) == Array(0..<count))
        #expect(metrics.map(\.value) == (0..<count).map { Double($0) / 8 })
    }

    @Test(arguments: StoreKind.tested) func pointsWaitForTheEpochEndUnlessASecondHasPassed(_ kind: StoreKind) throws {
        let folder = try TestStore(kind)
        let store = try folder.open()
        let run = try store.createRun(config: quickConfig(), programVersion: "1")
        let events = try Self.events()
        let firstEpochEnd = try #require(events.firstIndex { if case .progress(let p) = $0 { p.isEpochEnd } else { false } })
        #expect(firstEpochEnd > 3, "the mentor's first epoch has points before its end")

        let slow = RunRecorder(store: store, runID: run.id, flushInterval: .seconds(3600))
        for event in events[..<firstEpochEnd] { slow.record(event) }
        let reader = try folder.open()
        #expect(try Self.metricCount(reader) == 0, "points are buffered")
        #expect(try reader.models(ofRun: run.id).count == 3, "the plan is written at once")
        slow.record(events[firstEpochEnd])
        let written = points(Array(events[...firstEpochEnd])).map { MetricSeries.values(of: $0).count }.reduce(0, +)
        #expect(try Self.metricCount(reader) == written, "an epoch end writes every point so far")
        let mentor = try #require(try reader.models(ofRun: run.id).first)
        #expect(mentor.status == .training && mentor.epochsCompleted == 1 && mentor.test != nil)

        let other = try store.createRun(config: quickConfig(), programVersion: "1")
        let eager = RunRecorder(store: store, runID: other.id, flushInterval: .zero)
        eager.record(events[0])
        let before = try Self.metricCount(reader)
        for event in events[1..<firstEpochEnd] {
            eager.record(event)
        }
        #expect(try Self.metricCount(reader) > before, "with no interval, points go out as they come")
    }

    @Test(arguments: StoreKind.tested) func aDivergedModelFailsTheRun(_ kind: StoreKind) throws {
        let folder = try TestStore(kind)
        let store = try folder.open()
        var config = quickConfig()
        config.learningRate = 1e30
        let run = try store.createRun(config: config, programVersion: "1")
        try recordRun(run.config, into: store, run: run)
        let stored = try store.storedRun(run.id)
        #expect(stored.run.status == .failed)
        #expect(stored.run.message?.contains("diverged") == true)
        #expect(stored.models.map(\.status) == [.diverged, .skipped, .skipped])
        #expect(stored.models[1].message == "the mentor did not finish training")
    }

    @Test(arguments: StoreKind.tested) func aStoppedRunIsStopped(_ kind: StoreKind) throws {
        let folder = try TestStore(kind)
        let store = try folder.open()
        let run = try store.createRun(config: quickConfig(), programVersion: "1")
        let control = TrainingControl()
        control.stop()
        try recordRun(run.config, into: store, run: run, control: control)
        let stored = try store.storedRun(run.id)
        #expect(stored.run.status == .stopped)
        #expect(stored.models.first?.status == .stopped)
        #expect(stored.table.text.contains("stopped"))
    }

    /// A store that fails mid-run: one sentence, training goes on, and what could
    /// not be written is written once the store works again.
    @Test func aFailingStoreIsReportedOnceAndCaughtUpLater() throws {
        let folder = try TemporaryFolder()
        let store = try RunStore(path: folder.storePath)
        let run = try store.createRun(config: quickConfig(), programVersion: "1")
        let events = try Self.events()
        let reports = Mutex<[String]>([])
        let recorder = RunRecorder(store: store, runID: run.id, flushInterval: .zero) { message in
            reports.withLock { $0.append(message) }
        }
        recorder.record(events[0])
        let other = try DatabaseQueue(path: folder.storePath, configuration: { var c = Configuration(); c.busyMode = .timeout(10); return c }())
        let schema = try other.read { db in try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'metrics'")! }
        try other.write { db in try db.execute(sql: "DROP TABLE metrics") }

        let half = events.count / 2
        for event in events[1..<half] { recorder.record(event) }
        let messages = reports.withLock { $0 }
        #expect(messages.count == 1)
        #expect(messages.first?.hasPrefix("The run store \(store.location) could not record run \(run.id) (") == true)
        #expect(messages.first?.hasSuffix("training goes on, and the record is tried again every minute and as each model ends, but it may stay incomplete.") == true)

        try other.write { db in try db.execute(sql: schema) }
        for event in events[half...] { recorder.record(event) }
        #expect(reports.withLock { $0.count } == 1)
        let expected = points(events).map { MetricSeries.values(of: $0).count }.reduce(0, +)
        #expect(try Self.metricCount(store) == expected, "nothing was lost")
        #expect(try store.run(run.id).status == .done)
    }

    /// A store that takes the small writes (a model's end) but not the curves, as a full
    /// disk does once its last pages are spent: each failed write cost a retry of the
    /// whole growing batch at the next flush (57 s of a 58 s run). Now the points wait a
    /// minute between tries, the results are written on their own, and the recorder says
    /// what is missing. The run's end waits with the points, and given up on, is written
    /// as interrupted with what is missing: never done with a gap.
    @Test func aStoreThatCannotTakeTheCurvesStillRecordsTheResultsAndSaysWhatIsMissing() throws {
        let folder = try TemporaryFolder()
        let store = try RunStore(path: folder.storePath)
        let run = try store.createRun(config: quickConfig(), programVersion: "1")
        let events = try Self.events()
        let reports = Mutex<[String]>([])
        let recorder = RunRecorder(store: store, runID: run.id, flushInterval: .zero) { message in
            reports.withLock { $0.append(message) }
        }
        recorder.record(events[0])
        try store.sqlitePool.write { db in
            try db.execute(sql: "CREATE TRIGGER full BEFORE INSERT ON metrics BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
        }
        for event in events.dropFirst() { recorder.record(event) }

        #expect(reports.withLock { $0.count } == 1)
        let modelEnds = events.filter { if case .modelFinished = $0 { true } else { false } }.count
        #expect(recorder.failedWrites <= 1 + modelEnds + 1, "one try, then one per model end and the run's end: \(recorder.failedWrites)")
        let stored = try store.storedRun(run.id)
        #expect(stored.run.status == .running, "the run's end waits with its points")
        #expect(stored.models.map(\.status) == [.finished, .finished, .finished])
        #expect(stored.models.allSatisfy { $0.test != nil && $0.epochsCompleted == $0.epochs })
        let missing = points(events).count
        #expect(recorder.missing == "\(ReportTable.grouped(missing)) progress points and its end could not be written")

        recorder.writeEndWithoutPoints()
        let ended = try store.run(run.id)
        #expect(ended.status == .interrupted)
        #expect(ended.message == "The run store could not take \(ReportTable.grouped(missing)) of its progress points (it was away or full); "
                + "'mimic resume \(run.id)' trains again the models they belong to and records them.")
        #expect(recorder.missing == "\(ReportTable.grouped(missing)) progress points could not be written")
    }

    /// A store that loses its curves from the mentor's second epoch to the run's end (a
    /// server gone, a table away) while it still takes the models' ends: the run must
    /// not read done with the gap. It stays running while its points wait, and once the
    /// store takes them, the run is done with every point. Before, the results were
    /// written on their own with the run's end, and the run read done with no curves
    /// after the mentor's first epoch.
    @Test(arguments: StoreKind.tested) func aRunIsDoneOnlyWithEveryPoint(_ kind: StoreKind) throws {
        let test = try TestStore(kind)
        let store = try test.open()
        let run = try store.createRun(config: quickConfig(), programVersion: "1")
        let events = try Self.events()
        let recorder = RunRecorder(store: store, runID: run.id, flushInterval: .zero) { _ in }
        var away = false
        for event in events {
            if !away, case .progress(let point) = event, point.epoch == 2 {
                away = true
                try test.execute("ALTER TABLE metrics RENAME TO metrics_away", on: store)
            }
            recorder.record(event)
        }
        #expect(away)
        #expect(try store.run(run.id).status == .running, "not done while its points wait")
        #expect(recorder.missing?.hasSuffix("progress points and its end could not be written") == true, "\(recorder.missing ?? "nil")")

        try test.execute("ALTER TABLE metrics_away RENAME TO metrics", on: store)
        #expect(recorder.retryPending())
        #expect(recorder.missing == nil)
        #expect(try store.run(run.id).status == .done)
        let expected = points(events).map { MetricSeries.values(of: $0).count }.reduce(0, +)
        #expect(try Self.metricCount(store) == expected, "every point, once")
    }

    /// A reader in another connection sees the run grow while it trains and never
    /// waits or fails.
    @Test(arguments: StoreKind.tested) func aReaderSeesTheRunGrowWhileItTrains(_ kind: StoreKind) throws {
        let folder = try TestStore(kind)
        let store = try folder.open()
        var config = quickConfig()
        config.epochs = 6
        config.studentEpochs = 6
        let run = try store.createRun(config: config, programVersion: "1")
        let finished = Atomic<Bool>(false)
        let trainer = Thread {
            _ = try? recordRun(run.config, into: store, run: run, flushInterval: .milliseconds(1))
            finished.store(true, ordering: .sequentiallyConsistent)
        }
        trainer.stackSize = 8 << 20
        trainer.start()

        let reader = try folder.open()
        var counts: [Int] = []
        while !finished.load(ordering: .sequentiallyConsistent) {
            counts.append(try reader.metrics(ofRun: run.id).count)
            _ = try reader.runs()
        }
        let final = try reader.storedRun(run.id)
        #expect(final.run.status == .done)
        #expect(zip(counts, counts.dropFirst()).allSatisfy { $0 <= $1 }, "a reader never sees rows vanish")
        #expect(Set(counts).count > 2, "the reader saw the run part-written: \(Set(counts).sorted())")
        #expect(try reader.metrics(ofRun: run.id).count >= (counts.last ?? 0))
    }
}
