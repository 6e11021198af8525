import MimicEngine
import MimicStore
import MimicSweep

/// Everything that can change the dashboard's state, from the keyboard, the engine,
/// the clock or the terminal.
public enum DashboardInput: Sendable {
    case key(Key)
    case engine(TrainingEvent)
    /// The run loop's clock, in seconds; sent every turn of the loop.
    case tick(now: Double)
    case resize(width: Int, height: Int)
    case dataLoaded(DataSet)
    case dataFailed(String)
    /// Ctrl-C or SIGTERM: quit now, stopping any training.
    case interrupt
    /// A note for the status line (a store that could not record the run, for one).
    case note(String)
    /// The theme `name` is on the screen; `warnings` are its file's bad lines, if any.
    case themeApplied(name: String, warnings: [String])
    /// The run on screen is recorded in the store under this id.
    case recordedAs(Int64)
    /// The run asked for could not start (nothing trained); the sentence says why.
    case runFailedToStart(String)
    /// The dashboard follows a run of the store that another process trains
    /// (`mimic watch`), with that run's settings; it started at `startedAt` on the
    /// run loop's clock (before zero when it began before the dashboard).
    case startedWatching(WatchedRun, config: ExperimentConfig, startedAt: Double)
    /// The store's status of the watched run changed; `wallSeconds` is its length once ended.
    case watchedStatus(RunStatus, wallSeconds: Double?)
    /// A pause, resume or stop asked of the watched run's process did not reach the
    /// store; the sentence says why.
    case controlRequestFailed(String)
    /// The runs of the store, newest first, read again.
    case pastRuns([PastRun])
    /// A past run chosen for overlay, read from the store by read number `read`.
    case pastRunLoaded(id: Int64, read: Int, run: RunState)
    /// A past run chosen for overlay could not be read; the sentence says why.
    case pastRunFailed(id: Int64, read: Int, message: String)
    /// A sweep's grid as the store has it now (`w`, and again while its view is open).
    case sweepRead(id: Int64, name: String?, results: SweepResults)
    /// The sweep view has nothing to show; the sentence says why ("no sweep yet").
    case sweepUnavailable(String)
    /// A refresh of what the store holds ended (`StoreReader`, off the UI thread): the
    /// sentence of the read that failed, or nil when every read answered again after
    /// one failed (a refresh that answers while all is well sends nothing).
    case storeRefreshed(problem: String?)
}

/// What the reducer asks the outside world to do; the run loop carries it out.
public enum DashboardEffect: Equatable, Sendable {
    case startRun(ExperimentConfig)
    case pauseRun
    case resumeRun
    case stopRun
    /// Read a past run from the store for the runs pane's overlay; the answer carries
    /// `read` back, so that an answer to an older read is told from the latest.
    case loadPastRun(Int64, read: Int)
    /// Read the sweep to show (the newest one, or the one the dashboard follows).
    case readSweep
    /// Load the theme of this name (one of `DashboardState.themeNames`) and use it.
    case applyTheme(String)
    case quit
}
