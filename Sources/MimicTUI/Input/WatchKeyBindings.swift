/// The keys while watching a run another process trains (`mimic watch`,
/// `KeyTable.watching`): pause, resume and stop go to that process; what would edit
/// the next run or start one is not bound, and the notes say so.
public enum WatchKeyBindings {
    private static func c(_ character: Character) -> Key { .character(character) }

    /// The scopes help lists while watching: nothing there edits, and quitting never
    /// stops the training, so it does not ask.
    public static let scopes: [KeyScope] = [
        .global, .pane(.curves), .pane(.architectures), .pane(.split), .pane(.comparison), .pane(.runs), .sweep, .help,
    ]

    public static func bindings(for scope: KeyScope) -> [KeyBinding] {
        switch scope {
        case .global:
            [
                KeyBinding([.tab], .nextPane, "next pane", footer: "pane"),
                KeyBinding([.backTab], .previousPane, "previous pane"),
                KeyBindings.paneDigits,
                KeyBinding([c(" ")], .toggleRun, "ask the training to pause / resume", footer: "pause/resume"),
                KeyBinding([c("S")], .stopRun, "ask the training to stop, keeping what is done", footer: "stop"),
                KeyBinding([c("t")], .cycleTheme, "next colour theme"),
                KeyBindings.sweepView,
                KeyBinding([c("?"), .function(1)], .showHelp, "help", footer: "help"),
                KeyBinding([c("q")], .quit, "quit watching (the training goes on)", footer: "quit"),
            ]
        case .pane(.architectures), .pane(.split), .editor, .presetPicker, .confirmQuit:
            []
        case .pane, .sweep, .help:
            KeyBindings.bindings(for: scope)
        }
    }

    public static func notes(for scope: KeyScope) -> [(label: String, summary: String)] {
        switch scope {
        case .global:
            [("C-c", "quit watching (the training goes on)"), ("C-z", "suspend; fg resumes"),
             ("R", "not here: watching starts no run")]
        case .pane(.architectures), .pane(.split):
            [("keys", "none: the watched run's settings are read-only")]
        default:
            KeyBindings.notes(for: scope)
        }
    }
}
