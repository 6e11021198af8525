/// How many colours the terminal can show, from none to 24-bit.
public enum ColorDepth: Int, Comparable, Sendable {
    case none, eight, sixteen, indexed256, direct

    /// `colors` is what the terminal description reports; NO_COLOR (any non-empty
    /// value) turns colour off whatever the terminal can do.
    public static func detect(hasColors: Bool, colors: Int, noColor: String?) -> ColorDepth {
        if let noColor, !noColor.isEmpty { return .none }
        guard hasColors else { return .none }
        switch colors {
        case (1 << 24)...: return .direct
        case 256...: return .indexed256
        case 16...: return .sixteen
        case 8...: return .eight
        default: return .none
        }
    }

    public static func < (a: ColorDepth, b: ColorDepth) -> Bool { a.rawValue < b.rawValue }
}
