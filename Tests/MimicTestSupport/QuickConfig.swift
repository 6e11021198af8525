import MimicEngine

/// A run that takes well under a second on the synthetic data (`SyntheticData`): the
/// one configuration the store, session and command tests train.
public func quickConfig() -> ExperimentConfig {
    var config = ExperimentConfig()
    config.dataDirectory = "/nonexistent/synthetic"
    config.labeledFraction = 0.2
    config.mentor = "fc32"
    config.students = ["fc16", "linear"]
    config.epochs = 3
    config.studentEpochs = 2
    config.batchSize = 32
    config.learningRate = 0.003
    config.threads = 1
    return config
}
