import Foundation
import MimicEngine

/// The run store: every run, its models and their metric series, in a SQLite file (the
/// default) or a PostgreSQL database (`StoreAddress`), with one folder per run for
/// checkpoints and logs. Several processes may open the same store at once. The
/// queries here are written once for both databases (`StoreQuery`, `SQLDialect`);
/// the backends (`SQLiteBackend`, `PostgresBackend`) open, migrate and run transactions.
public final class RunStore: Sendable {
    public let address: StoreAddress
    /// Where run folders go, under `runs/`: beside a SQLite file, or the data folder's
    /// (see `StoreAddress.defaultFolder`).
    public let folder: String
    let backend: any StoreBackend

    /// The store as messages name it: the file's path, or the URL without its password.
    public var location: String { address.description }

    /// Opens the SQLite store at `path`, as `init(_:create:)` does.
    public convenience init(path: String, create: Bool = true) throws(StoreError) {
        try self.init(.sqlite(path: StoreAddress.absolute(path)), create: create)
    }

    /// Opens the store at `address`, creating it when `create` is true (a SQLite file
    /// and its folder, or the tables in an empty PostgreSQL database), bringing an older
    /// schema up to date, and marking as interrupted the runs whose process died, unless
    /// `markingInterrupted` is false: a watcher writes nothing to the store it watches
    /// (it shows such runs interrupted without recording it, `RunRecord.withTrainerChecked`).
    /// `folder` overrides where run folders go.
    public init(_ address: StoreAddress, create: Bool = true, folder: String? = nil,
                markingInterrupted: Bool = true) throws(StoreError) {
        self.address = address
        self.folder = folder ?? address.defaultFolder()
        switch address {
        case .sqlite(let path): backend = try SQLiteBackend(path: path, create: create)
        case .postgres(let postgres): backend = try PostgresBackend(address: postgres, create: create)
        }
        if markingInterrupted { try markInterruptedRuns() }
    }

    /// A store opened elsewhere (read-only, see `openForReading`).
    init(address: StoreAddress, backend: any StoreBackend) {
        self.address = address
        self.folder = address.defaultFolder()
        self.backend = backend
    }

    /// Runs `body` as one read, turning any failure into a sentence.
    func read<T>(_ what: String, _ body: (any StoreConnection) throws -> T) throws(StoreError) -> T {
        do {
            return try backend.read(body)
        } catch {
            throw backend.problem(error, doing: what, location: location)
        }
    }

    /// Runs `body` as one write transaction, turning any failure into a sentence.
    @discardableResult
    func write<T>(_ what: String, _ body: (any StoreConnection) throws -> T) throws(StoreError) -> T {
        do {
            return try backend.write(body)
        } catch let lost as ClaimLost {
            throw StoreError.claimLost(lost)
        } catch {
            throw backend.problem(error, doing: what, location: location)
        }
    }

    // MARK: - Runs

    /// Records a new run as running in this process, with a folder of its own under
    /// `runs/` beside the store, made for it alone: `runs/<id>`, or `runs/<id>-2` and on
    /// when that name is taken (a second store in the same folder, or a store made anew
    /// beside the folders of an older one). `partOf` names the group it belongs to.
    /// Nothing holds the folder's lock: a trainer opens the run with `startRun`.
    public func createRun(config: ExperimentConfig, programVersion: String, partOf: String? = nil,
                          slot: SweepSlot? = nil) throws(StoreError) -> RunRecord {
        try recordRun(config: config, programVersion: programVersion, partOf: partOf, slot: slot, claim: nil) { _ in }.record
    }

    /// Records a new run as `createRun` does and opens its folder for it, the folder's
    /// lock taken before the record is committed: no other process ever sees the run
    /// without a live holder, which would make it look dead (`TrainerLiveness`).
    /// With `claim` (an agent's claim of a sweep's training), the run is tied to its
    /// training only while the claim holds; a claim lost in between is refused.
    public func startRun(config: ExperimentConfig, programVersion: String, partOf: String? = nil,
                         slot: SweepSlot? = nil, claim: SweepClaim? = nil) throws(StoreError) -> (record: RunRecord, folder: HeldRunFolder) {
        let (record, folder) = try recordRun(config: config, programVersion: programVersion, partOf: partOf,
                                             slot: claim?.slot ?? slot, claim: claim) { path in
            do {
                return try HeldRunFolder.create(at: path)
            } catch {
                throw StoreError.unwritable(self.location, reason: "its run folder \(path) cannot be used: \(error)")
            }
        }
        return (record, folder)
    }

    private func recordRun<Opened>(config: ExperimentConfig, programVersion: String, partOf: String?, slot: SweepSlot?,
                                   claim: SweepClaim?,
                                   opening open: (String) throws -> Opened) throws(StoreError) -> (record: RunRecord, folder: Opened) {
        let now = Date()
        let dataSet = (config.dataDirectory as NSString).lastPathComponent
        var made: String?
        var opened: Opened?
        do {
            let configJSON = try RunRecord.json(config)
            let id = try write("recording a new run") { db -> Int64 in
                let inserted = try db.value("""
                    INSERT INTO runs (started_at, status, config, data_set, seed, program_version, pid, host, heartbeat_at,
                                      part_of, sweep_id, sweep_training)
                    VALUES (\(now), \(RunStatus.running.rawValue), \(configJSON), \(dataSet), \(Int64(bitPattern: config.seed)),
                            \(programVersion), \(ProcessIdentity.pid), \(ProcessIdentity.host), \(now), \(partOf), \(slot?.sweep),
                            \(slot?.training))
                    RETURNING id
                    """, as: Int64.self)
                guard let id = inserted else { throw StoreError("The run store \(location) gave the new run no id; try again.") }
                if let claim {
                    let tied = try db.execute("""
                        UPDATE sweep_queue SET run_id = \(id)
                        WHERE sweep_id = \(claim.slot.sweep) AND training = \(claim.slot.training) AND generation = \(claim.generation)
                        """)
                    guard tied > 0 else { throw ClaimLost(runID: id, generation: claim.generation) }
                    try db.execute("UPDATE runs SET claim_generation = \(claim.generation) WHERE id = \(id)")
                }
                let folder = try makeRunFolder(id)
                made = folder
                opened = try open(folder)
                try db.execute("UPDATE runs SET folder = \(folder) WHERE id = \(id)")
                return id
            }
            return (try run(id), opened!)
        } catch {
            // The record did not take: the folder made for it holds nothing.
            opened = nil
            if let made { try? FileManager.default.removeItem(atPath: made) }
            if let error = error as? StoreError { throw error }
            throw StoreError("The run's configuration cannot be recorded (\(error)); this is a bug in mimic: please report it.")
        }
    }

    /// Makes a run folder no other run has: `mkdir` fails on a name that exists.
    private func makeRunFolder(_ id: Int64) throws(StoreError) -> String {
        let runs = (folder as NSString).appendingPathComponent("runs")
        do {
            try FileManager.default.createDirectory(atPath: runs, withIntermediateDirectories: true)
        } catch {
            throw StoreError.unwritable(location, reason: "its folder for runs \(runs) cannot be made: \(StoreError.fileReason(error))")
        }
        for attempt in 1...1000 {
            let name = attempt == 1 ? String(id) : "\(id)-\(attempt)"
            let candidate = (runs as NSString).appendingPathComponent(name)
            if mkdir(candidate, 0o755) == 0 { return candidate }
            guard errno == EEXIST else {
                throw StoreError.unwritable(location, reason: "its run folder \(candidate) cannot be made: \(String(cString: strerror(errno)))")
            }
        }
        throw StoreError.unwritable(location, reason: "a thousand folders named \(id) or \(id)-N already stand in \(runs)")
    }

    /// Makes this process the one that trains run `id` (a detached run, created by
    /// the process that started this one).
    public func claimRun(_ id: Int64) throws(StoreError) -> RunRecord {
        try setProcess(of: id, pid: ProcessIdentity.pid)
        return try run(id)
    }

    /// Records which process trains run `id`.
    public func setProcess(of id: Int64, pid: Int32) throws(StoreError) {
        let changed = try write("recording the process of run \(id)") { db in
            try db.execute("""
                UPDATE runs SET pid = \(pid), host = \(ProcessIdentity.host), heartbeat_at = \(Date())
                WHERE id = \(id) AND status = \(RunStatus.running.rawValue)
                """)
        }
        if changed == 0 {
            let status = try run(id).status
            throw StoreError("Run \(id) in \(location) is \(status.rawValue), not waiting to be trained; start a new run instead.")
        }
    }

    /// Records how a run ended, for runs that end without a report (one that could
    /// not start, for one); the recorder records the others.
    public func endRun(_ id: Int64, status: RunStatus, message: String?) throws(StoreError) {
        try write("recording the end of run \(id)") { db in
            try db.execute("""
                UPDATE runs SET status = \(status.rawValue), ended_at = \(Date()), message = \(message), heartbeat_at = \(Date())
                WHERE id = \(id)
                """)
        }
    }

    public func run(_ id: Int64) throws(StoreError) -> RunRecord {
        let row = try read("reading run \(id)") { db in try db.row("SELECT * FROM runs WHERE id = \(id)") }
        guard let row else { throw StoreError.unknownRun(id, store: location) }
        return try RunRecord(row: row)
    }

    /// The run a person means by `text`: its number, or `last` for the newest run.
    public func resolveRunID(_ text: String) throws(StoreError) -> Int64 {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.lowercased() == "last" {
            guard let id = try read("finding the newest run", { db in try db.value("SELECT max(id) FROM runs", as: Int64.self) }) else {
                throw StoreError("There are no runs in \(location) yet; 'mimic train' records one.")
            }
            return id
        }
        guard let id = Int64(trimmed.hasPrefix("#") ? String(trimmed.dropFirst()) : trimmed), id > 0 else {
            throw StoreError.badRunID(text)
        }
        // Only whether it exists: a run whose configuration cannot be read must still
        // resolve, so that it can be deleted.
        guard try read("finding run \(id)", { db in try db.row("SELECT 1 FROM runs WHERE id = \(id)") }) != nil else {
            throw StoreError.unknownRun(id, store: location)
        }
        return id
    }

    /// Runs newest first, optionally only those with `status`, on `dataSet` (its
    /// name, any case) or part of the group `partOf`.
    public func runs(status: RunStatus? = nil, dataSet: String? = nil, partOf: String? = nil,
                     sweep: Int64? = nil) throws(StoreError) -> [RunRecord] {
        var conditions: [StoreQuery] = []
        if let sweep { conditions.append("sweep_id = \(sweep)") }
        if let partOf { conditions.append("part_of = \(partOf)") }
        if let status { conditions.append("status = \(status.rawValue)") }
        if let dataSet { conditions.append("lower(data_set) = lower(\(dataSet))") }
        let filter: StoreQuery = conditions.isEmpty ? "" : "WHERE \(StoreQuery.joined(conditions, separator: " AND "))"
        return try read("listing runs") { db in
            try Self.readableRuns(db, "SELECT * FROM runs \(filter) ORDER BY started_at DESC, id DESC")
        }
    }

    /// The runs `query` selects, leaving out those whose configuration cannot be read,
    /// so that one such run does not hide the others from a listing
    /// (`unreadableRuns` names them).
    static func readableRuns(_ db: any StoreConnection, _ query: StoreQuery) throws -> [RunRecord] {
        try db.rows(query).compactMap { row in try? RunRecord(row: row) }
    }

    /// A sentence for each run whose stored configuration cannot be read (another
    /// version of mimic wrote it, or it was edited), oldest first.
    public func unreadableRuns() throws(StoreError) -> [StoreError] {
        try read("checking the runs' configurations") { db in
            try db.rows("SELECT id, config FROM runs ORDER BY id").compactMap { row -> StoreError? in
                do throws(StoreError) {
                    _ = try RunRecord.config(ofRun: row["id"], text: row["config"])
                    return nil
                } catch {
                    return error
                }
            }
        }
    }

    /// A run's models in training order (mentor, students, baselines).
    public func models(ofRun id: Int64) throws(StoreError) -> [ModelRecord] {
        try read("reading the models of run \(id)") { db in
            try db.rows("SELECT * FROM models WHERE run_id = \(id) ORDER BY id").map(ModelRecord.init(row:))
        }
    }

    /// Every metric point of a run's models, model by model, in step order.
    public func metrics(ofRun id: Int64) throws(StoreError) -> [MetricPoint] {
        try read("reading the metrics of run \(id)") { db in
            try db.rows("""
                SELECT metrics.* FROM metrics JOIN models ON models.id = metrics.model_id
                WHERE models.run_id = \(id) ORDER BY metrics.model_id, metrics.\(sql: db.dialect.metricRowID)
                """).map(MetricPoint.init(row:))
        }
    }

    /// Deletes a run's rows and its run folder (never a --save folder elsewhere).
    /// A run that is still training is refused, as is one whose folder a process holds
    /// (a resume getting ready, before it claims the run): it would go on writing.
    public func deleteRun(_ id: Int64) throws(StoreError) {
        // The columns that tell a live trainer, not the whole record: a run whose
        // configuration cannot be read can still be deleted.
        let row = try read("reading run \(id)") { db in
            try db.row("SELECT status, pid, host, heartbeat_at, folder FROM runs WHERE id = \(id)")
        }
        guard let row else { throw StoreError.unknownRun(id, store: location) }
        let folder: String? = row["folder"]
        if folder.flatMap({ HeldRunFolder.isLocked(path: $0) }) == true || (row["status"] == RunStatus.running.rawValue
            && TrainerLiveness.isTraining(folder: folder, host: row["host"], heartbeat: row["heartbeat_at"])) {
            let process = (row["pid"] as Int32?).map { "process \($0)" + ((row["host"] as String?).map { " on \($0)" } ?? "") }
                ?? "another process"
            throw StoreError("Run \(id) is still training (\(process)); stop it first ('mimic watch \(id)' and S, or Ctrl-C in its terminal), then delete it.")
        }
        try write("deleting run \(id)") { db in
            try db.execute("DELETE FROM runs WHERE id = \(id)")
        }
        if let folder, FileManager.default.fileExists(atPath: folder) {
            do {
                try FileManager.default.removeItem(atPath: folder)
            } catch {
                throw StoreError("Run \(id) is deleted from \(location), but its folder \(folder) could not be removed (\(StoreError.fileReason(error))); remove it by hand.")
            }
        }
    }
}
