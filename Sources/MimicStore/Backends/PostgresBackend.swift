import Foundation
import PostgresNIO

/// The PostgreSQL run store, through postgres-nio: one connection per open store,
/// which the store's threads (the trainer's recorder, the control poller, a
/// dashboard's reads) take in turn, one transaction at a time.
///
/// The store's interface is synchronous, and postgres-nio's is asynchronous on SwiftNIO
/// event loops. The bridge: each query is sent on the event loop and this thread then
/// waits for its future. That is safe because no caller is ever on an event loop: the
/// store's callers are the command's main thread, the training thread and Dispatch
/// queues, and the event loops (NIO's shared group) run postgres-nio's code only.
/// Waiting on an event loop would deadlock it, and NIO stops the program instead.
///
/// A connection that breaks (the server restarted, the connection was killed) is
/// dropped, and the next transaction connects again: a trainer whose writes fail in
/// the meantime keeps its points and tries again (`RunRecorder`).
final class PostgresBackend: StoreBackend, @unchecked Sendable {
    // @unchecked: `connection` is touched only under `lock`.
    let address: PostgresAddress
    private let environment: [String: String]
    private let lock = NSLock()
    private var connection: PostgresConnection?
    var dialect: SQLDialect { .postgres }

    /// How long connecting may take before the server is called unreachable.
    static let connectTimeout: TimeAmount = .seconds(10)
    /// How long one query may take before its connection is given up. The store's
    /// queries take milliseconds; this is for a server or network that stopped answering
    /// without closing the connection, and for a query that postgres-nio never answers
    /// when the server ends the connection just as it is sent (seen here with
    /// pg_terminate_backend): a trainer must not wait forever.
    static let queryTimeout: TimeAmount = .seconds(15)
    /// Serialises schema migrations of one database across processes, as the folder's
    /// flock does for SQLite: any fixed number, the same in every mimic.
    static let migrationLockKey: Int64 = 0x6D696D6963 // "mimic"

    /// postgres-nio logs nothing a person needs (failures come back as errors, which
    /// become sentences here), and nothing it logs may ever show a password.
    static let logger: Logger = {
        var logger = Logger(label: "mimic.postgres")
        logger.logLevel = .critical
        return logger
    }()

    /// Connects and brings the schema up to date; `create` false leaves an empty
    /// database as it is (see `StoreSchema.migrate`).
    init(address: PostgresAddress, create: Bool,
         environment: [String: String] = ProcessInfo.processInfo.environment) throws(StoreError) {
        self.address = address
        self.environment = environment
        do {
            try write { db in
                // DDL is transactional in PostgreSQL: the whole migration, lock included,
                // commits at once or not at all.
                _ = try db.rows("SELECT pg_advisory_xact_lock(\(Self.migrationLockKey))")
                try StoreSchema.migrate(db, location: address.description, create: create)
            }
        } catch {
            throw problem(error, doing: "opening it", location: address.description)
        }
    }

    deinit {
        // Waited for, so that the server hears the goodbye before the process ends.
        if let connection, (try? Self.wait(for: connection.close(), closingOnTimeout: nil)) == nil { Self.abandon(connection) }
    }

    /// A repeatable-read transaction sees one snapshot: a model read as finished has all its points.
    func read<T>(_ body: (any StoreConnection) throws -> T) throws -> T {
        try transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
    }

    func write<T>(_ body: (any StoreConnection) throws -> T) throws -> T {
        try transaction("BEGIN", body)
    }

    private func transaction<T>(_ begin: StoreQuery, _ body: (any StoreConnection) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        let db = PostgresTransaction(connection: try openConnection())
        do {
            try db.execute(begin)
            let result = try body(db)
            try db.execute("COMMIT")
            return result
        } catch {
            if Self.isConnectionLost(error) || db.connection.isClosed {
                Self.abandon(db.connection)
                connection = nil
            } else {
                _ = try? db.execute("ROLLBACK")
            }
            throw error
        }
    }

    /// The open connection, or a new one when there is none or it broke. Called under `lock`.
    private func openConnection() throws -> PostgresConnection {
        if let connection, !connection.isClosed { return connection }
        connection = nil
        var configuration = PostgresConnection.Configuration(
            host: address.host, port: address.port, username: address.user,
            password: address.password(environment: environment).password, database: address.database, tls: try tls())
        configuration.options.connectTimeout = Self.connectTimeout
        let opened = try PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration,
                                                    id: 1, logger: Self.logger).wait()
        // A client whose link is cut mid-transaction would hold its row locks until the
        // server's TCP keepalive notices, hours by default; an agent taking its
        // training over would wait that long. The server ends such a session instead.
        _ = try? PostgresTransaction(connection: opened).execute("SET idle_in_transaction_session_timeout = 20000")
        connection = opened
        return opened
    }

    /// TLS as `sslmode` asks (see `PostgresAddress.SSLMode`).
    private func tls() throws -> PostgresConnection.Configuration.TLS {
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch address.sslMode {
        case .disable: return .disable
        case .allow, .prefer, .require: configuration.certificateVerification = .none
        case .verifyCA: configuration.certificateVerification = .noHostnameVerification
        case .verifyFull: configuration.certificateVerification = .fullVerification
        }
        let context = try NIOSSLContext(configuration: configuration)
        return address.sslMode == .allow || address.sslMode == .prefer ? .prefer(context) : .require(context)
    }

    /// What `future` gives, waited for on this thread (never an event loop's) for at
    /// most `queryTimeout`; after that, `connection` is closed and the wait fails.
    static func wait<Value: Sendable>(for future: EventLoopFuture<Value>, closingOnTimeout connection: PostgresConnection?) throws -> Value {
        let answer = future.eventLoop.makePromise(of: Value.self)
        // Both callbacks run on the future's event loop, one after the other: the first completes the answer.
        let timeout = future.eventLoop.scheduleTask(in: queryTimeout) {
            answer.fail(QueryTimedOut())
            if let connection { abandon(connection) }
        }
        future.whenComplete { result in
            timeout.cancel()
            answer.completeWith(result)
        }
        return try answer.futureResult.wait()
    }

    /// Closes `connection` without waiting (one that stopped answering may never say it
    /// closed), keeping it until it is closed: postgres-nio requires that of a connection
    /// that goes away.
    static func abandon(_ connection: PostgresConnection) {
        let closing: EventLoopFuture<Void> = connection.close()
        closing.whenComplete { _ in withExtendedLifetime(connection) {} }
    }

    /// A query that got no answer within `queryTimeout`.
    struct QueryTimedOut: Error, CustomStringConvertible {
        var description: String { "the server did not answer within \(PostgresBackend.queryTimeout.nanoseconds / 1_000_000_000) s" }
    }

    /// Whether `error` means the connection is gone, so that the next transaction makes a new one.
    static func isConnectionLost(_ error: any Error) -> Bool {
        if error is QueryTimedOut { return true }
        guard let error = error as? PSQLError else { return false }
        switch error.code {
        case .serverClosedConnection, .connectionError, .clientClosedConnection, .uncleanShutdown: return true
        case .server:
            // Class 57: the server ends the session (shutdown, pg_terminate_backend);
            // class 08: the connection failed.
            let state = error.serverInfo?[.sqlState] ?? ""
            return state.hasPrefix("57") || state.hasPrefix("08")
        default: return false
        }
    }

    func reason(_ error: any Error) -> String {
        PostgresProblem(address: address, environment: environment).reason(for: error)
    }

    func problem(_ error: any Error, doing what: String, location: String) -> StoreError {
        PostgresProblem(address: address, environment: environment).sentence(for: error, doing: what)
    }
}

/// One transaction on a PostgreSQL connection as a `StoreConnection`: each query
/// sent, then waited for (see `PostgresBackend` on why waiting is safe here).
struct PostgresTransaction: StoreConnection {
    let connection: PostgresConnection
    var dialect: SQLDialect { .postgres }

    func rows(_ query: StoreQuery) throws -> [StoreRow] {
        let result = try run(query)
        return try result.rows.map { row in
            var columns: [String] = []
            var values: [StoreValue] = []
            for cell in row {
                columns.append(cell.columnName)
                values.append(try Self.value(cell))
            }
            return StoreRow(columns: columns, values: values)
        }
    }

    @discardableResult
    func execute(_ query: StoreQuery) throws -> Int {
        try run(query).metadata.rows ?? 0
    }

    private func run(_ query: StoreQuery) throws -> PostgresQueryResult {
        let (sql, values) = query.rendered(for: .postgres)
        var bindings = PostgresBindings(capacity: values.count)
        for value in values {
            switch value {
            case .null: bindings.appendNull()
            case .integer(let number): bindings.append(number)
            case .real(let number): bindings.append(number)
            case .text(let text): bindings.append(text)
            case .date(let date): bindings.append(date)
            }
        }
        return try PostgresBackend.wait(for: connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: PostgresBackend.logger),
                                        closingOnTimeout: connection)
    }

    /// A cell as the store's value. Booleans become 0 or 1 as in SQLite, so that one
    /// query reads the same from both.
    private static func value(_ cell: PostgresCell) throws -> StoreValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8: return .integer(try cell.decode(Int64.self))
        case .float4, .float8: return .real(try cell.decode(Double.self))
        case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
        case .timestamptz, .timestamp: return .date(try cell.decode(Date.self))
        default: return .text(try cell.decode(String.self))
        }
    }
}
