/// The keys that work in every pane: moving between panes, help, the theme, and the
/// run keys, which go to whoever owns the run on screen.
enum GlobalKeysReducer {
    static func perform(_ action: DashboardAction, _ state: inout DashboardState) -> [DashboardEffect] {
        switch action {
        case .nextPane: state.focus = state.focus.next
        case .previousPane: state.focus = state.focus.previous
        case .focus(let pane): state.focus = pane
        case .showHelp: state.dialog = .help(scroll: 0)
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
