import MimicEngine

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
    /// A note for the status line (a theme warning, for one).
    case note(String)
}

/// What the reducer asks the outside world to do; the run loop carries it out.
public enum DashboardEffect: Equatable, Sendable {
    case startRun(ExperimentConfig)
    case pauseRun
    case resumeRun
    case stopRun
    case quit
}
