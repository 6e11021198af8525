import MimicEngine

/// What a cell means, not what colour it has: the theme decides colours per role, so
/// the renderer never names a colour and every screen can be checked as text.
public enum CellStyle: Int, CaseIterable, Sendable {
    case text, dim, border, focus, title, header, footer, key, selection, cursor, axis
    case reference, good, bad, warning
    case mentor, student1, student2, student3, student4, student5, student6, baseline

    static let studentStyles: [CellStyle] = [.student1, .student2, .student3, .student4, .student5, .student6]

    /// The colour of a model's curves, legend entry and table marker.
    public static func series(for id: ModelID) -> CellStyle {
        switch id.role {
        case .mentor: .mentor
        case .student: studentStyles[(id.index - 1) % studentStyles.count]
        case .baseline: .baseline
        }
    }
}
