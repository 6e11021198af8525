import ArgumentParser
import Foundation
import MimicEngine
import MimicStore

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Run a DeepMimic experiment headless: mentor, annotation, students, report.",
        discussion: """
            Prints a line per epoch of every model, then the final table: each model's
            role, spec, parameters, training time, test accuracy and loss, agreement with
            the mentor on the test set, and time-to-parity (the training time at which a
            student's test accuracy first reached the mentor's). Ctrl-C stops after the
            current step and still prints the table; a second Ctrl-C quits at once.
            The run is recorded in the run store as it trains ('mimic runs' lists it),
            and its checkpoints go to its folder beside the store unless --save says
            where. --detach trains in the background and returns at once.
            Examples:
              mimic train
              mimic train --labeled 0.05 --student cnn-s --student mlp-256 --baselines
              mimic train --data ~/cifar-10-batches-bin --student cnn-s --save runs/c10
              mimic train --jsonl > events.jsonl
              mimic train --detach --epochs 30
            """)

    @OptionGroup var options: ExperimentOptions

    @Flag(help: "Print one JSON object per event instead of readable lines.")
    var jsonl = false

    @OptionGroup var storeOptions: StoreOptions

    @Flag(help: "Do not record this run in the run store.")
    var noStore = false

    @Flag(help: "Train in the background, in a session of its own, logging to the run's folder; print the run id and return.")
    var detach = false

    /// The run a --detach parent recorded for this process to train.
    @Option(help: .hidden)
    var runID: Int64?

    func validate() throws {
        if noStore && (detach || runID != nil) {
            throw ValidationError("--detach records the run in the store, so it cannot go with --no-store; drop one of them.")
        }
    }

    func run() throws {
        let config = options.config
        reportingErrors { try config.validate() }
        if detach { return startDetached(config) }
        let store = noStore ? nil : storeOptions.open()

        var run: RunRecord?
        let experiment: Experiment
        do {
            if let store, let runID { run = try store.claimRun(runID) }
            let dataSet = try DataSet.load(from: config.dataDirectory)
            if let store, run == nil { run = try store.createRun(config: config, programVersion: MimicVersion.current) }
            experiment = try Experiment(config: run?.config ?? config, dataSet: dataSet)
        } catch {
            if let store, let run {
                // A detached run is already listed: it failed. A run started here has
                // trained nothing and is better forgotten.
                if runID != nil {
                    try? store.endRun(run.id, status: .failed, message: "\(error)")
                } else {
                    try? store.deleteRun(run.id)
                }
            }
            exitWithError(error)
        }

        let recorder = run.map { RunRecorder(store: store!, runID: $0.id) }
        if let run, let store {
            if jsonl {
                JSONLinesPrinter.printRecorded(run: run.id, store: store.path)
            } else {
                writeLine("run \(run.id), recorded in \(store.path)")
            }
        }
        try HeadlessTraining.run(experiment, recordedAs: run?.id, recorder: recorder, store: store, jsonl: jsonl)
    }

    /// Records the run, starts this command again in the background to train it,
    /// and returns at once. Only what fails in a second is checked here (the options,
    /// the store, the data folder); anything later is in the run's log and status.
    private func startDetached(_ config: ExperimentConfig) {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: config.dataDirectory, isDirectory: &isFolder), isFolder.boolValue else {
            exitWithError(DataError.folderMissing(path: config.dataDirectory))
        }
        let store = storeOptions.open()
        let run = reportingErrors { () throws -> RunRecord in try store.createRun(config: config, programVersion: MimicVersion.current) }
        let log = store.logPath(run.id)
        let arguments = DetachedTraining.childArguments(Array(CommandLine.arguments.dropFirst()), storePath: store.path, runID: run.id)
        let pid: pid_t
        do {
            pid = try DetachedTraining.spawn(arguments: arguments, log: log)
        } catch {
            try? store.endRun(run.id, status: .failed, message: "The background process could not start: \(error).")
            exitWithError(UsageError("The background training of run \(run.id) could not start (\(error)); run 'mimic train' without --detach."))
        }
        // The child claims the run itself too; saying it here closes the moment in
        // which this process has exited and the child has not yet started.
        try? store.setProcess(of: run.id, pid: pid)
        writeLine("run \(run.id) is training in the background (process \(pid)); its output goes to \(log)")
        writeLine("follow it with 'tail -f \(log)'; 'mimic show \(run.id)' prints it, 'kill \(pid)' stops it")
    }
}

/// The first Ctrl-C (or SIGTERM) asks the training to stop at the next step, so the
/// report of what is done still prints; a second one quits at once.
final class InterruptHandler: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private let lock = NSLock()
    private var count = 0

    init(control: TrainingControl) {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [weak self] in
                guard let self else { return }
                self.lock.lock()
                self.count += 1
                let first = self.count == 1
                self.lock.unlock()
                if first {
                    FileHandle.standardError.write(Data("\nmimic: stopping after the current step; press Ctrl-C again to quit now.\n".utf8))
                    control.stop()
                } else {
                    Foundation.exit(130)
                }
            }
            source.resume()
            sources.append(source)
        }
    }

    var interrupted: Bool {
        lock.lock()
        defer { lock.unlock() }
        return count > 0
    }
}
