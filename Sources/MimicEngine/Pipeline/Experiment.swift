import Foundation

/// One DeepMimic run: train the mentor on the labeled part, let it annotate the
/// unlabeled pool, train each student on that annotation alone, optionally train
/// each student's architecture on the labeled part as a baseline, and evaluate
/// every model on the test set as it goes.
public final class Experiment {
    public let config: ExperimentConfig
    public let dataSet: DataSet
    public let split: DataSplit
    let mentorSpec: ArchitectureSpec
    let studentSpecs: [ArchitectureSpec]
    /// A mentor trained earlier (`config.mentorCheckpoint`), used instead of training one.
    let loadedMentor: Network?

    /// Checks the whole configuration against the data before any training starts,
    /// so that a bad spec or fraction fails in a second, not after the mentor.
    public convenience init(config: ExperimentConfig, dataSet: DataSet) throws {
        try config.validate()
        let split = try DataSplit(dataSet: dataSet, labeledFraction: config.labeledFraction,
                                  validationFraction: config.validationFraction, seed: config.seed)
        try self.init(config: config, dataSet: dataSet, split: split)
    }

    /// Runs on a split made beforehand (the dashboard shows its counts before a run).
    /// From here on only the split is read: `dataSet` gives the shape, classes and name.
    public init(config: ExperimentConfig, dataSet: DataSet, split: DataSplit) throws {
        try config.validate()
        self.config = config
        self.dataSet = dataSet
        self.split = split
        if let path = config.mentorCheckpoint {
            let (network, metadata) = try Network.load(from: path)
            try Self.checkMentor(network, metadata: metadata, path: path, config: config, dataSet: dataSet)
            loadedMentor = network
            mentorSpec = network.spec
        } else {
            loadedMentor = nil
            mentorSpec = try ArchitectureSpec(config.mentor)
        }
        studentSpecs = try config.students.map { try ArchitectureSpec($0) }
        for spec in [mentorSpec] + studentSpecs {
            _ = try Network(spec: spec, input: dataSet.train.shape, classes: dataSet.classCount, random: SeededRandom(seed: 0))
        }
        if let folder = config.saveDirectory {
            try Self.prepareSaveDirectory(folder)
        }
    }

    public var splitSizes: SplitSizes {
        SplitSizes(labeled: split.labeled.count, validation: split.validation.count,
                   unlabeled: split.unlabeled.count, test: split.test.count,
                   labeledPerClass: split.labeledCountsPerClass)
    }

    private func makeNetwork(_ spec: ArchitectureSpec, stream: String) -> Network {
        // Specs were built once in init, so this cannot fail here.
        try! Network(spec: spec, input: dataSet.train.shape, classes: dataSet.classCount,
                     random: SeededRandom(seed: config.seed, stream: stream))
    }

    private func settings(for role: ModelID.Role) -> TrainingSettings {
        let student = role == .student
        return TrainingSettings(
            epochs: student ? config.studentEpochs : config.epochs, batchSize: config.batchSize,
            optimizer: config.optimizer,
            learningRate: student ? config.studentLearningRate : config.learningRate,
            learningRateFlag: student ? "--student-lr" : "--lr",
            momentum: config.momentum, weightDecay: config.weightDecay, schedule: config.schedule)
    }

    public var plan: RunPlan {
        var models = [RunPlan.Model]()
        func add(_ id: ModelID, _ spec: ArchitectureSpec, epochs: Int) {
            let network = makeNetwork(spec, stream: "plan")
            models.append(.init(id: id, parameters: network.parameterCount,
                                forwardFLOPsPerSample: network.forwardFLOPsPerSample, epochs: epochs))
        }
        add(ModelID(role: .mentor, index: 1, spec: mentorSpec.text), mentorSpec, epochs: loadedMentor == nil ? config.epochs : 0)
        for (k, spec) in studentSpecs.enumerated() {
            add(ModelID(role: .student, index: k + 1, spec: spec.text), spec, epochs: config.studentEpochs)
        }
        if config.baselines {
            for (k, spec) in studentSpecs.enumerated() {
                add(ModelID(role: .baseline, index: k + 1, spec: spec.text), spec, epochs: config.epochs)
            }
        }
        return RunPlan(dataSet: dataSet.name, inputShape: dataSet.train.shape, classes: dataSet.classCount,
                       split: splitSizes, models: models)
    }

    /// Runs every phase; `listener` is called on this thread, in order. Never throws:
    /// a model that diverges or cannot be saved is reported in its result, and the
    /// others go on.
    public func run(control: TrainingControl = TrainingControl(), listener: (TrainingEvent) -> Void) -> ExperimentReport {
        if let threads = config.threads { Parallel.threads = threads }
        let started = ContinuousClock.now
        listener(.runStarted(plan))
        let testEvaluator = Evaluator(split.test)
        let validationEvaluator = split.validation.count > 0 ? Evaluator(split.validation) : nil
        var results: [ModelResult] = []

        func finish(_ result: ModelResult, network: Network?) {
            var result = result
            if let network, result.epochsCompleted > 0, let folder = config.saveDirectory {
                let path = (folder as NSString).appendingPathComponent(
                    "\(result.id.name.replacingOccurrences(of: " ", with: "-"))-\(result.id.spec).safetensors")
                do {
                    try network.save(to: path, metadata: [
                        "role": result.id.role.rawValue, "data_set": dataSet.name,
                        "test_accuracy": result.test.map { String($0.accuracy) } ?? "",
                        SplitKey.seed: String(config.seed),
                        SplitKey.labeledFraction: String(config.labeledFraction),
                    ])
                    result.checkpoint = path
                } catch {
                    result.checkpointError = "\(error)"
                }
            }
            results.append(result)
            listener(.modelFinished(result))
        }

        func skipped(_ id: ModelID, _ spec: ArchitectureSpec, because reason: String) -> ModelResult {
            let network = makeNetwork(spec, stream: "plan")
            return ModelResult(id: id, parameters: network.parameterCount,
                               forwardFLOPsPerSample: network.forwardFLOPsPerSample, status: .skipped(reason))
        }

        // 1. The mentor learns from the labeled part (or was trained on it before).
        listener(.phaseStarted(.mentor))
        let mentorID = ModelID(role: .mentor, index: 1, spec: mentorSpec.text)
        let mentor: Network
        var mentorResult: ModelResult
        let mentorPredictions: [UInt8]
        if let loadedMentor {
            mentor = loadedMentor
            let (evaluation, predictions) = testEvaluator.evaluate(mentor)
            mentorResult = ModelResult(id: mentorID, parameters: mentor.parameterCount,
                                       forwardFLOPsPerSample: mentor.forwardFLOPsPerSample, status: .finished)
            mentorResult.test = evaluation
            mentorResult.checkpoint = config.mentorCheckpoint
            mentorPredictions = predictions
            results.append(mentorResult)
            listener(.modelFinished(mentorResult))
        } else {
            mentor = makeNetwork(mentorSpec, stream: "mentor")
            let trainer = ModelTrainer(
                id: mentorID, network: mentor, batches: SupervisedBatches(split.labeled), settings: settings(for: .mentor),
                test: testEvaluator, validation: validationEvaluator, mentorPredictions: nil, parityTarget: nil,
                random: SeededRandom(seed: config.seed, stream: "shuffle mentor"))
            mentorResult = trainer.run(control: control, emit: listener)
            mentorPredictions = trainer.lastPredictions
            finish(mentorResult, network: mentor)
        }

        // 2. The mentor annotates the pool; 3. the students learn from that alone.
        let studentIDs = studentSpecs.enumerated().map { ModelID(role: .student, index: $0 + 1, spec: $1.text) }
        if mentorResult.status == .finished, let mentorAccuracy = mentorResult.test?.accuracy {
            listener(.phaseStarted(.annotating))
            let annotationStart = ContinuousClock.now
            let annotation = MentorAnnotation(mentor: mentor, pool: split.unlabeled)
            listener(.annotated(samples: split.unlabeled.count, seconds: (ContinuousClock.now - annotationStart).seconds))
            for (k, spec) in studentSpecs.enumerated() {
                guard !control.isStopped else {
                    finish(skipped(studentIDs[k], spec, because: "the run was stopped"), network: nil)
                    continue
                }
                listener(.phaseStarted(.student(index: k + 1, of: studentSpecs.count)))
                let student = makeNetwork(spec, stream: "model \(k + 1)")
                let trainer = ModelTrainer(
                    id: studentIDs[k], network: student,
                    batches: MimicBatches(pool: split.unlabeled, annotation: annotation, loss: config.loss,
                                          temperature: config.temperature),
                    settings: settings(for: .student), test: testEvaluator, validation: nil,
                    mentorPredictions: mentorPredictions, parityTarget: mentorAccuracy,
                    random: SeededRandom(seed: config.seed, stream: "shuffle student \(k + 1)"))
                finish(trainer.run(control: control, emit: listener), network: student)
            }
        } else {
            let reason = control.isStopped ? "the run was stopped" : "the mentor did not finish training"
            for (k, spec) in studentSpecs.enumerated() {
                finish(skipped(studentIDs[k], spec, because: reason), network: nil)
            }
        }

        // 4. Each student's architecture trained on the labeled part alone: what the
        //    student must beat. It starts from the same initial weights as the student.
        if config.baselines {
            let mentorPredictions = mentorResult.status == .finished ? mentorPredictions : nil
            let parityTarget = mentorResult.status == .finished ? mentorResult.test?.accuracy : nil
            for (k, spec) in studentSpecs.enumerated() {
                let id = ModelID(role: .baseline, index: k + 1, spec: spec.text)
                guard !control.isStopped else {
                    finish(skipped(id, spec, because: "the run was stopped"), network: nil)
                    continue
                }
                listener(.phaseStarted(.baseline(index: k + 1, of: studentSpecs.count)))
                let baseline = makeNetwork(spec, stream: "model \(k + 1)")
                let trainer = ModelTrainer(
                    id: id, network: baseline, batches: SupervisedBatches(split.labeled),
                    settings: settings(for: .baseline), test: testEvaluator, validation: validationEvaluator,
                    mentorPredictions: mentorPredictions, parityTarget: parityTarget,
                    random: SeededRandom(seed: config.seed, stream: "shuffle baseline \(k + 1)"))
                finish(trainer.run(control: control, emit: listener), network: baseline)
            }
        }

        listener(.phaseStarted(.done))
        let report = ExperimentReport(dataSet: dataSet.name, split: splitSizes, config: config, results: results,
                                      wallTime: (ContinuousClock.now - started).seconds)
        listener(.runFinished(report))
        return report
    }

    /// Checkpoint metadata that records which split a model was trained on.
    enum SplitKey {
        static let seed = "split_seed"
        static let labeledFraction = "labeled_fraction"
    }

    /// A reused mentor must fit the data and must have learned from this run's labeled
    /// part: trained on another split, it would have seen labels of the pool's examples.
    private static func checkMentor(_ mentor: Network, metadata: [String: String], path: String,
                                    config: ExperimentConfig, dataSet: DataSet) throws {
        guard mentor.inputShape == dataSet.train.shape, mentor.classes == dataSet.classCount else {
            throw ConfigError(message: "Mentor checkpoint \(path) takes \(mentor.inputShape) images in \(mentor.classes) classes, but the data set has \(dataSet.train.shape) images in \(dataSet.classCount); pass --data with the data set it was trained on.")
        }
        let seed = metadata[SplitKey.seed].flatMap(UInt64.init)
        let fraction = metadata[SplitKey.labeledFraction].flatMap(Double.init)
        guard let seed, let fraction else {
            throw ConfigError(message: "Mentor checkpoint \(path) does not record the split it was trained on; reuse a mentor saved by 'mimic train --save'.")
        }
        guard seed == config.seed, fraction == config.labeledFraction else {
            throw ConfigError(message: "Mentor checkpoint \(path) learned from the labeled part of seed \(seed) at --labeled \(fraction), but this run splits with seed \(config.seed) at --labeled \(config.labeledFraction), so its unlabeled pool would hold examples the mentor saw with labels; pass --seed \(seed) --labeled \(fraction).")
        }
    }

    private static func prepareSaveDirectory(_ folder: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw ConfigError(message: "Checkpoint folder \(folder) cannot be created (\(error.localizedDescription)); pass --save with a folder you can write to.")
        }
        guard FileManager.default.isWritableFile(atPath: folder) else {
            throw ConfigError(message: "Checkpoint folder \(folder) is not writable; pass --save with a folder you can write to.")
        }
    }
}
