import ArgumentParser
import MimicEngine

/// The options that define a run, shared by every command that starts one.
/// Defaults come from `ExperimentConfig`, so there is one place to change them.
/// Numeric options parse `.unconditional`ly (here and in every command): otherwise the
/// parser reads a negative value such as `--labeled -0.1` as an option and says only
/// "Missing value", where the option's own check names the value and the range.
struct ExperimentOptions: ParsableArguments {
    private static let defaults = ExperimentConfig()

    @Option(help: "Folder with the four IDX files (MNIST, Fashion-MNIST) or the CIFAR-10 binary batches.")
    var data: String = defaults.dataDirectory

    @Option(parsing: .unconditional, help: "Fraction of the training set that keeps its labels, in (0, 1); stratified per class.")
    var labeled: Double = defaults.labeledFraction

    @Option(parsing: .unconditional, help: "Fraction of the labeled part held out for validation, in [0, 1).")
    var validation: Double = defaults.validationFraction

    @Option(help: "Mentor architecture: a preset (see 'mimic presets') or a spec like conv32-pool-fc128.")
    var mentor: String = defaults.mentor

    @Option(help: ArgumentHelp(
        "Reuse a mentor saved by an earlier run with --save on the same split (seed and --labeled) instead of training one.",
        valueName: "file"))
    var mentorCheckpoint: String?

    @Option(name: .customLong("student"), help: ArgumentHelp(
        "Student architecture; repeat for several (default: \(defaults.students.joined(separator: ", "))).",
        valueName: "spec"))
    var students: [String] = []

    @Option(help: "How students learn from the mentor: \(MimicLoss.allCases.map { "\($0.rawValue) = \($0.summary)" }.joined(separator: "; ")).")
    var loss: MimicLoss = defaults.loss

    @Option(parsing: .unconditional, help: "Softening temperature T of the kd loss.")
    var temperature: Float = defaults.temperature

    @Option(parsing: .unconditional, help: "Epochs of the mentor and of the labeled-only baselines.")
    var epochs: Int = defaults.epochs

    @Option(parsing: .unconditional, help: "Epochs of each student over the unlabeled pool.")
    var studentEpochs: Int = defaults.studentEpochs

    @Option(parsing: .unconditional, help: "Samples per training step.")
    var batch: Int = defaults.batchSize

    @Option(parsing: .unconditional, help: "Seed of the split, the initial weights, shuffling and dropout; the same seed repeats a run.")
    var seed: UInt64 = defaults.seed

    @Option(help: "Optimizer: \(OptimizerKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var optimizer: OptimizerKind = defaults.optimizer

    @Option(name: .customLong("lr"), parsing: .unconditional, help: "Base learning rate of the mentor and the baselines.")
    var learningRate: Float = defaults.learningRate

    @Option(name: .customLong("student-lr"), parsing: .unconditional, help: "Base learning rate of the students.")
    var studentLearningRate: Float = defaults.studentLearningRate

    @Option(parsing: .unconditional, help: "Momentum of SGD.")
    var momentum: Float = defaults.momentum

    @Option(parsing: .unconditional, help: "L2 weight decay on weights (not biases).")
    var weightDecay: Float = defaults.weightDecay

    @Option(help: "Learning-rate schedule: \(LearningRateSchedule.allCases.map(\.rawValue).joined(separator: ", ")).")
    var schedule: LearningRateSchedule = defaults.schedule

    @Option(help: ArgumentHelp(
        "Shift (by up to N pixels) and mirror the labeled images the mentor and the baselines learn from, drawn anew each epoch: shiftN, flip, shiftN-flip or none.",
        valueName: "spec"), transform: { text in try Augmentation.parse(text) })
    var augment: Augmentation = .none

    @Flag(help: "Also train each student's architecture on the labeled part alone, as the baseline it must beat.")
    var baselines = false

    @Option(help: ArgumentHelp("Write each trained model as a safetensors checkpoint into this folder.", valueName: "dir"))
    var save: String?

    @Option(parsing: .unconditional, help: "Threads the engine uses (default: one per core, or OPENBLAS_NUM_THREADS).")
    var threads: Int?

    var config: ExperimentConfig {
        var config = ExperimentConfig()
        config.dataDirectory = data
        config.labeledFraction = labeled
        config.validationFraction = validation
        config.mentor = mentor
        config.mentorCheckpoint = mentorCheckpoint
        if !students.isEmpty { config.students = students }
        config.loss = loss
        config.temperature = temperature
        config.epochs = epochs
        config.studentEpochs = studentEpochs
        config.batchSize = batch
        config.seed = seed
        config.optimizer = optimizer
        config.learningRate = learningRate
        config.studentLearningRate = studentLearningRate
        config.momentum = momentum
        config.weightDecay = weightDecay
        config.schedule = schedule
        config.augmentation = augment
        config.baselines = baselines
        config.saveDirectory = save
        config.threads = threads
        return config
    }
}

extension ExperimentOptions {
    /// The options that take no value.
    static let flagNames: Set<String> = ["baselines"]

    /// The configuration `arguments` (options of 'mimic train') stand for, or the sentence
    /// that says what is wrong with them.
    static func config(from arguments: [String]) throws(UsageError) -> ExperimentConfig {
        do {
            let config = try parse(arguments).config
            try config.validate()
            return config
        } catch let error as ConfigError {
            throw UsageError(error.message)
        } catch {
            throw UsageError(message(for: error).trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    /// A shell command line that repeats `config`.
    static func commandLine(for config: ExperimentConfig) -> String {
        (["mimic", "train"] + config.trainOptions.flatMap { [$0.flag] + ($0.value.map { [shellQuoted($0)] } ?? []) })
            .joined(separator: " ")
    }

    static func shellQuoted(_ text: String) -> String {
        let plain = text.allSatisfy { $0.isLetter || $0.isNumber || "-_./:=+,".contains($0) }
        return plain && !text.isEmpty ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
