import Foundation
import MimicEngine

/// One JSON object per event on its own line, for scripts and other tools.
/// Every object has an "event" key; numbers stay numbers.
struct JSONLinesPrinter: EventPrinter {
    func print(_ event: TrainingEvent) {
        Self.write(Self.object(for: event))
    }

    /// The first line of a recorded run: which run of which store holds it.
    static func printRecorded(run: Int64, store: String) {
        write(["event": "run_recorded", "run": run, "store": store])
    }

    /// The first line of a resumed run.
    static func printResumed(run: Int64, store: String) {
        write(["event": "run_resumed", "run": run, "store": store])
    }

    private static func write(_ object: [String: Any]) {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]),
              let line = String(data: data, encoding: .utf8) else { return }
        writeLine(line)
    }

    static func object(for event: TrainingEvent) -> [String: Any] {
        switch event {
        case let .runStarted(plan):
            return [
                "event": "run_started", "data_set": plan.dataSet, "input_shape": plan.inputShape.description,
                "classes": plan.classes, "labeled": plan.split.labeled, "validation": plan.split.validation,
                "unlabeled": plan.split.unlabeled, "test": plan.split.test,
                "labeled_per_class": plan.split.labeledPerClass,
                "models": plan.models.map {
                    model($0.id).merging([
                        "parameters": $0.parameters, "forward_flops_per_sample": $0.forwardFLOPsPerSample,
                        "epochs": $0.epochs,
                    ]) { $1 }
                },
            ]
        case let .phaseStarted(phase):
            return ["event": "phase", "phase": phase.description]
        case let .progress(point):
            var object = model(point.model).merging([
                "event": point.isEpochEnd ? "epoch" : "progress",
                "epoch": point.epoch, "epochs": point.epochs, "step": point.step,
                "samples_seen": point.samplesSeen, "training_seconds": point.trainingTime,
                "train_loss": point.trainLoss, "train_accuracy": point.trainAccuracy,
                "samples_per_second": point.samplesPerSecond,
            ]) { $1 }
            if let test = point.test { object.merge(evaluation(test, prefix: "test")) { $1 } }
            if let validation = point.validation { object.merge(evaluation(validation, prefix: "validation")) { $1 } }
            return object
        case let .annotated(samples, seconds):
            return ["event": "annotated", "samples": samples, "seconds": seconds]
        case let .modelFinished(result):
            return ["event": "model_finished"].merging(self.result(result)) { $1 }
        case .paused:
            return ["event": "paused"]
        case .resumed:
            return ["event": "resumed"]
        case let .runFinished(report):
            return [
                "event": "run_finished", "wall_seconds": report.wallTime,
                "models": report.results.map { result in
                    var object = self.result(result)
                    if let delta = report.accuracyDeltaToMentor(result) { object["delta_mentor"] = delta }
                    if let delta = report.accuracyDeltaToBaseline(result) { object["delta_baseline"] = delta }
                    return object
                },
            ]
        }
    }

    private static func model(_ id: ModelID) -> [String: Any] {
        ["model": id.name, "role": id.role.rawValue, "index": id.index, "spec": id.spec]
    }

    private static func evaluation(_ evaluation: Evaluation, prefix: String) -> [String: Any] {
        var object: [String: Any] = ["\(prefix)_loss": evaluation.loss, "\(prefix)_accuracy": evaluation.accuracy]
        if let agreement = evaluation.agreement { object["\(prefix)_agreement"] = agreement }
        return object
    }

    private static func result(_ result: ModelResult) -> [String: Any] {
        var object = model(result.id).merging([
            "status": result.status.description, "parameters": result.parameters,
            "epochs_completed": result.epochsCompleted, "training_seconds": result.trainingTime,
        ]) { $1 }
        if let test = result.test { object.merge(evaluation(test, prefix: "test")) { $1 } }
        if let parity = result.timeToParity { object["parity_seconds"] = parity }
        if let path = result.checkpoint { object["checkpoint"] = path }
        switch result.status {
        case let .diverged(message), let .skipped(message): object["message"] = message
        case .finished, .stopped: break
        }
        if let error = result.checkpointError { object["checkpoint_error"] = error }
        return object
    }
}
