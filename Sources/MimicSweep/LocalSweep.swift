import Foundation
import MimicChildProcess
import MimicEngine
import MimicStore

/// Trains what is left of a sweep on this machine. Each worker (this process, and with
/// `workers` > 1 as many more started beside it) is a `SweepQueueWorker`: it claims the
/// next training from the store's queue, as agents on other machines do, so workers
/// and agents may train one sweep together and never train a training twice.
public struct LocalSweep {
    public let sweep: SweepRecord
    public let store: RunStore
    public let workers: Int
    /// This program, started again for each worker beyond the first as
    /// `mimic sweep resume ID --store STORE --worker`.
    public let executable: String
    public let programVersion: String
    public let reporter: any SweepReporter

    public init(sweep: SweepRecord, store: RunStore, workers: Int, executable: String, programVersion: String,
                reporter: any SweepReporter) {
        self.sweep = sweep
        self.store = store
        self.workers = workers
        self.executable = executable
        self.programVersion = programVersion
        self.reporter = reporter
    }

    /// What the sweep's workers did, and where the sweep stands after them.
    public struct Outcome: Sendable {
        /// This process's own pass.
        public let pass: SweepQueueWorker.Outcome
        /// The sweep's trainings as the store has them once every worker ended; nil when
        /// the store cannot be read now (a PostgreSQL server still away).
        public let standing: SweepStanding?
    }

    /// Starts the other workers, works beside them, and waits for them.
    public func train(stops: any StopRequest) throws -> Outcome {
        // More processes than trainings left would only wait for the queue to empty.
        let left = max(1, try store.sweepTrainingsLeft(sweep.id))
        let count = min(workers, left)
        var children: [ChildProcess] = []
        for worker in 1..<max(1, count) {
            let log = logPath(worker: worker)
            do {
                children.append(try ChildProcess.start(
                    executable, ["sweep", "resume", String(sweep.id), "--store", store.location, "--worker"],
                    // A session of its own: a Ctrl-C at the terminal reaches this process,
                    // which passes it on once; reaching the workers too, it would come twice
                    // and quit them at once instead of stopping them after their step.
                    output: .file(log, append: true), error: .standardOutput, environment: childEnvironment, newSession: true,
                    defaultSignals: true))
                reporter.say("worker \(worker + 1) of \(count): process \(children.last!.pid), its output in \(log)")
            } catch {
                reporter.warn("mimic: worker \(worker + 1) of sweep \(sweep.id) could not start (\(error)); the others go on.")
            }
        }
        // A stop (Ctrl-C, SIGTERM) reaches every worker, so none takes up what another stopped.
        let pids = children.map(\.pid)
        stops.passesOn { signal in for pid in pids { kill(pid, signal) } }
        let pass = Self.work(sweep, store: store, programVersion: programVersion, reporter: reporter, stops: stops)
        for child in children { _ = child.wait() }
        return Outcome(pass: pass, standing: try? SweepStanding(sweep, store: store))
    }

    public static func check(workers: Int) throws(SweepError) {
        guard (1...64).contains(workers) else { throw SweepError("--workers \(workers) is out of range; pass 1 to 64.") }
    }

    /// Where worker `worker` (1-based, this process being 0) writes its output: in a
    /// folder named after the store and the sweep, since two stores in one folder
    /// both have a sweep 1. Appended to, so a resume's workers keep the earlier lines.
    func logPath(worker: Int) -> String {
        let store = switch self.store.address {
        case .sqlite(let path): (path as NSString).lastPathComponent
        case .postgres(let address): address.database
        }
        let folder = ((self.store.folder as NSString).appendingPathComponent("sweeps") as NSString)
            .appendingPathComponent("\(store)-\(sweep.id)")
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return (folder as NSString).appendingPathComponent("worker-\(worker + 1).log")
    }

    /// This process's environment and what a worker needs to open the store (a password
    /// given in its URL); nil when that is nothing.
    var childEnvironment: [String: String]? {
        let added = store.address.childEnvironment
        guard !added.isEmpty else { return nil }
        return ProcessInfo.processInfo.environment.merging(added) { $1 }
    }

    /// One worker's pass: registered among the sweep's agents, it takes trainings from
    /// the sweep's queue until none is left (`SweepQueueWorker`).
    public static func work(_ sweep: SweepRecord, store: RunStore, programVersion: String, reporter: any SweepReporter,
                            stops: any StopRequest) -> SweepQueueWorker.Outcome {
        let agent: Int64
        do {
            agent = try store.registerAgent(sweep: sweep.id)
        } catch {
            reporter.warn("mimic: \(error)")
            var outcome = SweepQueueWorker.Outcome()
            outcome.problems = 1
            return outcome
        }
        let worker = SweepQueueWorker(sweep: sweep, store: store, agent: agent, grace: TrainerLiveness.staleAfter,
                                      takesUpDeadRunsHere: true, programVersion: programVersion, reporter: reporter)
        return worker.work(interrupts: stops)
    }
}

/// A sweep that cannot be run as asked, as one sentence.
public struct SweepError: ReportableError, Equatable {
    public let message: String
    public var description: String { message }
    public init(_ message: String) { self.message = message }
}
