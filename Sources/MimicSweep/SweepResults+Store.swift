import MimicStore

extension SweepResults {
    /// The sweep's grid as the store has it now: each training's run, if it has one,
    /// with its models as far as they got.
    public init(sweep: SweepRecord, store: RunStore) throws(StoreError) {
        var outcomes: [Int: Outcome] = [:]
        for run in try store.runs(sweep: sweep.id) {
            guard let training = run.slot?.training, sweep.trainings.indices.contains(training) else { continue }
            let models = try store.models(ofRun: run.id)
            outcomes[training] = Outcome(runID: run.id, isRunning: run.status == .running, models: models.map(\.result))
        }
        self.init(trainings: sweep.trainings, outcomes: outcomes)
    }
}
