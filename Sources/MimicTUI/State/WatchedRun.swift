import MimicStore

/// The run `mimic watch` shows: another process trains it (or trained it), so the
/// dashboard follows it from the run store and changes nothing but its pause, resume
/// and stop, which it asks of that process.
public struct WatchedRun: Equatable, Sendable {
    public let id: Int64
    /// The store's word for the run: running until its process records an end.
    public var status: RunStatus

    public init(id: Int64, status: RunStatus) {
        self.id = id
        self.status = status
    }

    public var isTraining: Bool { status == .running }
}
