/// What a watcher asks the process that trains a run to do, through the store.
public enum ControlRequest: String, Sendable, CaseIterable {
    case pause, resume, stop

    /// "paused", "resumed", "stopped": for sentences about it.
    var pastTense: String {
        switch self {
        case .pause: "paused"
        case .resume: "resumed"
        case .stop: "stopped"
        }
    }
}
