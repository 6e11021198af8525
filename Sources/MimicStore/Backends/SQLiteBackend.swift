import Foundation
import GRDB
import MimicEngine

/// The SQLite run store: one file (WAL mode, so readers never wait for the trainer)
/// that several processes may open at once; each write waits up to `busyTimeout` for
/// another process's write to end.
final class SQLiteBackend: StoreBackend {
    let path: String
    let pool: DatabasePool
    var dialect: SQLDialect { .sqlite }

    /// How long a write waits for another process's write before failing. Writes are
    /// short (one flush of metrics), so this is only reached when something is wrong.
    static let busyTimeout: TimeInterval = 10

    /// Opens the store at `path` (absolute), creating it (and its folder) when `create`
    /// is true and bringing an older schema up to date.
    init(path: String, create: Bool) throws(StoreError) {
        self.path = path
        let manager = FileManager.default
        var isFolder: ObjCBool = false
        if manager.fileExists(atPath: path, isDirectory: &isFolder) {
            if isFolder.boolValue { throw StoreError.notADatabase(path) }
            try Self.checkHeader(path)
        } else if let failure = FileBytes.problemReaching(path), !failure.missing, failure.code != ENOTDIR {
            // A loop of links, or a folder on the way that may not be searched: not a store
            // to create. (A file on the way is named below, when its folder cannot be made.)
            throw StoreError.unreadable(path, reason: failure.words, permission: failure.isPermission)
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
        // other's half-made schema (the migrations table before the first migration)
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
    }

    /// Read-only, for a store that cannot be written (see `RunStore.openForReading`):
    /// with SQLite's shared index of the journal (the -shm file) when there is one or it
    /// can be made; else, when no journal is waiting to be copied into the file (no -wal,
    /// or an empty one), as an immutable file, which SQLite reads with no index and no
    /// lock. Nothing can write the file then anyway: the disk or medium refuses.
    init(readingOnly path: String) throws {
        self.path = path
        do {
            pool = try Self.readOnlyPool(path, immutable: false)
        } catch {
            let journal = (try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int ?? 0
            guard journal == 0 else { throw error }
            pool = try Self.readOnlyPool(path, immutable: true)
        }
    }

    private static func readOnlyPool(_ path: String, immutable: Bool) throws -> DatabasePool {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(busyTimeout)
        configuration.label = "mimic run store (read-only)"
        let target = immutable ? URL(fileURLWithPath: path).absoluteString + "?immutable=1" : path
        let pool = try DatabasePool(path: target, configuration: configuration)
        // Only a store of this mimic's schema, read now so that a failure shows here.
        let applied = try pool.read { db in try StoreSchema.appliedIdentifiers(SQLiteConnection(db)) }
        guard applied == Set(StoreSchema.allIdentifiers) else { throw StoreError.notAStore(path) }
        return pool
    }

    func read<T>(_ body: (any StoreConnection) throws -> T) throws -> T {
        try pool.read { db in try body(SQLiteConnection(db)) }
    }

    func write<T>(_ body: (any StoreConnection) throws -> T) throws -> T {
        try pool.write { db in try body(SQLiteConnection(db)) }
    }

    func problem(_ error: any Error, doing what: String, location: String) -> StoreError {
        if let error = error as? StoreError { return error }
        return StoreError.failed(location, doing: what, error)
    }

    func reason(_ error: any Error) -> String { "\(error)" }

    // MARK: - Opening

    /// A file that is not SQLite gets a clear refusal before SQLite sees it.
    private static func checkHeader(_ path: String) throws(StoreError) {
        // Only a regular file, opened without waiting: a named pipe would hold mimic forever.
        let descriptor: Int32
        do {
            descriptor = try FileBytes.openRegularFile(path)
        } catch {
            if let kind = error.notARegularFile { throw StoreError.notAFile(path, kind: kind) }
            throw StoreError.unreadable(path, reason: error.words, permission: error.isPermission)
        }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: 16)
        let count = Glibc.read(descriptor, &bytes, bytes.count)
        let header = Data(bytes.prefix(max(0, count)))
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
        var attempt = 0
        while true {
            do {
                try pool.write { db in try StoreSchema.migrate(SQLiteConnection(db), location: path) }
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

    static func reason(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "\(error.resultCode)" }
        return StoreError.fileReason(error)
    }
}

/// One GRDB transaction as a `StoreConnection`.
struct SQLiteConnection: StoreConnection {
    let db: Database
    var dialect: SQLDialect { .sqlite }

    init(_ db: Database) { self.db = db }

    func rows(_ query: StoreQuery) throws -> [StoreRow] {
        let (sql, values) = query.rendered(for: .sqlite)
        let statement = try db.cachedStatement(sql: sql)
        let columns = statement.columnNames
        return try Row.fetchAll(statement, arguments: Self.arguments(values)).map { row in
            StoreRow(columns: columns, values: columns.indices.map { Self.value(row[$0] as DatabaseValue) })
        }
    }

    @discardableResult
    func execute(_ query: StoreQuery) throws -> Int {
        let (sql, values) = query.rendered(for: .sqlite)
        // Cached: the recorder runs the same few statements thousands of times.
        try db.cachedStatement(sql: sql).execute(arguments: Self.arguments(values))
        return db.changesCount
    }

    private static func arguments(_ values: [StoreValue]) -> StatementArguments {
        StatementArguments(values.map { value -> DatabaseValue in
            switch value {
            case .null: .null
            case .integer(let number): number.databaseValue
            case .real(let number): number.databaseValue
            case .text(let text): text.databaseValue
            case .date(let date): date.databaseValue  // GRDB's UTC text, as older stores hold
            }
        })
    }

    private static func value(_ value: DatabaseValue) -> StoreValue {
        switch value.storage {
        case .null: .null
        case .int64(let number): .integer(number)
        case .double(let number): .real(number)
        case .string(let text): .text(text)
        case .blob(let data): .text(String(decoding: data, as: UTF8.self))
        }
    }
}
