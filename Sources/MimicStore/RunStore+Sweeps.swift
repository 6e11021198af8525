import Foundation
import MimicEngine

/// A sweep as the store keeps it: what it was given and the trainings it plans, each
/// a run tied to it once started.
public struct SweepRecord: Sendable, Equatable {
    public let id: Int64
    public let createdAt: Date
    public let name: String?
    /// The sweep file's text, or the options that gave the grid.
    public let source: String
    /// The configuration of each training it plans, in order.
    public let trainings: [ExperimentConfig]
}

/// One planned training of a sweep: which sweep, and its place (0-based) in the plan.
public struct SweepSlot: Sendable, Equatable, Hashable {
    public let sweep: Int64
    public let training: Int

    public init(sweep: Int64, training: Int) {
        self.sweep = sweep
        self.training = training
    }
}

extension RunStore {
    /// Records a new sweep with its planned trainings; they become runs as they start.
    public func createSweep(name: String?, source: String, trainings: [ExperimentConfig]) throws(StoreError) -> SweepRecord {
        let json: String
        do {
            json = String(decoding: try JSONEncoder().encode(trainings), as: UTF8.self)
        } catch {
            throw StoreError("The sweep's trainings cannot be recorded (\(error)); this is a bug in mimic: please report it.")
        }
        let id = try write("recording a new sweep") { db -> Int64? in
            let id = try db.value("INSERT INTO sweeps (created_at, name, source, trainings) VALUES (\(Date()), \(name), \(source), \(json)) RETURNING id",
                                  as: Int64.self)
            // Its queue: a row per planned training, for agents to claim (`claimSweepTraining`).
            if let id {
                for training in trainings.indices {
                    try db.execute("INSERT INTO sweep_queue (sweep_id, training) VALUES (\(id), \(training))")
                }
            }
            return id
        }
        guard let id else { throw StoreError("The run store \(location) gave the new sweep no id; try again.") }
        return try sweep(id)
    }

    public func sweep(_ id: Int64) throws(StoreError) -> SweepRecord {
        guard let sweep = try sweeps(id: id).first else {
            throw StoreError("There is no sweep \(id) in \(location); 'mimic sweeps' lists the sweeps there.")
        }
        return sweep
    }

    /// Sweeps newest first (or the one with `id`).
    public func sweeps(id: Int64? = nil) throws(StoreError) -> [SweepRecord] {
        let filter: StoreQuery = id.map { "WHERE id = \($0)" } ?? ""
        let rows = try read("listing sweeps") { db in
            try db.rows("SELECT * FROM sweeps \(filter) ORDER BY id DESC")
        }
        var sweeps: [SweepRecord] = []
        for row in rows {
            let id: Int64 = row["id"]
            let trainings: [ExperimentConfig]
            do {
                trainings = try JSONDecoder().decode([ExperimentConfig].self, from: Data((row["trainings"] as String).utf8))
            } catch {
                throw StoreError("Sweep \(id)'s planned trainings cannot be read (\(error)); another version of mimic wrote them, or they were edited.")
            }
            sweeps.append(SweepRecord(id: id, createdAt: row["created_at"], name: row["name"], source: row["source"],
                                      trainings: trainings))
        }
        return sweeps
    }
}

extension RunStore {
    /// Ties a run recorded outside any sweep to a sweep's training that has no run
    /// yet (a reproduction taking up a seed the dashboard's R trained). Returns
    /// whether it did: a run already in a sweep, or a training already answered,
    /// stays as it is.
    @discardableResult
    public func join(run id: Int64, to slot: SweepSlot) throws(StoreError) -> Bool {
        try write("adding run \(id) to sweep \(slot.sweep)") { db -> Bool in
            let taken = try db.row("SELECT 1 FROM runs WHERE sweep_id = \(slot.sweep) AND sweep_training = \(slot.training)") != nil
            guard !taken else { return false }
            guard try db.execute("""
                UPDATE runs SET sweep_id = \(slot.sweep), sweep_training = \(slot.training) WHERE id = \(id) AND sweep_id IS NULL
                """) > 0 else { return false }
            try db.execute("UPDATE sweep_queue SET run_id = \(id) WHERE sweep_id = \(slot.sweep) AND training = \(slot.training)")
            return true
        }
    }
}

/// A Slurm job that trains a sweep: the job id sbatch gave, its agents and when.
public struct SweepJob: Sendable, Equatable {
    public let jobID: String
    public let agents: Int
    public let submittedAt: Date
}

extension RunStore {
    /// Records that Slurm job `jobID` (a job array of `agents` agents) trains `sweep`.
    public func recordJob(_ jobID: String, agents: Int, sweep: Int64) throws(StoreError) {
        _ = try write("recording Slurm job \(jobID) of sweep \(sweep)") { db in
            try db.execute("""
                INSERT INTO sweep_jobs (sweep_id, job_id, agents, submitted_at) VALUES (\(sweep), \(jobID), \(agents), \(Date()))
                """)
        }
    }

    /// The Slurm jobs recorded for `sweep`, in the order they were submitted.
    public func jobs(sweep: Int64) throws(StoreError) -> [SweepJob] {
        let rows = try read("listing the Slurm jobs of sweep \(sweep)") { db in
            try db.rows("SELECT * FROM sweep_jobs WHERE sweep_id = \(sweep) ORDER BY id")
        }
        return rows.map { SweepJob(jobID: $0["job_id"], agents: $0["agents"], submittedAt: $0["submitted_at"]) }
    }
}
