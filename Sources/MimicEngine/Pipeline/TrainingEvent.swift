/// Which model a message is about: the mentor, or the k-th student or baseline.
public struct ModelID: Hashable, Sendable, Codable, CustomStringConvertible {
    public enum Role: String, Sendable, Codable, CaseIterable {
        case mentor, student, baseline
    }

    public let role: Role
    /// 1-based position among the models of its role (the mentor is 1).
    public let index: Int
    public let spec: String

    public init(role: Role, index: Int, spec: String) {
        self.role = role
        self.index = index
        self.spec = spec
    }

    /// "mentor", "student 2", "baseline 1".
    public var name: String { role == .mentor ? "mentor" : "\(role.rawValue) \(index)" }
    public var description: String { "\(name) (\(spec))" }
}

/// Where the pipeline is.
public enum Phase: Sendable, Equatable, CustomStringConvertible {
    case mentor
    case annotating
    case student(index: Int, of: Int)
    case baseline(index: Int, of: Int)
    case done

    public var description: String {
        switch self {
        case .mentor: "mentor"
        case .annotating: "annotating"
        case let .student(index, total): "student \(index) of \(total)"
        case let .baseline(index, total): "baseline \(index) of \(total)"
        case .done: "done"
        }
    }
}

/// One point of a model's training curves. Train metrics come every few steps;
/// the test (and validation) metrics are filled at the end of each epoch.
public struct TrainingProgress: Sendable {
    public var model: ModelID
    public var epoch: Int
    public var epochs: Int
    /// Optimizer steps taken by this model so far.
    public var step: Int
    public var samplesSeen: Int
    /// Seconds spent training this model so far; pauses and evaluations excluded.
    public var trainingTime: Double
    /// Mean loss over the steps since the previous point.
    public var trainLoss: Double
    /// Accuracy on labels (mentor, baselines) or agreement with the mentor's arg-max
    /// (students), over the steps since the previous point.
    public var trainAccuracy: Double
    public var samplesPerSecond: Double
    public var test: Evaluation?
    public var validation: Evaluation?

    /// True for the point that closes an epoch, which carries the test metrics.
    public var isEpochEnd: Bool { test != nil }

    /// Public so that a point read back from a record (a run store) can be replayed.
    public init(model: ModelID, epoch: Int, epochs: Int, step: Int, samplesSeen: Int, trainingTime: Double,
                trainLoss: Double, trainAccuracy: Double, samplesPerSecond: Double, test: Evaluation? = nil,
                validation: Evaluation? = nil) {
        self.model = model
        self.epoch = epoch
        self.epochs = epochs
        self.step = step
        self.samplesSeen = samplesSeen
        self.trainingTime = trainingTime
        self.trainLoss = trainLoss
        self.trainAccuracy = trainAccuracy
        self.samplesPerSecond = samplesPerSecond
        self.test = test
        self.validation = validation
    }
}

/// Everything the pipeline tells its listeners, in order.
public enum TrainingEvent: Sendable {
    case runStarted(RunPlan)
    case phaseStarted(Phase)
    case progress(TrainingProgress)
    /// Mentor annotation of the unlabeled pool.
    case annotated(samples: Int, seconds: Double)
    case modelFinished(ModelResult)
    case paused
    case resumed
    case runFinished(ExperimentReport)
}

/// What a run is about to do: known before the first step, so a listener can lay
/// out its panes and tables.
public struct RunPlan: Sendable {
    public struct Model: Sendable {
        public let id: ModelID
        public let parameters: Int
        public let forwardFLOPsPerSample: Int
        public let epochs: Int
        /// Epochs it completed before this process started: 0 in a new run; in a resumed
        /// run, all of a model that ended, or those of its last epoch checkpoint (its
        /// progress goes on from the next epoch, step, sample count and training time).
        public let epochsCompleted: Int
        /// The point that closed the epoch its epoch checkpoint was taken at, for a model
        /// taken up partway (nil otherwise): a listener that missed it (its process was
        /// killed between the checkpoint and the point) can still fill it in. A checkpoint
        /// keeps the test results but not the epoch's train metrics, which are NaN.
        public let checkpointedEpochEnd: TrainingProgress?

        public init(id: ModelID, parameters: Int, forwardFLOPsPerSample: Int, epochs: Int, epochsCompleted: Int,
                    checkpointedEpochEnd: TrainingProgress? = nil) {
            self.id = id
            self.parameters = parameters
            self.forwardFLOPsPerSample = forwardFLOPsPerSample
            self.epochs = epochs
            self.epochsCompleted = epochsCompleted
            self.checkpointedEpochEnd = checkpointedEpochEnd
        }
    }

    public let dataSet: String
    public let inputShape: SampleShape
    public let classes: Int
    public let split: SplitSizes
    public let models: [Model]

    /// Public so that a plan read back from a record (a run store) can be replayed.
    public init(dataSet: String, inputShape: SampleShape, classes: Int, split: SplitSizes, models: [Model]) {
        self.dataSet = dataSet
        self.inputShape = inputShape
        self.classes = classes
        self.split = split
        self.models = models
    }
}

public struct SplitSizes: Sendable, Equatable {
    public let labeled: Int
    public let validation: Int
    public let unlabeled: Int
    public let test: Int
    public let labeledPerClass: [Int]

    public init(labeled: Int, validation: Int, unlabeled: Int, test: Int, labeledPerClass: [Int]) {
        self.labeled = labeled
        self.validation = validation
        self.unlabeled = unlabeled
        self.test = test
        self.labeledPerClass = labeledPerClass
    }
}
