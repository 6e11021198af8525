import MimicEngine
import MimicStore

/// The life of a run another process trains (`mimic watch`): the store says how it
/// goes; Space and S only ask that process, and the screen changes when it records
/// that it did. Quitting never stops it, and keys that would edit or start a run
/// say why they do nothing.
enum WatchedRunReducer {
    /// Enters watch mode: the run's own settings fill the panes, its clock the header.
    static func start(_ watched: WatchedRun, config: ExperimentConfig, startedAt: Double,
                      _ state: inout DashboardState) {
        state.mode = .watching(watched)
        state.run = RunState(config: config, startedAt: startedAt)
    }

    static func perform(_ action: DashboardAction, of watched: WatchedRun,
                        _ state: inout DashboardState) -> [DashboardEffect] {
        switch action {
        case .toggleRun: return toggle(watched, &state)
        case .stopRun: return stop(watched, &state)
        case .quit: return quit(&state)
        default: return []
        }
    }

    /// Space: asks the training process to pause or resume (within a second or so).
    static func toggle(_ watched: WatchedRun, _ state: inout DashboardState) -> [DashboardEffect] {
        guard watched.isTraining, let run = state.run, run.isActive else {
            state.status = "Run \(watched.id) is \(watched.status.rawValue); watching starts no run ('mimic dashboard' or 'mimic train' does)."
            return []
        }
        switch run.status {
        case .paused:
            state.status = "Asked run \(watched.id) to resume."
            state.askedWatchedRun = .resume
            return [.resumeRun]
        case .stopping:
            state.status = "Run \(watched.id) is stopping after the current step."
            return []
        case .starting, .running, .finished:
            state.status = "Asked run \(watched.id) to pause; it pauses after the current step."
            state.askedWatchedRun = .pause
            return [.pauseRun]
        }
    }

    static func stop(_ watched: WatchedRun, _ state: inout DashboardState) -> [DashboardEffect] {
        guard watched.isTraining, state.run?.isActive == true else {
            state.status = "Run \(watched.id) is \(watched.status.rawValue); there is no training to stop."
            return []
        }
        state.run?.status = .stopping
        state.askedWatchedRun = .stop
        state.status = "Asked run \(watched.id) to stop; it stops after the current step and keeps what is done."
        return [.stopRun]
    }

    /// q, Ctrl-C or SIGTERM end the watching, never the training it watches.
    static func quit(_ state: inout DashboardState) -> [DashboardEffect] {
        state.quitRequested = true
        return [.quit]
    }

    static func interrupt(_ state: inout DashboardState) -> [DashboardEffect] { quit(&state) }

    /// What to tell the user once watching ends and the terminal is back, when the run
    /// goes on paused with nobody watching it. A paused run's process is alive and
    /// waiting, so `mimic resume`, which continues runs whose process ended, refuses
    /// it; a watcher's Space is what resumes it.
    static func farewell(_ state: DashboardState) -> String? {
        guard let watched = state.watchedRun, watched.isTraining, let run = state.run, run.isActive else { return nil }
        let howToResume = "resume it with 'mimic watch \(watched.id)' and Space, or stop it there with S "
            + "('mimic resume \(watched.id)' refuses a run whose process is still alive)."
        switch (run.status, state.askedWatchedRun) {
        case (.paused, .resume?):
            return "Run \(watched.id) was asked to resume; its process takes the request within a second."
        case (.paused, _):
            return "Run \(watched.id) stays paused; " + howToResume
        case (.running, .pause?), (.starting, .pause?):
            return "Run \(watched.id) was asked to pause and stays paused once it has; " + howToResume
        default:
            return nil
        }
    }

    /// The watched process recorded a pause or a resume: what was asked of it is done.
    static func recorded(_ event: TrainingEvent, _ state: inout DashboardState) {
        switch (event, state.askedWatchedRun) {
        case (.paused, .pause?), (.resumed, .resume?): state.askedWatchedRun = nil
        default: break
        }
    }

    /// The watched run's status as the store has it. A run whose process died never
    /// sends its end, so this ends it on screen; a run that ended gets its real length.
    static func statusChanged(to status: RunStatus, wallSeconds: Double?, _ state: inout DashboardState) {
        if case .watching(var watched) = state.mode {
            watched.status = status
            state.mode = .watching(watched)
        }
        guard status != .running, var run = state.run else { return }
        if run.status != .finished {
            run.status = .finished
            run.current = nil
            run.endedAt = state.now
        }
        if let wallSeconds { run.endedAt = run.startedAt + wallSeconds }
        state.run = run
    }

    /// A key watching leaves unbound but the dashboard binds: the status line says it
    /// works in 'mimic dashboard'. Returns whether the key was explained.
    static func explainReadOnly(_ key: Key, in scope: KeyScope, modal: Bool, _ state: inout DashboardState) -> Bool {
        guard let watched = state.watchedRun else { return false }
        let scopes = modal ? [scope] : [scope, .global]
        for scope in scopes {
            if let binding = KeyTable.local.bindings(for: scope).first(where: { $0.keys.contains(key) }) {
                state.status = "Watching run \(watched.id) is read-only: \"\(binding.summary)\" works in 'mimic dashboard'."
                return true
            }
        }
        return false
    }
}
