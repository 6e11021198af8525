import Foundation
import GRDB
import MimicEngine

/// The run store: a SQLite file (WAL mode, so readers never wait for the trainer)
/// holding every run, its models and their metric series, with one folder per run
/// beside it for checkpoints and logs. Several processes may open the same store at
/// once; each write waits up to `busyTimeout` for another process's write to end.
public final class RunStore: Sendable {
    public let path: String
    /// The pool that reads and writes the file; for observers (a watcher) that need
    /// more than the methods here.
    public let pool: DatabasePool

    /// How long a write waits for another process's write before failing. Writes are
    /// short (one flush of metrics), so this is only reached when something is wrong.
    static let busyTimeout: TimeInterval = 10

    /// Opens the store at `path`, creating it (and its folder) when `create` is true,
    /// bringing an older schema up to date, and marking as interrupted the runs whose
    /// process died.
    public init(path: String, create: Bool = true) throws(StoreError) {
        // Absolute, because run folders and checkpoint paths are recorded from it and
        // read from anywhere.
        let path = Self.absolute(path)
        self.path = path
        let manager = FileManager.default
        var isFolder: ObjCBool = false
        if manager.fileExists(atPath: path, isDirectory: &isFolder) {
            if isFolder.boolValue { throw StoreError.notADatabase(path) }
            try Self.checkHeader(path)
        } else if create {
            let folder = (path as NSString).deletingLastPathComponent
            do {
                try manager.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw StoreError.unwritable(path, reason: Self.fileInTheWay(of: folder).map { "\($0) is a file, not a folder" } ?? Self.reason(error))
            }
        } else {
            throw StoreError.missing(path)
        }

        var configuration = Configuration()
        configuration.busyMode = .timeout(Self.busyTimeout)
        configuration.label = "mimic run store"
        // Two processes opening a new store at once would race: switching a new file to
        // WAL can fail as "database is locked" without waiting, and one could see the
        // other's half-made schema (GRDB's bookkeeping table before the first migration)
        // and take the file for someone else's database. So opening and migrating run
        // under an exclusive lock on the store's folder: a `flock` on the folder, not on
        // the file, because closing a second descriptor of the database file would drop
        // SQLite's own locks on it. Without the lock (an odd file system), the retries
        // in `migrate` still catch most of the race.
        let folderLock = open((path as NSString).deletingLastPathComponent, O_RDONLY | O_DIRECTORY)
        if folderLock >= 0 { flock(folderLock, LOCK_EX) }
        defer {
            if folderLock >= 0 {
                flock(folderLock, LOCK_UN)
                close(folderLock)
            }
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw StoreError.notADatabase(path)
        } catch {
            if let damage = StoreError.damage(error) { throw StoreError.damaged(path, reason: damage) }
            throw StoreError.unwritable(path, reason: Self.reason(error))
        }
        try migrate()
        try markInterruptedRuns()
    }

    /// A store opened elsewhere (read-only, see `openForReading`).
    init(path: String, pool: DatabasePool) {
        self.path = path
        self.pool = pool
    }

    /// The folder that holds the store; run folders go under `runs/` in it.
    public var folder: String { (path as NSString).deletingLastPathComponent }

    // MARK: - Opening

    /// A file that is not SQLite gets a clear refusal before SQLite sees it.
    private static func checkHeader(_ path: String) throws(StoreError) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw StoreError.unwritable(path, reason: "it cannot be read")
        }
        defer { try? handle.close() }
        let header = (try? handle.read(upToCount: 16)) ?? Data()
        // An empty file is what SQLite makes of a new database, and may be a store
        // that another process is creating this very moment.
        guard header.isEmpty || header == Data("SQLite format 3\0".utf8) else {
            throw StoreError.notADatabase(path)
        }
    }

    /// Brings the schema up to date (called under the folder lock, see `init`). Should
    /// two attempts still meet, the loser's fails on tables that now exist, and trying
    /// again finds the migration applied.
    private func migrate() throws(StoreError) {
        let migrator = StoreSchema.migrator
        let known = Set(StoreSchema.allIdentifiers)
        var attempt = 0
        while true {
            do {
                let applied = try pool.read { db in try migrator.appliedIdentifiers(db) }
                let unknown = applied.subtracting(known)
                if !unknown.isEmpty {
                    throw applied.isDisjoint(with: known) ? StoreError.notAStore(path) : StoreError.newer(path, unknown: unknown.sorted())
                }
                if applied.isEmpty {
                    let tables = try pool.read { db in
                        try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'") ?? 0
                    }
                    if tables > 0 { throw StoreError.notAStore(path) }
                }
                try migrator.migrate(pool)
                return
            } catch let error as StoreError {
                throw error
            } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
                throw StoreError.notADatabase(path)
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CORRUPT {
                throw StoreError.damaged(path, reason: StoreError.damage(error) ?? "\(error)")
            } catch let error as DatabaseError where error.resultCode == .SQLITE_READONLY || error.resultCode == .SQLITE_CANTOPEN
                || error.resultCode == .SQLITE_PERM || error.resultCode == .SQLITE_IOERR {
                throw StoreError.unwritable(path, reason: Self.reason(error))
            } catch {
                attempt += 1
                if attempt >= 5 { throw StoreError.failed(path, doing: "updating its schema", error) }
            }
        }
    }

    static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: (path as NSString).expandingTildeInPath).standardizedFileURL.path
    }

    /// The nearest existing ancestor of `folder`, when it is not a folder.
    static func fileInTheWay(of folder: String) -> String? {
        var path = folder
        while !path.isEmpty && path != "/" {
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) { return isFolder.boolValue ? nil : path }
            path = (path as NSString).deletingLastPathComponent
        }
        return nil
    }

    static func reason(_ error: Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "\(error.resultCode)" }
        if let error = error as? CocoaError, let underlying = error.underlying as? POSIXError {
            return String(cString: strerror(underlying.code.rawValue))
        }
        return error.localizedDescription
    }

    /// Runs `body` as one read, turning any failure into a sentence.
    func read<T>(_ what: String, _ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try pool.read(body)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.failed(path, doing: what, error)
        }
    }

    /// Runs `body` as one write transaction, turning any failure into a sentence.
    func write<T>(_ what: String, _ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try pool.write(body)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.failed(path, doing: what, error)
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
        try recordRun(config: config, programVersion: programVersion, partOf: partOf, slot: slot) { _ in }.record
    }

    /// Records a new run as `createRun` does and opens its folder for it, the folder's
    /// lock taken before the record is committed: no other process ever sees the run
    /// without a live holder, which would make it look dead (`TrainerLiveness`).
    public func startRun(config: ExperimentConfig, programVersion: String, partOf: String? = nil,
                         slot: SweepSlot? = nil) throws(StoreError) -> (record: RunRecord, folder: RunFolder) {
        let (record, folder) = try recordRun(config: config, programVersion: programVersion, partOf: partOf, slot: slot) { path in
            do {
                return try RunFolder.create(at: path)
            } catch {
                throw StoreError.unwritable(self.path, reason: "its run folder \(path) cannot be used: \(error)")
            }
        }
        return (record, folder)
    }

    private func recordRun<Opened>(config: ExperimentConfig, programVersion: String, partOf: String?, slot: SweepSlot?,
                                   opening open: (String) throws -> Opened) throws(StoreError) -> (record: RunRecord, folder: Opened) {
        let now = Date()
        let dataSet = (config.dataDirectory as NSString).lastPathComponent
        var made: String?
        var opened: Opened?
        do {
            let id = try write("recording a new run") { db -> Int64 in
                try db.execute(sql: """
                    INSERT INTO runs (started_at, status, config, data_set, seed, program_version, pid, host, heartbeat_at,
                                      part_of, sweep_id, sweep_training)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [now, RunStatus.running.rawValue, try RunRecord.json(config), dataSet,
                                     Int64(bitPattern: config.seed), programVersion, ProcessIdentity.pid, ProcessIdentity.host, now,
                                     partOf, slot?.sweep, slot?.training])
                let id = db.lastInsertedRowID
                let folder = try makeRunFolder(id)
                made = folder
                opened = try open(folder)
                try db.execute(sql: "UPDATE runs SET folder = ? WHERE id = ?", arguments: [folder, id])
                return id
            }
            return (try run(id), opened!)
        } catch {
            // The record did not take: the folder made for it holds nothing.
            opened = nil
            if let made { try? FileManager.default.removeItem(atPath: made) }
            throw error
        }
    }

    /// Makes a run folder no other run has: `mkdir` fails on a name that exists.
    private func makeRunFolder(_ id: Int64) throws(StoreError) -> String {
        let runs = (folder as NSString).appendingPathComponent("runs")
        do {
            try FileManager.default.createDirectory(atPath: runs, withIntermediateDirectories: true)
        } catch {
            throw StoreError.unwritable(path, reason: "its folder for runs \(runs) cannot be made: \(Self.reason(error))")
        }
        for attempt in 1...1000 {
            let name = attempt == 1 ? String(id) : "\(id)-\(attempt)"
            let candidate = (runs as NSString).appendingPathComponent(name)
            if mkdir(candidate, 0o755) == 0 { return candidate }
            guard errno == EEXIST else {
                throw StoreError.unwritable(path, reason: "its run folder \(candidate) cannot be made: \(String(cString: strerror(errno)))")
            }
        }
        throw StoreError.unwritable(path, reason: "a thousand folders named \(id) or \(id)-N already stand in \(runs)")
    }

    /// Makes this process the one that trains run `id` (a detached run, created by
    /// the process that started this one).
    public func claimRun(_ id: Int64) throws(StoreError) -> RunRecord {
        try setProcess(of: id, pid: ProcessIdentity.pid)
        return try run(id)
    }

    /// Records which process trains run `id`.
    public func setProcess(of id: Int64, pid: Int32) throws(StoreError) {
        let changed = try write("recording the process of run \(id)") { db -> Int in
            try db.execute(sql: "UPDATE runs SET pid = ?, host = ?, heartbeat_at = ? WHERE id = ? AND status = ?",
                           arguments: [pid, ProcessIdentity.host, Date(), id, RunStatus.running.rawValue])
            return db.changesCount
        }
        if changed == 0 {
            let status = try run(id).status
            throw StoreError("Run \(id) in \(path) is \(status.rawValue), not waiting to be trained; start a new run instead.")
        }
    }

    /// Records how a run ended, for runs that end without a report (one that could
    /// not start, for one); the recorder records the others.
    public func endRun(_ id: Int64, status: RunStatus, message: String?) throws(StoreError) {
        try write("recording the end of run \(id)") { db in
            try db.execute(sql: "UPDATE runs SET status = ?, ended_at = ?, message = ?, heartbeat_at = ? WHERE id = ?",
                           arguments: [status.rawValue, Date(), message, Date(), id])
        }
    }

    public func run(_ id: Int64) throws(StoreError) -> RunRecord {
        guard let record = try read("reading run \(id)", { db in try RunRecord.fetchOne(db, key: id) }) else {
            throw StoreError.unknownRun(id, path: path)
        }
        return record
    }

    /// The run a person means by `text`: its number, or `last` for the newest run.
    public func resolveRunID(_ text: String) throws(StoreError) -> Int64 {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.lowercased() == "last" {
            guard let id = try read("finding the newest run", { db in try Int64.fetchOne(db, sql: "SELECT max(id) FROM runs") }) else {
                throw StoreError("There are no runs in \(path) yet; 'mimic train' records one.")
            }
            return id
        }
        guard let id = Int64(trimmed.hasPrefix("#") ? String(trimmed.dropFirst()) : trimmed), id > 0 else {
            throw StoreError.badRunID(text)
        }
        // Only whether it exists: a run whose configuration cannot be read must still
        // resolve, so that it can be deleted.
        guard try read("finding run \(id)", { db in try Bool.fetchOne(db, sql: "SELECT 1 FROM runs WHERE id = ?", arguments: [id]) }) != nil else {
            throw StoreError.unknownRun(id, path: path)
        }
        return id
    }

    /// Runs newest first, optionally only those with `status`, on `dataSet` (its
    /// name, any case) or part of the group `partOf`.
    public func runs(status: RunStatus? = nil, dataSet: String? = nil, partOf: String? = nil,
                     sweep: Int64? = nil) throws(StoreError) -> [RunRecord] {
        try read("listing runs") { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if let sweep {
                conditions.append("sweep_id = ?")
                arguments += [sweep]
            }
            if let partOf {
                conditions.append("part_of = ?")
                arguments += [partOf]
            }
            if let status {
                conditions.append("status = ?")
                arguments += [status.rawValue]
            }
            if let dataSet {
                conditions.append("data_set = ? COLLATE NOCASE")
                arguments += [dataSet]
            }
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            return try Self.readableRuns(db, sql: "SELECT * FROM runs \(filter) ORDER BY started_at DESC, id DESC", arguments: arguments)
        }
    }

    /// The runs `sql` selects, leaving out those whose configuration cannot be read,
    /// so that one such run does not hide the others from a listing
    /// (`unreadableRuns` names them).
    static func readableRuns(_ db: Database, sql: String, arguments: StatementArguments = []) throws -> [RunRecord] {
        try Row.fetchAll(db, sql: sql, arguments: arguments).compactMap { row in
            do {
                return try RunRecord(row: row)
            } catch is StoreError {
                return nil  // its configuration cannot be read; the only StoreError RunRecord throws
            }
        }
    }

    /// A sentence for each run whose stored configuration cannot be read (another
    /// version of mimic wrote it, or it was edited), oldest first.
    public func unreadableRuns() throws(StoreError) -> [StoreError] {
        try read("checking the runs' configurations") { db in
            try Row.fetchAll(db, sql: "SELECT id, config FROM runs ORDER BY id").compactMap { row -> StoreError? in
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
            try ModelRecord.fetchAll(db, sql: "SELECT * FROM models WHERE run_id = ? ORDER BY id", arguments: [id])
        }
    }

    /// Every metric point of a run's models, model by model, in step order.
    public func metrics(ofRun id: Int64) throws(StoreError) -> [MetricPoint] {
        try read("reading the metrics of run \(id)") { db in
            try MetricPoint.fetchAll(db, sql: """
                SELECT metrics.* FROM metrics JOIN models ON models.id = metrics.model_id
                WHERE models.run_id = ? ORDER BY metrics.model_id, metrics.rowid
                """, arguments: [id])
        }
    }

    /// Deletes a run's rows and its run folder (never a --save folder elsewhere).
    /// A run that is still training is refused, as is one whose folder a process holds
    /// (a resume getting ready, before it claims the run): it would go on writing.
    public func deleteRun(_ id: Int64) throws(StoreError) {
        // The columns that tell a live trainer, not the whole record: a run whose
        // configuration cannot be read can still be deleted.
        let row = try read("reading run \(id)") { db in
            try Row.fetchOne(db, sql: "SELECT status, pid, host, heartbeat_at, folder FROM runs WHERE id = ?", arguments: [id])
        }
        guard let row else { throw StoreError.unknownRun(id, path: path) }
        let folder: String? = row["folder"]
        if folder.flatMap({ RunFolder.isLocked(path: $0) }) == true || (row["status"] == RunStatus.running.rawValue
            && TrainerLiveness.isTraining(folder: folder, host: row["host"], heartbeat: row["heartbeat_at"])) {
            let process = (row["pid"] as Int32?).map { "process \($0)" + ((row["host"] as String?).map { " on \($0)" } ?? "") }
                ?? "another process"
            throw StoreError("Run \(id) is still training (\(process)); stop it first ('mimic watch \(id)' and S, or Ctrl-C in its terminal), then delete it.")
        }
        try write("deleting run \(id)") { db in
            try db.execute(sql: "DELETE FROM runs WHERE id = ?", arguments: [id])
        }
        if let folder, FileManager.default.fileExists(atPath: folder) {
            do {
                try FileManager.default.removeItem(atPath: folder)
            } catch {
                throw StoreError("Run \(id) is deleted from \(path), but its folder \(folder) could not be removed (\(Self.reason(error))); remove it by hand.")
            }
        }
    }
}
