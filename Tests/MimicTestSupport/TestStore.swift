import Foundation
import GRDB
import PostgresNIO
import Testing
@testable import MimicStore

/// The two kinds of run store the shared suite runs against.
public enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    public var testDescription: String { rawValue }

    /// The kinds this test process tests: both when `MIMIC_TEST_POSTGRES` names a
    /// server; SQLite alone otherwise, as for any optional tool, except under CI,
    /// where PostgreSQL stays in so that its tests fail (`TestPostgres.server`).
    public static let tested: [StoreKind] = TestPostgres.runsTests ? [.sqlite, .postgres] : [.sqlite]
}

/// The PostgreSQL server of the tests: `MIMIC_TEST_POSTGRES`, the URL of a user who may
/// create databases (`postgres://mimic@127.0.0.1:5432/postgres`, the password in the URL,
/// PGPASSWORD or ~/.pgpass). `.ci/run` starts one and sets it; README says how by hand.
public enum TestPostgres {
    public static let url = ProcessInfo.processInfo.environment["MIMIC_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }

    /// CI runners set CI (to "true"); an empty value, "false" or "0" reads as unset
    /// (as for numpy, see NumpyReferenceMode).
    public static let underCI = !["", "false", "0"].contains(ProcessInfo.processInfo.environment["CI"]?.lowercased() ?? "")

    public static var runsTests: Bool { url != nil || underCI }

    /// The server's address, or a failure naming the fix when the tests must run without one.
    public static func server() throws -> PostgresAddress {
        let url = try #require(url, """
            MIMIC_TEST_POSTGRES is not set, and CI is set, so the PostgreSQL store tests fail instead of skipping: \
            start a server and set MIMIC_TEST_POSTGRES (.ci/run and the README's test command do)
            """)
        return try PostgresAddress(parsing: url)
    }

    /// Runs each of `statements` on its own, outside a transaction (CREATE DATABASE
    /// cannot run in one), as the test server's user, in `database` (the URL's by default).
    public static func execute(_ statements: [String], in database: String? = nil) throws {
        var address = try server()
        if let database { address.database = database }
        var configuration = PostgresConnection.Configuration(
            host: address.host, port: address.port, username: address.user,
            password: address.password().password, database: address.database, tls: .disable)
        configuration.options.connectTimeout = .seconds(10)
        let logger = Logger(label: "mimic.tests.postgres")
        let connection = try PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.next(),
                                                        configuration: configuration, id: 1, logger: logger).wait()
        defer { try? connection.close().wait() }
        for statement in statements {
            _ = try connection.query(PostgresQuery(unsafeSQL: statement), logger: logger).wait()
        }
    }

    /// The test user's password, wherever the tests were given it.
    public static func password() throws -> String {
        try #require(try server().password().password, "the tests need the server's password (MIMIC_TEST_POSTGRES, PGPASSWORD or ~/.pgpass)")
    }

    /// The URL of `database` on the test server, as the test user, without a password.
    public static func url(of database: String) throws -> String {
        var address = try server()
        address.database = database
        address.urlPassword = nil
        return address.description
    }
}

/// A fresh store for one test, of either kind, with a temporary folder for its run
/// folders and any files the test makes: a SQLite file in the folder, or a database of
/// its own on the test server, dropped when the test is done. Tests in parallel never
/// share one.
public final class TestStore {
    public let kind: StoreKind
    public let folder: TemporaryFolder
    public let address: StoreAddress
    /// The PostgreSQL database, when `kind` is postgres.
    public let database: String?

    public init(_ kind: StoreKind) throws {
        self.kind = kind
        folder = try TemporaryFolder()
        switch kind {
        case .sqlite:
            database = nil
            address = .sqlite(path: folder.storePath)
        case .postgres:
            let name = "mimic_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            try TestPostgres.execute(["CREATE DATABASE \(name)"])
            database = name
            var server = try TestPostgres.server()
            server.database = name
            address = .postgres(server)
        }
    }

    deinit {
        if let database { try? TestPostgres.execute(["DROP DATABASE IF EXISTS \(database) WITH (FORCE)"]) }
    }

    /// Opens the store, its run folders under `store/` in the temporary folder for both
    /// kinds (beside the SQLite file), so tests read the same paths from both.
    public func open(create: Bool = true) throws -> RunStore {
        try RunStore(address, create: create, folder: folder.file("store"))
    }

    /// What `--store` takes for this store (a PostgreSQL password travels in PGPASSWORD or ~/.pgpass).
    public var argument: String { address.description }

    public var path: String { folder.path }
    public func file(_ name: String) -> String { folder.file(name) }
    public var storePath: String { folder.storePath }
}

extension RunStore {
    /// The SQLite file's pool, for tests of what only SQLite has (integrity checks, triggers).
    public var sqlitePool: DatabasePool { (backend as! SQLiteBackend).pool }
}

/// Polls `condition` every 20 ms for up to `seconds`.
public func eventually(_ seconds: Double = 10, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: 0.02)
    }
    return try condition()
}

extension RunStore {
    /// Every row of every table, as text, in a stable order: equal before and after
    /// something that must write nothing (a watcher), whatever the backend.
    public func contents() throws -> [String] {
        try read("reading every table") { db in
            let tables = try db.rows(db.dialect.tableNames).map { $0["name"] as String }.sorted()
            return try tables.flatMap { table in
                try db.rows("SELECT * FROM \(sql: table)").map { "\(table): \(zip($0.columns, $0.values).map { "\($0)=\($1)" })" }.sorted()
            }
        }
    }
}
