import Foundation
import MimicEngine
import MimicTestSupport
@testable import MimicStore

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


extension TestStore {
    /// Runs `sql` on the store's database as the test sees fit (breaking it, counting rows).
    func execute(_ sql: StoreQuery, on store: RunStore) throws {
        try store.backend.write { db in try db.execute(sql) }
    }

    func count(_ table: String, in store: RunStore) throws -> Int {
        try store.backend.read { db in try db.value("SELECT count(*) FROM \(sql: table)", as: Int.self) ?? 0 }
    }
}
