import Foundation
import MimicEngine
import MimicStore
import MimicTUI

/// A real run on Fashion-MNIST, as `mimic watch 1` reads it back from the store once it
/// has ended: the curves the dashboard exists for, on the data it is for. Recorded
/// with the release build and the dashboard's default models and loss, fewer epochs:
///
///     mimic train --data /usr/share/datasets/fashion-mnist --epochs 5 --student-epochs 4 --seed 1
///     mimic export 1 --csv Fixtures/fashion-mnist-run.csv
///
/// The CSV holds every metric the run recorded; what it lacks (split sizes, parameter
/// and FLOP counts, the wall time) is copied below from `mimic export 1 --json`.
enum FashionMNISTRun {
    static let config: ExperimentConfig = {
        var config = ExperimentConfig()
        config.dataDirectory = "/usr/share/datasets/fashion-mnist"
        config.epochs = 5
        config.studentEpochs = 4
        config.seed = 1
        return config
    }()

    static let wallSeconds = 186.30095717
    static let split = SplitSizes(labeled: 6_000, validation: 0, unlabeled: 54_000, test: 10_000, labeledPerClass: [])
    static let models: [RunPlan.Model] = [
        RunPlan.Model(id: ModelID(role: .mentor, index: 1, spec: "cnn-l"), parameters: 421_642,
                      forwardFLOPsPerSample: 8_482_304, epochs: 5, epochsCompleted: 0),
        RunPlan.Model(id: ModelID(role: .student, index: 1, spec: "cnn-s"), parameters: 105_866,
                      forwardFLOPsPerSample: 2_234_112, epochs: 4, epochsCompleted: 0),
        RunPlan.Model(id: ModelID(role: .student, index: 2, spec: "mlp-256"), parameters: 203_530,
                      forwardFLOPsPerSample: 406_528, epochs: 4, epochsCompleted: 0),
    ]

    struct Row {
        var model: String
        var step: Int
        var epoch: Int
        var samplesSeen: Int
        var trainingSeconds: Double
        var metric: String
        var value: Double
    }

    /// The CSV's rows, in the order the store returned them.
    static let rows: [Row] = {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/fashion-mnist-run.csv")
        let text = try! String(contentsOf: file, encoding: .utf8)
        return text.split(separator: "\n").dropFirst().map { line in
            // run,model,role,index,spec,step,epoch,samples_seen,training_seconds,wall_seconds,metric,value
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return Row(model: f[1], step: Int(f[5])!, epoch: Int(f[6])!, samplesSeen: Int(f[7])!,
                       trainingSeconds: Double(f[8])!, metric: f[10], value: Double(f[11])!)
        }
    }()

    /// Each model's progress points: the rows of one step, as the store's reader groups them.
    static func progress(of model: RunPlan.Model) -> [TrainingProgress] {
        let own = rows.filter { $0.model == model.id.name }
        var points: [TrainingProgress] = []
        var index = 0
        while index < own.count {
            let first = own[index]
            var values: [String: Double] = [:]
            while index < own.count, own[index].step == first.step, own[index].samplesSeen == first.samplesSeen {
                values[own[index].metric] = own[index].value
                index += 1
            }
            let test = values["test_loss"].map {
                Evaluation(loss: $0, accuracy: values["test_accuracy"]!, agreement: values["test_agreement"])
            }
            points.append(TrainingProgress(
                model: model.id, epoch: first.epoch, epochs: model.epochs, step: first.step, samplesSeen: first.samplesSeen,
                trainingTime: first.trainingSeconds, trainLoss: values["train_loss"]!, trainAccuracy: values["train_accuracy"]!,
                samplesPerSecond: values["samples_per_second"] ?? 0, test: test, validation: nil))
        }
        return points
    }

    /// The events the store's reader sends for the finished run, in its order.
    static let events: [TrainingEvent] = {
        var events: [TrainingEvent] = [.runStarted(RunPlan(dataSet: "fashion-mnist", inputShape: SampleShape(channels: 1, height: 28, width: 28),
                                                           classes: 10, split: split, models: models))]
        var results: [ModelResult] = []
        var mentorAccuracy: Double?
        for model in models {
            let points = progress(of: model)
            events.append(.phaseStarted(model.id.role == .mentor ? .mentor : .student(index: model.id.index, of: 2)))
            events += points.map(TrainingEvent.progress)
            var result = ModelResult(id: model.id, parameters: model.parameters,
                                     forwardFLOPsPerSample: model.forwardFLOPsPerSample, status: .finished)
            let tests = points.filter { $0.test != nil }
            result.epochsCompleted = tests.count
            result.test = tests.last?.test
            result.trainingTime = points.last?.trainingTime ?? 0
            if let mentorAccuracy {
                result.timeToParity = tests.first { $0.test!.accuracy >= mentorAccuracy }?.trainingTime
            } else {
                mentorAccuracy = result.test?.accuracy
            }
            results.append(result)
            events.append(.modelFinished(result))
        }
        events.append(.phaseStarted(.done))
        events.append(.runFinished(ExperimentReport(dataSet: "fashion-mnist", split: split, config: config,
                                                    results: results, wallTime: wallSeconds)))
        return events
    }()

    /// `mimic watch 1` on the run after it ended, at `width` x `height`.
    static func state(width: Int, height: Int) -> DashboardState {
        var state = DashboardState(config: config, width: width, height: height, themeNames: ["dark", "light"])
        _ = DashboardReducer.reduce(&state, .startedWatching(WatchedRun(id: 1, status: .done), config: config,
                                                             startedAt: -wallSeconds - 60))
        _ = DashboardReducer.reduce(&state, .tick(now: 0))
        for event in events { _ = DashboardReducer.reduce(&state, .engine(event)) }
        _ = DashboardReducer.reduce(&state, .watchedStatus(.done, wallSeconds: wallSeconds))
        return state
    }
}
