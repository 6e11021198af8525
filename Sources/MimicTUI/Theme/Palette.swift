/// Text attributes the terminal draws besides colour.
public struct TextAttributes: OptionSet, Hashable, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let bold = TextAttributes(rawValue: 1)
    public static let dim = TextAttributes(rawValue: 2)
    public static let reverse = TextAttributes(rawValue: 4)
    public static let underline = TextAttributes(rawValue: 8)
}

/// What the backend needs for each cell style: colour numbers for the terminal's depth
/// (-1 for its own) and attributes. Attributes carry the meaning where colour cannot:
/// with no colour, or with a theme whose selection has no colours of its own.
public struct Palette: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        public let foreground: Int32
        public let background: Int32
        public let attributes: TextAttributes
    }

    public let depth: ColorDepth
    public let entries: [Entry]

    public init(theme: Theme, depth: ColorDepth) {
        self.depth = depth
        func colors(_ style: CellStyle) -> (Int32, Int32) {
            let (fg, bg) = Theme.keys(of: style)
            return (theme[fg].terminalColor(at: depth), theme[bg].terminalColor(at: depth))
        }
        let (selectionFG, selectionBG) = colors(.selection)
        let selectionNeedsReverse = selectionFG == selectionBG
        entries = CellStyle.allCases.map { style in
            let (fg, bg) = colors(style)
            var attributes: TextAttributes = []
            switch style {
            case .focus, .title, .key: attributes = .bold
            case .header: attributes = depth == .none || fg == bg ? [.reverse, .bold] : .bold
            case .selection: attributes = selectionNeedsReverse ? .reverse : []
            case .cursor: attributes = selectionNeedsReverse ? [.underline, .bold] : .reverse
            case .dim, .axis: attributes = depth == .none ? .dim : []
            case .bad, .warning: attributes = depth == .none ? .bold : []
            case .mentor: attributes = depth == .none ? .bold : []
            default: break
            }
            return Entry(foreground: fg, background: bg, attributes: attributes)
        }
    }

    public subscript(style: CellStyle) -> Entry { entries[style.rawValue] }
}
