/// How the curves pane draws: which metric, which scale, which x-axis, how smooth.
public struct ChartSettings: Equatable, Sendable {
    public enum Metric: CaseIterable, Sendable {
        case loss, accuracy, both
        var name: String {
            switch self {
            case .loss: "loss"
            case .accuracy: "accuracy"
            case .both: "loss+acc"
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
    public var xAxis: XAxis = .epochs
    public var smoothingIndex = 2

    public init() {}

    public var smoothing: Double { Self.smoothingSteps[smoothingIndex] }

    mutating func cycleMetric() { metric = metric.cycled() }
    mutating func cycleXAxis() { xAxis = xAxis.cycled() }
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
