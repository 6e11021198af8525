import Foundation
import GRDB
import MimicChildProcess
import MimicEngine
import Synchronization
import Testing
@testable import MimicStore
import MimicTestSupport

@Suite struct RunStoreTests {
    /// Regression: two processes making a new store at once, one saw the other's
    /// half-made schema and refused the file as "not a mimic run store". flock locks
    /// belong to open file descriptions, so threads of one process race the same way.
    @Test func manyOpenersOfANewStoreAtOnceAllSucceed() throws {
        for _ in 0..<10 {
            let folder = try TemporaryFolder()
            let path = folder.storePath
            let failures = Mutex<[String]>([])
            DispatchQueue.concurrentPerform(iterations: 6) { _ in
                do {
                    _ = try RunStore(path: path)
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
            #expect(failures.withLock { $0 }.isEmpty)
        }
    }

    /// A reproduction taking up a seed the dashboard trained ties that run to its sweep,
    /// once: never a run of another sweep, never a training that has a run.
    @Test(arguments: StoreKind.tested) func aRunOutsideEverySweepJoinsATrainingWithoutARun(_ kind: StoreKind) throws {
        let folder = try TestStore(kind)
        let store = try folder.open()
        let sweep = try store.createSweep(name: "reproduce", source: "test", trainings: [quickConfig(), quickConfig()])
        let outside = try store.createRun(config: quickConfig(), programVersion: "test")
        let inside = try store.createRun(config: quickConfig(), programVersion: "test", slot: SweepSlot(sweep: sweep.id, training: 1))
        #expect(try store.join(run: outside.id, to: SweepSlot(sweep: sweep.id, training: 0)))
        #expect(try store.run(outside.id).slot == SweepSlot(sweep: sweep.id, training: 0))
        let another = try store.createRun(config: quickConfig(), programVersion: "test")
        #expect(try !store.join(run: another.id, to: SweepSlot(sweep: sweep.id, training: 0)), "the training has its run")
        let second = try store.createSweep(name: nil, source: "test", trainings: [quickConfig()])
        #expect(try !store.join(run: inside.id, to: SweepSlot(sweep: second.id, training: 0)), "a run of a sweep stays in it")
        #expect(try store.run(another.id).slot == nil && store.run(inside.id).slot?.sweep == sweep.id)
    }

    @Test(arguments: StoreKind.tested) func aNewRunIsRunningInThisProcessWithItsOwnFolder(_ kind: StoreKind) throws {
        let folder = try TestStore(kind)
        let store = try folder.open()
        let config = quickConfig()
        let run = try store.createRun(config: config, programVersion: "9.9.9")

        #expect(run.id == 1)
        #expect(run.status == .running)
        #expect(run.pid == getpid())
        #expect(run.host == ProcessIdentity.host)
        #expect(run.heartbeatAt != nil)
        #expect(run.programVersion == "9.9.9")
        #expect(run.dataSet == "synthetic", "the data folder's name stands in until the data set loads")
        #expect(run.config == config, "the configuration is recorded as it was given")
        #expect(run.folder == folder.file("store/runs/1"))
        var isFolder: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: folder.file("store/runs/1"), isDirectory: &isFolder) && isFolder.boolValue)
        #expect(run.logPath == folder.file("store/runs/1/train.log"))
        #expect(run.partOf == nil)
        #expect(try store.createRun(config: config, programVersion: "9.9.9", partOf: "reproduce").partOf == "reproduce")
        _ = try store.createRun(config: config, programVersion: "9.9.9")
        #expect(try store.runs(partOf: "reproduce").map(\.id) == [2])
        #expect(try store.resolveRunID("1") == 1)
        #expect(try store.resolveRunID("#2") == 2)
        #expect(try store.resolveRunID("last") == 3)
    }

    @Test(arguments: StoreKind.tested) func aRecordedRunReadsBackAsTheEngineReportedIt(_ kind: StoreKind) throws {
        let folder = try TestStore(kind)
        let store = try folder.open()
        let run = try store.createRun(config: quickConfig(), programVersion: "1.0")
        let events = try recordRun(run.config, into: store, run: run)
        guard case .runFinished(let report) = events.last else { Issue.record("no report"); return }

        let stored = try store.storedRun(run.id)
        #expect(stored.run.status == .done)
        #expect(stored.run.dataSet == "synthetic")
        #expect(stored.run.split == .init(labeled: 120, validation: 0, unlabeled: 480, test: 200))
        #expect(stored.run.endedAt != nil && stored.run.wallSeconds == report.wallTime)
        #expect(stored.run.message == nil)
        #expect(stored.models.map(\.modelID) == report.results.map(\.id))
        #expect(stored.models.allSatisfy { $0.status == .finished })
        for (model, result) in zip(stored.models, report.results) {
            #expect(model.test == result.test)
            #expect(model.epochsCompleted == result.epochsCompleted)
            #expect(model.trainingSeconds == result.trainingTime)
            #expect(model.paritySeconds == result.timeToParity)
            #expect(model.checkpoint == result.checkpoint)
            #expect(model.checkpoint.map { $0.hasPrefix(run.folder! + "/") && FileManager.default.fileExists(atPath: $0) } == true)
        }
        #expect(stored.table.text == ReportTable(report).text, "mimic show prints the table mimic train printed")

        // Every value of every progress point, in order, model by model.
        let modelOfRow = Dictionary(uniqueKeysWithValues: stored.models.map { ($0.id, $0.modelID) })
        let metrics = try store.metrics(ofRun: run.id)
        let expected = points(events).flatMap { point in
            MetricSeries.values(of: point).map { "\(point.model.name) \(point.step) \(point.epoch) \(point.samplesSeen) \($0.0.rawValue) \($0.1)" }
        }
        let storedLines = metrics.map { "\(modelOfRow[$0.modelID]!.name) \($0.step) \($0.epoch) \($0.samplesSeen) \($0.name) \($0.value)" }
        #expect(storedLines == expected)
        #expect(metrics.filter { $0.name == "test_accuracy" }.count == 3 + 2 + 2)
        #expect(metrics.allSatisfy { $0.wallSeconds >= 0 && $0.trainingSeconds >= 0 })
        #expect(zip(metrics, metrics.dropFirst()).allSatisfy { $0.modelID != $1.modelID || $0.wallSeconds <= $1.wallSeconds })
    }

    @Test(arguments: StoreKind.tested) func runsListNewestFirstAndFilterByStatusAndDataSet(_ kind: StoreKind) throws {
        let folder = try TestStore(kind)
        let store = try folder.open()
        var mnist = quickConfig()
        mnist.dataDirectory = "/data/MNIST"
        let first = try store.createRun(config: quickConfig(), programVersion: "1")
        let second = try store.createRun(config: mnist, programVersion: "1")
        let third = try store.createRun(config: quickConfig(), programVersion: "1")
        try store.endRun(first.id, status: .done, message: nil)
        try store.endRun(third.id, status: .failed, message: "the data could not be read")

        #expect(try store.runs().map(\.id) == [3, 2, 1])
        #expect(try store.runs(status: .done).map(\.id) == [1])
        #expect(try store.runs(status: .running).map(\.id) == [2])
        #expect(try store.runs(dataSet: "mnist").map(\.id) == [2], "any case")
        #expect(try store.runs(status: .failed, dataSet: "synthetic").map(\.id) == [3])
        #expect(try store.runs(status: .stopped).isEmpty)
        #expect(try store.run(third.id).message == "the data could not be read")
        #expect(try store.run(second.id).dataSet == "MNIST")
    }

    /// A run whose stored configuration another mimic wrote (or a person edited) is left
    /// out of listings, named with the field that is wrong, and does not hide the others.
    @Test(arguments: StoreKind.tested) func aRunWhoseConfigCannotBeReadDoesNotHideTheOthers(_ kind: StoreKind) throws {
        let folder = try TestStore(kind)
        let store = try folder.open()
        for _ in 1...4 { _ = try store.createRun(config: quickConfig(), programVersion: "1") }
        let json = try RunRecord.json(quickConfig())
        let wrongLoss = json.replacingOccurrences(of: "\"loss\":\"kd\"", with: "\"loss\":\"l7\"")
        try folder.execute("UPDATE runs SET config = \(wrongLoss) WHERE id = 2", on: store)
        try folder.execute("UPDATE runs SET config = \("{half a config") WHERE id = 3", on: store)
        try folder.execute("UPDATE runs SET config = \(json.replacingOccurrences(of: "\"seed\":1,", with: "")) WHERE id = 4", on: store)
        #expect(try store.runs().map(\.id) == [1])
        #expect(try store.storedRuns().map(\.run.id) == [1])
        let problems = try store.unreadableRuns().map(\.message)
        #expect(problems.count == 3)
        #expect(problems[0].hasPrefix("Run 2's stored configuration cannot be read (its field loss is wrong: "), "\(problems[0])")
        #expect(problems[1].hasPrefix("Run 3's stored configuration cannot be read (it is not valid JSON); "), "\(problems[1])")
        #expect(problems[2] == "Run 4's stored configuration cannot be read (its field seed is missing); another version of mimic wrote it, "
            + "or it was edited: 'mimic delete 4' removes the run.")
        #expect(throws: StoreError.self) { try store.run(2) }
        #expect(try store.run(1).id == 1)
    }

    @Test(arguments: StoreKind.tested) func deletingARunRemovesItsRowsAndItsFolderButNotASaveFolder(_ kind: StoreKind) throws {
        let folder = try TestStore(kind)
        let store = try folder.open()
        let kept = try store.createRun(config: quickConfig(), programVersion: "1")
        try recordRun(kept.config, into: store, run: kept)
        var saving = quickConfig()
        saving.saveDirectory = folder.file("saved")
        let deleted = try store.createRun(config: saving, programVersion: "1")
        try recordRun(deleted.config, into: store, run: deleted)
        let keptMetrics = try store.metrics(ofRun: kept.id)
        #expect(!keptMetrics.isEmpty)

        try store.deleteRun(deleted.id)
        #expect(throws: StoreError.unknownRun(deleted.id, store: store.location)) { try store.run(deleted.id) }
        #expect(!FileManager.default.fileExists(atPath: deleted.folder!))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("saved")).count == 3, "--save folders are the user's")
        let left = (try folder.count("models", in: store), try folder.count("metrics", in: store))
        #expect(left.0 == 3 && left.1 == keptMetrics.count, "its models and metrics go with it, the other run's stay")
        #expect(try store.metrics(ofRun: kept.id) == keptMetrics)
        #expect(FileManager.default.fileExists(atPath: kept.folder!))
    }

    // MARK: - Broken input

    @Test func aFileThatIsNotSQLiteIsRefusedAndLeftAsItWas() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("notes.txt")
        let text = Data("These are my notes, not a database.\n".utf8)
        try text.write(to: URL(fileURLWithPath: path))
        #expect(throws: StoreError("\(path) is not a SQLite database, so it cannot be a run store; pass --store with another file, or move this one away.")) {
            try RunStore(path: path)
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == text)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["notes.txt"])
        #expect(throws: StoreError.notADatabase(folder.path)) { try RunStore(path: folder.path) }
    }

    @Test func anotherSQLiteDatabaseIsNotTakenForAStore() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("other.sqlite")
        try DatabaseQueue(path: path).write { db in
            try db.execute(sql: "CREATE TABLE recipes (name TEXT); INSERT INTO recipes VALUES ('soup')")
        }
        #expect(throws: StoreError.notAStore(path)) { try RunStore(path: path) }
        #expect(try DatabaseQueue(path: path).read { db in try db.tableExists("runs") } == false)
    }

    @Test func aStoreFromANewerMimicIsRefused() throws {
        let folder = try TemporaryFolder()
        _ = try RunStore(path: folder.storePath)
        try DatabaseQueue(path: folder.storePath).write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations VALUES ('v4-future')")
        }
        #expect(throws: StoreError("The run store \(folder.storePath) was written by a newer mimic (schema v4-future is unknown to this one); "
            + "run that newer mimic, or pass --store with another file.")) {
            try RunStore(path: folder.storePath)
        }
    }

    @Test func aPathThatCannotBeWrittenIsNamed() throws {
        let folder = try TemporaryFolder()
        try Data("x".utf8).write(to: URL(fileURLWithPath: folder.file("file")))
        let path = folder.file("file/mimic/runs.sqlite")
        #expect(throws: StoreError("The run store \(path) cannot be opened for writing (\(folder.file("file")) is a file, not a folder); "
            + "pass --store with a path in a folder you can write to.")) {
            try RunStore(path: path)
        }
    }

    @Test func unknownAndMalformedRunIDsAreNamed() throws {
        let folder = try TemporaryFolder()
        #expect(throws: StoreError.missing(folder.storePath)) { try RunStore(path: folder.storePath, create: false) }
        #expect(!FileManager.default.fileExists(atPath: folder.storePath), "reading commands do not create a store")
        let store = try RunStore(path: folder.storePath)
        #expect(throws: StoreError("There are no runs in \(store.location) yet; 'mimic train' records one.")) { try store.resolveRunID("last") }
        _ = try store.createRun(config: quickConfig(), programVersion: "1")
        #expect(throws: StoreError("There is no run 7 in \(store.location); 'mimic runs' lists the runs there.")) { try store.resolveRunID("7") }
        for text in ["seven", "-1", "0", "1.5", ""] {
            #expect(throws: StoreError.badRunID(text)) { try store.resolveRunID(text) }
        }
    }

    @Test func theDefaultStoreFollowsXDG() {
        #expect(StoreLocation.defaultPath(environment: ["XDG_DATA_HOME": "/x/data", "HOME": "/home/a"]) == "/x/data/mimic/runs.sqlite")
        #expect(StoreLocation.defaultPath(environment: ["HOME": "/home/a"]) == "/home/a/.local/share/mimic/runs.sqlite")
        #expect(StoreLocation.defaultPath(environment: ["XDG_DATA_HOME": "relative", "HOME": "/home/a"]) == "/home/a/.local/share/mimic/runs.sqlite",
                "the XDG spec ignores a relative path")
    }
}

/// The id of a process that has exited and been reaped.
func deadProcessID() throws -> Int32 {
    let child = try ChildProcess.start("/bin/true", [])
    child.wait()
    return child.pid
}
