import ArgumentParser
import MimicEngine

@main
struct Mimic: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mimic",
        abstract: "Train a mentor on a few labels, then students that mimic it without any.")
}
