import Foundation

/// Telling the runs whose trainer died from the live ones (see `TrainerLiveness`),
/// and the heartbeat a trainer writes.
extension RunStore {
    /// Marks as interrupted every running run whose trainer is gone (see
    /// `TrainerLiveness`), and the models it was training. Returns their ids.
    @discardableResult
    public func markInterruptedRuns() throws(StoreError) -> [Int64] {
        let dead = try read("checking for interrupted runs") { db in
            try db.rows("SELECT id, pid, host, heartbeat_at, folder FROM runs WHERE status = \(RunStatus.running.rawValue)")
                .filter { !TrainerLiveness.isTraining(folder: $0["folder"], host: $0["host"], heartbeat: $0["heartbeat_at"]) }
                .map { (id: $0["id"] as Int64, pid: $0["pid"] as Int32?) }
        }
        guard !dead.isEmpty else { return [] }
        try write("marking interrupted runs") { db in
            for run in dead {
                let who = run.pid.map { "its process \($0)" } ?? "its process"
                let message = "\(who) ended without finishing it (killed, crashed or the machine stopped); what it recorded until then is kept."
                try db.execute("""
                    UPDATE runs SET status = \(RunStatus.interrupted.rawValue), ended_at = COALESCE(heartbeat_at, started_at), message = \(message)
                    WHERE id = \(run.id) AND status = \(RunStatus.running.rawValue)
                    """)
                try db.execute("""
                    UPDATE models SET status = \(ModelStatus.interrupted.rawValue)
                    WHERE run_id = \(run.id) AND status = \(ModelStatus.training.rawValue)
                    """)
            }
        }
        return dead.map(\.id)
    }

    /// Refreshes run `id`'s heartbeat: the trainer's sign of life to other machines,
    /// written while it trains and while it is paused.
    public func beat(_ id: Int64) throws(StoreError) {
        try write("recording that run \(id) is alive") { db in
            try db.execute("UPDATE runs SET heartbeat_at = \(Date()) WHERE id = \(id) AND status = \(RunStatus.running.rawValue)")
        }
    }
}
