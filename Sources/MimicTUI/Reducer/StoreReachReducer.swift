/// Whether the store answers the dashboard's reads. A failed refresh marks it
/// unreachable (the header says so, the status line says why, once); the first
/// refresh that answers clears it, and that refresh's inputs, taken in just before,
/// have brought the curves up to what the store holds.
enum StoreReachReducer {
    static func refreshed(problem: String?, _ state: inout DashboardState) {
        switch (state.storeFailure, problem) {
        case (nil, let problem?):
            state.storeFailure = StoreFailure(since: state.now, message: problem)
            state.status = problem
        case (var failure?, let problem?):
            failure.message = problem
            state.storeFailure = failure
        case (_?, nil):
            state.storeFailure = nil
            state.status = "The store answers again; the screen has caught up with it."
        case (nil, nil):
            break
        }
    }

    /// The header's words for a store that does not answer, short enough for 80 columns.
    static func headerText(_ failure: StoreFailure, now: Double) -> String {
        let seconds = max(0, Int(now - failure.since))
        let silent = seconds < 60 ? "\(seconds)s" : Formatting.duration(Double(seconds))
        return "store unreachable for \(silent), retrying"
    }
}
