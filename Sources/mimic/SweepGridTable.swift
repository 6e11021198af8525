import Foundation
import MimicEngine
import MimicSweep

/// A sweep's grid as a table: one row per setting the trainings differ in (seeds
/// aside) and model, with the mean ± sample standard deviation over the seeds done,
/// and how many of them are done.
struct SweepGridTable {
    struct Row {
        /// "labeled 0.05, loss kd", or "the one setting" when only seeds differ.
        let setting: String
        let model: String
        let done: Int
        let planned: Int
        let figures: [SweepMetric: SeedSummary.Statistic]
    }

    let rows: [Row]

    init(_ results: SweepResults) {
        let model = SweepResults.modelDimension
        var rows: [Row] = []
        // Settings in plan order, models within each: the order the trainings run in.
        let settings = results.coordinates.map { Array($0.dropFirst()) }.reduce(into: [[Int]]()) { list, setting in
            if !list.contains(setting) { list.append(setting) }
        }
        for setting in settings {
            let name = zip(results.dimensions.dropFirst(), setting).map { "\($0.name) \($0.values[$1])" }.joined(separator: ", ")
            for value in results.dimensions[model].values.indices {
                let coordinate = [value] + setting
                let cell = results.cell(coordinate, metric: .testAccuracy)
                guard cell.planned > 0 else { continue }
                var figures: [SweepMetric: SeedSummary.Statistic] = [:]
                for metric in SweepMetric.allCases { figures[metric] = results.cell(coordinate, metric: metric).statistic }
                rows.append(Row(setting: name.isEmpty ? "the one setting" : name, model: results.dimensions[model].values[value],
                                done: cell.done, planned: cell.planned, figures: figures))
            }
        }
        self.rows = rows
    }

    static let metrics: [SweepMetric] = [.testAccuracy, .testLoss, .deltaMentor, .deltaBaseline, .trainingTime]

    var table: PlainTable {
        PlainTable(columns: ["setting", "model", "seeds", "test acc %", "test loss", "Δ mentor", "Δ baseline", "train time"],
                   rows: rows.map { row in
                       [row.setting, row.model, "\(row.done)/\(row.planned)"]
                           + Self.metrics.map { metric in row.figures[metric].flatMap { metric.format($0) } ?? "-" }
                   }, leftAligned: [0, 1])
    }

    /// One line per setting, model and figure: mean, standard deviation and seeds.
    var csv: String {
        var lines = ["setting,model,seeds_done,seeds_planned,test_accuracy_mean,test_accuracy_sd,test_loss_mean,test_loss_sd,"
            + "delta_mentor_mean,delta_mentor_sd,delta_baseline_mean,delta_baseline_sd,train_seconds_mean,train_seconds_sd"]
        func pair(_ statistic: SeedSummary.Statistic?) -> String {
            [statistic?.mean, statistic?.standardDeviation].map { $0.map { String(format: "%.6f", $0) } ?? "" }.joined(separator: ",")
        }
        for row in rows {
            lines.append(([ReportTable.csvField(row.setting), ReportTable.csvField(row.model), String(row.done), String(row.planned)]
                + Self.metrics.map { pair(row.figures[$0]) }).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
