/// The keys of a dashboard that trains its own runs (`KeyTable.local`); a watcher's
/// keys (`WatchKeyBindings`) are a part of these.
public enum KeyBindings {
    private static func c(_ character: Character) -> Key { .character(character) }

    public static let scopes: [KeyScope] = [
        .global, .pane(.curves), .pane(.architectures), .pane(.split), .pane(.comparison), .pane(.runs), .sweep,
        .editor, .presetPicker, .help, .confirmQuit,
    ]

    static var paneDigits: KeyBinding {
        KeyBinding(pairs: Pane.allCases.map { (c(Character(String($0.rawValue + 1))), .focus($0)) },
                   label: "1-\(Pane.allCases.count)", "jump to a pane")
    }

    static var sweepView: KeyBinding {
        KeyBinding([c("w")], .toggleSweep, "sweep view: a sweep's grid and chart, or back", footer: "sweep")
    }

    /// The sweep view's keys, the same whether runs train here or not: it only reads.
    static var sweepKeys: [KeyBinding] {
        [
            KeyBinding(pairs: [(.up, .up), (c("k"), .up), (.down, .down), (c("j"), .down),
                               (.left, .left), (c("h"), .left), (.right, .right), (c("l"), .right)],
                       label: "↑↓←→ hjkl", "move between cells"),
            KeyBinding([.enter], .activate, "overlay the curves of the cell's runs", footer: "curves"),
            KeyBinding([c("m")], .cycleMetric, "metric: accuracy / Δs / loss / time", footer: "metric"),
            KeyBinding([c("x")], .cycleXAxis, "next dimension across", footer: "across"),
            KeyBinding([c("y")], .cycleYAxis, "next dimension down", footer: "down"),
            KeyBinding([c("f")], .cycleHeldValues, "next value of those held fixed"),
            KeyBinding([.escape], .cancel, "back to the panes (as w and Tab do)"),
        ]
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
                sweepView,
                KeyBinding([c("?"), .function(1)], .showHelp, "help", footer: "help"),
                KeyBinding([c("q")], .quit, "quit (asks first while training)", footer: "quit"),
            ]
        case .pane(.curves):
            [
                KeyBinding(pairs: [(.up, .up), (c("k"), .up), (.down, .down), (c("j"), .down)],
                           label: "↑↓ j/k", "highlight the previous / next model", footer: "model"),
                KeyBinding([.escape], .cancel, "clear the highlight"),
                KeyBinding([c("m")], .cycleMetric, "loss / accuracy / students' mimic loss / both", footer: "metric"),
                // g and +/- have no footer: at 80 columns it would push Space off the line.
                KeyBinding([c("y")], .cycleYRange, "y-range: robust / full / last third zoomed", footer: "range"),
                KeyBinding([c("g")], .toggleLogScale, "linear / log loss scale"),
                KeyBinding([c("x")], .cycleXAxis, "x-axis: epochs / samples / time", footer: "x-axis"),
                KeyBinding(pairs: [(c("+"), .smoothMore), (c("="), .smoothMore), (c("-"), .smoothLess)],
                           label: "+/-", "more / less smoothing (EMA)"),
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
        case .sweep:
            sweepKeys
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
    public static func notes(for scope: KeyScope) -> [(label: String, summary: String)] {
        switch scope {
        case .global: [("C-c", "quit at once, stopping training"), ("C-z", "suspend; fg resumes")]
        case .editor: [("type", "letters, digits, . - % go into the field")]
        default: []
        }
    }
}
