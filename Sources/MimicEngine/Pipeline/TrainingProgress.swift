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
