import Synchronization

/// Inputs from other threads (the engine's events, the data loader), held until the
/// UI thread drains them on its next turn. Pushing takes a lock for one append, so
/// the training thread never waits on the screen.
public final class EventInbox: Sendable {
    private let items = Mutex<[DashboardInput]>([])

    public init() {}

    public func push(_ input: DashboardInput) {
        items.withLock { $0.append(input) }
    }

    public func drain() -> [DashboardInput] {
        items.withLock { items in
            defer { items.removeAll(keepingCapacity: true) }
            return items
        }
    }
}
