import MimicStore

/// A past run chosen in the runs pane: its curves drawn over the current ones and its
/// models added to the comparison. `run` is nil until the store has been read. A run
/// that is still training elsewhere is read again as the runs list refreshes, so its
/// overlay grows as it trains and ends as it ended.
public struct RunOverlay: Sendable {
    public let id: Int64
    public var run: RunState?
    /// The number of the read of the store under way, nil when none is: no second one
    /// is asked for until it answers, and an answer to any other read (one asked for
    /// before the overlay was taken away and chosen again) is ignored.
    public var pendingRead: Int?
    /// The run's status in the list when the last read was asked for.
    public var readAt: RunStatus?

    public init(id: Int64, run: RunState? = nil, pendingRead: Int? = nil, readAt: RunStatus? = nil) {
        self.id = id
        self.run = run
        self.pendingRead = pendingRead
        self.readAt = readAt
    }

    /// Whether a run now listed with `status` should be read again: it is still
    /// training, or it ended since the last read, and no read is under way.
    func needsReading(listed status: RunStatus) -> Bool {
        pendingRead == nil && (status == .running || status != readAt)
    }
}
