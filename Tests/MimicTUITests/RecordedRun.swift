import MimicEngine
import MimicTestSupport
import MimicTUI

/// The events of one real run on synthetic data, recorded once: the reducer and the
/// renderer are tested against what the engine really sends, not a hand-made guess.
enum RecordedRun {
    static let dataSet = SyntheticData.make(train: 600, test: 200, classes: 4)

    static let config: ExperimentConfig = {
        var config = ExperimentConfig()
        config.dataDirectory = "/nonexistent"
        config.labeledFraction = 0.2
        config.mentor = "fc32"
        config.students = ["fc16", "linear"]
        config.epochs = 3
        config.studentEpochs = 2
        config.batchSize = 16
        config.learningRate = 0.01
        config.threads = 1
        return config
    }()

    static let events: [TrainingEvent] = {
        let experiment = try! Experiment(config: config, dataSet: dataSet)
        var events: [TrainingEvent] = []
        _ = experiment.run { events.append($0) }
        return events
    }()
}
