import MimicEngine

/// state + input -> state + effects. Pure: no clock, no threads, no terminal, so every
/// key and every engine event can be tested by value. This file only routes: each
/// concern (a pane, a dialog, the run's owner, the past runs) has a file of its own.
public enum DashboardReducer {
    public static func reduce(_ state: inout DashboardState, _ input: DashboardInput) -> [DashboardEffect] {
        switch input {
        case .key(let key):
            return press(key, in: &state)
        case .engine(let event):
            apply(event, to: &state)
        case .tick(let now):
            state.now = now
        case let .resize(width, height):
            state.width = width
            state.height = height
        case .dataLoaded(let dataSet):
            state.data = .ready(dataSet)
            state.refreshArchitectures()
            state.refreshSplit()
        case .dataFailed(let message):
            state.data = .failed(message)
        case .interrupt:
            switch state.mode {
            case .local: return LocalRunReducer.interrupt(&state)
            case .watching: return WatchedRunReducer.interrupt(&state)
            }
        case .note(let message):
            state.status = message
        case let .themeApplied(name, warnings):
            state.status = warnings.isEmpty ? "Theme: \(name)" : "Theme: " + warnings.joined(separator: "; ")
        case .recordedAs(let id):
            LocalRunReducer.recorded(as: id, &state)
        case .runFailedToStart(let message):
            LocalRunReducer.failedToStart(message, &state)
        case let .startedWatching(watched, config, startedAt):
            WatchedRunReducer.start(watched, config: config, startedAt: startedAt, &state)
        case let .watchedStatus(status, wallSeconds):
            WatchedRunReducer.statusChanged(to: status, wallSeconds: wallSeconds, &state)
        case .controlRequestFailed(let message):
            state.status = message
        case .pastRuns(let runs):
            return PastRunsReducer.listed(runs, &state)
        case let .pastRunLoaded(id, read, run):
            PastRunsReducer.loaded(id, read: read, run: run, &state)
        case let .pastRunFailed(id, read, message):
            PastRunsReducer.failed(id, read: read, message: message, &state)
        case let .sweepRead(id, name, results):
            SweepViewReducer.read(id, name: name, results: results, &state)
        case .sweepUnavailable(let message):
            state.status = message
            state.showingSweep = false
        case .storeRefreshed(let problem):
            StoreReachReducer.refreshed(problem: problem, &state)
        }
        return []
    }

    /// An event of the run on screen, trained here or followed from the store.
    static func apply(_ event: TrainingEvent, to state: inout DashboardState) {
        guard state.run != nil else { return }
        // Changed in place: a copy of the run would copy its curves on every point,
        // which made a long run's thousands of points quadratic to take in.
        if let note = state.run?.apply(event, now: state.now) { state.status = note }
        // A watched run's model sizes come from its recorded plan, not a loaded data set.
        if case .runStarted = event, state.mode.isWatching { state.refreshArchitectures() }
        if state.mode.isWatching { WatchedRunReducer.recorded(event, &state) }
    }
}
