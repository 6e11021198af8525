import ArgumentParser
import MimicEngine
import MimicStore

/// Trains an experiment in this process and prints it, as `mimic train` and
/// `mimic resume` both do: progress lines (or JSON lines) as it goes, then the final
/// table. Ctrl-C stops after the current step and still prints the table.
enum HeadlessTraining {
    /// Exits 130 after Ctrl-C, 1 when a model diverged or could not be saved.
    static func run(_ experiment: Experiment, recordedAs runID: Int64?, recorder: RunRecorder?, store: RunStore?,
                    jsonl: Bool) throws {
        let control = TrainingControl()
        let interrupts = InterruptHandler(control: control)
        // 'mimic watch' pauses, resumes and stops this run through the store.
        let poller = runID.flatMap { id in store.map { RunControlPoller(store: $0, runID: id, control: control) } }
        defer { poller?.cancel() }
        let printer: any EventPrinter = jsonl ? JSONLinesPrinter() : ProgressPrinter()
        let report = experiment.run(control: control) { event in
            printer.print(event)
            recorder?.record(event)
        }
        if !jsonl {
            writeLine("")
            writeLine(ReportTable(report).text)
            for result in report.results {
                if case let .diverged(message) = result.status { writeLine("\nmimic: \(message)") }
                if let error = result.checkpointError { writeLine("\nmimic: \(error)") }
            }
            if let runID, let recorder {
                // What recording cost the training thread, so that it can be checked on any machine.
                writeLine(String(format: "\nrecorded as run %lld (writing it took %.3fs of the run's %.1fs): 'mimic show %lld' prints it again",
                                 runID, recorder.secondsSpent, report.wallTime, runID))
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
