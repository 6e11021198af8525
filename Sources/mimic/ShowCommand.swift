import ArgumentParser
import Foundation
import MimicEngine
import MimicStore

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print a recorded run: its configuration and its final table.",
        discussion: """
            The table is the one 'mimic train' prints at the end; for a run still
            training, or interrupted, it holds each model as far as it got (its last
            completed epoch) and the model's status says where it stands.
            Examples:
              mimic show 12
              mimic show last
            """)

    @Argument(help: ArgumentHelp("A run id from 'mimic runs', or 'last'.", valueName: "run"))
    var runID: String

    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
        let (store, id) = try storeOptions.openRun(runID, reading: true)
        let stored = try store.storedRun(id)
        for line in Self.describe(stored, store: store) { writeLine(line) }
        writeLine("")
        writeLine(stored.models.isEmpty ? "No model has started training." : stored.table.text)
    }

    /// The run's header and configuration, one line each.
    static func describe(_ stored: StoredRun, store: RunStore) -> [String] {
        let run = stored.run
        var lines: [String] = []
        var when = "started \(RunFormatting.time(run.startedAt)), \(RunFormatting.elapsed(run))"
        if let pid = run.pid, run.status == .running || run.status == .interrupted {
            when += ", process \(pid)" + (run.host.map { " on \($0)" } ?? "")
        }
        lines.append("run \(run.id): \(run.status.rawValue) (\(when); mimic \(run.programVersion))")
        if let message = run.message { lines.append("  \(message)") }
        var data = "data set \(run.dataSet) from \(run.config.dataDirectory)"
        if let split = run.split {
            data += ": \(split.labeled) labeled, \(split.validation) validation, \(split.unlabeled) unlabeled, \(split.test) test"
        }
        lines.append(data)
        if let folder = run.folder { lines.append("folder   \(folder)") }
        if let partOf = run.partOf { lines.append("part of  \(partOf)") }
        if let save = run.config.saveDirectory, save != run.folder {
            lines.append("saved to \(save)")
        }
        lines.append("")
        lines.append("configuration")
        let pairs = run.config.trainOptions
        let width = pairs.map(\.flag.count).max() ?? 0
        for (flag, value) in pairs {
            lines.append("  " + flag.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + (value ?? "yes"))
        }
        if let threads = run.config.threads { lines.append("  " + "--threads".padding(toLength: width, withPad: " ", startingAt: 0) + "  \(threads)") }
        lines.append("repeat it with: \(ExperimentOptions.commandLine(for: run.config))")
        return lines
    }
}
