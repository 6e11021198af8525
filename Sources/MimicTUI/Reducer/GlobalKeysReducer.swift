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
            state.status = "Theme: \(state.themeName)"
        case .toggleRun, .stopRun, .quit, .loadProtocol:
            return state.watching == nil ? LocalRunReducer.perform(action, &state)
                : WatchedRunReducer.perform(action, &state)
        default: break
        }
        return []
    }
}
