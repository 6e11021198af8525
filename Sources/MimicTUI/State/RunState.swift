import MimicEngine

/// A run that was started: what it uses, where it is, and everything it has reported.
/// It stays on screen after it ends, until the next run replaces it.
public struct RunState: Sendable {
    public enum Status: Equatable, Sendable {
        case starting, running, paused, stopping, finished
    }

    public let config: ExperimentConfig
    public var status: Status = .starting
    public var plan: RunPlan?
    public var phase: Phase?
    /// The latest progress point of the model in training.
    public var current: TrainingProgress?
    public var curves: [ModelCurves] = []
    public var results: [ModelResult] = []
    public var report: ExperimentReport?
    public let startedAt: Double
    public var endedAt: Double?
    /// Work done by models that already finished, for the time estimate: samples times
    /// forward FLOPs per sample.
    public var finishedWork = 0.0

    public init(config: ExperimentConfig, startedAt: Double) {
        self.config = config
        self.startedAt = startedAt
    }

    /// True from Space until the run has ended: the time a quit must confirm.
    public var isActive: Bool { status != .finished }

    public func elapsed(now: Double) -> Double { (endedAt ?? now) - startedAt }

    func samplesPerEpoch(_ role: ModelID.Role) -> Int {
        guard let split = plan?.split else { return 1 }
        return role == .student ? split.unlabeled : split.labeled
    }

    /// Seconds left, from the share of all planned training work done so far; nil until
    /// there is a share to extrapolate from. Work is samples times forward FLOPs: a
    /// student's sample costs far less than the mentor's, and counting samples alone
    /// priced the students at the mentor's speed (12 minutes estimated for a 2.5-minute
    /// default run after the mentor's first epochs).
    public func remaining(now: Double) -> Double? {
        guard status != .finished, let plan else { return nil }
        let total = plan.models.reduce(0.0) {
            $0 + Double($1.epochs * samplesPerEpoch($1.id.role)) * Double($1.forwardFLOPsPerSample)
        }
        let done = finishedWork + (current.map { Double($0.samplesSeen) * flopsPerSample($0.model) } ?? 0)
        guard done > 0, total > done else { return nil }
        return elapsed(now: now) * (total - done) / done
    }

    private func flopsPerSample(_ id: ModelID) -> Double {
        Double(plan?.models.first { $0.id == id }?.forwardFLOPsPerSample ?? 1)
    }

    /// Takes in one engine event at `now` on the dashboard's clock; returns a note for
    /// the status line when the event deserves one.
    mutating func apply(_ event: TrainingEvent, now: Double) -> String? {
        switch event {
        case .runStarted(let plan):
            self.plan = plan
            if status == .starting { status = .running }
        case .phaseStarted(let phase):
            self.phase = phase
        case .progress(let progress):
            apply(progress)
        case let .annotated(samples, seconds):
            // A student's training loss is on charts of its own, so its curves show on
            // the loss and accuracy charts only from its first epoch's test: say where to look.
            // Short enough for an 80-column footer.
            return "Mentor annotated \(Formatting.count(samples)) samples in \(Formatting.duration(seconds)); "
                + "m shows the students' mimic loss."
        case .modelFinished(let result):
            finish(result)
            if case .diverged(let message) = result.status { return message }
        case .paused:
            if status != .stopping { status = .paused }
        case .resumed:
            if status != .stopping { status = .running }
        case .runFinished(let report):
            self.report = report
            status = .finished
            phase = .done
            current = nil
            endedAt = now
        }
        return nil
    }

    /// A run rebuilt from its events (a past run read back from the store).
    public static func replaying(_ events: [TrainingEvent], config: ExperimentConfig) -> RunState {
        var run = RunState(config: config, startedAt: 0)
        for event in events { _ = run.apply(event, now: 0) }
        return run
    }

    mutating func apply(_ progress: TrainingProgress) {
        current = progress
        let perEpoch = samplesPerEpoch(progress.model.role)
        if let index = curves.firstIndex(where: { $0.id == progress.model }) {
            curves[index].add(progress, samplesPerEpoch: perEpoch)
        } else {
            var curve = ModelCurves(id: progress.model)
            curve.add(progress, samplesPerEpoch: perEpoch)
            curves.append(curve)
        }
    }

    mutating func finish(_ result: ModelResult) {
        results.append(result)
        finishedWork += Double(result.epochsCompleted * samplesPerEpoch(result.id.role)) * flopsPerSample(result.id)
        if current?.model == result.id { current = nil }
    }

    public func curves(for id: ModelID) -> ModelCurves? { curves.first { $0.id == id } }

    /// The mentor's final test accuracy and loss once it finished: the students' target.
    public var mentorTarget: Evaluation? {
        results.first { $0.id.role == .mentor && $0.status == .finished }?.test
    }
}
