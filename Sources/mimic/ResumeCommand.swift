import ArgumentParser
import Foundation
import MimicEngine
import MimicSession
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
            interrupted process wrote after that checkpoint are replaced; a model whose
            points the store lacks, because its process could not write them, trains again
            from its first epoch, and says so), and its final
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

    @Option(parsing: .unconditional, help: "Threads the engine uses (default: as the run was started). The result is the same only with the same count.")
    var threads: Int?

    /// The run folder's lock the --detach parent handed down, an open descriptor.
    @Option(help: .hidden)
    var lockFD: Int32?

    func run() throws {
        let (store, id) = try storeOptions.openRun(runID)
        if detach { return try startDetached(store: store, runID: id) }
        let session = try RunSession.resume(id, store: store, threads: threads, lockDescriptor: lockFD)
        let plan = session.experiment.plan
        if jsonl {
            JSONLinesPrinter.printResumed(run: id, store: store.location)
        } else {
            writeLine("run \(id), resumed in \(store.location): \(Self.whereItPicksUp(plan))")
        }
        try HeadlessTraining.run(session, jsonl: jsonl)
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

    /// Starts `mimic resume` again in the background for run `runID`, hands it the run
    /// folder's lock, claims the run for it, and returns at once.
    private func startDetached(store: RunStore, runID id: Int64) throws {
        if let threads {
            var config = ExperimentConfig()
            config.threads = threads
            try config.validate()
        }
        let (run, pid): (RunRecord, pid_t)
        do {
            (run, pid) = try RunSession.detachResume(id, store: store) { lock, log in
                var arguments = ["resume", String(id), "--store", store.location, "--lock-fd", String(lock)]
                if jsonl { arguments.append("--jsonl") }
                if let threads { arguments += ["--threads", String(threads)] }
                return try DetachedTraining.spawn(arguments: arguments, log: log, store: store)
            }
        } catch let error as ReportableError {
            throw error
        } catch {
            throw UsageError("The background resume of run \(id) could not start (\(error)); run 'mimic resume \(id)' without --detach.")
        }
        DetachedTraining.announce(run: run.id, pid: pid, log: run.logPath ?? "its run folder", verb: "resuming")
    }
}
