import Foundation
import MimicEngine
import MimicStore

/// Follows one run in the store and turns what it finds into the inputs the live
/// engine would have produced (plan, phases, progress points, finished models,
/// pauses, the end), so a watched run goes through the same reducer as a live one.
/// Each `poll` reads only what was added since the last one.
final class RunFollower {
    let store: RunStore
    let runID: Int64
    private var lastRowID: Int64 = 0
    private var planSent = false
    private var startedModels: Set<Int64> = []
    private var finishedModels: Set<Int64> = []
    private var paused = false
    private var status: RunStatus?

    init(store: RunStore, runID: Int64) {
        self.store = store
        self.runID = runID
    }

    /// How many train points per model the first look reads (see `RunStore.firstLook`):
    /// more than a chart on the widest terminal has braille dots across.
    static let firstLookTrainPoints = 1000

    /// What changed in the store since the last poll, as dashboard inputs in order. The
    /// first poll reads the points the curves can show, not every row of a long run.
    /// A run whose trainer died reads interrupted, which only a writer records.
    func poll() throws(StoreError) -> [DashboardInput] {
        var changes = lastRowID == 0 ? try store.firstLook(ofRun: runID, trainPoints: Self.firstLookTrainPoints)
            : try store.changes(ofRun: runID, metricsAfter: lastRowID)
        lastRowID = changes.lastMetricRowID
        changes.run = changes.run.withTrainerChecked()
        return inputs(for: changes)
    }

    /// The inputs for one read of the store; pure apart from what was sent before.
    func inputs(for changes: RunChanges) -> [DashboardInput] {
        let run = changes.run
        var events: [TrainingEvent] = []
        if !planSent, !changes.models.isEmpty {
            planSent = true
            events.append(.runStarted(Self.plan(run, changes.models)))
        }
        let byModel = Dictionary(grouping: changes.metrics.map(\.point), by: \.modelID)
        let studentCount = changes.models.filter { $0.role == .student }.count
        let baselineCount = changes.models.filter { $0.role == .baseline }.count
        for model in changes.models {
            let points = MetricSeries.progress(byModel[model.id] ?? [], of: model)
            if !points.isEmpty, startedModels.insert(model.id).inserted {
                switch model.role {
                case .mentor: events.append(.phaseStarted(.mentor))
                case .student: events.append(.phaseStarted(.student(index: model.position, of: studentCount)))
                case .baseline: events.append(.phaseStarted(.baseline(index: model.position, of: baselineCount)))
                }
            }
            events += points.map(TrainingEvent.progress)
            if Self.hasEnded(model.status), finishedModels.insert(model.id).inserted {
                events.append(.modelFinished(model.result))
            }
        }
        if run.status == .running {
            if run.pausedAt != nil, !paused { events.append(.paused) }
            if run.pausedAt == nil, paused { events.append(.resumed) }
            paused = run.pausedAt != nil
        } else if status == nil || status == .running {
            events.append(.phaseStarted(.done))
            events.append(.runFinished(StoredRun(run: run, models: changes.models).report))
        }
        var inputs = events.map(DashboardInput.engine)
        if status != run.status {
            status = run.status
            inputs.append(.watchedStatus(run.status, wallSeconds: run.wallSeconds))
        }
        return inputs
    }

    /// The inputs that rebuild a past run whole, for the runs pane's overlay.
    static func replay(_ id: Int64, from store: RunStore) throws(StoreError) -> RunState {
        let follower = RunFollower(store: store, runID: id)
        let record = try store.run(id)
        let events = try follower.poll().compactMap { input -> TrainingEvent? in
            if case .engine(let event) = input { return event }
            return nil
        }
        return RunState.replaying(events, config: record.config)
    }

    static func hasEnded(_ status: ModelStatus) -> Bool {
        switch status {
        case .finished, .stopped, .diverged, .skipped: true
        case .pending, .training, .interrupted: false
        }
    }

    /// The plan as recorded. A run recorded before schema v3 has no shape or class
    /// count; the dashboard uses neither for a run it only shows.
    static func plan(_ run: RunRecord, _ models: [ModelRecord]) -> RunPlan {
        let split = run.split.map {
            SplitSizes(labeled: $0.labeled, validation: $0.validation, unlabeled: $0.unlabeled, test: $0.test, labeledPerClass: [])
        } ?? SplitSizes(labeled: 0, validation: 0, unlabeled: 0, test: 0, labeledPerClass: [])
        return RunPlan(dataSet: run.dataSet, inputShape: run.inputShape ?? .vector(0), classes: run.classes ?? 0,
                       split: split, models: models.map {
                           RunPlan.Model(id: $0.modelID, parameters: $0.parameters, forwardFLOPsPerSample: $0.forwardFLOPsPerSample,
                                         epochs: $0.epochs, epochsCompleted: 0)
                       })
    }
}
