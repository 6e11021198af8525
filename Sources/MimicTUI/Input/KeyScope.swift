/// Where a key is looked up: the focused pane, or the modal thing on top of it.
public enum KeyScope: Equatable, Sendable {
    case global
    case pane(Pane)
    /// The sweep view, over the whole screen but for the header and footer.
    case sweep
    case editor
    case presetPicker
    case help
    case confirmQuit

    public var title: String {
        switch self {
        case .global: "Everywhere"
        case .pane(let pane): pane.title
        case .sweep: "Sweep view (w)"
        case .editor: "Editing a field"
        case .presetPicker: "Preset list"
        case .help: "This help"
        case .confirmQuit: "Quit question"
        }
    }
}
