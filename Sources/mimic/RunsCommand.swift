import ArgumentParser
import Foundation
import MimicEngine
import MimicStore

extension RunStatus: ExpressibleByArgument {}

struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List the recorded runs, newest first.",
        discussion: """
            Every 'mimic train' and every run started in the dashboard is recorded in the
            run store as it trains. A run is running, done, stopped (Ctrl-C, or S in the
            dashboard), failed (a model diverged, or the run could not start) or
            interrupted (its process died: killed, crashed, or the machine stopped).
            The id in the first column is what 'mimic show', 'export', 'compare' and
            'delete' take; 'last' means the newest run.
            Examples:
              mimic runs
              mimic runs --status done --data-set fashion-mnist
              mimic runs --store ~/experiments/runs.sqlite
            """)

    @Option(help: "Only runs with this status: \(RunStatus.allCases.map(\.rawValue).joined(separator: ", ")).")
    var status: RunStatus?

    @Option(help: ArgumentHelp("Only runs on this data set (fashion-mnist, mnist, cifar-10, ...), any case.", valueName: "name"))
    var dataSet: String?

    @OptionGroup var storeOptions: StoreOptions

    static let columns = ["id", "started", "time", "status", "data set", "labeled", "seed", "mentor", "students",
                          "mentor acc", "best student"]

    func run() throws {
        // Only a store that is not there: a loop of links or a folder that may not be
        // searched is opened, and named for what it is.
        if case .sqlite(let path) = try storeOptions.address(), FileBytes.problemReaching(path)?.missing == true {
            writeLine("No runs yet: there is no run store at \(path); 'mimic train' makes one.")
            return
        }
        let store = try storeOptions.openForReading()
        let runs = try store.runs(status: status, dataSet: dataSet)
        // Runs the listing leaves out because their configuration cannot be read.
        let unreadable = try store.unreadableRuns()
        writeLine(try listing(runs, store: store, someUnreadable: !unreadable.isEmpty))
        guard unreadable.isEmpty else {
            for problem in unreadable { FileHandle.standardError.write(Data("mimic: \(problem)\n".utf8)) }
            throw ExitCode.failure
        }
    }

    private func listing(_ runs: [RunRecord], store: RunStore, someUnreadable: Bool) throws -> String {
        guard !runs.isEmpty else {
            let filtered = status != nil || dataSet != nil
            return filtered ? "No run in \(store.location) matches; 'mimic runs' without filters lists them all."
                 : someUnreadable ? "No readable runs in \(store.location)."
                 : "No runs yet in \(store.location)."
        }
        let rows = try runs.map { run in
            let models = try store.models(ofRun: run.id)
            return [
                String(run.id), RunFormatting.time(run.startedAt), RunFormatting.elapsed(run), run.status.rawValue,
                run.dataSet, String(format: "%g%%", run.config.labeledFraction * 100), String(run.seed),
                run.config.mentorCheckpoint == nil ? run.config.mentor : "(saved)",
                run.config.students.joined(separator: ","),
                RunFormatting.mentorAccuracy(models), RunFormatting.bestStudent(models),
            ]
        }
        return PlainTable(columns: Self.columns, rows: rows, leftAligned: [1, 3, 4, 7, 8, 10]).text
    }
}
