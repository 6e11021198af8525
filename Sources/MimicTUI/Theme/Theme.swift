/// A named set of colours, one per theme key. A key the file leaves out takes the
/// built-in dark theme's colour, so a theme may be short.
public struct Theme: Equatable, Sendable {
    public let name: String
    public let colors: [ThemeKey: ThemeColor]

    public init(name: String, colors: [ThemeKey: ThemeColor]) {
        self.name = name
        self.colors = colors
    }

    public subscript(key: ThemeKey) -> ThemeColor {
        colors[key] ?? BuiltInTheme.dark.colors[key] ?? .terminalDefault
    }

    /// The foreground and background keys of each cell style.
    static func keys(of style: CellStyle) -> (ThemeKey, ThemeKey) {
        switch style {
        case .text: (.text, .background)
        case .dim: (.dim, .background)
        case .border: (.border, .background)
        case .focus: (.focus, .background)
        case .title: (.title, .background)
        case .header: (.headerFG, .headerBG)
        case .footer: (.footer, .background)
        case .key: (.key, .background)
        case .selection: (.selectionFG, .selectionBG)
        case .cursor: (.selectionBG, .selectionFG)
        case .axis: (.axis, .background)
        case .reference: (.reference, .background)
        case .good: (.good, .background)
        case .bad: (.bad, .background)
        case .warning: (.warning, .background)
        case .mentor: (.mentor, .background)
        case .student1: (.student1, .background)
        case .student2: (.student2, .background)
        case .student3: (.student3, .background)
        case .student4: (.student4, .background)
        case .student5: (.student5, .background)
        case .student6: (.student6, .background)
        case .baseline: (.baseline, .background)
        }
    }
}
