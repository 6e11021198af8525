import ArgumentParser
import Foundation
import MimicEngine

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

            Examples:
              mimic train
              mimic train --labeled 0.05 --student cnn-s --student mlp-256 --baselines
              mimic train --data ~/cifar-10-batches-bin --student cnn-s --save runs/c10
              mimic train --jsonl > events.jsonl
            """)

    @OptionGroup var options: ExperimentOptions

    @Flag(help: "Print one JSON object per event instead of readable lines.")
    var jsonl = false

    func run() throws {
        let config = options.config
        let experiment = reportingErrors {
            try config.validate()
            let dataSet = try DataSet.load(from: config.dataDirectory)
            return try Experiment(config: config, dataSet: dataSet)
        }
        let control = TrainingControl()
        let interrupts = InterruptHandler(control: control)
        let printer: any EventPrinter = jsonl ? JSONLinesPrinter() : ProgressPrinter()
        let report = experiment.run(control: control) { printer.print($0) }
        if !jsonl {
            writeLine("")
            writeLine(ReportTable(report).text)
            for result in report.results {
                if case let .diverged(message) = result.status { writeLine("\nmimic: \(message)") }
                if let error = result.checkpointError { writeLine("\nmimic: \(error)") }
            }
        }
        if interrupts.interrupted { throw ExitCode(130) }
        let failed = report.results.contains {
            if case .diverged = $0.status { return true }
            return $0.checkpointError != nil
        }
        if failed { throw ExitCode.failure }
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
