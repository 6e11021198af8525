/// How the curves pane draws: which metric, which scale and y-range, which x-axis,
/// how smooth.
public struct ChartSettings: Equatable, Sendable {
    /// What the charts show. Loss and accuracy are measured against the true labels
    /// (every model's test curve; the train curve of a model trained on labels);
    /// `mimic` is the students' own training objective against the mentor's outputs
    /// (kd, mse or hard loss, agreement with the mentor), another quantity, so it
    /// has charts of its own.
    public enum Metric: CaseIterable, Sendable {
        case loss, accuracy, mimic, both
        var name: String {
            switch self {
            case .loss: "loss"
            case .accuracy: "accuracy"
            case .mimic: "mimic"
            case .both: "loss+acc"
            }
        }
    }

    /// Which values set the y-axis (`ChartRange`).
    public enum YRange: CaseIterable, Sendable {
        /// The values worth comparing: test curves and the train curves past their first
        /// epoch, 5th to 95th percentile, always holding every final test value.
        case robust
        /// Every value drawn.
        case full
        /// The last third of the x-axis, its y-range fitted robustly to what is there.
        case end
        /// As the title says it.
        var name: String {
            switch self {
            case .robust: "y robust"
            case .full: "y full"
            case .end: "last third"
            }
        }

        /// For the status line; short enough for an 80-column footer.
        var explanation: String {
            switch self {
            case .robust: "y robust: test curves and train curves after epoch 1; spikes left out."
            case .full: "y full: every value drawn, first epochs included."
            case .end: "Last third: the end of the run zoomed, y fitted to it."
            }
        }
    }

    public enum XAxis: CaseIterable, Sendable {
        case epochs, samples, time
        var name: String {
            switch self {
            case .epochs: "epochs"
            case .samples: "samples"
            case .time: "time"
            }
        }
    }

    /// Smoothing weights of the exponential moving average, from none up; a list rather
    /// than free steps because the useful values crowd near 1.
    public static let smoothingSteps: [Double] = [0, 0.5, 0.8, 0.9, 0.95, 0.98]

    public var metric: Metric = .both
    public var logLoss = false
    public var yRange: YRange = .robust
    public var xAxis: XAxis = .epochs
    public var smoothingIndex = 2

    public init() {}

    public var smoothing: Double { Self.smoothingSteps[smoothingIndex] }

    mutating func cycleMetric() { metric = metric.cycled() }
    mutating func cycleXAxis() { xAxis = xAxis.cycled() }
    mutating func cycleYRange() { yRange = yRange.cycled() }
    mutating func smoothMore() { smoothingIndex = min(smoothingIndex + 1, Self.smoothingSteps.count - 1) }
    mutating func smoothLess() { smoothingIndex = max(smoothingIndex - 1, 0) }
}

extension CaseIterable where Self: Equatable, AllCases.Index == Int {
    /// The next case, wrapping round.
    func cycled() -> Self {
        let all = Self.allCases
        let index = all.firstIndex(of: self)!
        return all[(index + 1) % all.count]
    }
}
