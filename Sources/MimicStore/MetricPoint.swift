/// One value of a model's metric series: a row of `metrics`.
public struct MetricPoint: Sendable, Equatable {
    public var modelID: Int64
    public var step: Int
    public var epoch: Int
    public var samplesSeen: Int
    /// Training time of the model so far: pauses and evaluations excluded.
    public var trainingSeconds: Double
    /// Seconds since the run started, everything included.
    public var wallSeconds: Double
    /// train_loss, train_accuracy, samples_per_second, test_loss, test_accuracy,
    /// test_agreement, validation_loss, validation_accuracy.
    public var name: String
    public var value: Double

    public init(modelID: Int64, step: Int, epoch: Int, samplesSeen: Int, trainingSeconds: Double,
                wallSeconds: Double, name: String, value: Double) {
        self.modelID = modelID
        self.step = step
        self.epoch = epoch
        self.samplesSeen = samplesSeen
        self.trainingSeconds = trainingSeconds
        self.wallSeconds = wallSeconds
        self.name = name
        self.value = value
    }

    public init(row: StoreRow) {
        modelID = row["model_id"]
        step = row["step"]
        epoch = row["epoch"]
        samplesSeen = row["samples_seen"]
        trainingSeconds = row["training_seconds"]
        wallSeconds = row["wall_seconds"]
        name = row["name"]
        value = row["value"]
    }
}
