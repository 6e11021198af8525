import MimicEngine
import MimicStore

/// Where each training of a sweep stands: done, ended failed (diverged, or its attempts
/// to start spent, with the reason), or not ended yet (to train or resume).
public struct SweepStanding: Sendable {
    public enum State: Sendable, Equatable {
        case done(run: Int64)
        /// An end no resume changes: `reason` says why.
        case failed(reason: String)
        /// Not started, cut short, or training now.
        case open
    }

    public let sweep: SweepRecord
    public let runs: [RunRecord]
    public let states: [State]

    public init(_ sweep: SweepRecord, store: RunStore) throws(StoreError) {
        let runs = try store.runs(sweep: sweep.id)
        // A store opened read-only before its queue counted attempts has none to show.
        let queue = (try? store.queueStates(ofSweep: sweep.id)) ?? [:]
        self.sweep = sweep
        self.runs = runs
        states = sweep.trainings.indices.map { k in
            let run = runs.first { $0.slot?.training == k }
            if let run, run.status == .done { return .done(run: run.id) }
            if let run, run.status == .failed { return .failed(reason: run.message ?? "its run failed") }
            if let state = queue[k], state.failed {
                return .failed(reason: "it could not start in \(state.attempts) attempts; the last said: \(state.lastError ?? "nothing")")
            }
            return .open
        }
    }

    /// Trainings that have not ended: what a resume would train.
    public var openCount: Int { states.filter { $0 == .open }.count }

    /// One line per training that ended failed: which it is and why.
    public var failureLines: [String] {
        states.enumerated().compactMap { k, state in
            guard case .failed(let reason) = state else { return nil }
            return "training \(k + 1) (\(SweepField.describe(sweep.trainings[k], among: sweep.trainings))) failed: \(reason)"
        }
    }
}
