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
    /// Where the run keeps its progress (`config.runDirectory`), held locked.
    private var runFolder: RunFolder?
    /// What a resumed run's folder holds of each model.
    private var savedModels: [ModelID: RunFolder.SavedModel] = [:]
    /// The final weights of a mentor that finished before the run was resumed.
    private var savedMentor: Network?

    /// Checks the whole configuration against the data before any training starts,
    /// so that a bad spec or fraction fails in a second, not after the mentor.
    ///
    /// With `resuming`, `config.runDirectory` is the folder of an interrupted run started
    /// with the same config on the same data: `run` then reports the models that ended
    /// without training them again, takes the model that was training up after its last
    /// completed epoch, and trains the rest. Without it, a run folder must hold no run yet.
    public convenience init(config: ExperimentConfig, dataSet: DataSet, resuming: Bool = false) throws {
        try config.validate()
        let split = try DataSplit(dataSet: dataSet, labeledFraction: config.labeledFraction,
                                  validationFraction: config.validationFraction, seed: config.seed)
        try self.init(config: config, dataSet: dataSet, split: split, resuming: resuming)
    }

    /// Runs on a split made beforehand (the dashboard shows its counts before a run).
    /// From here on only the split is read: `dataSet` gives the shape, classes and name.
    public init(config: ExperimentConfig, dataSet: DataSet, split: DataSplit, resuming: Bool = false) throws {
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
        guard let path = config.runDirectory else {
            if resuming {
                throw ConfigError(message: "A run can only be resumed from its run folder, and none is given; pass the folder the run was started in.")
            }
            return
        }
        let identity = RunFolder.Identity(
            config: config, data: DataFingerprint(dataSet),
            mentorWeights: loadedMentor.map { mentor in
                var hash = ContentHash()
                for parameter in mentor.parameters {
                    hash.add(UnsafeBufferPointer(start: parameter.value, count: parameter.count))
                }
                return hash.hex
            })
        if resuming {
            let folder = try RunFolder.resume(at: path, identity: identity)
            runFolder = folder
            try loadSavedModels(from: folder)
        } else {
            runFolder = try RunFolder.start(at: path, identity: identity)
        }
    }

    /// Every model of the run, in the order they train.
    private var modelIDs: [(id: ModelID, spec: ArchitectureSpec)] {
        var models = [(ModelID(role: .mentor, index: 1, spec: mentorSpec.text), mentorSpec)]
        for (k, spec) in studentSpecs.enumerated() {
            models.append((ModelID(role: .student, index: k + 1, spec: spec.text), spec))
        }
        if config.baselines {
            for (k, spec) in studentSpecs.enumerated() {
                models.append((ModelID(role: .baseline, index: k + 1, spec: spec.text), spec))
            }
        }
        return models
    }

    /// Reads what the folder of a resumed run holds of each model, and checks every
    /// epoch checkpoint against the model it belongs to, so that nothing fails once
    /// training has started.
    private func loadSavedModels(from folder: RunFolder) throws {
        for (id, spec) in modelIDs where !(id.role == .mentor && loadedMentor != nil) {
            switch try folder.saved(id) {
            case nil:
                break
            case .ended(let result):
                savedModels[id] = .ended(result)
                if id.role == .mentor, result.status == .finished {
                    savedMentor = try folder.finalNetwork(id)
                }
            case .partway(let checkpoint):
                let settings = settings(for: id.role)
                let position = checkpoint.position
                let network = makeNetwork(spec, stream: "plan")
                let optimizer = settings.optimizer.make(parameters: network.parameters, momentum: settings.momentum,
                                                        weightDecay: settings.weightDecay)
                do {
                    try checkpoint.restore(into: network, optimizer: optimizer)
                    guard (1...settings.epochs).contains(position.epoch) else {
                        throw CheckpointError.invalidMetadata(
                            path: checkpoint.path, key: EpochCheckpoint.positionKey, value: "epoch \(position.epoch)",
                            problem: "is not one of the \(settings.epochs) epochs of \(id.name)")
                    }
                    var random = shuffleRandom(id)
                    _ = ModelTrainer.order(count: trainingSamples(id.role), afterEpochs: position.epoch, random: &random)
                    guard random.state.hexDigits == position.shuffleState else {
                        throw CheckpointError.invalidMetadata(
                            path: checkpoint.path, key: EpochCheckpoint.positionKey, value: "shuffle \(position.shuffleState)",
                            problem: "does not follow from the run's seed and split")
                    }
                } catch {
                    throw folder.damagedEpochCheckpoint(id, error)
                }
                savedModels[id] = .partway(checkpoint)
            }
        }
    }

    private func shuffleRandom(_ id: ModelID) -> SeededRandom {
        SeededRandom(seed: config.seed, stream: id.role == .mentor ? "shuffle mentor" : "shuffle \(id.role.rawValue) \(id.index)")
    }

    /// The labeled part as the mentor and the baselines learn from it, all augmented
    /// with the same draws.
    private func labeledBatches(_ labeled: LabeledSubset) -> SupervisedBatches {
        var random = SeededRandom(seed: config.seed, stream: "augment")
        return SupervisedBatches(labeled, augmentation: config.augmentation, seed: random.next())
    }

    private func trainingSamples(_ role: ModelID.Role) -> Int {
        role == .student ? split.unlabeled.count : split.labeled.count
    }

    /// Epochs a model completed before this run started: all of a model that ended, or
    /// those its epoch checkpoint closed.
    private func epochsDone(_ id: ModelID) -> Int {
        switch savedModels[id] {
        case nil: 0
        case .ended(let result): result.epochsCompleted
        case .partway(let checkpoint): checkpoint.position.epoch
        }
    }

    /// The point that closed the epoch of a partway model's checkpoint, from its position.
    private func checkpointedEpochEnd(_ id: ModelID, epochs: Int) -> TrainingProgress? {
        guard case .partway(let checkpoint) = savedModels[id] else { return nil }
        let position = checkpoint.position
        return TrainingProgress(model: id, epoch: position.epoch, epochs: epochs, step: position.step,
                                samplesSeen: position.samplesSeen, trainingTime: position.trainingTime,
                                trainLoss: .nan, trainAccuracy: .nan, samplesPerSecond: .nan,
                                test: position.test, validation: nil)
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
                                forwardFLOPsPerSample: network.forwardFLOPsPerSample, epochs: epochs,
                                epochsCompleted: epochsDone(id), checkpointedEpochEnd: checkpointedEpochEnd(id, epochs: epochs)))
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
            defer {
                results.append(result)
                listener(.modelFinished(result))
            }
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
            // A stopped or skipped model is not done: a resumed run trains it.
            switch result.status {
            case .finished, .diverged: runFolder?.record(&result, network: network)
            case .stopped, .skipped: break
            }
        }

        /// A model that ended before the run was resumed, reported as it was.
        func reReport(_ id: ModelID, phase: Phase) -> Bool {
            guard case .ended(let result) = savedModels[id] else { return false }
            listener(.phaseStarted(phase))
            results.append(result)
            listener(.modelFinished(result))
            return true
        }

        func train(_ trainer: ModelTrainer) -> ModelResult {
            trainer.epochCheckpointPath = runFolder?.epochCheckpointPath(trainer.id)
            if case .partway(let checkpoint) = savedModels[trainer.id] { trainer.resumeFrom = checkpoint }
            return trainer.run(control: control, emit: listener)
        }

        func skipped(_ id: ModelID, _ spec: ArchitectureSpec, because reason: String) -> ModelResult {
            let network = makeNetwork(spec, stream: "plan")
            return ModelResult(id: id, parameters: network.parameterCount,
                               forwardFLOPsPerSample: network.forwardFLOPsPerSample, status: .skipped(reason))
        }

        // Models still to train after the mentor; none when a resumed run had ended them all.
        let modelsLeft = modelIDs.dropFirst().contains { id, _ in
            guard case .ended = savedModels[id] else { return true }
            return false
        }

        // 1. The mentor learns from the labeled part (or was trained on it before).
        let mentorID = ModelID(role: .mentor, index: 1, spec: mentorSpec.text)
        let mentor: Network
        var mentorResult: ModelResult
        let mentorPredictions: [UInt8]
        if case .ended(let saved) = savedModels[mentorID] {
            _ = reReport(mentorID, phase: .mentor)
            mentorResult = saved
            mentor = savedMentor ?? makeNetwork(mentorSpec, stream: "mentor")
            // The same weights give the same predictions the trainer kept at its last epoch.
            mentorPredictions = savedMentor != nil && modelsLeft ? testEvaluator.evaluate(mentor).predictions : []
        } else if let loadedMentor {
            listener(.phaseStarted(.mentor))
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
            listener(.phaseStarted(.mentor))
            mentor = makeNetwork(mentorSpec, stream: "mentor")
            let trainer = ModelTrainer(
                id: mentorID, network: mentor, batches: labeledBatches(split.labeled), settings: settings(for: .mentor),
                test: testEvaluator, validation: validationEvaluator, mentorPredictions: nil, parityTarget: nil,
                random: shuffleRandom(mentorID))
            mentorResult = train(trainer)
            mentorPredictions = trainer.lastPredictions
            finish(mentorResult, network: mentor)
        }

        // 2. The mentor annotates the pool; 3. the students learn from that alone.
        let studentIDs = studentSpecs.enumerated().map { ModelID(role: .student, index: $0 + 1, spec: $1.text) }
        if mentorResult.status == .finished, let mentorAccuracy = mentorResult.test?.accuracy {
            // Made when the first student that trains needs it: a resumed run whose
            // students all ended needs none.
            var annotation: MentorAnnotation?
            for (k, spec) in studentSpecs.enumerated() {
                let phase = Phase.student(index: k + 1, of: studentSpecs.count)
                if reReport(studentIDs[k], phase: phase) { continue }
                guard !control.isStopped else {
                    finish(skipped(studentIDs[k], spec, because: "the run was stopped"), network: nil)
                    continue
                }
                if annotation == nil {
                    listener(.phaseStarted(.annotating))
                    let annotationStart = ContinuousClock.now
                    annotation = MentorAnnotation(mentor: mentor, pool: split.unlabeled)
                    listener(.annotated(samples: split.unlabeled.count, seconds: (ContinuousClock.now - annotationStart).seconds))
                }
                listener(.phaseStarted(phase))
                let student = makeNetwork(spec, stream: "model \(k + 1)")
                let trainer = ModelTrainer(
                    id: studentIDs[k], network: student,
                    batches: MimicBatches(pool: split.unlabeled, annotation: annotation!, loss: config.loss,
                                          temperature: config.temperature),
                    settings: settings(for: .student), test: testEvaluator, validation: nil,
                    mentorPredictions: mentorPredictions, parityTarget: mentorAccuracy,
                    random: shuffleRandom(studentIDs[k]))
                finish(train(trainer), network: student)
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
                let phase = Phase.baseline(index: k + 1, of: studentSpecs.count)
                if reReport(id, phase: phase) { continue }
                guard !control.isStopped else {
                    finish(skipped(id, spec, because: "the run was stopped"), network: nil)
                    continue
                }
                listener(.phaseStarted(phase))
                let baseline = makeNetwork(spec, stream: "model \(k + 1)")
                let trainer = ModelTrainer(
                    id: id, network: baseline, batches: labeledBatches(split.labeled),
                    settings: settings(for: .baseline), test: testEvaluator, validation: validationEvaluator,
                    mentorPredictions: mentorPredictions, parityTarget: parityTarget,
                    random: shuffleRandom(id))
                finish(train(trainer), network: baseline)
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
