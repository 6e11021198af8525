extension ExperimentConfig {
    /// The options of `mimic train` that repeat this configuration, as (flag, value)
    /// pairs in the order --help lists them; a value of nil is a flag without one.
    /// `--threads` is left out: it says how fast, not what. Sweeps name their
    /// trainings by the options in which they differ.
    public var trainOptions: [(flag: String, value: String?)] {
        var pairs: [(String, String?)] = [("--data", dataDirectory), ("--labeled", "\(labeledFraction)")]
        if validationFraction > 0 { pairs.append(("--validation", "\(validationFraction)")) }
        if let mentorCheckpoint {
            pairs.append(("--mentor-checkpoint", mentorCheckpoint))
        } else {
            pairs.append(("--mentor", mentor))
        }
        pairs += students.map { ("--student", $0) }
        pairs += [
            ("--loss", loss.rawValue), ("--temperature", "\(temperature)"),
            ("--epochs", "\(epochs)"), ("--student-epochs", "\(studentEpochs)"),
            ("--batch", "\(batchSize)"), ("--seed", "\(seed)"),
            ("--optimizer", optimizer.rawValue), ("--lr", "\(learningRate)"),
            ("--student-lr", "\(studentLearningRate)"), ("--momentum", "\(momentum)"),
            ("--weight-decay", "\(weightDecay)"), ("--schedule", schedule.rawValue),
        ]
        if let augmentation { pairs.append(("--augment", augmentation.description)) }
        if baselines { pairs.append(("--baselines", nil)) }
        return pairs
    }
}
