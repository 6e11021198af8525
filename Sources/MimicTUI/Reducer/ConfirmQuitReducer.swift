/// The quit question, asked while a run trains here: yes stops it and quits.
enum ConfirmQuitReducer {
    static func perform(_ action: DashboardAction, _ state: inout DashboardState) -> [DashboardEffect] {
        switch action {
        case .confirm:
            state.dialog = nil
            state.quitRequested = true
            return [.stopRun, .quit]
        case .cancel:
            state.dialog = nil
        default: break
        }
        return []
    }
}
