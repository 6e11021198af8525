import Foundation

/// One DeepMimic run: train the mentor on the labeled part, let it annotate the
/// unlabeled pool, train each student on that annotation alone, optionally train
/// each student's architecture on the labeled part as a baseline, and evaluate
/// every model on the test set as it goes.
///
/// The experiment only trains and publishes events. Where its checkpoints go is a
/// `RunFolder` it is handed, opened by whoever owns the run; what becomes of its
/// events (a store, a screen, a printer) is the listener's business.
public final class Experiment {
    public let config: ExperimentConfig
    public let dataSet: DataSet
    public let split: DataSplit
    /// nil for a mentor known only by its outputs, whatever `config.mentor` says.
    let mentorSpec: ArchitectureSpec?
    let studentSpecs: [ArchitectureSpec]
    /// A mentor trained earlier (`config.mentorCheckpoint`), used instead of training one.
    let loadedMentor: Network?
    /// Whether that mentor is a state_dict saved elsewhere, built as `config.mentor`.
    let mentorImported: Bool
    /// A mentor known only by its outputs (`config.mentorLogits`): no network at all.
    let mentorLogits: MentorLogits?
    /// Whether the mentor trains in this run, rather than coming from a file.
    var mentorTrains: Bool { loadedMentor == nil && mentorLogits == nil }
    /// What the mentor's row calls it when it has no architecture.
    public static let logitsMentorName = "logits"
    /// Where the run keeps its progress; nil keeps none.
    let folder: RunFolder?
    /// What a resumed run's folder holds of each model.
    private(set) var savedModels: [ModelID: RunFolder.SavedModel] = [:]
    /// The final weights of a mentor that finished before the run was resumed.
    private(set) var savedMentor: Network?

    /// Checks the whole configuration against the data before any training starts,
    /// so that a bad spec or fraction fails in a second, not after the mentor.
    ///
    /// With a `folder` that holds a run (`RunFolder.reopen`), that run must have been
    /// started with the same config on the same data: `run` then reports the models that
    /// ended without training them again, takes the model that was training up after its
    /// last completed epoch, and trains the rest. A new folder (`RunFolder.create`) is
    /// bound to this run.
    public convenience init(config: ExperimentConfig, dataSet: DataSet, folder: RunFolder? = nil) throws {
        try config.validate()
        let split = try DataSplit(dataSet: dataSet, labeledFraction: config.labeledFraction,
                                  validationFraction: config.validationFraction, seed: config.seed,
                                  needsPool: !config.students.isEmpty)
        try self.init(config: config, dataSet: dataSet, split: split, folder: folder)
    }

    /// Runs on a split made beforehand (the dashboard shows its counts before a run).
    /// From here on only the split is read: `dataSet` gives the shape, classes and name.
    public init(config: ExperimentConfig, dataSet: DataSet, split: DataSplit, folder: RunFolder? = nil) throws {
        try config.validate()
        if let augmentation = config.augmentation, dataSet.train.shape.isVector {
            throw ConfigError(message: "--augment \(augmentation) shifts and mirrors images, but the data set's samples are vectors of \(dataSet.train.shape.count) values; leave --augment out (or pass --augment none).")
        }
        self.config = config
        self.dataSet = dataSet
        self.split = split
        self.folder = folder
        if let path = config.mentorCheckpoint {
            // A mentor trained elsewhere was trained on what mimic cannot know; one mimic
            // saved must have learned from this run's labeled part only.
            let (network, metadata, imported) = try Network.load(
                from: path, otherwise: { try ArchitectureSpec(config.mentor) }, input: dataSet.train.shape, classes: dataSet.classCount)
            if !imported { try Self.checkMentor(network, metadata: metadata, path: path, config: config, dataSet: dataSet) }
            loadedMentor = network
            mentorImported = imported
            mentorSpec = network.spec
        } else {
            loadedMentor = nil
            mentorImported = false
            mentorSpec = config.mentorLogits == nil ? try ArchitectureSpec(config.mentor) : nil
        }
        mentorLogits = try config.mentorLogits.map { path in
            try MentorLogits.read(from: path, expected: .init(
                poolCount: split.unlabeled.count, testCount: split.test.count, classes: dataSet.classCount,
                seed: config.seed, labeledFraction: config.labeledFraction, listCommand: Self.listCommand(config)))
        }
        studentSpecs = try config.students.map { try ArchitectureSpec($0) }
        try Self.checkMemory(of: [mentorSpec].compactMap { $0 } + studentSpecs,
                             config: config, dataSet: dataSet, split: split)
        var smallestBatches: [ArchitectureSpec: Int] = [:]
        // A loaded mentor is built already, and trains no more; a mentor of logits has no network.
        let mentorTrains = loadedMentor == nil && mentorLogits == nil
        for spec in (mentorTrains ? [mentorSpec!] : []) + studentSpecs {
            smallestBatches[spec] = try Network(spec: spec, input: dataSet.train.shape, classes: dataSet.classCount,
                                                random: SeededRandom(seed: 0)).smallestTrainingBatch
        }
        try Self.checkSmallestBatches(
            (mentorTrains ? [(spec: mentorSpec!, role: "The mentor", samples: split.labeled.count)] : [])
                + studentSpecs.map { (spec: $0, role: "A student", samples: split.unlabeled.count) }
                + (config.baselines ? studentSpecs.map { (spec: $0, role: "A baseline", samples: split.labeled.count) } : []),
            smallest: smallestBatches, batchSize: config.batchSize)
        if let folder = config.saveDirectory {
            try Self.prepareSaveDirectory(folder)
        }
        guard let folder else { return }
        try folder.begin(RunFolder.Identity(
            config: config, data: DataFingerprint(dataSet),
            mentorWeights: mentorLogits.map { "logits " + $0.contentHash } ?? loadedMentor.map { mentor in
                var hash = ContentHash()
                for parameter in mentor.parameters {
                    hash.add(UnsafeBufferPointer(start: parameter.value, count: parameter.count))
                }
                // Batch norm's running statistics decide its outputs as much as its weights.
                for (_, buffer) in mentor.namedBuffers { hash.add(buffer.bytes) }
                // So does the architecture a state_dict is loaded into (a conv's stride,
                // a pool), which its tensors' names and shapes may not tell apart.
                if mentorImported { hash.add(Array(mentor.spec.text.utf8)) }
                return hash.hex
            }))
        if folder.holdsRun { try loadSavedModels(from: folder) }
    }

    /// Refuses a run whose largest model would need more memory than this process may
    /// use, before anything of it is allocated. Models train one at a time; each is
    /// checked at its training batch (no larger than the set it learns from) and at the
    /// batch of its evaluations and of the annotation.
    static func checkMemory(of specs: [ArchitectureSpec], config: ExperimentConfig, dataSet: DataSet, split: DataSplit,
                            budget: TrainingMemory.Budget = .current()) throws {
        let input = dataSet.train.shape
        let trainingBatch = min(config.batchSize, max(split.labeled.count, split.unlabeled.count))
        let evaluationBatch = max(min(Evaluator.batchSize, max(split.test.count, split.validation.count)),
                                  min(MentorAnnotation.batchSize, split.unlabeled.count))
        let threads = config.threads ?? ProcessInfo.processInfo.activeProcessorCount
        let slots = config.optimizer == .adam ? 2 : 1
        for spec in specs {
            let size = try NetworkSize(spec: spec, input: input, classes: dataSet.classCount)
            try TrainingMemory(size, batch: trainingBatch, inferenceBatch: evaluationBatch, optimizerSlots: slots, threads: threads)
                .check(against: budget, model: spec.text, input: input)
        }
    }

    /// Refuses a model whose every training batch would be too small for its batch norm:
    /// one value per channel has no variance (PyTorch raises "Expected more than 1 value
    /// per channel when training"). Only an epoch's last batch can be smaller than the
    /// rest, and the trainer leaves out such a batch; a batch size, or a set, of 1 is
    /// refused here, before anything trains. `models` are each spec with the words that
    /// name its model and the samples it trains on; `smallest` is each spec's
    /// `Network.smallestTrainingBatch`.
    static func checkSmallestBatches(_ models: [(spec: ArchitectureSpec, role: String, samples: Int)],
                                     smallest: [ArchitectureSpec: Int], batchSize: Int) throws(ConfigError) {
        for (spec, role, samples) in models where samples > 0 {
            let smallest = smallest[spec] ?? 1
            let batch = min(batchSize, samples)
            guard batch < smallest else { continue }
            let cause = batchSize < smallest ? "--batch \(batchSize) gives it" : "its \(samples) training sample gives it"
            let fix = batchSize < smallest ? "pass --batch \(smallest) or more" : "give it more training samples (a larger --labeled)"
            throw ConfigError(message: "\(role) \"\(spec.text)\" has a batch norm over one value per channel, which needs training batches of at least \(smallest) samples, but \(cause) \(batch); \(fix).")
        }
    }

    /// One model of the run: who it is, its architecture and the epochs it trains.
    struct Member {
        let id: ModelID
        /// nil only for a mentor known by its outputs, which is never built.
        let optionalSpec: ArchitectureSpec?
        let epochs: Int

        /// The architecture of a model that is built: every one but a mentor of logits.
        var spec: ArchitectureSpec {
            guard let optionalSpec else { preconditionFailure("\(id.name) has no architecture to build") }
            return optionalSpec
        }
    }

    /// Every model of the run, in the order they train: the mentor, the students, then
    /// the baselines. The one place that list is made.
    var lineup: [Member] {
        let mentorName = mentorSpec?.text ?? Self.logitsMentorName
        var members = [Member(id: ModelID(role: .mentor, index: 1, spec: mentorName), optionalSpec: mentorSpec,
                              epochs: mentorTrains ? config.epochs : 0)]
        for (k, spec) in studentSpecs.enumerated() {
            members.append(Member(id: ModelID(role: .student, index: k + 1, spec: spec.text), optionalSpec: spec, epochs: config.studentEpochs))
        }
        if config.baselines {
            for (k, spec) in studentSpecs.enumerated() {
                members.append(Member(id: ModelID(role: .baseline, index: k + 1, spec: spec.text), optionalSpec: spec, epochs: config.epochs))
            }
        }
        return members
    }

    func members(_ role: ModelID.Role) -> [Member] { lineup.filter { $0.id.role == role } }

    /// Reads what the folder of a resumed run holds of each model, and checks every
    /// epoch checkpoint against the model it belongs to, so that nothing fails once
    /// training has started.
    private func loadSavedModels(from folder: RunFolder) throws {
        for member in lineup where !(member.id.role == .mentor && !mentorTrains) {
            let id = member.id
            switch try folder.saved(id) {
            case nil:
                break
            case .ended(let result):
                savedModels[id] = .ended(result)
                if id.role == .mentor, result.status == .finished {
                    savedMentor = try folder.finalNetwork(id)
                }
            case .partway(let checkpoint):
                do {
                    try check(checkpoint, of: member)
                } catch {
                    throw folder.damagedEpochCheckpoint(id, error)
                }
                savedModels[id] = .partway(checkpoint)
            }
        }
    }

    /// Trains `ids` from their first epoch, whatever the folder holds of them: a record
    /// that lacks their points asks for them again, and the folder keeps no checkpoint
    /// before its last. The same configuration and threads give the same points. What
    /// the folder holds of them is replaced as they train, not before, so nothing is lost
    /// if this process is stopped too.
    public func trainFromTheStart(_ ids: some Sequence<ModelID>) {
        for id in ids {
            savedModels[id] = nil
            if id.role == .mentor { savedMentor = nil }
        }
    }

    /// An epoch checkpoint must fit its model, its optimizer and the run's shuffles.
    private func check(_ checkpoint: EpochCheckpoint, of member: Member) throws {
        let settings = settings(for: member.id.role)
        let position = checkpoint.position
        let network = makeNetwork(member.spec, stream: "plan")
        let optimizer = settings.optimizer.make(parameters: network.parameters, momentum: settings.momentum,
                                                weightDecay: settings.weightDecay,
                                                decaysEveryParameter: settings.decaysEveryParameter)
        try checkpoint.restore(into: network, optimizer: optimizer)
        guard (1...settings.epochs).contains(position.epoch) else {
            throw CheckpointError.invalidMetadata(
                path: checkpoint.path, key: EpochCheckpoint.positionKey, value: "epoch \(position.epoch)",
                problem: "is not one of the \(settings.epochs) epochs of \(member.id.name)")
        }
        var random = shuffleRandom(member.id)
        _ = ModelTrainer.order(count: trainingSamples(member.id.role), afterEpochs: position.epoch, random: &random)
        guard random.state.hexDigits == position.shuffleState else {
            throw CheckpointError.invalidMetadata(
                path: checkpoint.path, key: EpochCheckpoint.positionKey, value: "shuffle \(position.shuffleState)",
                problem: "does not follow from the run's seed and split")
        }
    }

    func shuffleRandom(_ id: ModelID) -> SeededRandom {
        SeededRandom(seed: config.seed, stream: id.role == .mentor ? "shuffle mentor" : "shuffle \(id.role.rawValue) \(id.index)")
    }

    /// The labeled part as the mentor and the baselines learn from it, all augmented
    /// with the same draws.
    func labeledBatches(_ labeled: LabeledSubset) -> SupervisedBatches {
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
                   labeledPerClass: split.labeledCountsPerClass,
                   unlabeledFromElsewhere: split.unlabeledFromElsewhere, elsewhereName: dataSet.unlabeled?.name)
    }

    func makeNetwork(_ spec: ArchitectureSpec, stream: String) -> Network {
        // Specs were built once in init, so this cannot fail here.
        try! Network(spec: spec, input: dataSet.train.shape, classes: dataSet.classCount,
                     random: SeededRandom(seed: config.seed, stream: stream))
    }

    func settings(for role: ModelID.Role) -> TrainingSettings {
        let student = role == .student
        return TrainingSettings(
            epochs: student ? config.studentEpochs : config.epochs, batchSize: config.batchSize,
            optimizer: config.optimizer,
            learningRate: student ? config.studentLearningRate : config.learningRate,
            learningRateFlag: student ? "--student-lr" : "--lr",
            momentum: config.momentum, weightDecay: config.weightDecay, decaysEveryParameter: config.decayAll == true,
            schedule: config.schedule)
    }

    public var plan: RunPlan {
        let models = lineup.map { member in
            if member.id.role == .mentor && mentorLogits != nil {
                return RunPlan.Model(id: member.id, parameters: 0, forwardFLOPsPerSample: 0, epochs: 0, epochsCompleted: 0)
            }
            let network = makeNetwork(member.spec, stream: "plan")
            return RunPlan.Model(id: member.id, parameters: network.parameterCount,
                                 forwardFLOPsPerSample: network.forwardFLOPsPerSample, epochs: member.epochs,
                                 epochsCompleted: epochsDone(member.id),
                                 checkpointedEpochEnd: checkpointedEpochEnd(member.id, epochs: member.epochs))
        }
        return RunPlan(dataSet: dataSet.name, inputShape: dataSet.train.shape, classes: dataSet.classCount,
                       split: splitSizes, models: models)
    }

    /// The command that prints the pool and test images of `config`'s split in the order
    /// a mentor's logits file must follow.
    public static func listCommand(_ config: ExperimentConfig) -> String {
        var words = ["mimic", "data", "list", "--data", config.dataDirectory]
        if let unlabeled = config.unlabeledDirectory { words += ["--unlabeled", unlabeled] }
        words += ["--labeled", String(config.labeledFraction), "--seed", String(config.seed)]
        return words.joined(separator: " ")
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
