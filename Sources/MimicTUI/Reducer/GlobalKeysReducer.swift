/// The keys that work in every pane: moving between panes, help, the theme, and the
/// run keys, which go to whoever owns the run on screen.
enum GlobalKeysReducer {
    static func perform(_ action: DashboardAction, _ state: inout DashboardState) -> [DashboardEffect] {
        switch action {
        // Over the sweep view, moving to a pane leaves the view for the panes.
        case .nextPane:
            if state.showingSweep { state.showingSweep = false } else { state.focus = state.focus.next }
        case .previousPane:
            if state.showingSweep { state.showingSweep = false } else { state.focus = state.focus.previous }
        case .focus(let pane):
            state.showingSweep = false
            state.focus = pane
        case .showHelp: state.dialog = .help(scroll: 0)
        case .toggleSweep: return SweepViewReducer.toggle(&state)
        case .cycleTheme:
            state.themeIndex = (state.themeIndex + 1) % state.themeNames.count
            // The status line names it once it is on the screen (`.themeApplied`).
            return [.applyTheme(state.themeName)]
        case .toggleRun, .stopRun, .quit, .loadProtocol:
            switch state.mode {
            case .local: return LocalRunReducer.perform(action, &state)
            case .watching(let watched): return WatchedRunReducer.perform(action, of: watched, &state)
            }
        default: break
        }
        return []
    }
}
