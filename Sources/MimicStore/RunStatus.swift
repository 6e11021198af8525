/// Where a run stands. `running` is the only status that can still change; a run
/// whose process died without saying so becomes `interrupted` the next time any
/// mimic opens the store.
public enum RunStatus: String, Sendable, CaseIterable, Codable {
    case running
    /// Every model trained to its last epoch.
    case done
    /// Stopped from outside (Ctrl-C, the dashboard's S) before every model finished.
    case stopped
    /// A model diverged or its checkpoint could not be written, or the run could not start.
    case failed
    /// Its process ended without recording an end (killed, crashed, machine restarted).
    case interrupted
}

/// Where one model of a run stands. The finished statuses mirror `ModelResult.Status`;
/// `pending` and `training` are for models of a run that is still going (or was
/// interrupted while it went).
public enum ModelStatus: String, Sendable, CaseIterable, Codable {
    case pending, training, finished, stopped, diverged, skipped, interrupted
}
