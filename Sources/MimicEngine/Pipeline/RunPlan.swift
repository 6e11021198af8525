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
