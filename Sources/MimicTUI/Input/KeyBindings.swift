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

/// The one table of keys. The reducer finds actions only here and the help overlay and
/// footer list only this, so no key can do what help does not say, and nothing help
/// lists is unbound.
public enum KeyBindings {
    private static func c(_ character: Character) -> Key { .character(character) }

    public static let scopes: [KeyScope] = [
        .global, .pane(.curves), .pane(.architectures), .pane(.split), .pane(.comparison), .pane(.runs),
        .editor, .presetPicker, .help, .confirmQuit,
    ]

    /// The scopes help lists while watching: nothing there edits, and quitting never
    /// stops the training, so it does not ask.
    public static let watchScopes: [KeyScope] = [
        .global, .pane(.curves), .pane(.architectures), .pane(.split), .pane(.comparison), .pane(.runs), .help,
    ]

    public static func scopes(watching: Bool) -> [KeyScope] { watching ? watchScopes : scopes }

    private static var paneDigits: KeyBinding {
        KeyBinding(pairs: Pane.allCases.map { (c(Character(String($0.rawValue + 1))), .focus($0)) },
                   label: "1-\(Pane.allCases.count)", "jump to a pane")
    }

    /// The keys of `scope` while watching a run another process trains (`mimic watch`):
    /// pause, resume and stop go to that process; what would edit the next run or start
    /// one is not bound, and the notes say so.
    public static func bindings(for scope: KeyScope, watching: Bool) -> [KeyBinding] {
        guard watching else { return bindings(for: scope) }
        switch scope {
        case .global:
            return [
                KeyBinding([.tab], .nextPane, "next pane", footer: "pane"),
                KeyBinding([.backTab], .previousPane, "previous pane"),
                paneDigits,
                KeyBinding([c(" ")], .toggleRun, "ask the training to pause / resume", footer: "pause/resume"),
                KeyBinding([c("S")], .stopRun, "ask the training to stop, keeping what is done", footer: "stop"),
                KeyBinding([c("t")], .cycleTheme, "next colour theme"),
                KeyBinding([c("?"), .function(1)], .showHelp, "help", footer: "help"),
                KeyBinding([c("q")], .quit, "quit watching (the training goes on)", footer: "quit"),
            ]
        case .pane(.architectures), .pane(.split), .editor, .presetPicker, .confirmQuit:
            return []
        case .pane, .help:
            return bindings(for: scope)
        }
    }

    public static func bindings(for scope: KeyScope) -> [KeyBinding] {
        switch scope {
        case .global:
            [
                KeyBinding([.tab], .nextPane, "next pane", footer: "pane"),
                KeyBinding([.backTab], .previousPane, "previous pane"),
                paneDigits,
                KeyBinding([c(" ")], .toggleRun, "start / pause / resume training", footer: "run/pause"),
                KeyBinding([c("S")], .stopRun, "stop the run, keeping what is done"),
                KeyBinding([c("R")], .loadProtocol, "run the DeepMimic protocol"),
                KeyBinding([c("t")], .cycleTheme, "next colour theme"),
                KeyBinding([c("?"), .function(1)], .showHelp, "help", footer: "help"),
                KeyBinding([c("q")], .quit, "quit (asks first while training)", footer: "quit"),
            ]
        case .pane(.curves):
            [
                KeyBinding(pairs: [(.up, .up), (c("k"), .up), (.down, .down), (c("j"), .down)],
                           label: "↑↓ j/k", "highlight the previous / next model", footer: "model"),
                KeyBinding([.escape], .cancel, "clear the highlight"),
                KeyBinding([c("m")], .cycleMetric, "loss / accuracy / both", footer: "metric"),
                KeyBinding([c("g")], .toggleLogScale, "linear / log loss scale", footer: "log"),
                KeyBinding([c("x")], .cycleXAxis, "x-axis: epochs / samples / time", footer: "x-axis"),
                KeyBinding(pairs: [(c("+"), .smoothMore), (c("="), .smoothMore), (c("-"), .smoothLess)],
                           label: "+/-", "more / less smoothing (EMA)", footer: "smooth"),
            ]
        case .pane(.architectures):
            [
                KeyBinding(pairs: [(.up, .up), (c("k"), .up), (.down, .down), (c("j"), .down)],
                           label: "↑↓ j/k", "select a row", footer: "row"),
                KeyBinding([.enter], .activate, "edit the spec or value", footer: "edit"),
                KeyBinding(pairs: [(.left, .left), (c("h"), .left), (.right, .right), (c("l"), .right)],
                           label: "←→ h/l", "previous / next preset or setting value", footer: "change"),
                KeyBinding([c("p")], .pickPreset, "choose a preset from a list", footer: "presets"),
                KeyBinding([c("a")], .addStudent, "add a student", footer: "add"),
                KeyBinding([c("d"), .delete], .removeStudent, "remove the student", footer: "remove"),
                KeyBinding(pairs: [(c("K"), .moveStudentUp), (c("J"), .moveStudentDown)],
                           label: "K/J", "move the student up / down"),
                KeyBinding([c("b")], .toggleBaselines, "labeled-only baselines on / off"),
            ]
        case .pane(.split):
            [
                KeyBinding(pairs: [(.up, .up), (c("k"), .up), (.down, .down), (c("j"), .down)],
                           label: "↑↓ j/k", "select a field", footer: "field"),
                KeyBinding(pairs: [(.left, .left), (c("h"), .left), (.right, .right), (c("l"), .right)],
                           label: "←→ h/l", "step the value down / up", footer: "step"),
                KeyBinding([.enter], .activate, "type a value", footer: "type"),
            ]
        case .pane(.comparison):
            [
                KeyBinding(pairs: [(.up, .up), (c("k"), .up), (.down, .down), (c("j"), .down)],
                           label: "↑↓ j/k", "select a row (highlights its curves)", footer: "row"),
                KeyBinding(pairs: [(.left, .left), (c("h"), .left), (.right, .right), (c("l"), .right)],
                           label: "←→ h/l", "sort by the previous / next column", footer: "sort"),
                KeyBinding([c("r")], .reverseSort, "reverse the order", footer: "reverse"),
                KeyBinding([.escape], .cancel, "clear the highlight"),
            ]
        case .pane(.runs):
            [
                KeyBinding(pairs: [(.up, .up), (c("k"), .up), (.down, .down), (c("j"), .down)],
                           label: "↑↓ j/k", "select a run", footer: "run"),
                KeyBinding([.enter], .activate, "overlay its curves and models, or remove them", footer: "overlay"),
                KeyBinding([.escape], .cancel, "take every overlay away", footer: "clear"),
            ]
        case .editor:
            [
                KeyBinding([.enter], .activate, "accept", footer: "accept"),
                KeyBinding([.escape], .cancel, "cancel", footer: "cancel"),
                KeyBinding(pairs: [(.left, .left), (.right, .right)], label: "←→", "move the cursor"),
                KeyBinding([.home, .control("a")], .cursorHome, "to the start"),
                KeyBinding([.end, .control("e")], .cursorEnd, "to the end"),
                KeyBinding([.backspace], .deleteBackward, "delete before the cursor"),
                KeyBinding([.delete], .deleteForward, "delete at the cursor"),
                KeyBinding([.control("u")], .clearField, "clear the field"),
            ]
        case .presetPicker:
            [
                KeyBinding(pairs: [(.up, .up), (c("k"), .up), (.down, .down), (c("j"), .down)],
                           label: "↑↓ j/k", "move", footer: "move"),
                KeyBinding([.enter], .activate, "choose", footer: "choose"),
                KeyBinding([.escape], .cancel, "cancel", footer: "cancel"),
            ]
        case .help:
            [
                KeyBinding(pairs: [(.up, .up), (c("k"), .up), (.down, .down), (c("j"), .down)],
                           label: "↑↓ j/k", "scroll", footer: "scroll"),
                KeyBinding([.escape, c("?"), c("q")], .cancel, "close", footer: "close"),
            ]
        case .confirmQuit:
            [
                KeyBinding([c("y")], .confirm, "stop training and quit", footer: "quit"),
                KeyBinding([c("n"), .escape], .cancel, "keep training", footer: "stay"),
            ]
        }
    }

    /// Lines of help that are not keys the reducer sees: typing, and the signals.
    public static func notes(for scope: KeyScope, watching: Bool) -> [(label: String, summary: String)] {
        guard watching else { return notes(for: scope) }
        switch scope {
        case .global:
            return [("C-c", "quit watching (the training goes on)"), ("C-z", "suspend; fg resumes"),
                    ("R", "not here: watching starts no run")]
        case .pane(.architectures), .pane(.split):
            return [("keys", "none: the watched run's settings are read-only")]
        default:
            return notes(for: scope)
        }
    }

    public static func notes(for scope: KeyScope) -> [(label: String, summary: String)] {
        switch scope {
        case .global: [("C-c", "quit at once, stopping training"), ("C-z", "suspend; fg resumes")]
        case .editor: [("type", "letters, digits, . - % go into the field")]
        default: []
        }
    }

    /// The action of `key` in `scope`, if it has one.
    public static func action(for key: Key, in scope: KeyScope, watching: Bool = false) -> DashboardAction? {
        for binding in bindings(for: scope, watching: watching) {
            if let action = binding.action(for: key) { return action }
        }
        return nil
    }
}
