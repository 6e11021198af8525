import MimicEngine

/// A setting in which a sweep's trainings differ (`--labeled`, `--loss`...): what
/// tells one training from another ("labeled 0.05, seed 2"). Students are never a
/// field: the trainings of a sweep carry all the students of their point.
public struct SweepField: Sendable, Equatable {
    /// The option of `mimic train`, with its dashes.
    public let flag: String

    public init(flag: String) { self.flag = flag }

    /// The option without its dashes, as a sweep file names it.
    public var name: String { String(flag.dropFirst(2)) }

    /// What `config` gives this setting, as `mimic train` would be told it.
    public func value(of config: ExperimentConfig) -> String? {
        let values = config.trainOptions.filter { $0.flag == flag }.map { $0.value ?? "yes" }
        return values.isEmpty ? nil : values.joined(separator: ",")
    }

    /// The fields in which `configs` differ, in the order `mimic train --help` lists them.
    public static func differing(in configs: [ExperimentConfig]) -> [SweepField] {
        var flags: [String] = []
        for config in configs {
            for option in config.trainOptions where option.flag != "--student" && !flags.contains(option.flag) {
                flags.append(option.flag)
            }
        }
        return flags.map(SweepField.init(flag:)).filter { field in
            Set(configs.map { field.value(of: $0) ?? "" }).count > 1
        }
    }

    /// "labeled 0.05, seed 2": the settings that tell `config` from the rest of
    /// `configs`, or "the one training" when nothing does.
    public static func describe(_ config: ExperimentConfig, among configs: [ExperimentConfig]) -> String {
        let parts = differing(in: configs).compactMap { field in field.value(of: config).map { "\(field.name) \($0)" } }
        return parts.isEmpty ? "the one training" : parts.joined(separator: ", ")
    }
}
