/// The runs pane: pick past runs to draw over the current one.
enum RunsPaneReducer {
    static let noRunsYet = "No runs are recorded yet; each run trained here or with 'mimic train' is."

    static func perform(_ action: DashboardAction, _ state: inout DashboardState) -> [DashboardEffect] {
        switch action {
        case .up, .down:
            guard !state.pastRuns.isEmpty else {
                state.status = noRunsYet
                return []
            }
            state.runsRow = action == .down ? min(state.pastRuns.count - 1, state.runsRow + 1) : max(0, state.runsRow - 1)
        case .activate:
            return toggleOverlay(&state)
        case .cancel:
            guard !state.overlays.isEmpty else {
                state.status = "No run is overlaid; Enter overlays the selected one."
                return []
            }
            state.overlays = []
            if state.selectedOverlay != nil {
                state.selectedOverlay = nil
                state.selectedModel = nil
            }
        default: break
        }
        return []
    }

    /// Enter: overlays the selected run, or takes its overlay away.
    static func toggleOverlay(_ state: inout DashboardState) -> [DashboardEffect] {
        guard state.pastRuns.indices.contains(state.runsRow) else {
            state.status = noRunsYet
            return []
        }
        let id = state.pastRuns[state.runsRow].id
        if id == state.recordedRunID {
            state.status = "Run \(id) is the one on screen; choose another to compare with it."
            return []
        }
        if state.overlays.contains(where: { $0.id == id }) {
            PastRunsReducer.removeOverlay(id, &state)
            return []
        }
        var overlay = RunOverlay(id: id)
        let read = PastRunsReducer.askToRead(&overlay, listed: state.pastRuns[state.runsRow].status, &state.nextOverlayRead)
        state.overlays.append(overlay)
        return [read]
    }
}
