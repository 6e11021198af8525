import ArgumentParser
import Foundation
import MimicStore

struct DeleteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete recorded runs: their rows in the store and their run folders.",
        discussion: """
            Asks y/N for each run first; --yes deletes without asking, and is needed when
            standard input is not a terminal. Checkpoints written elsewhere with --save
            are kept. A run still training is refused: stop it first.
            Examples:
              mimic delete 12
              mimic delete 3 4 5 --yes
            """)

    @Argument(help: ArgumentHelp("Run ids from 'mimic runs' ('last' for the newest).", valueName: "run"))
    var runs: [String]

    @Flag(help: "Delete without asking.")
    var yes = false

    @OptionGroup var storeOptions: StoreOptions

    func validate() throws {
        guard !runs.isEmpty else { throw ValidationError("Name the run to delete, e.g. 'mimic delete 12'.") }
    }

    func run() throws {
        let store = try storeOptions.open(create: false)
        let ids = try runs.map { try store.resolveRunID($0) }
        let asking = !yes
        if asking && isatty(STDIN_FILENO) == 0 {
            let list = ids.map(String.init).joined(separator: " ")
            throw UsageError("'mimic delete' asks before deleting, but standard input is not a terminal; "
                + "pass --yes to delete run\(ids.count == 1 ? "" : "s") \(list) without asking.")
        }
        for id in ids {
            if asking {
                // A run whose configuration cannot be read is deleted like any other.
                let record = try? store.run(id)
                let about = record.map { "\($0.status.rawValue), \($0.dataSet), started \(RunFormatting.time($0.startedAt))" }
                    ?? "its configuration cannot be read"
                let folder = record?.folder.map { " and its folder \($0)" } ?? ""
                let question = "Delete run \(id) (\(about))\(folder)? [y/N] "
                FileHandle.standardOutput.write(Data(question.utf8))
                let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
                guard answer == "y" || answer == "yes" else {
                    writeLine("kept run \(id)")
                    continue
                }
            }
            try store.deleteRun(id)
            writeLine("deleted run \(id)")
        }
    }
}
