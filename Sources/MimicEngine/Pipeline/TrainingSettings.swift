/// The settings of one model's optimisation. Package-wide, as are the trainer, its
/// batches and the evaluator, for the benchmark, which times the real training path.
package struct TrainingSettings {
    var epochs: Int
    var batchSize: Int
    var optimizer: OptimizerKind
    var learningRate: Float
    /// The option that sets `learningRate`, named when the loss diverges.
    var learningRateFlag: String
    var momentum: Float
    var weightDecay: Float
    /// Whether the decay reaches biases and batch norm's γ and β too (`--decay-all`).
    var decaysEveryParameter: Bool
    var schedule: LearningRateSchedule
    /// Train-metric points per epoch sent to listeners (test metrics come once per epoch).
    var pointsPerEpoch = 20

    package init(epochs: Int, batchSize: Int, optimizer: OptimizerKind, learningRate: Float, learningRateFlag: String,
                 momentum: Float, weightDecay: Float, decaysEveryParameter: Bool = false, schedule: LearningRateSchedule,
                 pointsPerEpoch: Int = 20) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.optimizer = optimizer
        self.learningRate = learningRate
        self.learningRateFlag = learningRateFlag
        self.momentum = momentum
        self.weightDecay = weightDecay
        self.decaysEveryParameter = decaysEveryParameter
        self.schedule = schedule
        self.pointsPerEpoch = pointsPerEpoch
    }
}
