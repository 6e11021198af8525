import Foundation

/// One line of help: the keys, what they do, and the action each key triggers.
public struct KeyBinding: Sendable {
    public let keys: [Key]
    public let action: [DashboardAction]
    /// How help names the keys when listing them one by one would be noise ("1-4").
    public let labelOverride: String?
    public let summary: String
    /// The few words the footer shows; nil keeps the binding to help alone.
    public let footer: String?

    init(_ keys: [Key], _ action: DashboardAction, _ summary: String, footer: String? = nil) {
        self.keys = keys
        self.action = Array(repeating: action, count: keys.count)
        labelOverride = nil
        self.summary = summary
        self.footer = footer
    }

    init(pairs: [(Key, DashboardAction)], label: String, _ summary: String, footer: String? = nil) {
        keys = pairs.map(\.0)
        action = pairs.map(\.1)
        labelOverride = label
        self.summary = summary
        self.footer = footer
    }

    public func label(unicode: Bool) -> String {
        guard let labelOverride else { return keys.map { $0.label(unicode: unicode) }.joined(separator: "/") }
        return unicode ? labelOverride
            : labelOverride.replacingOccurrences(of: "↑↓", with: "Up/Dn").replacingOccurrences(of: "←→", with: "Lt/Rt")
    }

    func action(for key: Key) -> DashboardAction? {
        keys.firstIndex(of: key).map { action[$0] }
    }
}
