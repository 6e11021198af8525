/// The keys a theme file may set: one per role on screen.
public enum ThemeKey: String, CaseIterable, Sendable {
    case background, text, dim, border, focus, title
    case headerFG = "header_fg", headerBG = "header_bg", footer, key
    case selectionFG = "selection_fg", selectionBG = "selection_bg"
    case axis, reference, good, bad, warning
    case mentor, student1, student2, student3, student4, student5, student6, baseline
}
