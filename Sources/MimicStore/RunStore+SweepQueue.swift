import Foundation

/// One claim of a sweep's training by an agent: which training, its run when it has
/// one (a training cut short, to take up), and the generation of this claim, which
/// every write into the run must carry (see `RunStore.claimSweepTraining`).
public struct SweepClaim: Sendable, Equatable {
    public let slot: SweepSlot
    /// The training's run, when an earlier claim started it: it is claimed for this
    /// agent already (running, this process, this generation), to take up from its
    /// last epoch checkpoints.
    public let runID: Int64?
    /// The run's folder as the earlier claim left it, whose checkpoints this claim
    /// goes on from.
    public let earlierFolder: String?
    /// The run was still running when claimed (its heartbeat was stale): its agent may
    /// live on, cut off, and its folder may be ahead of what the store holds.
    public let earlierWasRunning: Bool
    /// The machine the run was trained on before this claim.
    public let earlierHost: String?
    public let generation: Int64

    public init(slot: SweepSlot, runID: Int64?, earlierFolder: String?, earlierWasRunning: Bool = false, earlierHost: String? = nil,
                generation: Int64) {
        self.slot = slot
        self.runID = runID
        self.earlierFolder = earlierFolder
        self.earlierWasRunning = earlierWasRunning
        self.earlierHost = earlierHost
        self.generation = generation
    }
}

/// An agent of a sweep, as `mimic sweep show` lists it.
public struct SweepAgentRecord: Sendable, Equatable {
    public let id: Int64
    public let host: String
    public let pid: Int32
    public let slurmJob: String?
    public let slurmTask: String?
    public let startedAt: Date
    public let seenAt: Date
    /// Trainings it trained to their end (done or failed).
    public let finished: Int
    /// Trainings it lost to another agent (its claim went stale) or stopped.
    public let givenUp: Int
}

/// How one training of a sweep stands in the queue, beyond its run.
public struct SweepQueueState: Sendable, Equatable {
    /// Attempts that ended in an error (`RunStore.failSweepTraining`).
    public let attempts: Int
    public let maxAttempts: Int
    /// Why the last of them failed.
    public let lastError: String?
    /// No agent takes it again: its attempts are spent.
    public let failed: Bool
}

/// A write into a run whose claim went to another agent, refused.
public struct ClaimLost: Error, CustomStringConvertible {
    public let runID: Int64
    public let generation: Int64
    public var description: String {
        "run \(runID) was given to another agent (claim \(generation) is no longer its claim)"
    }
}

/// The queue of a sweep's trainings that agents on many machines share (`mimic agent`).
///
/// One training of a sweep is one run: its mentor, the annotation, its students and
/// baselines (`SweepPlan` shares a mentor per cell), so claiming a training claims its
/// mentor before its students, and no two agents ever train the same mentor.
///
/// A training is free when it has no run and no live claim, or its run was cut short
/// (interrupted or stopped), or its run is running but its heartbeat is older than the
/// grace period (its agent died, or lost the store). Claiming counts up the training's
/// generation; the run carries it (`claim_generation`), and every write of the old
/// claimer's recorder and heartbeat checks it, so the old claimer cannot write into
/// the run once it is taken over.
extension RunStore {
    /// Records this process as an agent of sweep `sweep`, with its Slurm job and array
    /// task when its environment has them. An array task's own `SLURM_JOB_ID` differs
    /// from task to task; the array's id is the one sbatch printed and the sweep's jobs
    /// hold, so it is the one kept.
    public func registerAgent(sweep: Int64, environment: [String: String] = ProcessInfo.processInfo.environment) throws(StoreError) -> Int64 {
        let now = Date()
        let slurmJob = environment["SLURM_ARRAY_JOB_ID"] ?? environment["SLURM_JOB_ID"]
        let trainings = try self.sweep(sweep).trainings.count
        let id = try write("recording an agent of sweep \(sweep)") { db in
            try fillQueue(db, sweep: sweep, trainings: trainings)
            return try db.value("""
                INSERT INTO sweep_agents (sweep_id, host, pid, slurm_job, slurm_task, started_at, seen_at)
                VALUES (\(sweep), \(ProcessIdentity.host), \(ProcessIdentity.pid), \(slurmJob),
                        \(environment["SLURM_ARRAY_TASK_ID"]), \(now), \(now))
                RETURNING id
                """, as: Int64.self)
        }
        guard let id else { throw StoreError("The run store \(location) gave the new agent no id; try again.") }
        return id
    }

    /// Counts a training the agent finished or gave up, and says it is alive.
    public func agentEnded(_ agent: Int64, training finished: Bool) throws(StoreError) {
        try write("recording what agent \(agent) did") { db in
            if finished {
                try db.execute("UPDATE sweep_agents SET finished = finished + 1, seen_at = \(Date()) WHERE id = \(agent)")
            } else {
                try db.execute("UPDATE sweep_agents SET given_up = given_up + 1, seen_at = \(Date()) WHERE id = \(agent)")
            }
        }
    }

    /// The agents of sweep `sweep`, in the order they started.
    public func agents(ofSweep sweep: Int64) throws(StoreError) -> [SweepAgentRecord] {
        try read("listing the agents of sweep \(sweep)") { db in
            try db.rows("SELECT * FROM sweep_agents WHERE sweep_id = \(sweep) ORDER BY id").map { row in
                SweepAgentRecord(id: row["id"], host: row["host"], pid: row["pid"], slurmJob: row["slurm_job"],
                                 slurmTask: row["slurm_task"], startedAt: row["started_at"], seenAt: row["seen_at"],
                                 finished: Int(row["finished"] as Int64), givenUp: Int(row["given_up"] as Int64))
            }
        }
    }

    /// Claims the next free training of sweep `sweep` for agent `agent` (see the
    /// extension's comment), or nil when none is free now. `grace` is how old a running
    /// run's heartbeat, or a claim that never started its run, must be before the
    /// training is taken from its agent. One transaction: stale claims are let go by
    /// a statement of their own, then one statement claims (in the shape of
    /// graphile-worker's getJob: the first free row, skipping rows other claimers hold,
    /// updated and returned at once); a run taken over is then made this process's.
    public func claimSweepTraining(sweep: Int64, agent: Int64?, grace: TimeInterval,
                                   now: Date = Date()) throws(StoreError) -> SweepClaim? {
        let cutoff = now.addingTimeInterval(-grace)
        return try write("claiming a training of sweep \(sweep)") { db -> SweepClaim? in
            try Self.releaseStaleClaims(db, sweep: sweep, cutoff: cutoff)
            if let agent { try db.execute("UPDATE sweep_agents SET seen_at = \(now) WHERE id = \(agent)") }
            let running = RunStatus.running.rawValue
            // The run's own generation counts too: a resume outside the queue
            // (`claimForResume`) counted it up, and the new claim must be above both.
            let runGeneration: StoreQuery = "COALESCE((SELECT claim_generation FROM runs WHERE runs.id = sweep_queue.run_id), 0)"
            // A training an agent on this agent's machine failed (its data missing there,
            // say) waits for a live agent on another machine where none has failed it,
            // while there is one: an agent seen within the grace period, or training now
            // (a claim whose run is running, or not yet started). A claim whose run ended
            // keeps its agent's id, but says nothing of whether that agent still lives.
            let leftToOthers: StoreQuery = """
                EXISTS (SELECT 1 FROM sweep_failures f JOIN sweep_agents fa ON fa.id = f.agent_id
                        WHERE f.sweep_id = q.sweep_id AND f.training = q.training
                          AND fa.host = (SELECT host FROM sweep_agents WHERE id = \(agent))
                    AND EXISTS (SELECT 1 FROM sweep_agents a WHERE a.sweep_id = q.sweep_id AND a.host <> fa.host
                        AND (a.seen_at >= \(cutoff)
                             OR EXISTS (SELECT 1 FROM sweep_queue h LEFT JOIN runs hr ON hr.id = h.run_id
                                        WHERE h.sweep_id = a.sweep_id AND h.agent_id = a.id AND h.claimed_at IS NOT NULL
                                          AND (h.run_id IS NULL OR hr.status = \(running))))
                        AND NOT EXISTS (SELECT 1 FROM sweep_failures g JOIN sweep_agents ga ON ga.id = g.agent_id
                                        WHERE g.sweep_id = q.sweep_id AND g.training = q.training AND ga.host = a.host)))
                """
            guard let row = try db.row("""
                UPDATE sweep_queue
                SET generation = CASE WHEN \(runGeneration) > generation THEN \(runGeneration) ELSE generation END + 1,
                    agent_id = \(agent), claimed_at = \(now)
                WHERE sweep_id = \(sweep) AND training = (
                    SELECT q.training FROM sweep_queue q LEFT JOIN runs r ON r.id = q.run_id
                    WHERE q.sweep_id = \(sweep) AND q.failed_at IS NULL AND (q.available_at IS NULL OR q.available_at <= \(now))
                      AND ((q.run_id IS NULL AND q.claimed_at IS NULL)
                           OR r.status IN (\(RunStatus.interrupted.rawValue), \(RunStatus.stopped.rawValue))
                           OR (r.status = \(running) AND q.claimed_at IS NULL))
                      AND NOT \(leftToOthers)
                    ORDER BY q.training LIMIT 1\(sql: db.dialect.skippingLockedRows(of: "q")))
                RETURNING training, generation, run_id
                """) else { return nil }
            let slot = SweepSlot(sweep: sweep, training: Int(row["training"] as Int64))
            let generation: Int64 = row["generation"]
            guard let runID = row["run_id"] as Int64? else {
                return SweepClaim(slot: slot, runID: nil, earlierFolder: nil, generation: generation)
            }
            // Taken over: running in this process from now on, under this claim.
            let earlier = try db.row("SELECT folder, status, host FROM runs WHERE id = \(runID)")
            try db.execute("""
                UPDATE runs SET status = \(running), pid = \(ProcessIdentity.pid), host = \(ProcessIdentity.host), heartbeat_at = \(now),
                    ended_at = NULL, wall_seconds = NULL, message = NULL, paused_at = NULL, claim_generation = \(generation)
                WHERE id = \(runID)
                """)
            try db.execute("UPDATE control_requests SET handled_at = \(now) WHERE run_id = \(runID) AND handled_at IS NULL")
            return SweepClaim(slot: slot, runID: runID, earlierFolder: earlier?["folder"],
                              earlierWasRunning: (earlier?["status"] as String?) == running,
                              earlierHost: earlier?["host"], generation: generation)
        }
    }

    /// Lets go of the claims of sweep `sweep` whose agent stopped answering: a claim
    /// older than `cutoff` that never started its run (its agent died first), or whose
    /// run's heartbeat is older than `cutoff` (its agent died, or lost the store). The
    /// run keeps its status until it is claimed again, so the next claim knows its
    /// agent may still live, cut off.
    static func releaseStaleClaims(_ db: any StoreConnection, sweep: Int64, cutoff: Date) throws {
        try db.execute("""
            UPDATE sweep_queue SET claimed_at = NULL, agent_id = NULL
            WHERE sweep_id = \(sweep) AND claimed_at IS NOT NULL AND (
                (run_id IS NULL AND claimed_at < \(cutoff))
                OR run_id IN (SELECT id FROM runs WHERE sweep_id = \(sweep) AND status = \(RunStatus.running.rawValue)
                                                    AND (heartbeat_at IS NULL OR heartbeat_at < \(cutoff))))
            """)
    }

    /// Counts a failed attempt at training `slot` under claim `generation`: the
    /// training could not start (its data missing on this machine, an option this
    /// version refuses) or stopped with an error. It is offered again after a
    /// growing wait (2 s, 4 s, ...), to an agent on another machine that may have what
    /// this one lacks (agents on this machine take it again only once every machine
    /// with a live agent has failed it); after `max_attempts` it ends failed, with
    /// `reason`, and no agent takes it again. Nothing is counted once the claim went to another agent.
    public func failSweepTraining(_ slot: SweepSlot, generation: Int64, reason: String, now: Date = Date()) throws(StoreError) {
        try write("recording why training \(slot.training + 1) of sweep \(slot.sweep) failed") { db in
            guard let row = try db.row("""
                SELECT attempts, max_attempts, agent_id FROM sweep_queue
                WHERE sweep_id = \(slot.sweep) AND training = \(slot.training) AND generation = \(generation)\(sql: db.dialect.lockingSelectedRows)
                """) else { return }
            if let agent = row["agent_id"] as Int64? {
                try db.execute("""
                    INSERT INTO sweep_failures (sweep_id, training, agent_id) VALUES (\(slot.sweep), \(slot.training), \(agent))
                    ON CONFLICT DO NOTHING
                    """)
            }
            let attempts = (row["attempts"] as Int64) + 1
            let failed = attempts >= (row["max_attempts"] as Int64)
            let retry = now.addingTimeInterval(Double(1 << min(Int(attempts), 10)))
            try db.execute("""
                UPDATE sweep_queue SET attempts = \(attempts), last_error = \(reason), claimed_at = NULL, agent_id = NULL,
                    available_at = \(retry), failed_at = \(failed ? now : nil)
                WHERE sweep_id = \(slot.sweep) AND training = \(slot.training)
                """)
        }
    }

    /// Gives sweep `sweep` a queue row for each planned training that lacks one (a sweep
    /// recorded before the queue), and ties each row to the run that trains it (a run
    /// joined to the sweep from outside the queue). Once per worker, when it registers.
    func fillQueue(_ db: any StoreConnection, sweep: Int64, trainings: Int) throws {
        for training in 0..<trainings {
            try db.execute("INSERT INTO sweep_queue (sweep_id, training) VALUES (\(sweep), \(training)) ON CONFLICT DO NOTHING")
        }
        try db.execute("""
            UPDATE sweep_queue SET run_id = (SELECT id FROM runs WHERE runs.sweep_id = sweep_queue.sweep_id
                                               AND runs.sweep_training = sweep_queue.training)
            WHERE sweep_id = \(sweep) AND run_id IS NULL
            """)
    }

    /// How each training of sweep `sweep` stands in the queue: its failed attempts, the
    /// last one's reason, and whether it ended failed for good.
    public func queueStates(ofSweep sweep: Int64) throws(StoreError) -> [Int: SweepQueueState] {
        try read("reading sweep \(sweep)'s queue") { db in
            var states: [Int: SweepQueueState] = [:]
            for row in try db.rows("SELECT training, attempts, max_attempts, last_error, failed_at FROM sweep_queue WHERE sweep_id = \(sweep)") {
                states[Int(row["training"] as Int64)] = SweepQueueState(
                    attempts: Int(row["attempts"] as Int64), maxAttempts: Int(row["max_attempts"] as Int64),
                    lastError: row["last_error"], failed: (row["failed_at"] as Date?) != nil)
            }
            return states
        }
    }

    /// Whether sweep `sweep` has trainings that are neither done nor failed: claimed by
    /// a live agent now, or free. An agent with nothing to claim waits while there are.
    public func sweepHasUnfinishedTrainings(_ sweep: Int64) throws(StoreError) -> Bool {
        try sweepTrainingsLeft(sweep) > 0
    }

    /// How many of sweep `sweep`'s trainings have not ended: neither done, nor failed
    /// (diverged, or their attempts spent), each an end no resume changes.
    public func sweepTrainingsLeft(_ sweep: Int64) throws(StoreError) -> Int {
        let record = try self.sweep(sweep)
        let ended = try read("reading sweep \(sweep)'s progress") { db in
            try db.value("""
                SELECT count(*) FROM runs WHERE sweep_id = \(sweep)
                AND status IN (\(RunStatus.done.rawValue), \(RunStatus.failed.rawValue))
                """, as: Int64.self) ?? 0
        }
        let givenUp = try read("reading sweep \(sweep)'s queue") { db in
            try db.value("""
                SELECT count(*) FROM sweep_queue q LEFT JOIN runs r ON r.id = q.run_id
                WHERE q.sweep_id = \(sweep) AND q.failed_at IS NOT NULL
                  AND (r.id IS NULL OR r.status NOT IN (\(RunStatus.done.rawValue), \(RunStatus.failed.rawValue)))
                """, as: Int64.self) ?? 0
        }
        return max(0, record.trainings.count - Int(ended) - Int(givenUp))
    }

    /// Fails with `ClaimLost` when run `id` is no longer under claim `generation`.
    /// Called first in a transaction that writes into the run, which it locks (on
    /// PostgreSQL) so that a claim cannot slip in before the transaction commits.
    static func checkClaim(_ db: any StoreConnection, run id: Int64, generation: Int64) throws {
        let current = try db.value("SELECT claim_generation FROM runs WHERE id = \(id)\(sql: db.dialect.lockingSelectedRows)",
                                   as: Int64.self)
        guard current == generation else { throw ClaimLost(runID: id, generation: generation) }
    }

    /// Moves run `id`, taken over under claim `generation`, to the run folder `folder`
    /// this claim trains in.
    public func moveRun(_ id: Int64, toFolder folder: String, generation: Int64) throws(StoreError) {
        try write("recording run \(id)'s folder") { db in
            try Self.checkClaim(db, run: id, generation: generation)
            try db.execute("UPDATE runs SET folder = \(folder) WHERE id = \(id)")
        }
    }

    /// The heartbeat of a run under claim `generation` (while it runs): false when the
    /// claim is lost.
    public func beat(_ id: Int64, generation: Int64) throws(StoreError) -> Bool {
        try write("recording that run \(id) is alive") { db in
            try db.execute("""
                UPDATE runs SET heartbeat_at = CASE WHEN status = \(RunStatus.running.rawValue) THEN \(Date()) ELSE heartbeat_at END
                WHERE id = \(id) AND claim_generation = \(generation)
                """) > 0
        }
    }
}
