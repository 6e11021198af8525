import ArgumentParser
import Foundation
import MimicEngine
import MimicStore

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Print the models of several recorded runs side by side.",
        discussion: """
            First the runs, with every option on which they differ; then each model
            (mentor, student 1, ...) of every run, one under the other, with the columns
            of the final table.
            Examples:
              mimic compare 12 13
              mimic compare 3 7 8 last
            """)

    @Argument(help: ArgumentHelp("Two or more run ids from 'mimic runs' ('last' for the newest).", valueName: "run"))
    var runs: [String]

    @OptionGroup var storeOptions: StoreOptions

    func validate() throws {
        guard runs.count >= 2 else {
            throw ValidationError("Compare needs at least two runs; pass their ids, e.g. 'mimic compare 12 13'.")
        }
    }

    func run() throws {
        let store = try storeOptions.openForReading()
        let stored = try runs.map { try store.storedRun(try store.resolveRunID($0)) }
        writeLine(Self.runsTable(stored).text)
        writeLine("")
        writeLine(Self.modelsTable(stored).text)
    }

    /// One row per run: its id, status and data set, and each option whose value
    /// is not the same in every run.
    static func runsTable(_ stored: [StoredRun]) -> PlainTable {
        let options = stored.map { run in
            Dictionary(run.run.config.trainOptions.map { ($0.flag, $0.value ?? "yes") }) { $0 + "," + $1 }
        }
        let flags = ExperimentConfig().trainOptions.map(\.flag)
            + ["--validation", "--mentor-checkpoint", "--baselines"]
        var differing: [String] = []
        for flag in flags where !differing.contains(flag) {
            let values = options.map { $0[flag] ?? "-" }
            if Set(values).count > 1 { differing.append(flag) }
        }
        let rows = zip(stored, options).map { run, options in
            [String(run.run.id), run.run.status.rawValue, run.run.dataSet, RunFormatting.time(run.run.startedAt)]
                + differing.map { options[$0] ?? "-" }
        }
        return PlainTable(columns: ["run", "status", "data set", "started"] + differing, rows: rows,
                          leftAligned: Set(0..<(4 + differing.count)).subtracting([0]))
    }

    /// The final table's columns with the run in front; models of the same name are
    /// next to each other, in training order.
    static func modelsTable(_ stored: [StoredRun]) -> PlainTable {
        var order: [String] = []
        var rowsByName: [String: [[String]]] = [:]
        for run in stored {
            for (model, row) in zip(run.models, run.tableRows) {
                let name = model.modelID.name
                if rowsByName[name] == nil { order.append(name) }
                rowsByName[name, default: []].append([String(run.run.id)] + row)
            }
        }
        return PlainTable(columns: ["run"] + ReportTable.columns, rows: order.flatMap { rowsByName[$0]! },
                          leftAligned: Set(ReportTable.leftAligned.map { $0 + 1 }))
    }
}
