import MimicEngine

/// How long a training will take on this machine, from its models' floating-point work
/// and a training rate measured here.
public struct SweepEstimate: Sendable {
    /// Floating-point operations per second that training reaches here.
    public let rate: Double
    /// Where the rate comes from, for a person ("12 models in the run store").
    public let source: String

    public init(rate: Double, source: String) {
        self.rate = rate
        self.source = source
    }

    /// Seconds `config` takes on `dataSet`: every model's epochs over its samples, its
    /// test evaluation after each epoch, and the mentor's annotation of the pool.
    public func seconds(_ config: ExperimentConfig, dataSet: DataSet) throws -> Double {
        let split = try DataSplit(dataSet: dataSet, labeledFraction: config.labeledFraction,
                                  validationFraction: config.validationFraction, seed: config.seed,
                                  needsPool: !config.students.isEmpty)
        func forward(_ spec: String) throws -> Double {
            Double(try Network(spec: ArchitectureSpec(spec), input: dataSet.train.shape, classes: dataSet.classCount,
                               random: SeededRandom(seed: 0)).forwardFLOPsPerSample)
        }
        let labeled = Double(split.labeled.count), unlabeled = Double(split.unlabeled.count), test = Double(split.test.count)
        let evaluated = test + Double(split.validation.count)
        var flops = 0.0
        let mentor = try forward(config.mentor)
        if config.mentorCheckpoint == nil {
            flops += Double(config.epochs) * (labeled * Double(Network.passesPerTrainingStep) + evaluated) * mentor
        }
        flops += unlabeled * mentor
        for student in config.students {
            let cost = try forward(student)
            flops += Double(config.studentEpochs) * (unlabeled * Double(Network.passesPerTrainingStep) + test) * cost
            if config.baselines { flops += Double(config.epochs) * (labeled * Double(Network.passesPerTrainingStep) + evaluated) * cost }
        }
        return flops / rate
    }
}
