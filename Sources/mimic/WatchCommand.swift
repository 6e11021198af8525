import ArgumentParser
import Foundation
import MimicStore
import MimicEngine
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
            changes the run, and quitting (q or Ctrl-C) never stops the training;
            a run left paused stays paused, and watch says on leaving how to resume it.
            A run that has ended opens read-only with its final curves and table.
            --sweep opens on a sweep's grid and chart instead, live as its trainings
            finish, and follows each of its trainings as it starts (w shows the
            run, w again the grid; Enter on a cell lays its runs over the curves).
            Examples:
              mimic train --detach --epochs 30 && mimic watch
              mimic watch 12
              mimic watch --sweep 2
              mimic watch last --store ~/experiments/runs.sqlite
            """)

    @Argument(help: ArgumentHelp("The run to watch: its number, or 'last' (default: the newest running run).", valueName: "run"))
    var target: String?

    @Option(help: ArgumentHelp("Colour theme: a name (dark, light, high-contrast, mono, or one in ~/.config/mimic/themes) or a path to a .theme file.",
                               valueName: "name|path"))
    var theme: String?

    /// Seconds `--sweep` waits for a sweep's first run.
    static let firstRunWait = 15

    @Option(help: ArgumentHelp("Open on a sweep's grid and chart: its number, or 'last' for the newest sweep.", valueName: "sweep"))
    var sweep: String?

    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
        // Watching writes nothing but the pause, resume and stop the user asks for.
        let store = try storeOptions.open(create: false, markingInterrupted: false)
        if let sweep {
            guard target == nil else {
                throw UsageError("Give a run or --sweep, not both: 'mimic watch --sweep \(sweep)' follows the sweep's runs itself.")
            }
            return try watchSweep(sweep, in: store)
        }
        let id: Int64
        if let target {
            id = try store.resolveRunID(target)
        } else {
            guard let running = try store.newestRunningRun() else {
                throw UsageError("No run is training in \(store.location); start one with 'mimic train --detach', "
                    + "or name a run to look back at with 'mimic watch RUN' ('mimic runs' lists them).")
            }
            id = running
        }
        let record = try store.run(id)
        let status = try DashboardApp.run(DashboardApp.Options(
            config: record.config, theme: theme, executablePath: CommandLine.arguments[0],
            environment: ProcessInfo.processInfo.environment, store: store, programVersion: MimicVersion.current,
            watchRun: id))
        if status != 0 { throw ExitCode(status) }
    }

    /// The sweep view of `text` ('last' or an id), over the sweep's newest run: the one
    /// training now if there is one.
    private func watchSweep(_ text: String, in store: RunStore) throws {
        let record = try Self.sweep(named: text, in: store)
        // A sweep just started records its first run once its data set is loaded.
        var runs: [RunRecord] = []
        for attempt in 0..<Self.firstRunWait {
            runs = try store.runs(sweep: record.id)
            if !runs.isEmpty { break }
            if attempt == 0 { FileHandle.standardError.write(Data("waiting for sweep \(record.id)'s first training to start...\n".utf8)) }
            Thread.sleep(forTimeInterval: 1)
        }
        guard let shown = runs.first(where: { $0.status == .running }) ?? runs.first else {
            throw UsageError("Sweep \(record.id) has not started a training in \(Self.firstRunWait) s; "
                + "'mimic sweep resume \(record.id)' trains it, then 'mimic watch --sweep \(record.id)' follows it.")
        }
        let status = try DashboardApp.run(DashboardApp.Options(
            config: shown.config, theme: theme, executablePath: CommandLine.arguments[0],
            environment: ProcessInfo.processInfo.environment, store: store, programVersion: MimicVersion.current,
            watchRun: shown.id, watchSweep: record.id))
        if status != 0 { throw ExitCode(status) }
    }

    /// The sweep `text` names: 'last' or its id.
    static func sweep(named text: String, in store: RunStore) throws -> SweepRecord {
        if text == "last" {
            guard let newest = try store.sweeps().first else {
                throw UsageError("No sweep is recorded in \(store.location); start one with 'mimic sweep FILE' ('mimic sweep --help').")
            }
            return newest
        }
        guard let id = Int64(text.hasPrefix("#") ? String(text.dropFirst()) : text), id > 0 else {
            throw UsageError("--sweep \(text) is not a sweep; give its number from 'mimic sweeps', or 'last'.")
        }
        return try store.sweep(id)
    }
}
