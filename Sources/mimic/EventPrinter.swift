import Foundation
import MimicEngine
import MimicSweep

protocol EventPrinter {
    func print(_ event: TrainingEvent)
}

/// Readable progress: what each phase trains, then one line per epoch.
struct ProgressPrinter: EventPrinter {
    func print(_ event: TrainingEvent) {
        switch event {
        case let .runStarted(plan):
            let s = plan.split
            writeLine("\(plan.dataSet): \(plan.inputShape) images, \(plan.classes) classes; "
                + "\(s.labeled) labeled, \(s.validation) validation, \(s.unlabeledText), \(s.test) test")
        case let .phaseStarted(phase):
            guard phase != .done else { return }
            writeLine("== \(phase)")
        case let .progress(point):
            guard let test = point.test else { return }
            var line = String(format: "%@  epoch %d/%d  train loss %.4f %@ %.2f%%  test loss %.4f acc %.2f%%",
                              point.model.description, point.epoch, point.epochs, point.trainLoss,
                              point.model.role == .student ? "agree" : "acc", point.trainAccuracy * 100,
                              test.loss, test.accuracy * 100)
            if let agreement = test.agreement { line += String(format: " agree %.2f%%", agreement * 100) }
            if let validation = point.validation { line += String(format: "  val acc %.2f%%", validation.accuracy * 100) }
            line += String(format: "  %.0f samples/s  %.1fs", point.samplesPerSecond, point.trainingTime)
            writeLine(line)
        case let .annotated(samples, seconds):
            writeLine(String(format: "mentor annotated %d unlabeled samples in %.1fs", samples, seconds))
        case let .modelFinished(result):
            switch result.status {
            case .finished, .stopped: break
            case let .diverged(message), let .skipped(message):
                writeLine("\(result.id.description) \(result.status): \(message)")
            }
            if let path = result.checkpoint { writeLine("saved \(path)") }
        case .paused:
            writeLine("paused")
        case .resumed:
            writeLine("resumed")
        case .runFinished:
            break
        }
    }
}

/// A sweep's workers as `mimic sweep`, `sweep resume`, `agent` and `reproduce` print
/// them: progress to standard output, problems to standard error.
struct ConsoleSweepReporter: SweepReporter {
    func say(_ line: String) { writeLine(line) }
    func warn(_ line: String) { writeErrorLine(line) }
    func show(_ event: TrainingEvent) { ProgressPrinter().print(event) }
}
