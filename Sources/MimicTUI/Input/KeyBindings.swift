/// One line of help: the keys, what they do, and the action each key triggers.
public struct KeyBinding: Sendable {
    public let keys: [Key]
    public let action: [DashboardAction]
    /// How help names the keys when listing them one by one would be noise ("1-4").
    public let labelOverride: String?
    public let summary: String
    /// Shown in the footer of its scope (the rest only in help).
    public let inFooter: Bool

    init(_ keys: [Key], _ action: DashboardAction, _ summary: String, footer: Bool = false) {
        self.keys = keys
        self.action = Array(repeating: action, count: keys.count)
        labelOverride = nil
        self.summary = summary
        inFooter = footer
    }

    init(pairs: [(Key, DashboardAction)], label: String, _ summary: String, footer: Bool = false) {
        keys = pairs.map(\.0)
        action = pairs.map(\.1)
        labelOverride = label
        self.summary = summary
        inFooter = footer
    }

    public func label(unicode: Bool) -> String {
        labelOverride ?? keys.map { $0.label(unicode: unicode) }.joined(separator: "/")
    }

    func action(for key: Key) -> DashboardAction? {
        keys.firstIndex(of: key).map { action[$0] }
    }
}

/// The one table of keys. The reducer finds actions only here and the help overlay and
/// footer list only this, so no key can do what help does not say, and nothing help
/// lists is unbound.
public enum KeyBindings {
    private static func c(_ character: Character) -> Key { .character(character) }

    public static let scopes: [KeyScope] = [
        .global, .pane(.curves), .pane(.architectures), .pane(.split), .pane(.comparison),
        .editor, .presetPicker, .help, .confirmQuit,
    ]

    public static func bindings(for scope: KeyScope) -> [KeyBinding] {
        switch scope {
        case .global:
            [
                KeyBinding([.tab], .nextPane, "next pane", footer: true),
                KeyBinding([.backTab], .previousPane, "previous pane"),
                KeyBinding(pairs: Pane.allCases.map { (c(Character(String($0.rawValue + 1))), .focus($0)) },
                           label: "1-4", "jump to a pane"),
                KeyBinding([c(" ")], .toggleRun, "start / pause / resume training", footer: true),
                KeyBinding([c("S")], .stopRun, "stop the run, keeping what is done"),
                KeyBinding([c("t")], .cycleTheme, "next colour theme"),
                KeyBinding([c("?"), .function(1)], .showHelp, "help", footer: true),
                KeyBinding([c("q")], .quit, "quit (asks first while training)", footer: true),
            ]
        case .pane(.curves):
            [
                KeyBinding(pairs: [(.up, .up), (c("k"), .up), (.down, .down), (c("j"), .down)],
                           label: "j/k", "highlight the previous / next model", footer: true),
                KeyBinding([.escape], .cancel, "clear the highlight"),
                KeyBinding([c("m")], .cycleMetric, "loss / accuracy / both", footer: true),
                KeyBinding([c("g")], .toggleLogScale, "linear / log loss scale", footer: true),
                KeyBinding([c("x")], .cycleXAxis, "x-axis: epochs / samples / time", footer: true),
                KeyBinding(pairs: [(c("+"), .smoothMore), (c("="), .smoothMore), (c("-"), .smoothLess)],
                           label: "+/-", "more / less smoothing (EMA)", footer: true),
            ]
        case .pane(.architectures):
            [
                KeyBinding(pairs: [(.up, .up), (c("k"), .up), (.down, .down), (c("j"), .down)],
                           label: "j/k", "select a row", footer: true),
                KeyBinding([.enter], .activate, "edit the spec or value", footer: true),
                KeyBinding(pairs: [(.left, .left), (c("h"), .left), (.right, .right), (c("l"), .right)],
                           label: "h/l", "previous / next preset, loss, temperature", footer: true),
                KeyBinding([c("p")], .pickPreset, "choose a preset from a list", footer: true),
                KeyBinding([c("a")], .addStudent, "add a student", footer: true),
                KeyBinding([c("d"), .delete], .removeStudent, "remove the student", footer: true),
                KeyBinding(pairs: [(c("K"), .moveStudentUp), (c("J"), .moveStudentDown)],
                           label: "K/J", "move the student up / down"),
                KeyBinding([c("b")], .toggleBaselines, "labeled-only baselines on / off"),
            ]
        case .pane(.split):
            [
                KeyBinding(pairs: [(.up, .up), (c("k"), .up), (.down, .down), (c("j"), .down)],
                           label: "j/k", "select a field", footer: true),
                KeyBinding(pairs: [(.left, .left), (c("h"), .left), (.right, .right), (c("l"), .right)],
                           label: "h/l", "step the value down / up", footer: true),
                KeyBinding([.enter], .activate, "type a value", footer: true),
            ]
        case .pane(.comparison):
            [
                KeyBinding(pairs: [(.up, .up), (c("k"), .up), (.down, .down), (c("j"), .down)],
                           label: "j/k", "select a row (highlights its curves)", footer: true),
                KeyBinding(pairs: [(.left, .left), (c("h"), .left), (.right, .right), (c("l"), .right)],
                           label: "h/l", "sort by the previous / next column", footer: true),
                KeyBinding([c("r")], .reverseSort, "reverse the order", footer: true),
                KeyBinding([.escape], .cancel, "clear the highlight"),
            ]
        case .editor:
            [
                KeyBinding([.enter], .activate, "accept", footer: true),
                KeyBinding([.escape], .cancel, "cancel", footer: true),
                KeyBinding(pairs: [(.left, .left), (.right, .right)], label: "←/→", "move the cursor"),
                KeyBinding([.home, .control("a")], .cursorHome, "to the start"),
                KeyBinding([.end, .control("e")], .cursorEnd, "to the end"),
                KeyBinding([.backspace], .deleteBackward, "delete before the cursor"),
                KeyBinding([.delete], .deleteForward, "delete at the cursor"),
                KeyBinding([.control("u")], .clearField, "clear the field"),
            ]
        case .presetPicker:
            [
                KeyBinding(pairs: [(.up, .up), (c("k"), .up), (.down, .down), (c("j"), .down)],
                           label: "j/k", "move", footer: true),
                KeyBinding([.enter], .activate, "choose", footer: true),
                KeyBinding([.escape], .cancel, "cancel", footer: true),
            ]
        case .help:
            [
                KeyBinding(pairs: [(.up, .up), (c("k"), .up), (.down, .down), (c("j"), .down)],
                           label: "j/k", "scroll", footer: true),
                KeyBinding([.escape, c("?"), c("q")], .cancel, "close", footer: true),
            ]
        case .confirmQuit:
            [
                KeyBinding([c("y")], .confirm, "stop training and quit", footer: true),
                KeyBinding([c("n"), .escape], .cancel, "keep training", footer: true),
            ]
        }
    }

    /// Lines of help that are not keys the reducer sees: typing, and the signals.
    public static func notes(for scope: KeyScope) -> [(label: String, summary: String)] {
        switch scope {
        case .global: [("C-c", "quit at once, stopping training"), ("C-z", "suspend; fg resumes")]
        case .editor: [("type", "letters, digits, . - % go into the field")]
        default: []
        }
    }

    /// The action of `key` in `scope`, if it has one.
    public static func action(for key: Key, in scope: KeyScope) -> DashboardAction? {
        for binding in bindings(for: scope) {
            if let action = binding.action(for: key) { return action }
        }
        return nil
    }
}
