import ArgumentParser
import MimicEngine

/// The options that define a run, shared by every command that starts one. Each is an
/// option of `TrainOption.all`, which gives its help, its default, how its value is
/// read and the sentence for a value it refuses; the declarations below only tell
/// ArgumentParser that the flag exists. Values stay text until `config()`, so that a
/// bad one gets the table's sentence. A property's name is its option's name
/// (ArgumentParser spells `studentLr` as `--student-lr`), and `given` reads the
/// properties by that name, so an option is written here once and in the table once;
/// `ExperimentOptionsTests` fails when the two disagree.
/// Numeric options parse `.unconditional`ly: otherwise the parser reads a negative
/// value such as `--labeled -0.1` as an option and says only "Missing value".
struct ExperimentOptions: ParsableArguments {
    @Option(help: .train("data")) var data: String?
    @Option(help: .train("unlabeled")) var unlabeled: String?
    @Option(parsing: .unconditional, help: .train("labeled")) var labeled: String?
    @Option(parsing: .unconditional, help: .train("validation")) var validation: String?
    @Option(help: .train("mentor-checkpoint")) var mentorCheckpoint: String?
    @Option(help: .train("mentor-logits")) var mentorLogits: String?
    @Option(help: .train("mentor")) var mentor: String?
    @Option(help: .train("student")) var student: [String] = []
    @Option(help: .train("loss")) var loss: String?
    @Option(parsing: .unconditional, help: .train("temperature")) var temperature: String?
    @Option(parsing: .unconditional, help: .train("epochs")) var epochs: String?
    @Option(parsing: .unconditional, help: .train("student-epochs")) var studentEpochs: String?
    @Option(parsing: .unconditional, help: .train("batch")) var batch: String?
    @Option(parsing: .unconditional, help: .train("seed")) var seed: String?
    @Option(help: .train("optimizer")) var optimizer: String?
    @Option(parsing: .unconditional, help: .train("lr")) var lr: String?
    @Option(parsing: .unconditional, help: .train("student-lr")) var studentLr: String?
    @Option(parsing: .unconditional, help: .train("momentum")) var momentum: String?
    @Option(parsing: .unconditional, help: .train("weight-decay")) var weightDecay: String?
    @Flag(help: .train("decay-all")) var decayAll = false
    @Option(help: .train("schedule")) var schedule: String?
    @Option(help: .train("augment")) var augment: String?
    @Flag(help: .train("baselines")) var baselines = false
    @Option(help: .train("save")) var save: String?
    @Option(parsing: .unconditional, help: .train("threads")) var threads: String?

    /// The options given, by name, with their values as typed.
    var given: [(name: String, values: [String])] {
        Mirror(reflecting: self).children.compactMap { child -> (String, [String])? in
            guard let label = child.label else { return nil }
            let name = Self.optionName(ofProperty: String(label.drop { $0 == "_" }))
            switch child.value {
            case let option as Option<String?>: return option.wrappedValue.map { (name, [$0]) }
            case let option as Option<[String]>: return option.wrappedValue.isEmpty ? nil : (name, option.wrappedValue)
            case let flag as Flag<Bool>: return flag.wrappedValue ? (name, ["true"]) : nil
            default: return nil
            }
        }
    }

    /// The run these options describe, checked whole; one sentence for the first problem.
    func config() throws(ConfigError) -> ExperimentConfig {
        try TrainOption.config(from: given)
    }

    /// `studentLr` as `student-lr`, as ArgumentParser names a property's long option.
    static func optionName(ofProperty property: String) -> String {
        property.reduce(into: "") { name, character in
            if character.isUppercase {
                name += "-" + character.lowercased()
            } else {
                name.append(character)
            }
        }
    }

    /// A shell command line that repeats `config`.
    static func commandLine(for config: ExperimentConfig) -> String {
        (["mimic", "train"] + config.trainOptions.flatMap { [$0.flag] + ($0.value.map { [shellQuoted($0)] } ?? []) })
            .joined(separator: " ")
    }

    static func shellQuoted(_ text: String) -> String {
        let plain = text.allSatisfy { $0.isLetter || $0.isNumber || "-_./:=+,".contains($0) }
        return plain && !text.isEmpty ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

extension ArgumentHelp {
    /// The help of option `name` of `mimic train`, from `TrainOption.all`.
    static func train(_ name: String) -> ArgumentHelp {
        guard let option = TrainOption.named(name) else { return ArgumentHelp("") }
        return ArgumentHelp(option.help, valueName: option.kind == .flag ? nil : option.valueName)
    }
}
