import MimicStore

/// The store's runs as the runs pane lists them, and the reads of the ones overlaid.
/// Each read carries a number: an overlay asks for one read at a time, and an answer
/// to any read but its latest (one asked before it was taken away and chosen again)
/// is ignored. An overlaid run still training elsewhere is read again with each list.
enum PastRunsReducer {
    static func listed(_ runs: [PastRun], _ state: inout DashboardState) -> [DashboardEffect] {
        let selected = state.pastRuns.indices.contains(state.runsRow) ? state.pastRuns[state.runsRow].id : nil
        state.pastRuns = runs
        state.runsRow = runs.firstIndex { $0.id == selected } ?? min(state.runsRow, max(0, runs.count - 1))
        var effects: [DashboardEffect] = []
        for index in state.overlays.indices {
            guard let listed = runs.first(where: { $0.id == state.overlays[index].id }),
                  state.overlays[index].needsReading(listed: listed.status) else { continue }
            effects.append(askToRead(&state.overlays[index], listed: listed.status, &state.nextOverlayRead))
        }
        return effects
    }

    static func loaded(_ id: Int64, read: Int, run: RunState, _ state: inout DashboardState) {
        guard let index = state.overlays.firstIndex(where: { $0.id == id && $0.pendingRead == read }) else { return }
        state.overlays[index].run = run
        state.overlays[index].pendingRead = nil
    }

    static func failed(_ id: Int64, read: Int, message: String, _ state: inout DashboardState) {
        guard let index = state.overlays.firstIndex(where: { $0.id == id && $0.pendingRead == read }) else { return }
        state.status = message
        if state.overlays[index].run == nil {
            removeOverlay(id, &state)
        } else {
            state.overlays[index].pendingRead = nil  // a later read fails: keep what was read
        }
    }

    /// Marks `overlay` as being read and returns the effect that reads it.
    static func askToRead(_ overlay: inout RunOverlay, listed status: RunStatus, _ next: inout Int) -> DashboardEffect {
        defer { next += 1 }
        overlay.pendingRead = next
        overlay.readAt = status
        return .loadPastRun(overlay.id, read: next)
    }

    /// Takes overlay `id` away, and the selection of its curve with it.
    static func removeOverlay(_ id: Int64, _ state: inout DashboardState) {
        state.overlays.removeAll { $0.id == id }
        if state.selectedOverlay == id {
            state.selectedOverlay = nil
            state.selectedModel = nil
        }
    }
}
