import MimicEngine

/// What a sweep's trainings reached, laid out for comparison. Every model of every
/// training is an entry with a coordinate: which model it is ("student cnn-s") and
/// the value of each setting the trainings differ in ("labeled 0.05"), seeds aside.
/// A cell is one coordinate: its entries are the same model over the seeds, and its
/// figures their mean and spread. Pure: the store's records come in, numbers go out,
/// so `mimic sweep show`, the export and the dashboard all read the same grid.
public struct SweepResults: Sendable {
    /// One axis of the grid: "model", or a setting the trainings differ in.
    public struct Dimension: Sendable, Equatable {
        public let name: String
        public let values: [String]
    }

    /// How far one training of the sweep got, as its run recorded it.
    public struct Outcome: Sendable {
        public let runID: Int64
        public let isRunning: Bool
        /// Every model of the run, as far as each got.
        public let models: [ModelResult]

        public init(runID: Int64, isRunning: Bool, models: [ModelResult]) {
            self.runID = runID
            self.isRunning = isRunning
            self.models = models
        }
    }

    /// One model of one training.
    struct Entry: Sendable {
        let coordinate: [Int]
        let training: Int
        let role: ModelID.Role
        let position: Int
    }

    /// The grid's axes; the first is always "model".
    public let dimensions: [Dimension]
    public let trainings: [ExperimentConfig]
    public let outcomes: [Int: Outcome]
    let entries: [Entry]

    public static let modelDimension = 0

    /// `outcomes` maps a training's place in `trainings` to its run, for those started.
    public init(trainings: [ExperimentConfig], outcomes: [Int: Outcome]) {
        self.trainings = trainings
        self.outcomes = outcomes
        let fields = SweepField.differing(in: trainings).filter { $0.flag != "--seed" }
        var fieldValues = fields.map { _ in [String]() }
        var modelValues: [String] = []
        var entries: [Entry] = []
        func index(of value: String, in values: inout [String]) -> Int {
            if let index = values.firstIndex(of: value) { return index }
            values.append(value)
            return values.count - 1
        }
        // Mentors first, then students, then baselines, each in the order first met.
        var planned: [(training: Int, role: ModelID.Role, position: Int, spec: String)] = []
        for (k, config) in trainings.enumerated() {
            if config.mentorCheckpoint == nil { planned.append((k, .mentor, 1, config.mentor)) }
        }
        for (k, config) in trainings.enumerated() {
            planned += config.students.enumerated().map { (k, .student, $0.offset + 1, $0.element) }
        }
        for (k, config) in trainings.enumerated() where config.baselines {
            planned += config.students.enumerated().map { (k, .baseline, $0.offset + 1, $0.element) }
        }
        for model in planned {
            let config = trainings[model.training]
            var coordinate = [index(of: "\(model.role.rawValue) \(model.spec)", in: &modelValues)]
            for (n, field) in fields.enumerated() {
                coordinate.append(index(of: field.value(of: config) ?? "-", in: &fieldValues[n]))
            }
            entries.append(Entry(coordinate: coordinate, training: model.training, role: model.role, position: model.position))
        }
        dimensions = [Dimension(name: "model", values: modelValues)]
            + zip(fields, fieldValues).map { Dimension(name: $0.name, values: $1) }
        self.entries = entries
    }

    /// The trainings that have a run, and those whose run has every model finished.
    public var startedCount: Int { outcomes.count }
    public var doneCount: Int {
        trainings.indices.filter { k in
            guard let outcome = outcomes[k] else { return false }
            return !outcome.isRunning && outcome.models.allSatisfy { $0.status == .finished }
        }.count
    }

    /// The dimension's values as numbers, when every one is a positive number (a
    /// labeled fraction, a learning rate): what a chart can take as its x-axis.
    public func numericValues(of dimension: Int) -> [Double]? {
        let numbers = dimensions[dimension].values.compactMap(Double.init)
        guard numbers.count == dimensions[dimension].values.count, numbers.allSatisfy({ $0 > 0 }) else { return nil }
        return numbers
    }

    /// The cell at `coordinate` (a value's index for each dimension), with `metric`.
    public func cell(_ coordinate: [Int], metric: SweepMetric) -> SweepCell {
        let members = entries.filter { $0.coordinate == coordinate }
        var values: [Double?] = []
        var done = 0
        var runIDs: [Int64] = []
        var running = 0
        for entry in members {
            guard let outcome = outcomes[entry.training] else { continue }
            if !runIDs.contains(outcome.runID) { runIDs.append(outcome.runID) }
            let own = model(entry.role, entry.position, of: outcome)
            guard let own, own.status == .finished, own.test != nil else {
                if outcome.isRunning { running += 1 }
                continue
            }
            done += 1
            values.append(metric.value(own: own, mentor: model(.mentor, 1, of: outcome),
                                       baseline: entry.role == .student ? model(.baseline, entry.position, of: outcome) : nil))
        }
        let model = members.first.map { entry -> ModelID in
            let config = trainings[entry.training]
            return ModelID(role: entry.role, index: entry.position,
                           spec: entry.role == .mentor ? config.mentor : config.students[entry.position - 1])
        }
        return SweepCell(statistic: SeedSummary.Statistic(values), done: done, running: running, planned: members.count,
                         runIDs: runIDs, model: model)
    }

    private func model(_ role: ModelID.Role, _ position: Int, of outcome: Outcome) -> ModelResult? {
        outcome.models.first { $0.id.role == role && $0.id.index == position }
    }

    /// Every coordinate of the grid, the last dimension turning fastest.
    public var coordinates: [[Int]] {
        dimensions.reduce([[]]) { partial, dimension in
            partial.flatMap { prefix in dimension.values.indices.map { prefix + [$0] } }
        }
    }
}

/// One cell of a sweep's grid: a model at one setting, over its seeds.
public struct SweepCell: Sendable {
    /// The metric over the seeds whose model finished.
    public let statistic: SeedSummary.Statistic
    public let done: Int
    /// Seeds whose model has not finished and whose run is training.
    public let running: Int
    /// Seeds planned; zero for a combination the sweep does not have.
    public let planned: Int
    /// The runs of its trainings started so far, in plan order.
    public let runIDs: [Int64]
    /// Which model of those runs the cell is, nil for an empty cell.
    public let model: ModelID?
}

/// What a cell of the grid shows.
public enum SweepMetric: String, CaseIterable, Sendable {
    case testAccuracy = "test accuracy"
    case deltaBaseline = "Δ baseline"
    case deltaMentor = "Δ mentor"
    case testLoss = "test loss"
    case trainingTime = "training time"

    /// A model's figure; Δ mentor has none for the mentor and Δ baseline none but for students.
    func value(own: ModelResult, mentor: ModelResult?, baseline: ModelResult?) -> Double? {
        guard let test = own.test else { return nil }
        switch self {
        case .testAccuracy: return test.accuracy
        case .testLoss: return test.loss
        case .trainingTime: return own.trainingTime
        case .deltaMentor:
            guard own.id.role != .mentor, let reference = mentor?.test else { return nil }
            return test.accuracy - reference.accuracy
        case .deltaBaseline:
            guard let reference = baseline?.test else { return nil }
            return test.accuracy - reference.accuracy
        }
    }

    /// Higher is better for accuracy and the differences; lower for loss and time.
    public var higherIsBetter: Bool {
        switch self {
        case .testAccuracy, .deltaBaseline, .deltaMentor: true
        case .testLoss, .trainingTime: false
        }
    }

    public var next: SweepMetric {
        let all = SweepMetric.allCases
        return all[(all.firstIndex(of: self)! + 1) % all.count]
    }

    /// "89.40±0.12": the mean and the sample standard deviation in the metric's unit
    /// (points of accuracy, seconds), `plusMinus` being "±" or "+-".
    public func format(_ statistic: SeedSummary.Statistic, plusMinus: String = "±") -> String? {
        guard let mean = statistic.mean else { return nil }
        let (pattern, scale): (String, Double) = switch self {
        case .testAccuracy: ("%.2f", 100)
        case .deltaBaseline, .deltaMentor: ("%+.2f", 100)
        case .testLoss: ("%.4f", 1)
        case .trainingTime: ("%.1f", 1)
        }
        let sdPattern = self == .deltaBaseline || self == .deltaMentor ? "%.2f" : pattern
        var text = String(format: pattern, mean * scale)
        if let sd = statistic.standardDeviation { text += plusMinus + String(format: sdPattern, sd * scale) }
        return self == .trainingTime ? text + "s" : text
    }
}
