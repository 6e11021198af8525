import ArgumentParser
import Foundation
import MimicChildProcess
import MimicEngine
import MimicSession
import MimicStore
import MimicSweep

/// Trains what is left of a sweep on this machine. Each worker (this process, and with
/// `workers` > 1 as many more started beside it) is a `SweepQueueWorker`: it claims the
/// next training from the store's queue, as agents on other machines do, so workers
/// and agents may train one sweep together and never train a training twice.
enum SweepRunner {
    /// Runs the sweep with `workers` processes, then prints its grid. Exits 130 after
    /// Ctrl-C and 1 when a training is not done.
    static func run(_ sweep: SweepRecord, store: RunStore, workers: Int) throws {
        var children: [ChildProcess] = []
        for worker in 1..<max(1, workers) {
            let log = logPath(of: sweep.id, worker: worker, store: store)
            do {
                children.append(try ChildProcess.start(
                    DetachedTraining.executable,
                    ["sweep", "resume", String(sweep.id), "--store", store.location, "--worker"],
                    output: .file(log), error: .standardOutput, environment: DetachedTraining.environment(for: store)))
                writeLine("worker \(worker + 1) of \(workers): process \(children.last!.pid), its output in \(log)")
            } catch {
                FileHandle.standardError.write(Data("mimic: worker \(worker + 1) of sweep \(sweep.id) could not start (\(error)); the others go on.\n".utf8))
            }
        }
        let interrupts = InterruptHandler()
        let pass = work(sweep, store: store, interrupts: interrupts)
        for child in children { _ = child.wait() }

        writeLine("")
        let runs = reportingErrors { () throws -> [RunRecord] in try store.runs(sweep: sweep.id) }
        writeLine(reportingErrors { try SweepPrinter.results(of: sweep, runs: runs, store: store) }.text)
        let unfinished = sweep.trainings.indices.contains { k in runs.first { $0.slot?.training == k }?.status != .done }
        if unfinished {
            writeLine("\nsweep \(sweep.id) is not complete; 'mimic sweep resume \(sweep.id)' goes on where it stopped")
        }
        if let cost = pass.costLine { writeLine("\n" + cost) }
        if interrupts.interrupted { throw ExitCode(130) }
        if pass.problems > 0 || unfinished { throw ExitCode.failure }
    }

    static func check(workers: Int) throws(UsageError) {
        guard (1...64).contains(workers) else { throw UsageError("--workers \(workers) is out of range; pass 1 to 64.") }
    }

    /// Where worker `worker` (1-based, this process being 0) of a sweep writes its output.
    static func logPath(of sweep: Int64, worker: Int, store: RunStore) -> String {
        let folder = ((store.folder as NSString).appendingPathComponent("sweeps") as NSString).appendingPathComponent(String(sweep))
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return (folder as NSString).appendingPathComponent("worker-\(worker + 1).log")
    }

    /// One worker's pass: registered among the sweep's agents, it takes trainings from
    /// the sweep's queue until none is left (`SweepQueueWorker`).
    static func work(_ sweep: SweepRecord, store: RunStore, interrupts: InterruptHandler) -> SweepQueueWorker.Outcome {
        let agent = reportingErrors { () throws -> Int64 in try store.registerAgent(sweep: sweep.id) }
        let worker = SweepQueueWorker(sweep: sweep, store: store, agent: agent, grace: TrainerLiveness.staleAfter, takesUpDeadRunsHere: true)
        return worker.work(interrupts: interrupts)
    }
}
