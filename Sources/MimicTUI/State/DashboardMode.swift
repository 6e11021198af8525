/// Whose run is on screen, and so which keys exist and who carries out pause, resume
/// and stop. A mode rather than a flag: what differs between the two lives in one
/// place (`KeyTable`, `LocalRunReducer`, `WatchedRunReducer`) instead of being asked
/// about wherever it matters.
public enum DashboardMode: Equatable, Sendable {
    /// Runs train in this process, from what the panes set (`mimic dashboard`).
    /// `recordedAs` is the store's id of the run on screen once it is recorded.
    case local(recordedAs: Int64?)
    /// Another process trains the run (`mimic watch`): the dashboard follows it from
    /// the store, edits nothing, and asks that process to pause, resume or stop.
    case watching(WatchedRun)

    public var watchedRun: WatchedRun? {
        if case .watching(let run) = self { return run }
        return nil
    }

    public var isWatching: Bool { watchedRun != nil }

    /// The keys this mode binds.
    public var keyTable: KeyTable { isWatching ? .watching : .local }

    /// The store's id of the run on screen, when it is in the store.
    public var recordedRunID: Int64? {
        switch self {
        case .local(let id): id
        case .watching(let run): run.id
        }
    }
}
