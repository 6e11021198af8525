import Foundation
import MimicEngine
import MimicTestSupport
@testable import MimicStore

/// A fresh folder per test, removed when the last reference goes away, so tests
/// running in parallel never share a store.
final class TemporaryFolder {
    let path: String

    init() throws {
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent("mimic-store-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    var storePath: String { file("store/runs.sqlite") }
}

/// A run that takes well under a second on the synthetic data.
func quickConfig() -> ExperimentConfig {
    var config = ExperimentConfig()
    config.dataDirectory = "/nonexistent/synthetic"
    config.labeledFraction = 0.2
    config.mentor = "fc32"
    config.students = ["fc16", "linear"]
    config.epochs = 3
    config.studentEpochs = 2
    config.batchSize = 32
    config.learningRate = 0.003
    config.threads = 1
    return config
}

/// The progress points of a list of events.
func points(_ events: [TrainingEvent]) -> [TrainingProgress] {
    events.compactMap { if case .progress(let point) = $0 { point } else { nil } }
}

/// Trains `config` on synthetic data into run `record` of `store`, returning the events.
@discardableResult
func recordRun(_ config: ExperimentConfig, into store: RunStore, run record: RunRecord,
               flushInterval: Duration = .seconds(1), control: TrainingControl = TrainingControl(),
               failures: @escaping (String) -> Void = { Issue.recordFailure($0) }) throws -> [TrainingEvent] {
    let experiment = try Experiment(config: record.config, dataSet: SyntheticData.make(train: 600, test: 200),
                                    folder: try record.folder.map { try RunFolder.create(at: $0) })
    let recorder = RunRecorder(store: store, runID: record.id, flushInterval: flushInterval, reportFailure: failures)
    var events: [TrainingEvent] = []
    _ = experiment.run(control: control) { event in
        events.append(event)
        recorder.record(event)
    }
    return events
}

import Testing

extension Issue {
    static func recordFailure(_ message: String) { Issue.record(Comment(rawValue: message)) }
}

import GRDB

extension RunStore {
    /// The SQLite file's pool, for tests of what only SQLite has (integrity checks, triggers).
    var sqlitePool: DatabasePool { (backend as! SQLiteBackend).pool }
}
