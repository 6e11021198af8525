/// The outcome of a whole run: every model's result, in the order they trained.
public struct ExperimentReport: Sendable {
    public let dataSet: String
    public let split: SplitSizes
    public let config: ExperimentConfig
    public var results: [ModelResult]
    /// Seconds from the first step of the mentor to the end, evaluations included.
    public var wallTime: Double

    public init(dataSet: String, split: SplitSizes, config: ExperimentConfig, results: [ModelResult], wallTime: Double) {
        self.dataSet = dataSet
        self.split = split
        self.config = config
        self.results = results
        self.wallTime = wallTime
    }

    public var mentor: ModelResult? { results.first { $0.id.role == .mentor } }

    /// The labeled-only baseline trained with the same architecture as `student`.
    public func baseline(for student: ModelID) -> ModelResult? {
        results.first { $0.id.role == .baseline && $0.id.index == student.index }
    }

    /// Test-accuracy difference to the mentor, in fractions (0.01 = one point).
    public func accuracyDeltaToMentor(_ result: ModelResult) -> Double? {
        guard result.id.role != .mentor, let own = result.test?.accuracy,
              let mentor = mentor?.test?.accuracy else { return nil }
        return own - mentor
    }

    /// A student's test-accuracy difference to its own labeled-only baseline.
    public func accuracyDeltaToBaseline(_ result: ModelResult) -> Double? {
        guard result.id.role == .student, let own = result.test?.accuracy,
              let base = baseline(for: result.id)?.test?.accuracy else { return nil }
        return own - base
    }

    /// True when every model trained to its last epoch.
    public var allFinished: Bool { results.allSatisfy { $0.status == .finished } }
}
