import Foundation

/// The same protocol run with several seeds, model by model: mean and spread of each
/// figure, so one lucky seed cannot carry a claim.
public struct SeedSummary: Sendable {
    /// Mean and sample standard deviation of the values that exist.
    public struct Statistic: Sendable {
        public let values: [Double]
        public init(_ values: [Double?]) { self.values = values.compactMap { $0 } }
        public var mean: Double? { values.isEmpty ? nil : values.reduce(0, +) / Double(values.count) }
        public var standardDeviation: Double? {
            guard values.count > 1, let mean else { return nil }
            return (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)).squareRoot()
        }
    }

    public struct Row: Sendable {
        public let id: ModelID
        public let parameters: Int
        public let trainingTime: Statistic
        public let testAccuracy: Statistic
        public let testLoss: Statistic
        public let agreement: Statistic
        public let timeToParity: Statistic
        /// How many seeds reached parity with the mentor.
        public let parityCount: Int
        public let deltaMentor: Statistic
        public let deltaBaseline: Statistic
    }

    public let seeds: Int
    public let rows: [Row]

    /// Models are matched across reports by role and index.
    public init(_ reports: [ExperimentReport]) {
        seeds = reports.count
        guard let first = reports.first else {
            rows = []
            return
        }
        rows = first.results.map { model in
            let matches = reports.compactMap { report in
                report.results.first { $0.id == model.id }.map { (report, $0) }
            }
            return Row(
                id: model.id, parameters: model.parameters,
                trainingTime: Statistic(matches.map { $0.1.trainingTime }),
                testAccuracy: Statistic(matches.map { $0.1.test?.accuracy }),
                testLoss: Statistic(matches.map { $0.1.test?.loss }),
                agreement: Statistic(matches.map { $0.1.test?.agreement }),
                timeToParity: Statistic(matches.map { $0.1.timeToParity }),
                parityCount: matches.filter { $0.1.timeToParity != nil }.count,
                deltaMentor: Statistic(matches.map { $0.0.accuracyDeltaToMentor($0.1) }),
                deltaBaseline: Statistic(matches.map { $0.0.accuracyDeltaToBaseline($0.1) }))
        }
    }

    public static let columns = [
        "role", "spec", "params", "train time", "test acc", "test loss",
        "agreement", "parity", "Δ mentor", "Δ baseline",
    ]

    /// "mean ± sd" where several seeds give a spread.
    public var table: PlainTable {
        PlainTable(columns: Self.columns, rows: displayRows, leftAligned: [0, 1])
    }

    private var displayRows: [[String]] {
        rows.map { row in
            [
                row.id.name, row.id.spec, ReportTable.grouped(row.parameters),
                Self.format(row.trainingTime, "%.1fs"),
                Self.format(row.testAccuracy, "%.2f%%", scale: 100),
                Self.format(row.testLoss, "%.4f"),
                Self.format(row.agreement, "%.2f%%", scale: 100),
                row.id.role == .mentor ? "-"
                    : row.parityCount == 0 ? "never"
                    : Self.format(row.timeToParity, "%.1fs") + (seeds > 1 ? " (\(row.parityCount)/\(seeds))" : ""),
                Self.format(row.deltaMentor, "%+.2f", scale: 100),
                Self.format(row.deltaBaseline, "%+.2f", scale: 100),
            ]
        }
    }

    public static func format(_ statistic: Statistic, _ pattern: String, scale: Double = 1) -> String {
        guard let mean = statistic.mean else { return "-" }
        var text = String(format: pattern, mean * scale)
        if let spread = statistic.standardDeviation {
            text += " ± " + String(format: pattern, spread * scale).replacingOccurrences(of: "+", with: "")
        }
        return text
    }
}
