import MimicEngine

/// The train and test series of one model, grown from its progress events.
public struct ModelCurves: Sendable {
    public let id: ModelID
    /// Mid-epoch windows: the train series proper.
    public private(set) var trainWindows: [CurvePoint] = []
    /// Whole-epoch train means, used only when an epoch is too short for windows.
    public private(set) var trainEpochMeans: [CurvePoint] = []
    public private(set) var test: [CurvePoint] = []

    public init(id: ModelID) { self.id = id }

    /// The train series to draw. Epoch means would put a long-window point among
    /// short-window ones, so they stand in only for a model that has no windows.
    public var train: [CurvePoint] { trainWindows.isEmpty ? trainEpochMeans : trainWindows }

    /// `samplesPerEpoch` turns samples seen into fractional epochs.
    mutating func add(_ progress: TrainingProgress, samplesPerEpoch: Int) {
        let epoch = Double(progress.samplesSeen) / Double(max(samplesPerEpoch, 1))
        let trainPoint = CurvePoint(epoch: epoch, samples: Double(progress.samplesSeen), seconds: progress.trainingTime,
                                    loss: progress.trainLoss, accuracy: progress.trainAccuracy)
        if let evaluation = progress.test {
            trainEpochMeans.append(trainPoint)
            test.append(CurvePoint(epoch: Double(progress.epoch), samples: Double(progress.samplesSeen),
                                   seconds: progress.trainingTime, loss: evaluation.loss, accuracy: evaluation.accuracy))
        } else {
            trainWindows.append(trainPoint)
        }
    }

    /// The first test point at which accuracy reached `target`.
    public func parityPoint(target: Double) -> CurvePoint? {
        test.first { $0.accuracy >= target }
    }
}
