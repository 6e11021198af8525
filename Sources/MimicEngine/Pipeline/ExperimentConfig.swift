/// Everything that defines a DeepMimic run. Codable so a run store can keep it
/// whole and a run can be repeated from it.
public struct ExperimentConfig: Sendable, Codable, Hashable {
    public var dataDirectory: String = DataSet.defaultDirectory
    /// A folder of images without a class that joins the students' pool; nil for none.
    public var unlabeledDirectory: String?
    /// Fraction of the training set that keeps its labels, in (0, 1]; 1 needs images
    /// without a class (`unlabeledDirectory`, or the data set's own) for the students.
    public var labeledFraction: Double = 0.1
    /// Fraction of the labeled part held out for validation, in [0, 1).
    public var validationFraction: Double = 0
    public var mentor: String = "cnn-l"
    /// A mentor saved by an earlier run on the same split, used instead of training one.
    public var mentorCheckpoint: String?
    /// A mentor known only by its outputs (`MentorLogits`), used instead of training one.
    public var mentorLogits: String?
    public var students: [String] = ["cnn-s", "mlp-256"]
    public var loss: MimicLoss = .kd
    public var temperature: Float = 4
    /// Epochs of the mentor and of the labeled-only baselines.
    public var epochs: Int = 15
    public var studentEpochs: Int = 12
    public var batchSize: Int = 128
    public var seed: UInt64 = 1
    public var optimizer: OptimizerKind = .adam
    /// Base learning rate of the mentor and the baselines.
    public var learningRate: Float = 0.001
    /// Base learning rate of the students: their pool is nine times the labeled part and
    /// soft targets are smooth, so they take a larger step well.
    public var studentLearningRate: Float = 0.003
    public var momentum: Float = 0.9
    public var weightDecay: Float = 0
    /// Whether the weight decay reaches every parameter (biases, batch norm's γ and β)
    /// rather than the conv and dense weights alone. Optional, so a run stored before it
    /// existed still reads; assigning false stores nil, so that "off" has one spelling.
    public var decayAll: Bool? {
        didSet { if decayAll == false { decayAll = nil } }
    }
    public var schedule: LearningRateSchedule = .cosine
    /// Shifts and mirror images of the labeled images for the mentor and the baselines;
    /// nil for none. (Optional, so a run stored before it existed still reads.) Assigning
    /// `Augmentation.none` stores nil, so that "no augmentation" has one spelling and
    /// two configs built differently compare equal. (Decoding does not pass here: a
    /// stored "none", which mimic never writes, reads as `.none` and trains the same.)
    public var augmentation: Augmentation? {
        didSet { if augmentation?.isNone == true { augmentation = nil } }
    }
    /// Also train each student's architecture on the labeled part alone.
    public var baselines: Bool = false
    /// Folder for checkpoints; nil keeps none.
    public var saveDirectory: String?
    /// Threads the engine uses; nil: one per core (or OPENBLAS_NUM_THREADS).
    public var threads: Int?

    public init() {}

    /// Checks what can be checked without data: one sentence per problem.
    public func validate() throws(ConfigError) {
        func fail(_ message: String) -> ConfigError { ConfigError(message: message) }
        guard labeledFraction > 0, labeledFraction <= 1 else {
            throw fail("Labeled fraction \(labeledFraction) is outside (0, 1]; pass --labeled with a value such as 0.1 for 10%.")
        }
        guard validationFraction >= 0, validationFraction < 1 else {
            throw fail("Validation fraction \(validationFraction) is outside [0, 1); pass --validation with a value such as 0.1, or 0 for none.")
        }
        guard mentorLogits == nil || mentorCheckpoint == nil else {
            throw fail("--mentor-logits and --mentor-checkpoint both name a mentor; pass one of them.")
        }
        guard !students.isEmpty || mentorCheckpoint == nil && mentorLogits == nil else {
            throw fail("A run with --student none only trains its mentor, but the mentor comes from a file; give a --student SPEC, e.g. --student cnn-s.")
        }
        guard temperature > 0, temperature.isFinite else {
            throw fail("Temperature \(temperature) must be a positive number; pass --temperature 4, for example.")
        }
        guard epochs >= 1 else { throw fail("--epochs \(epochs) is too few; train for at least 1 epoch.") }
        guard studentEpochs >= 1 else { throw fail("--student-epochs \(studentEpochs) is too few; train students for at least 1 epoch.") }
        guard batchSize >= 1, batchSize <= 65_536 else {
            throw fail("Batch size \(batchSize) must be between 1 and 65536; pass --batch 128, for example.")
        }
        guard learningRate > 0, learningRate.isFinite else {
            throw fail("Learning rate \(learningRate) must be a positive number; pass --lr 0.001, for example.")
        }
        guard studentLearningRate > 0, studentLearningRate.isFinite else {
            throw fail("Student learning rate \(studentLearningRate) must be a positive number; pass --student-lr 0.003, for example.")
        }
        guard momentum >= 0, momentum < 1 else { throw fail("Momentum \(momentum) must be in [0, 1); pass --momentum 0.9, for example.") }
        guard optimizer != .nesterov || momentum > 0 else {
            throw fail("--optimizer nesterov needs a momentum to look ahead with, but --momentum is 0; pass --momentum 0.9, for example, or --optimizer sgd.")
        }
        guard weightDecay >= 0, weightDecay.isFinite else { throw fail("Weight decay \(weightDecay) must be 0 or more; pass --weight-decay 0.0005, for example.") }
        if let threads, threads < 1 || threads > 256 {
            throw fail("--threads \(threads) is out of range; pass a thread count from 1 to 256.")
        }
    }
}

extension ExperimentConfig {
    /// The same experiment: equal in everything but the thread count, which changes
    /// only the order partial sums are added in.
    public func sameExperiment(as other: ExperimentConfig) -> Bool {
        var (a, b) = (self, other)
        a.threads = nil
        b.threads = nil
        return a == b
    }
}

public struct ConfigError: ReportableError, Equatable {
    public let message: String
    public var description: String { message }
    public init(message: String) { self.message = message }
}

extension MimicLoss: Codable {}
extension OptimizerKind: Codable {}
