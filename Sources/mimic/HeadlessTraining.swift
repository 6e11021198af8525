import ArgumentParser
import MimicEngine
import MimicSession

/// Trains a run session in this process and prints it, as `mimic train` and
/// `mimic resume` both do: progress lines (or JSON lines) as it goes, then the final
/// table. Ctrl-C stops after the current step and still prints the table.
enum HeadlessTraining {
    /// Exits 130 after Ctrl-C, 1 when a model diverged or could not be saved.
    static func run(_ session: RunSession, jsonl: Bool) throws {
        let interrupts = InterruptHandler(control: session.control)
        let printer: any EventPrinter = jsonl ? JSONLinesPrinter() : ProgressPrinter()
        let report = session.run { printer.print($0) }
        if !jsonl {
            writeLine("")
            writeLine(ReportTable(report).text)
            // Failures go to standard error, as every other failure does, so a script that
            // keeps only the report still sees why the exit code is 1.
            for result in report.results {
                if case let .diverged(message) = result.status { writeErrorLine("mimic: \(message)") }
                if let error = result.checkpointError { writeErrorLine("mimic: \(error)") }
            }
            if let runID = session.runID, let seconds = session.recordingSeconds, session.recordMissing == nil {
                // What recording cost the training thread, so that it can be checked on any machine.
                writeLine(String(format: "\nrecorded as run %lld (writing it took %.3fs of the run's %.1fs): 'mimic show %lld' prints it again",
                                 runID, seconds, report.wallTime, runID))
            }
        }
        // A run the store could not take whole is said so, never "recorded", and fails
        // the command, so that a script notices; the table above holds the results.
        if let runID = session.runID, let missing = session.recordMissing, let store = session.storeLocation {
            // A file fails when its disk is full; a server when it is gone.
            let onServer = if case .postgres? = session.storeAddress { true } else { false }
            // The run is not done (see RunRecorder.writeEndWithoutPoints): a resume trains
            // again what the store lacks, so nothing computed is lost for good.
            let fix = (onServer ? "once the server takes connections again, " : "free space there, then ")
                + "'mimic resume \(runID)' records the rest, training again any model whose points are missing"
            writeErrorLine("mimic: Run \(runID) is recorded in \(store) only in part (\(missing)); \(fix).")
        }
        if interrupts.interrupted { throw ExitCode(interrupts.exitCode) }
        let failed = report.results.contains {
            if case .diverged = $0.status { return true }
            return $0.checkpointError != nil
        }
        if failed || session.recordMissing != nil { throw ExitCode.failure }
    }
}
