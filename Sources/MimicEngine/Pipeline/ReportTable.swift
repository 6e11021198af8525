import Foundation

/// The final comparison table of a run, as plain text, Markdown or CSV. One place
/// decides the columns and how each value reads, whatever the output.
public struct ReportTable {
    public static let columns = [
        "role", "spec", "params", "train time", "test acc", "test loss",
        "agreement", "parity", "Δ mentor", "Δ baseline", "status",
    ]

    /// Names, specs and status read left-aligned; numbers right-aligned.
    public static let leftAligned: Set<Int> = [0, 1, 10]

    public let report: ExperimentReport

    public init(_ report: ExperimentReport) { self.report = report }

    /// "unknown" for a mentor that finished without a test result (one known by its
    /// pool logits alone), "-" for a model that has none because it did not finish.
    private func unmeasured(_ result: ModelResult) -> String {
        result.id.role == .mentor && result.status == .finished ? "unknown" : "-"
    }

    /// One row of display strings per model; "-" where a value does not apply.
    public var rows: [[String]] {
        report.results.map { result in
            [
                result.id.name,
                result.id.spec,
                result.parameters > 0 ? Self.grouped(result.parameters) : "-",
                result.trainingTime > 0 ? String(format: "%.1fs", result.trainingTime) : "-",
                result.test.map { String(format: "%.2f%%", $0.accuracy * 100) } ?? unmeasured(result),
                result.test.map { String(format: "%.4f", $0.loss) } ?? unmeasured(result),
                result.test?.agreement.map { String(format: "%.2f%%", $0 * 100) } ?? "-",
                parity(result),
                report.accuracyDeltaToMentor(result).map(Self.points) ?? "-",
                report.accuracyDeltaToBaseline(result).map(Self.points) ?? "-",
                result.status.description,
            ]
        }
    }

    /// The time to parity; "never" for a model evaluated against a mentor that it did not reach.
    private func parity(_ result: ModelResult) -> String {
        if let time = result.timeToParity { return String(format: "%.1fs", time) }
        let comparable = result.id.role != .mentor && result.test != nil && report.mentor?.test != nil
        return comparable ? "never" : "-"
    }

    public var table: PlainTable {
        PlainTable(columns: Self.columns, rows: rows, leftAligned: Self.leftAligned)
    }

    /// Aligned columns for a terminal or a log.
    public var text: String { table.text }

    public var markdown: String { table.markdown }

    /// Raw numbers rather than display strings, so a spreadsheet can compute with them.
    public var csv: String { Self.csvHeader + "\n" + csvLines.joined(separator: "\n") + "\n" }

    public static let csvHeader = "seed,role,index,spec,params,train_seconds,test_accuracy,test_loss,agreement,parity_seconds,delta_mentor,delta_baseline,status"

    /// One CSV line per model, without the header, for files that gather several runs.
    public var csvLines: [String] {
        report.results.map { result -> String in
            let fields: [String] = [
                String(report.config.seed), result.id.role.rawValue, String(result.id.index), result.id.spec,
                String(result.parameters), String(format: "%.3f", result.trainingTime),
                result.test.map { String(format: "%.6f", $0.accuracy) } ?? "",
                result.test.map { String(format: "%.6f", $0.loss) } ?? "",
                result.test?.agreement.map { String(format: "%.6f", $0) } ?? "",
                result.timeToParity.map { String(format: "%.3f", $0) } ?? "",
                report.accuracyDeltaToMentor(result).map { String(format: "%.6f", $0) } ?? "",
                report.accuracyDeltaToBaseline(result).map { String(format: "%.6f", $0) } ?? "",
                result.status.description,
            ]
            return fields.map(Self.csvField).joined(separator: ",")
        }
    }

    public static func grouped(_ value: Int) -> String {
        let digits = String(value)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return out
    }

    static func points(_ delta: Double) -> String {
        String(format: "%+.2f", delta * 100)
    }

    public static func csvField(_ field: String) -> String {
        field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
            ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
    }
}
