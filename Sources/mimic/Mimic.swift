import ArgumentParser
import MimicEngine

@main
struct Mimic: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mimic",
        abstract: "Train a mentor on a few labels, then students that learn from it without any (DeepMimic).",
        discussion: """
            A mentor network is trained on a small labeled part of a data set. It then
            annotates the unlabeled rest, and each student network learns only from those
            annotations, never from a label. Every model is evaluated on the test set.

            Examples:
              mimic                           the dashboard on Fashion-MNIST
              mimic train                     a headless run on Fashion-MNIST
              mimic train --labeled 0.05 --student mlp-64 --baselines
              mimic reproduce --seeds 1,2,3   the protocol and its claims
              mimic eval --model runs/mentor-cnn-l.safetensors
              mimic bench --json
              mimic runs                      the recorded runs, newest first
              mimic show last                 the newest run's configuration and table
              mimic resume last               continue an interrupted run where it stopped
              mimic watch                     follow a run training in the background
              mimic sweep grid.yaml --dry-run the trainings of a grid and their time
            """,
        version: MimicVersion.current,
        subcommands: [
            DashboardCommand.self, TrainCommand.self, ReproduceCommand.self, EvalCommand.self, DataCommand.self,
            PresetsCommand.self, BenchCommand.self, RunsCommand.self, ShowCommand.self, ExportCommand.self,
            CompareCommand.self, DeleteCommand.self, ResumeCommand.self,
            WatchCommand.self, SweepCommand.self, SweepsCommand.self, AgentCommand.self,
        ],
        defaultSubcommand: DashboardCommand.self
    )

    /// Parses as ArgumentParser does, after refusing a negative run id it would misread,
    /// and after restarting once with better OpenBLAS kernels if this CPU has them; then
    /// runs the command, whose errors end the process in one place (`CommandErrors`).
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            if let refusal = NegativeRunIDs.refusal(arguments) { throw UsageError(refusal) }
            KernelRestart.restartIfBetterKernels()
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            CommandErrors.exit(reporting: error)
        }
    }
}

enum MimicVersion {
    static let current = "0.1.0"
}
