import Foundation
import MimicEngine
import MimicStore

/// A sweep's results over its seeds: one row per cell (the settings a training has
/// besides its seed) and model, with the mean ± sample standard deviation of what the
/// seeds done reached, and how many of them are done.
struct SweepGridTable {
    struct Row {
        let cell: String
        let model: String
        let done: Int
        let planned: Int
        let accuracy: SeedSummary.Statistic
        let loss: SeedSummary.Statistic
        let deltaMentor: SeedSummary.Statistic
        let deltaBaseline: SeedSummary.Statistic
        let seconds: SeedSummary.Statistic
    }

    let rows: [Row]

    init(sweep: SweepRecord, store: RunStore) throws {
        let runs = try store.runs(sweep: sweep.id)
        var withoutSeed = sweep.trainings
        for k in withoutSeed.indices { withoutSeed[k].seed = 0 }
        var cells: [(name: String, trainings: [Int])] = []
        for (k, config) in withoutSeed.enumerated() {
            let name = SweepPrinter.describe(config, among: withoutSeed)
            if let index = cells.firstIndex(where: { $0.name == name }) { cells[index].trainings.append(k) } else { cells.append((name, [k])) }
        }
        var rows: [Row] = []
        for cell in cells {
            // Each training's models, once its run is done.
            var done: [[ModelRecord]] = []
            for k in cell.trainings {
                guard let run = runs.first(where: { $0.slot?.training == k }), run.status == .done else { continue }
                done.append(try store.models(ofRun: run.id))
            }
            let models = sweep.trainings[cell.trainings[0]]
            var names: [(role: ModelID.Role, position: Int, spec: String)] = [(.mentor, 1, models.mentor)]
            names += models.students.enumerated().map { (.student, $0.offset + 1, $0.element) }
            if models.baselines { names += models.students.enumerated().map { (.baseline, $0.offset + 1, $0.element) } }
            for name in names {
                let records = done.map { models in
                    (own: models.first { $0.role == name.role && $0.position == name.position },
                     mentor: models.first { $0.role == .mentor },
                     baseline: models.first { $0.role == .baseline && $0.position == name.position })
                }
                func difference(_ other: (ModelRecord?) -> Double?) -> SeedSummary.Statistic {
                    SeedSummary.Statistic(records.map { record in
                        guard let own = record.own?.test?.accuracy, let base = other(name.role == .mentor ? nil : record.mentor) else { return nil }
                        return own - base
                    })
                }
                rows.append(Row(
                    cell: cell.name, model: "\(name.role.rawValue) \(name.spec)", done: done.count, planned: cell.trainings.count,
                    accuracy: SeedSummary.Statistic(records.map { $0.own?.test?.accuracy }),
                    loss: SeedSummary.Statistic(records.map { $0.own?.test?.loss }),
                    deltaMentor: difference { $0?.test?.accuracy },
                    deltaBaseline: name.role == .student
                        ? SeedSummary.Statistic(records.map { record in
                            guard let own = record.own?.test?.accuracy, let base = record.baseline?.test?.accuracy else { return nil }
                            return own - base
                        })
                        : SeedSummary.Statistic([]),
                    seconds: SeedSummary.Statistic(records.map { $0.own?.trainingSeconds })))
            }
        }
        self.rows = rows
    }

    static let columns = ["cell", "model", "seeds", "test acc %", "test loss", "Δ mentor", "Δ baseline", "train time s"]

    var table: PlainTable {
        PlainTable(columns: Self.columns, rows: rows.map { row in
            [row.cell, row.model, "\(row.done)/\(row.planned)",
             SeedSummary.format(row.accuracy, "%.2f", scale: 100), SeedSummary.format(row.loss, "%.4f"),
             SeedSummary.format(row.deltaMentor, "%+.2f", scale: 100), SeedSummary.format(row.deltaBaseline, "%+.2f", scale: 100),
             SeedSummary.format(row.seconds, "%.1f")]
        }, leftAligned: [0, 1])
    }

    /// One line per cell, model and figure: mean, standard deviation and seeds.
    var csv: String {
        var lines = ["cell,model,seeds_done,seeds_planned,test_accuracy_mean,test_accuracy_sd,test_loss_mean,test_loss_sd,"
            + "delta_mentor_mean,delta_mentor_sd,delta_baseline_mean,delta_baseline_sd,train_seconds_mean,train_seconds_sd"]
        func pair(_ statistic: SeedSummary.Statistic) -> String {
            [statistic.mean, statistic.standardDeviation].map { $0.map { String(format: "%.6f", $0) } ?? "" }.joined(separator: ",")
        }
        for row in rows {
            lines.append([ReportTable.csvField(row.cell), ReportTable.csvField(row.model), String(row.done), String(row.planned),
                          pair(row.accuracy), pair(row.loss), pair(row.deltaMentor), pair(row.deltaBaseline), pair(row.seconds)]
                .joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
