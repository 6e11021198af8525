import ArgumentParser
import Foundation
import MimicEngine
import MimicSession
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

    /// The run folder's lock the --detach parent handed down, an open descriptor.
    @Option(help: .hidden)
    var lockFD: Int32?

    func validate() throws {
        if noStore && (detach || runID != nil) {
            throw ValidationError("--detach records the run in the store, so it cannot go with --no-store; drop one of them.")
        }
        if (runID == nil) != (lockFD == nil) {
            throw ValidationError("--run-id and --lock-fd are for the background process 'mimic train --detach' starts; drop them.")
        }
    }

    func run() throws {
        let config = try options.config()
        if detach { return try startDetached(config) }
        let store = noStore ? nil : try storeOptions.open()

        let session: RunSession
        if let store, let runID, let lockFD {
            session = try RunSession.adopt(runID, lockDescriptor: lockFD, store: store)
        } else {
            let dataSet = try DataSet.load(for: config)
            session = try RunSession.start(config, dataSet: dataSet, store: store, programVersion: MimicVersion.current)
        }
        if let runID = session.runID, let store {
            if jsonl {
                JSONLinesPrinter.printRecorded(run: runID, store: store.location)
            } else {
                writeLine("run \(runID), recorded in \(store.location)")
            }
        }
        try HeadlessTraining.run(session, jsonl: jsonl)
    }

    /// Records the run, starts this command again in the background to train it,
    /// and returns at once. Only what fails in a second is checked here (the options,
    /// the store, the data folder); anything later is in the run's log and status.
    private func startDetached(_ config: ExperimentConfig) throws {
        try DataSet.checkSource(config.dataDirectory)
        if let unlabeled = config.unlabeledDirectory { try DataSet.checkFolder(unlabeled) }
        let store = try storeOptions.open()
        let arguments = Array(CommandLine.arguments.dropFirst())
        let (run, pid): (RunRecord, pid_t)
        do {
            (run, pid) = try RunSession.detach(config, store: store, programVersion: MimicVersion.current) { id, lock, log in
                try DetachedTraining.spawn(
                    arguments: DetachedTraining.childArguments(arguments, storePath: store.location, runID: id, lockDescriptor: lock),
                    log: log, store: store)
            }
        } catch let error as ReportableError {
            throw error
        } catch {
            throw UsageError("The background training could not start (\(error)); run 'mimic train' without --detach.")
        }
        DetachedTraining.announce(run: run.id, pid: pid, log: run.logPath ?? "its run folder", verb: "training")
    }
}
