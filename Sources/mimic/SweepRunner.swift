import ArgumentParser
import Foundation
import MimicChildProcess
import MimicEngine
import MimicSession
import MimicStore
import MimicSweep

/// Trains what is left of a sweep. Each worker (this process, and with `workers` > 1
/// as many more started beside it) takes the trainings in order: one that no run
/// answers yet it starts, one cut short (interrupted or stopped) it resumes, and one
/// done, failed or training elsewhere it leaves. Starting and resuming are atomic in
/// the store, so two workers never train the same training; the one refused moves on.
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

    /// What one worker's pass did, and where its time went.
    struct Pass {
        var problems = 0
        var trainings = 0
        /// Wall time of the pass, from its first look at the store to its last.
        var seconds = 0.0
        /// Wall time inside the trainings' own work (their reports' wall time).
        var trainingSeconds = 0.0
        /// Time the trainings' recorders took of their training threads.
        var recordingSeconds = 0.0

        /// What the sweep machinery and the store cost this worker, so that it can be
        /// checked on any machine; nil when it trained nothing.
        var costLine: String? {
            guard trainings > 0, seconds > 0 else { return nil }
            let outside = max(0, seconds - trainingSeconds)
            return String(format: "this worker trained %d training%@ in %.1fs: %.1fs outside them (%.1f%%: loading data, the sweep's bookkeeping), "
                          + "%.3fs recording them (%.2f%%)",
                          trainings, trainings == 1 ? "" : "s", seconds, outside, 100 * outside / seconds,
                          recordingSeconds, 100 * recordingSeconds / seconds)
        }
    }

    /// One worker's pass over the trainings.
    static func work(_ sweep: SweepRecord, store: RunStore, interrupts: InterruptHandler) -> Pass {
        let printer = ProgressPrinter()
        var dataSets: [String: DataSet] = [:]
        var pass = Pass()
        let started = ContinuousClock.now
        for (k, config) in sweep.trainings.enumerated() where !interrupts.interrupted {
            let slot = SweepSlot(sweep: sweep.id, training: k)
            let title = "== training \(k + 1) of \(sweep.trainings.count): \(SweepField.describe(config, among: sweep.trainings))"
            var earlier: RunRecord?
            do {
                // A worker that was killed left its run `running`; this finds it out.
                try store.markInterruptedRuns()
                earlier = try store.runs(sweep: sweep.id).first { $0.slot == slot }
                switch earlier?.status {
                case .running?, .done?, .failed?: continue
                default: break
                }
                if dataSets[config.dataDirectory] == nil { dataSets[config.dataDirectory] = try DataSet.load(from: config.dataDirectory) }
                let dataSet = dataSets[config.dataDirectory]!
                let session = try earlier.map { try RunSession.resume($0.id, store: store, dataSet: dataSet) }
                    ?? RunSession.start(config, dataSet: dataSet, store: store, programVersion: MimicVersion.current, slot: slot)
                writeLine(title + ", run \(session.runID!)" + (earlier == nil ? "" : ", resumed"))
                interrupts.stops(session.control)
                let report = session.run { printer.print($0) }
                pass.trainings += 1
                pass.trainingSeconds += report.wallTime
                pass.recordingSeconds += session.recordingSeconds ?? 0
            } catch {
                // Another worker took it between the look and the start: not a problem.
                let now = try? store.runs(sweep: sweep.id).first { $0.slot == slot }
                if let now, now.id != earlier?.id || now.status == .running { continue }
                pass.problems += 1
                FileHandle.standardError.write(Data("mimic: training \(k + 1) of sweep \(sweep.id) did not start: \(error)\n".utf8))
            }
        }
        pass.seconds = (ContinuousClock.now - started).seconds
        return pass
    }
}
