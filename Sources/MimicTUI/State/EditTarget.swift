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

    var prompt: String {
        switch self {
        case .mentor: "mentor spec: "
        case .student(let k): "student \(k + 1) spec: "
        case .newStudent: "new student spec: "
        case .temperature: "temperature: "
        case .labeledPercent: "labeled %: "
        case .validationPercent: "validation %: "
        case .seed: "seed: "
        }
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
