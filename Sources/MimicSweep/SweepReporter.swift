import MimicEngine

/// Where a sweep's workers say what they do; the command that runs them prints it.
public protocol SweepReporter: Sendable {
    /// A line of progress ("== training 2 of 6: ..."), for standard output.
    func say(_ line: String)
    /// A problem that does not stop the sweep, for standard error.
    func warn(_ line: String)
    /// An event of the training in progress.
    func show(_ event: TrainingEvent)
}

/// A stop a person asked for (Ctrl-C, SIGTERM): the training in progress stops after
/// its current step, and no other starts.
public protocol StopRequest: AnyObject, Sendable {
    /// Whether a stop was asked for.
    var interrupted: Bool { get }
    /// Makes `control` the training a stop stops (at once, when one was asked for already).
    func stops(_ control: TrainingControl)
    /// Runs `action` with the signal that asked for the stop, when it comes (at once,
    /// when it came already): how a sweep passes the stop on to its worker processes.
    func passesOn(_ action: @escaping @Sendable (Int32) -> Void)
}
