import Foundation
import MimicEngine
import MimicSession
import MimicStore

/// One process's share of a sweep: it claims the next training from the store's queue
/// (`RunStore.claimSweepTraining`), trains it, records it, and claims again until every
/// training is done or failed. `mimic agent` is one, on any machine; so is each local
/// worker of `mimic sweep` and `mimic sweep resume`, so that a sweep's trainings have
/// one way of being handed out, whoever trains them.
public struct SweepQueueWorker {
    let sweep: SweepRecord
    let store: RunStore
    /// This process's row among the sweep's agents.
    let agent: Int64
    /// Seconds without a heartbeat after which a running training is taken over.
    let grace: Double
    /// Whether runs whose process on this machine is gone (a killed sibling worker)
    /// are marked interrupted before each claim, so that their trainings are taken up
    /// at once. An agent leaves that to the grace period its user set.
    let takesUpDeadRunsHere: Bool
    /// The version recorded with each run this worker starts.
    let programVersion: String
    let reporter: any SweepReporter

    public init(sweep: SweepRecord, store: RunStore, agent: Int64, grace: Double, takesUpDeadRunsHere: Bool,
                programVersion: String, reporter: any SweepReporter) {
        self.sweep = sweep
        self.store = store
        self.agent = agent
        self.grace = grace
        self.takesUpDeadRunsHere = takesUpDeadRunsHere
        self.programVersion = programVersion
        self.reporter = reporter
    }

    /// What the worker did, and where its time went.
    public struct Outcome: Sendable {
        public var finished = 0
        public var givenUp = 0
        public var problems = 0
        public var interrupted = false
        /// Wall time from the first claim to the last.
        public var seconds = 0.0
        /// Wall time inside the trainings' own work (their reports' wall time).
        public var trainingSeconds = 0.0
        /// Time the trainings' recorders took of their training threads.
        public var recordingSeconds = 0.0
        public var claimMilliseconds: [Double] = []

        public var trainings: Int { finished + givenUp }

        /// An agent's last line: what it trained, and what its claims cost.
        public func summary(agent: Int64) -> String {
            let sorted = claimMilliseconds.sorted()
            let median = sorted.isEmpty ? 0 : sorted[sorted.count / 2]
            return String(format: "agent %lld: %d training%@ finished, %d given up, in %.1fs; %d claims, median %.1f ms, longest %.1f ms",
                          agent, finished, finished == 1 ? "" : "s", givenUp, seconds, sorted.count, median, sorted.last ?? 0)
        }

        /// What the sweep machinery and the store cost this worker, so that it can be
        /// checked on any machine; nil when it trained nothing.
        public var costLine: String? {
            guard trainings > 0, seconds > 0 else { return nil }
            let outside = max(0, seconds - trainingSeconds)
            return String(format: "this worker trained %d training%@ in %.1fs: %.1fs outside them (%.1f%%: loading data, the sweep's bookkeeping), "
                          + "%.3fs recording them (%.2f%%)",
                          trainings, trainings == 1 ? "" : "s", seconds, outside, 100 * outside / seconds,
                          recordingSeconds, 100 * recordingSeconds / seconds)
        }
    }

    /// Claims and trains until nothing is left; waits while trainings are held by
    /// other processes, since one of them may die and give its training back, and while
    /// a PostgreSQL server is away. Stops after Ctrl-C, and when a SQLite store fails.
    /// A training that cannot start counts an attempt in the queue, which ends it
    /// failed after its last.
    public func work(interrupts: any StopRequest) -> Outcome {
        var dataSets = LoadedDataSets()
        var outcome = Outcome()
        var unreachable = false
        let started = ContinuousClock.now
        let wait = min(2.0, max(0.5, grace / 4))
        while !interrupts.interrupted {
            let claim: SweepClaim?
            do {
                if takesUpDeadRunsHere { try store.markInterruptedRuns() }
                let before = ContinuousClock.now
                claim = try store.claimSweepTraining(sweep: sweep.id, agent: agent, grace: grace)
                outcome.claimMilliseconds.append((ContinuousClock.now - before).seconds * 1000)
                if unreachable { reporter.say("the store answers again") }
                unreachable = false
                if claim == nil {
                    guard try store.sweepHasUnfinishedTrainings(sweep.id) else { break }
                    Thread.sleep(forTimeInterval: wait)
                    continue
                }
            } catch {
                // A file that fails (a full disk, a read-only folder) does not come back
                // by waiting: say so and stop, as 'mimic train' does.
                if case .sqlite = store.address {
                    reporter.warn("mimic: \(error)")
                    outcome.problems += 1
                    break
                }
                // The server is away (a cut link, a restart): keep asking.
                if !unreachable { reporter.warn("mimic: \(error); asking again every \(Int(wait)) s.") }
                unreachable = true
                Thread.sleep(forTimeInterval: wait)
                continue
            }
            guard let claim else { continue }
            train(claim, dataSets: &dataSets, outcome: &outcome, interrupts: interrupts)
        }
        outcome.interrupted = interrupts.interrupted
        outcome.seconds = (ContinuousClock.now - started).seconds
        return outcome
    }

    private func train(_ claim: SweepClaim, dataSets: inout LoadedDataSets, outcome: inout Outcome,
                       interrupts: any StopRequest) {
        let k = claim.slot.training
        let config = sweep.trainings[k]
        do {
            let dataSet = try dataSets.dataSet(for: config)
            let session = try claim.runID == nil
                ? RunSession.start(config, dataSet: dataSet, store: store, programVersion: programVersion,
                                   partOf: sweep.name, claim: claim)
                : RunSession.takeOver(claim, store: store, dataSet: dataSet)
            reporter.say("== training \(k + 1) of \(sweep.trainings.count): \(SweepField.describe(config, among: sweep.trainings)), "
                      + "run \(session.runID!)" + (claim.runID == nil ? "" : ", resumed from its last epoch checkpoints")
                      + (claim.generation == 1 ? "" : " (claim \(claim.generation))"))
            interrupts.stops(session.control)
            // Its points that a server could not take are its own: it keeps its claim and
            // writes them once the server is back, rather than leave the run to be claimed
            // again. A file that failed (a full disk) does not come back by waiting: the
            // run ends recorded in part, and a resume trains again what it lacks.
            let waitsForTheStore: (() -> Bool)? = if case .postgres = store.address { { !interrupts.interrupted } } else { nil }
            let report = session.run(waitingForTheStore: waitsForTheStore) { reporter.show($0) }
            let ended = !session.claimLost && session.recordMissing == nil && (report.allFinished || report.results.contains {
                if case .diverged = $0.status { true } else { false }
            })
            // A lost claim was said once, by the recorder (StoreError.claimLost).
            if !session.claimLost, let missing = session.recordMissing {
                reporter.warn("mimic: Run \(session.runID!) is recorded in \(store.location) only in part (\(missing)); "
                    + "'mimic sweep resume \(sweep.id)' trains again what the store lacks.")
            }
            if ended { outcome.finished += 1 } else { outcome.givenUp += 1 }
            outcome.trainingSeconds += report.wallTime
            outcome.recordingSeconds += session.recordingSeconds ?? 0
            try? store.agentEnded(agent, training: ended)
        } catch let error as StoreError where error.lostClaim {
            reporter.say("training \(k + 1): \(error.message)")
            outcome.givenUp += 1
            try? store.agentEnded(agent, training: false)
        } catch {
            // Counted in the queue: offered again after a wait (maybe to an agent that has
            // what this one lacks), and failed for good after its attempts.
            outcome.problems += 1
            reporter.warn("mimic: training \(k + 1) of sweep \(sweep.id) did not start: \(error)")
            try? store.failSweepTraining(claim.slot, generation: claim.generation, reason: "\(error)")
            try? store.agentEnded(agent, training: false)
        }
    }
}
