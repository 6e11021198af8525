import Foundation
import MimicEngine

/// Taking up again a run that did not end (`mimic resume`): which runs may be
/// resumed, claiming one for a new process, and cutting its metric series back to
/// where the engine goes on, so that the resumed process writes into the same run
/// and models as if it had never stopped.
extension RunStore {
    /// The run `id`, if it can be resumed: it ended without finishing (interrupted,
    /// stopped or failed) or is claimed for this process, and its run folder holds the
    /// run. One sentence otherwise.
    public func resumableRun(_ id: Int64) throws(StoreError) -> RunRecord {
        let run = try run(id)
        try checkResumable(run)
        return run
    }

    /// Makes process `pid` (by default this one) the one that trains run `id` again:
    /// running, with a fresh heartbeat and no end. A run that `pid` already claimed (a
    /// detached resume, claimed for its child by the parent) is taken as it is; any
    /// other run must be resumable. Atomic, so two processes resuming one run cannot
    /// both win. It counts up the run's claim generation, so that an agent that trained
    /// the run before (cut off, not dead) writes nothing more into it.
    public func claimForResume(_ id: Int64, pid: Int32? = nil) throws(StoreError) -> RunRecord {
        let pid = pid ?? ProcessIdentity.pid
        let host = ProcessIdentity.host
        let claimed = try write("claiming run \(id)") { db -> Bool in
            guard let row = try db.row("SELECT status, pid, host FROM runs WHERE id = \(id)\(sql: db.dialect.lockingSelectedRows)") else {
                return false
            }
            let status: String = row["status"]
            if status == RunStatus.running.rawValue {
                return (row["pid"] as Int32?) == pid && (row["host"] as String?) == host
            }
            guard Self.resumableStatuses.contains(status) else { return false }
            try db.execute("""
                UPDATE runs SET status = \(RunStatus.running.rawValue), pid = \(pid), host = \(host), heartbeat_at = \(Date()),
                    ended_at = NULL, wall_seconds = NULL, message = NULL, paused_at = NULL, claim_generation = claim_generation + 1
                WHERE id = \(id)
                """)
            // A pause or stop asked of the killed process must not reach this one,
            // which starts unpaused.
            try db.execute("UPDATE control_requests SET handled_at = \(Date()) WHERE run_id = \(id) AND handled_at IS NULL")
            return true
        }
        let run = try run(id)
        guard claimed else {
            try checkResumable(run)
            throw StoreError("Run \(id) in \(location) changed while it was being claimed; try 'mimic resume \(id)' again.")
        }
        return run
    }

    /// Cuts run `id` back to where `plan` (the resumed engine's plan) takes each model
    /// up, and returns the wall-clock seconds its kept points reach, from which the
    /// resumed process goes on counting. The recorder does it as it writes the plan, in
    /// the same transaction; on a new run it finds no models and does nothing.
    ///
    /// The engine trains a model again from its last epoch checkpoint and sends the
    /// points after it again, with the same steps; the interrupted process may have
    /// written some of them already. So every point of a later epoch is dropped, and
    /// the model reads as it stood at that checkpoint (pending until its first point).
    /// A model that ended (finished or diverged) is reported again as it was and keeps
    /// its row and its points.
    ///
    /// The engine publishes an epoch's last point before it keeps the epoch's
    /// checkpoint, so the store is normally never behind a checkpoint. When it is (the
    /// store could not take the point, and the process was then killed), the engine
    /// goes on after that epoch: its last point is filled in from the checkpoint (the
    /// test results; the train metrics are not kept there), so that no epoch is missing.
    static func rewind(_ db: any StoreConnection, run id: Int64, to plan: RunPlan) throws -> Rewind {
        var rewind = Rewind(wallSeconds: 0, filledEpochEnds: [])
        var partway: [(row: Int64, model: RunPlan.Model)] = []
        for model in plan.models {
            guard let row = try db.row("""
                SELECT id, status, epochs_completed FROM models
                WHERE run_id = \(id) AND role = \(model.id.role.rawValue) AND position = \(model.id.index)
                """) else { continue }
            let status: String = row["status"]
            // An ended model the engine trains again (the store lacked its points) is cut back like the others.
            let ended = status == ModelStatus.finished.rawValue || status == ModelStatus.diverged.rawValue
            if ended && model.epochsCompleted >= ((row["epochs_completed"] as Int64?) ?? 0) { continue }
            partway.append((row["id"], model))
            try db.execute("DELETE FROM metrics WHERE model_id = \(row["id"] as Int64) AND epoch > \(model.epochsCompleted)")
        }
        rewind.wallSeconds = try db.value("""
            SELECT max(metrics.wall_seconds) FROM metrics JOIN models ON models.id = metrics.model_id WHERE models.run_id = \(id)
            """, as: Double.self) ?? 0

        for (row, model) in partway {
            try db.execute("""
                UPDATE models SET status = \(ModelStatus.pending.rawValue), epochs_completed = \(model.epochsCompleted),
                    parity_seconds = NULL, checkpoint = NULL, message = NULL
                WHERE id = \(row)
                """)
            guard model.epochsCompleted > 0 else {
                try db.execute("""
                    UPDATE models SET training_seconds = 0, test_accuracy = NULL, test_loss = NULL, agreement = NULL WHERE id = \(row)
                    """)
                continue
            }
            let hasEpochEnd = try db.row("""
                SELECT 1 FROM metrics WHERE model_id = \(row) AND epoch = \(model.epochsCompleted) AND name = \(MetricName.testAccuracy.rawValue) LIMIT 1
                """) != nil
            if !hasEpochEnd, let end = model.checkpointedEpochEnd {
                try RunRecorder.insert(metricRows: RunRecorder.metricRows(of: end, model: row, wallSeconds: rewind.wallSeconds), into: db)
                rewind.filledEpochEnds.append("epoch \(end.epoch) of \(model.id.name)")
            }
            // The model's test results as of its checkpoint: those of the epoch's last point.
            let values = try db.rows("""
                SELECT name, value, training_seconds FROM metrics
                WHERE model_id = \(row) AND epoch = \(model.epochsCompleted) AND name IN (\(MetricName.testAccuracy.rawValue), \(MetricName.testLoss.rawValue), \(MetricName.testAgreement.rawValue))
                """)
            let byName = Dictionary(values.map { (row: StoreRow) -> (String, StoreRow) in (row["name"], row) }) { $1 }
            guard let accuracy = byName[MetricName.testAccuracy.rawValue], let loss = byName[MetricName.testLoss.rawValue] else { continue }
            let agreement = byName[MetricName.testAgreement.rawValue].map { $0["value"] as Double }
            try db.execute("""
                UPDATE models SET training_seconds = \(accuracy["training_seconds"] as Double), test_accuracy = \(accuracy["value"] as Double),
                    test_loss = \(loss["value"] as Double), agreement = \(agreement)
                WHERE id = \(row)
                """)
        }
        return rewind
    }

    /// The models of run `id` that the resumed engine (`plan`) would take up past the
    /// points the store holds of them: their process trained them further than it could
    /// record (its store was away or full, and it ended). Every completed epoch has a
    /// point with its test accuracy, and a flush writes points in order, all or none, so
    /// an epoch without one is a gap. A model taken up partway may lack the point of its
    /// checkpoint's epoch alone, which `rewind` fills in from the checkpoint.
    public func modelsMissingPoints(ofRun id: Int64, plan: RunPlan) throws(StoreError) -> [MissingPoints] {
        try read("reading the progress points of run \(id)") { db in
            var missing: [MissingPoints] = []
            for model in plan.models where model.epochsCompleted > 0 {
                let needed = model.checkpointedEpochEnd == nil ? model.epochsCompleted : model.epochsCompleted - 1
                let row = try db.value("""
                    SELECT id FROM models WHERE run_id = \(id) AND role = \(model.id.role.rawValue) AND position = \(model.id.index)
                    """, as: Int64.self)
                let stored = try row.map { row in
                    try db.value("""
                        SELECT count(DISTINCT epoch) FROM metrics
                        WHERE model_id = \(row) AND name = \(MetricName.testAccuracy.rawValue) AND epoch BETWEEN 1 AND \(needed)
                        """, as: Int64.self) ?? 0
                } ?? 0
                if stored < needed {
                    missing.append(MissingPoints(model: model.id, epochsStored: Int(stored), epochsTrained: model.epochsCompleted))
                }
            }
            return missing
        }
    }

    /// A model whose points the store lacks (see `modelsMissingPoints`).
    public struct MissingPoints: Sendable, Equatable, CustomStringConvertible {
        public let model: ModelID
        /// Epochs whose points the store holds.
        public let epochsStored: Int
        /// Epochs the run folder has it trained through.
        public let epochsTrained: Int
        /// "mentor: 391 of the 1,500 epochs it trained".
        public var description: String {
            "\(model.name): \(ReportTable.grouped(epochsStored)) of the \(ReportTable.grouped(epochsTrained)) epochs it trained"
        }
    }

    /// What `rewind` did.
    public struct Rewind: Sendable, Equatable {
        /// Where the kept points' wall clock stops.
        public var wallSeconds: Double
        /// Epoch ends filled in from their checkpoint ("epoch 2 of student 1").
        public var filledEpochEnds: [String]
    }

    static let resumableStatuses: Set<String> = [RunStatus.interrupted.rawValue, RunStatus.stopped.rawValue,
                                                 RunStatus.failed.rawValue]

    private func checkResumable(_ run: RunRecord) throws(StoreError) {
        let id = run.id
        switch run.status {
        case .running where run.pid == ProcessIdentity.pid && run.host == ProcessIdentity.host:
            break // claimed for this process by the one that started it in the background
        case .running:
            let process = run.pid.map { "process \($0)" + (run.host.map { " on \($0)" } ?? "") } ?? "another process"
            throw StoreError("Run \(id) is still training (\(process)), so there is nothing to resume; 'mimic show \(id)' prints how far it got.")
        case .done:
            throw StoreError("Run \(id) is done: every model trained to its last epoch, so there is nothing to resume; 'mimic show \(id)' prints its table.")
        case .interrupted, .stopped, .failed:
            break
        }
        guard let folder = run.folder else {
            throw StoreError("Run \(id) has no run folder to resume from (it was recorded before mimic kept epoch checkpoints); "
                + "'mimic show \(id)' prints the command that trains it again.")
        }
        do {
            _ = try RunFolder.storedConfig(at: folder)
        } catch {
            // The folder's own sentence, without its advice, which is for a resume by folder.
            let problem = error.message.prefix { $0 != ";" }
            throw StoreError("Run \(id) cannot be resumed: \(problem.prefix(1).lowercased() + problem.dropFirst()); "
                + "'mimic show \(id)' prints the command that trains it again.")
        }
    }
}
