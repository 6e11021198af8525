import MimicEngine

/// The life of a run trained in this process: Space starts, pauses and resumes it, S
/// stops it, R starts the DeepMimic protocol, and quitting asks first while it trains.
enum LocalRunReducer {
    static func perform(_ action: DashboardAction, _ state: inout DashboardState) -> [DashboardEffect] {
        switch action {
        case .toggleRun: return toggle(&state)
        case .stopRun: return stop(&state)
        case .quit: return quit(&state)
        case .loadProtocol: return loadProtocol(&state)
        default: return []
        }
    }

    static func toggle(_ state: inout DashboardState) -> [DashboardEffect] {
        switch state.run?.status {
        case nil, .finished?:
            if let blocker = state.startBlocker {
                state.status = blocker
                return []
            }
            state.run = RunState(config: state.next, startedAt: state.now)
            state.selectedModel = nil
            state.selectedOverlay = nil
            state.mode = .local(recordedAs: nil)
            return [.startRun(state.next)]
        case .starting?, .running?:
            state.run?.status = .paused
            return [.pauseRun]
        case .paused?:
            state.run?.status = .running
            return [.resumeRun]
        case .stopping?:
            state.status = "The run is stopping after the current step."
            return []
        }
    }

    static func stop(_ state: inout DashboardState) -> [DashboardEffect] {
        guard state.run?.isActive == true else {
            state.status = "No run is going; Space starts one."
            return []
        }
        state.run?.status = .stopping
        return [.stopRun]
    }

    static func quit(_ state: inout DashboardState) -> [DashboardEffect] {
        if state.isTraining {
            state.dialog = .confirmQuit
            return []
        }
        state.quitRequested = true
        return [.quit]
    }

    /// Ctrl-C or SIGTERM: no question; the training stops with the program.
    static func interrupt(_ state: inout DashboardState) -> [DashboardEffect] {
        state.quitRequested = true
        return state.isTraining ? [.stopRun, .quit] : [.quit]
    }

    /// Sets the next run to the protocol `mimic reproduce` runs (keeping the data set and
    /// seed) and starts it when nothing is training; during a run it waits as the next.
    static func loadProtocol(_ state: inout DashboardState) -> [DashboardEffect] {
        var config = ReproductionProtocol.config(dataDirectory: state.next.dataDirectory, seed: state.next.seed)
        config.threads = state.next.threads
        config.saveDirectory = state.next.saveDirectory
        state.next = config
        state.refreshArchitectures()
        state.refreshSplit()
        guard !state.isTraining else {
            state.status = "The DeepMimic protocol is set for the next run."
            return []
        }
        state.status = "Running the DeepMimic protocol: cnn-l mentor, three students and their baselines."
        return toggle(&state)
    }

    /// Nothing trained: the screen goes back to no run, and says why.
    static func failedToStart(_ message: String, _ state: inout DashboardState) {
        state.run = nil
        state.status = message
    }

    /// The run on screen is in the store under `id`, so the runs pane can tell it apart.
    static func recorded(as id: Int64, _ state: inout DashboardState) {
        guard case .local = state.mode else { return }
        state.mode = .local(recordedAs: id)
    }
}
