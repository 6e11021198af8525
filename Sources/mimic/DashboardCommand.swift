import ArgumentParser
import Foundation
import MimicEngine
import MimicStore
import MimicTUI

struct DashboardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Open the terminal dashboard: live curves, architectures, split and comparison (the default command).",
        discussion: """
            Takes the same options as 'mimic train'; they set up the first run, and the
            panes change the next one. Space starts, pauses and resumes training; Tab
            moves between panes; ? lists every key; q quits. Needs an interactive
            terminal of at least 80x24; for a headless run use 'mimic train'.

            Themes: dark (default), light, high-contrast, mono, or any .theme file in
            ~/.config/mimic/themes/; t cycles them while the dashboard runs.
            Every run started here is recorded in the run store ('mimic runs').

            Examples:
              mimic
              mimic dashboard --labeled 0.05 --student cnn-s --student mlp-64 --baselines
              mimic dashboard --data ~/mnist --theme high-contrast
            """)

    @OptionGroup var options: ExperimentOptions

    @Option(help: ArgumentHelp("Colour theme: a name (dark, light, high-contrast, mono, or one in ~/.config/mimic/themes) or a path to a .theme file.",
                               valueName: "name|path"))
    var theme: String?

    @OptionGroup var storeOptions: StoreOptions

    @Flag(help: "Do not record the runs in the run store.")
    var noStore = false

    func run() throws {
        let config = try options.config()
        let store = noStore ? nil : try storeOptions.open()
        let status = try DashboardApp.run(DashboardApp.Options(
            config: config, theme: theme, executablePath: CommandLine.arguments[0],
            environment: ProcessInfo.processInfo.environment, store: store, programVersion: MimicVersion.current))
        if status != 0 { throw ExitCode(status) }
    }
}
