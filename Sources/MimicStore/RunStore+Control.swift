import Foundation

/// Pause, resume and stop from another process. A watcher adds a request; the
/// trainer's `RunControlPoller` takes the waiting ones, marks them handled and applies
/// them. The store rather than a signal carries them: the trainer may run under
/// another user or in a container where signals cannot reach it, SIGINT and SIGTERM
/// already mean "stop", a signal to a reused process id would hit some other program,
/// and a request in the store is seen (and answered) by every watcher alike.
extension RunStore {
    /// Asks the process that trains run `id` to pause, resume or stop. Refused, with
    /// the reason, when the run is not training.
    public func requestControl(_ request: ControlRequest, run id: Int64) throws(StoreError) {
        let record = try run(id)
        guard record.status == .running else {
            throw StoreError("Run \(id) is \(record.status.rawValue), so it cannot be \(request.pastTense); only a running run takes pause, resume and stop.")
        }
        try write("asking run \(id) to \(request.rawValue)") { db in
            try db.execute("INSERT INTO control_requests (run_id, request, requested_at) VALUES (\(id), \(request.rawValue), \(Date()))")
        }
    }

    /// The requests for run `id` nobody handled yet, oldest first, marked handled in
    /// the same transaction so that no request is applied twice. A request this mimic
    /// does not know (from a newer one) is marked handled and skipped.
    public func takeControlRequests(run id: Int64) throws(StoreError) -> [ControlRequest] {
        // A read first: the trainer polls twice a second, and a write transaction each
        // time would contend with its own recorder and with other writers for nothing.
        let waiting = try read("reading the control requests of run \(id)") { db in
            try db.row("SELECT 1 FROM control_requests WHERE run_id = \(id) AND handled_at IS NULL LIMIT 1") != nil
        }
        guard waiting else { return [] }
        return try write("taking the control requests of run \(id)") { db in
            let rows = try db.rows("""
                SELECT id, request FROM control_requests WHERE run_id = \(id) AND handled_at IS NULL ORDER BY id\(sql: db.dialect.lockingSelectedRows)
                """)
            guard !rows.isEmpty else { return [] }
            try db.execute("UPDATE control_requests SET handled_at = \(Date()) WHERE run_id = \(id) AND handled_at IS NULL")
            return rows.compactMap { ControlRequest(rawValue: $0["request"]) }
        }
    }
}
