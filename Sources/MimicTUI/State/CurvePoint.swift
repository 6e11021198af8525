/// One measurement of a model, with the three x positions the chart can use.
public struct CurvePoint: Equatable, Sendable {
    /// Epochs done, fractional mid-epoch.
    public var epoch: Double
    public var samples: Double
    /// Training seconds of this model.
    public var seconds: Double
    public var loss: Double
    public var accuracy: Double

    public init(epoch: Double, samples: Double, seconds: Double, loss: Double, accuracy: Double) {
        self.epoch = epoch
        self.samples = samples
        self.seconds = seconds
        self.loss = loss
        self.accuracy = accuracy
    }

    func x(_ axis: ChartSettings.XAxis) -> Double {
        switch axis {
        case .epochs: epoch
        case .samples: samples
        case .time: seconds
        }
    }
}
