import MimicEngine

/// What the one-line editor or the preset list is changing.
public enum EditTarget: Equatable, Sendable {
    case mentor
    /// Student at this 0-based position.
    case student(Int)
    /// A student to append.
    case newStudent
    case temperature
    case labeledPercent
    case validationPercent
    case seed

    /// The option of 'mimic train' the field sets (`TrainOption.all`): what the text is
    /// read as, and the name the prompt shows.
    var option: TrainOption {
        let name = switch self {
        case .mentor: "mentor"
        case .student, .newStudent: "student"
        case .temperature: "temperature"
        case .labeledPercent: "labeled"
        case .validationPercent: "validation"
        case .seed: "seed"
        }
        guard let option = TrainOption.named(name) else { preconditionFailure("no option \(name) in TrainOption.all") }
        return option
    }

    var prompt: String {
        switch self {
        case .mentor: "mentor spec: "
        case .student(let k): "student \(k + 1) spec: "
        case .newStudent: "new student spec: "
        case .labeledPercent, .validationPercent: "\(option.name) %: "
        case .temperature, .seed: "\(option.name): "
        }
    }

    /// `text` as the value the field sets in `config`, through its option; nil when the
    /// option refuses it. The percentages are typed as percent and stored as fractions.
    func reading(_ text: String, into config: ExperimentConfig) -> ExperimentConfig? {
        var value = text
        if self == .labeledPercent || self == .validationPercent {
            guard let percent = FieldValidation.percent(text) else { return nil }
            value = "\(percent / 100)"
        }
        var config = config
        guard (try? option.apply([value], to: &config)) != nil, (try? config.validate()) != nil else { return nil }
        return config
    }

    var takesSpec: Bool {
        switch self {
        case .mentor, .student, .newStudent: true
        default: false
        }
    }
}

/// The one-line editor while it is open, with the error of what it holds now.
public struct FieldEditor: Equatable, Sendable {
    public var target: EditTarget
    public var line: LineEditor
    public var error: String?
    /// The character range of the offending spec token, underlined in place.
    public var errorRange: Range<Int>?
}

/// The preset list while it is open.
public struct PresetPicker: Equatable, Sendable {
    public var target: EditTarget
    public var index: Int
}
