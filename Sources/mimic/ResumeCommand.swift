import ArgumentParser
import Foundation
import MimicEngine
import MimicStore

struct ResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Continue a run that did not finish (killed, crashed or stopped) from its last epoch checkpoints.",
        discussion: """
            The run goes on in the same run of the store, with the configuration it was
            started with: the models that ended are reported as they were, the model that
            was training picks up after its last completed epoch, the rest train as
            usual. Its curves go on where its last checkpoint left them (the points the
            interrupted process wrote after that checkpoint are replaced), and its final
            results are those of the same run trained without a stop. Prints what
            'mimic train' prints; --detach resumes in the background.
            Examples:
              mimic resume last
              mimic resume 12 --detach
            """)

    @Argument(help: ArgumentHelp("A run id from 'mimic runs', or 'last'.", valueName: "run"))
    var runID: String

    @OptionGroup var storeOptions: StoreOptions

    @Flag(help: "Print one JSON object per event instead of readable lines.")
    var jsonl = false

    @Flag(help: "Resume in the background, in a session of its own, logging to the run's folder; print the process and return.")
    var detach = false

    @Option(help: "Threads the engine uses (default: as the run was started). The result is the same only with the same count.")
    var threads: Int?

    func run() throws {
        let (store, id) = storeOptions.openRun(runID)
        let stored = reportingErrors { () throws -> RunRecord in try store.resumableRun(id) }
        var config = stored.config
        if let threads { config.threads = threads }
        reportingErrors { try config.validate() }
        if detach { return startDetached(store: store, runID: id) }

        let experiment: Experiment
        do {
            let dataSet = try DataSet.load(from: config.dataDirectory)
            experiment = try Experiment(config: config, dataSet: dataSet, resuming: true)
        } catch {
            // A detached resume is claimed for this process before it starts: give the
            // run back, with the reason, rather than leave it to look killed.
            if let run = try? store.run(id), run.status == .running, run.pid == getpid() {
                try? store.endRun(id, status: .interrupted, message: "'mimic resume' could not go on with it: \(error)")
            }
            exitWithError(error)
        }
        // Claimed only now, after everything that could refuse the resume (the data, the
        // run folder and its lock): a resume that cannot start leaves the run as it was.
        reportingErrors { () throws in _ = try store.claimForResume(id) }
        let plan = experiment.plan
        let rewind = reportingErrors { () throws -> RunStore.Rewind in try store.rewindRun(id, to: plan) }
        let recorder = RunRecorder(store: store, runID: id, wallSecondsBefore: rewind.wallSeconds)

        if jsonl {
            JSONLinesPrinter.printResumed(run: id, store: store.path)
        } else {
            writeLine("run \(id), resumed in \(store.path): \(Self.whereItPicksUp(plan))")
        }
        try HeadlessTraining.run(experiment, recordedAs: id, recorder: recorder, store: store, jsonl: jsonl)
    }

    /// "mentor 3/3 epochs, student 1 1/2 epochs, the rest from their first epoch".
    static func whereItPicksUp(_ plan: RunPlan) -> String {
        let started = plan.models.filter { $0.epochsCompleted > 0 }
        let rest = plan.models.count - started.count
        var parts = started.map { "\($0.id.name) \($0.epochsCompleted)/\($0.epochs) epochs" }
        if rest > 0 {
            parts.append(started.isEmpty ? "every model from its first epoch" : "the rest from their first epoch")
        }
        return parts.joined(separator: ", ")
    }

    /// Starts `mimic resume` again in the background for run `runID`, claims the run
    /// for it, and returns at once.
    private func startDetached(store: RunStore, runID id: Int64) {
        let log = store.logPath(id)
        var arguments = ["resume", String(id), "--store", store.path]
        if jsonl { arguments.append("--jsonl") }
        if let threads { arguments += ["--threads", String(threads)] }
        let pid: pid_t
        do {
            pid = try DetachedTraining.spawn(arguments: arguments, log: log)
        } catch {
            exitWithError(UsageError("The background resume of run \(id) could not start (\(error)); run 'mimic resume \(id)' without --detach."))
        }
        // Claimed here too, so the run shows as running from now on, not only once the
        // child has loaded its data; the child finds it claimed for itself and goes on.
        reportingErrors { () throws in _ = try store.claimForResume(id, pid: pid) }
        writeLine("run \(id) is resuming in the background (process \(pid)); its output goes to \(log)")
        writeLine("follow it with 'tail -f \(log)'; 'mimic show \(id)' prints it, 'kill \(pid)' stops it")
    }
}
