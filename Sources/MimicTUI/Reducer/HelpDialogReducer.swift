/// The help dialog: scrolls, and closes.
enum HelpDialogReducer {
    static func perform(_ action: DashboardAction, _ state: inout DashboardState) {
        guard case .help(let scroll)? = state.dialog else { return }
        switch action {
        case .up: state.dialog = .help(scroll: max(0, scroll - 1))
        case .down: state.dialog = .help(scroll: scroll + 1)
        case .cancel: state.dialog = nil
        default: break
        }
    }
}
