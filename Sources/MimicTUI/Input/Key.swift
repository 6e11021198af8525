/// A key press, as the backend decodes it. Ctrl-C and Ctrl-Z never arrive here: the
/// terminal turns them into signals, which the run loop handles.
public enum Key: Hashable, Sendable {
    case character(Character)
    case up, down, left, right
    case enter, escape, tab, backTab, backspace, delete, home, end, pageUp, pageDown
    /// A control chord other than the ones above, by its letter: Ctrl-A is `.control("a")`.
    case control(Character)
    case function(Int)

    /// How help and the footer name the key; arrows become words on an ASCII terminal.
    public func label(unicode: Bool = true) -> String {
        switch self {
        case .up where !unicode: "Up"
        case .down where !unicode: "Down"
        case .left where !unicode: "Left"
        case .right where !unicode: "Right"
        case .character(" "): "Space"
        case .character(let c): String(c)
        case .up: "↑"
        case .down: "↓"
        case .left: "←"
        case .right: "→"
        case .enter: "Enter"
        case .escape: "Esc"
        case .tab: "Tab"
        case .backTab: "S-Tab"
        case .backspace: "Bksp"
        case .delete: "Del"
        case .home: "Home"
        case .end: "End"
        case .pageUp: "PgUp"
        case .pageDown: "PgDn"
        case .control(let c): "C-\(c)"
        case .function(let n): "F\(n)"
        }
    }

    /// A plain character that may be typed into a field.
    public var typedCharacter: Character? {
        if case .character(let c) = self, c.isASCII, !(c.asciiValue.map { $0 < 32 || $0 == 127 } ?? true) {
            return c
        }
        return nil
    }
}
