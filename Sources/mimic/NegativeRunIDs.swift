import Foundation

/// swift-argument-parser reads a negative number such as `-1` as an option, so
/// `mimic show -1` said "Missing expected argument '<run>'", naming neither the value
/// nor the problem. Options that take numbers parse unconditionally (see
/// `ExperimentOptions`); a negative number anywhere else in a command that takes run
/// or sweep ids can only be a mistyped id, and gets the sentence a bad id gets.
enum NegativeRunIDs {
    /// The commands, by their path of names, whose arguments are run or sweep ids.
    static let commands: [[String]] = [["show"], ["export"], ["delete"], ["resume"], ["watch"], ["compare"],
                                       ["sweep", "show"], ["sweep", "export"], ["sweep", "resume"]]

    /// The sentence for `arguments` (without the program name), or nil when they hold no such id.
    static func refusal(_ arguments: [String]) -> String? {
        guard let command = commands.first(where: { arguments.starts(with: $0) }) else { return nil }
        var previous = ""
        for argument in arguments.dropFirst(command.count) {
            if argument == "--" { return nil }
            // After a long option the number is that option's value, for it to check.
            if isNegativeNumber(argument) && !previous.hasPrefix("--") {
                let what = command.first == "sweep" ? "sweep id; pass the number that 'mimic sweeps' shows"
                    : "run id; pass the number that 'mimic runs' shows, or 'last' for the newest run"
                return "\"\(argument)\" is not a \(what)."
            }
            previous = argument.contains("=") ? "" : argument
        }
        return nil
    }

    static func isNegativeNumber(_ text: String) -> Bool {
        text.count > 1 && text.hasPrefix("-") && Double(text) != nil
    }
}
