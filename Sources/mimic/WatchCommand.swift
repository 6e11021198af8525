import ArgumentParser
import Foundation
import MimicStore
import MimicTUI

struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Open the dashboard read-only on a run that another process trains, following it live.",
        discussion: """
            Follows a run from the run store as it trains (by default the newest one
            still running, such as a 'mimic train --detach'): its curves, comparison
            and progress, a few times a second. Space asks the training process to
            pause or resume, S to stop; the header shows when it did. Nothing else
            changes the run, and quitting (q or Ctrl-C) never stops the training.
            A run that has ended opens read-only with its final curves and table.
            Examples:
              mimic train --detach --epochs 30 && mimic watch
              mimic watch 12
              mimic watch last --store ~/experiments/runs.sqlite
            """)

    @Argument(help: ArgumentHelp("The run to watch: its number, or 'last' (default: the newest running run).", valueName: "run"))
    var target: String?

    @Option(help: ArgumentHelp("Colour theme: a name (dark, light, high-contrast, mono, or one in ~/.config/mimic/themes) or a path to a .theme file.",
                               valueName: "name|path"))
    var theme: String?

    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
        let store = storeOptions.open(create: false)
        let id: Int64
        if let target {
            id = reportingErrors { () throws -> Int64 in try store.resolveRunID(target) }
        } else {
            guard let running = reportingErrors({ () throws -> Int64? in try store.newestRunningRun() }) else {
                exitWithError(UsageError("No run is training in \(store.path); start one with 'mimic train --detach', "
                    + "or name a run to look back at with 'mimic watch RUN' ('mimic runs' lists them)."))
            }
            id = running
        }
        let record = reportingErrors { () throws -> RunRecord in try store.run(id) }
        let status = reportingErrors {
            try DashboardApp.run(DashboardApp.Options(
                config: record.config, theme: theme, executablePath: CommandLine.arguments[0],
                environment: ProcessInfo.processInfo.environment, store: store, programVersion: MimicVersion.current,
                watchRun: id))
        }
        if status != 0 { throw ExitCode(status) }
    }
}
