import Foundation
import MimicEngine
import MimicTestSupport
import Synchronization
import Testing
@testable import MimicStore

/// What only a PostgreSQL store meets, against the real test server
/// (MIMIC_TEST_POSTGRES): each bad input in one sentence, the password never shown,
/// and a server that goes away while a run trains.
@Suite(.enabled(if: TestPostgres.runsTests, "MIMIC_TEST_POSTGRES names no PostgreSQL server (see README)"))
struct PostgresStoreTests {
    /// The test server's address with `change` applied.
    static func server(_ change: (inout PostgresAddress) -> Void = { _ in }) throws -> PostgresAddress {
        var address = try TestPostgres.server()
        change(&address)
        return address
    }

    /// Opens the store at `address` with only `environment` (no PGPASSWORD, HOME elsewhere unless given).
    static func open(_ address: PostgresAddress, environment: [String: String] = [:], create: Bool = true) throws(StoreError) {
        _ = try PostgresBackend(address: address, create: create, environment: environment)
    }

    @Test func aFreshDatabaseGetsEveryMigrationOnceAndReopens() throws {
        let test = try TestStore(.postgres)
        let store = try test.open()
        #expect(try store.backend.read { db in try StoreSchema.appliedIdentifiers(db) } == Set(StoreSchema.allIdentifiers))
        _ = try test.open()
        let tables = try store.backend.read { db in try db.rows(db.dialect.tableNames).map { $0["name"] as String } }
        #expect(Set(tables) == ["mimic_migrations", "runs", "models", "metrics", "control_requests", "sweeps", "sweep_queue", "sweep_agents",
                               "sweep_jobs", "sweep_failures"])
        #expect(try test.count("mimic_migrations", in: store) == StoreSchema.allIdentifiers.count)
    }

    @Test func manyOpenersOfANewDatabaseAtOnceAllSucceed() throws {
        let test = try TestStore(.postgres)
        let failures = Mutex<[String]>([])
        let address = test.address, folder = test.file("store")
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            do { _ = try RunStore(address, folder: folder) } catch { failures.withLock { $0.append("\(error)") } }
        }
        #expect(failures.withLock { $0 }.isEmpty)
    }

    // MARK: - Bad input, one sentence each

    @Test func aWrongPasswordIsNamedWithWhereItCameFrom() throws {
        let address = try Self.server { $0.urlPassword = "not-the-password" }
        let error = try #require(throws: StoreError.self) { try Self.open(address) }
        #expect(error.message == "The PostgreSQL server at \(address.host):\(address.port) refused the password of user \(address.user) "
            + "(it came from the URL); fix the password there, or the user's on the server (ALTER ROLE \(address.user) PASSWORD ...).")
        #expect(!error.message.contains("not-the-password"))

        let fromEnvironment = try Self.server { $0.urlPassword = nil }
        let again = try #require(throws: StoreError.self) { try Self.open(fromEnvironment, environment: ["PGPASSWORD": "also-wrong"]) }
        #expect(again.message.contains("(it came from PGPASSWORD)") && !again.message.contains("also-wrong"))
    }

    @Test func noPasswordAnywhereIsNamedWithItsThreePlaces() throws {
        let home = try TemporaryFolder()
        let address = try Self.server { $0.urlPassword = nil }
        let error = try #require(throws: StoreError.self) { try Self.open(address, environment: ["HOME": home.path]) }
        let server = "The PostgreSQL server at \(address.host):\(address.port)"
        #expect(error.message == "\(server) asks user \(address.user) for a password and none was given; put it in PGPASSWORD, "
            + "in ~/.pgpass (host:port:database:user:password, mode 0600) or in the URL as \(address.user):PASSWORD@.")

        // A password file others can read is ignored, as libpq ignores it, and named.
        let file = home.file(".pgpass")
        try "*:*:*:\(address.user):\(try TestPostgres.password())\n".write(toFile: file, atomically: true, encoding: .utf8)
        chmod(file, 0o644)
        let ignored = try #require(throws: StoreError.self) { try Self.open(address, environment: ["HOME": home.path]) }
        #expect(ignored.message.hasSuffix(" (\(file) was ignored: others can read it; chmod 600 \(file)).") , "\(ignored)")
        chmod(file, 0o600)
        let test = try TestStore(.postgres)
        guard case .postgres(var own) = test.address else { return }
        own.urlPassword = nil
        try Self.open(own, environment: ["HOME": home.path])
    }

    @Test func aPortNobodyListensOnIsARefusedConnection() throws {
        let port = try unusedPort()
        let address = try Self.server { $0.port = port }
        #expect(throws: StoreError("The PostgreSQL server at \(address.host):\(port) refused the connection: no server listens there; "
            + "start it (pg_ctlcluster VERSION main start, or systemctl start postgresql), or fix the host and port in \(address).")) {
            try Self.open(address)
        }
    }

    @Test func aHostThatDoesNotExistIsNamed() throws {
        let address = try Self.server { $0.host = "no-such-host.invalid" }
        #expect(throws: StoreError("The host no-such-host.invalid in \(address) cannot be found; check its spelling, or use the server's address.")) {
            try Self.open(address)
        }
    }

    @Test func aDatabaseThatDoesNotExistIsNamedWithHowToMakeIt() throws {
        let address = try Self.server { $0.database = "mimic_never_made_\(UUID().uuidString.prefix(8).lowercased())" }
        #expect(throws: StoreError("There is no database \(address.database) on the PostgreSQL server at \(address.host):\(address.port); "
            + "create it (createdb -h \(address.host) -p \(address.port) -U \(address.user) \(address.database)), or fix the database in \(address).")) {
            try Self.open(address)
        }
    }

    @Test func anotherProgramsDatabaseIsRefusedAndLeftAsItWas() throws {
        let test = try TestStore(.postgres)
        try TestPostgres.execute(["CREATE TABLE recipes (name TEXT)", "INSERT INTO recipes VALUES ('soup')"], in: test.database)
        #expect(throws: StoreError("The PostgreSQL database \(test.address) holds another program's tables, not a mimic run store; "
            + "create a database for mimic (createdb mimic) and pass --store with its URL.")) {
            try test.open()
        }
        let reopened = try #require(throws: StoreError.self) { try test.open() }
        #expect(reopened.message.contains("another program's tables"), "nothing was added: the refusal is the same")
    }

    @Test func aStoreOfANewerMimicIsRefused() throws {
        let test = try TestStore(.postgres)
        _ = try test.open()
        try TestPostgres.execute(["INSERT INTO mimic_migrations VALUES ('v9-future')"], in: test.database)
        #expect(throws: StoreError("The run store \(test.address) was written by a newer mimic (schema v9-future is unknown to this one); "
            + "run that newer mimic, or pass --store with another database.")) {
            try test.open()
        }
    }

    @Test func readingAnEmptyDatabaseMakesNoStoreInIt() throws {
        let test = try TestStore(.postgres)
        #expect(throws: StoreError.missing(test.address.description)) { try test.open(create: false) }
        let store = try test.open()
        #expect(try store.runs().isEmpty)
        _ = try test.open(create: false)
    }

    /// sslmode is honoured: `disable` never uses TLS, `require` refuses a server
    /// without it, and uses it with one. Debian's server has TLS off unless configured,
    /// so which half runs depends on the server; each checks what the connection did.
    @Test func sslModeIsHonoured() throws {
        let test = try TestStore(.postgres)
        guard case .postgres(let own) = test.address else { return }
        func usesTLS(_ mode: PostgresAddress.SSLMode) throws -> Bool {
            var address = own
            address.sslMode = mode
            let store = try RunStore(.postgres(address), folder: test.file("store"))
            return try store.backend.read { db in
                try db.value("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", as: Bool.self)
            } ?? false
        }
        #expect(try usesTLS(.disable) == false)
        let serverHasTLS = try usesTLS(.prefer)
        if serverHasTLS {
            #expect(try usesTLS(.require))
        } else {
            var address = own
            address.sslMode = .require
            #expect(throws: StoreError("The PostgreSQL server at \(own.host):\(own.port) does not offer TLS, which sslmode=require in "
                + "\(address) asks for; turn ssl on in the server's postgresql.conf, or use sslmode=prefer.")) {
                try Self.open(address, environment: ProcessInfo.processInfo.environment)
            }
        }
    }

    // MARK: - A server that goes away

    /// The server goes away while the run trains: its connection is killed and no new
    /// one is let in (as while a server restarts), until the mentor's end. The trainer
    /// says so once, keeps training and keeps its points, and writes them all over a new
    /// connection as soon as it can: at the mentor's end, which is tried at once.
    @Test func aServerGoneMidRunLosesNothingOnceItIsBack() throws {
        let test = try TestStore(.postgres)
        let database = try #require(test.database)
        let store = try test.open()
        let run = try store.createRun(config: quickConfig(), programVersion: "1")
        let firstConnection = try store.backend.read { db in try db.value("SELECT pg_backend_pid()", as: Int.self) }
        let reports = Mutex<[String]>([])
        let recorder = RunRecorder(store: store, runID: run.id, flushInterval: .zero) { message in reports.withLock { $0.append(message) } }
        let experiment = try Experiment(config: run.config, dataSet: SyntheticData.make(train: 600, test: 200),
                                        folder: try run.folder.map { try RunFolder.create(at: $0) })
        var events: [TrainingEvent] = []
        var gone = false, back = false
        _ = experiment.run(control: TrainingControl()) { event in
            events.append(event)
            if !gone, case .progress(let point) = event, point.epoch == 2 {
                gone = true
                try? TestPostgres.execute([
                    "ALTER DATABASE \(database) ALLOW_CONNECTIONS false",
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(database)' AND pid <> pg_backend_pid()",
                ])
            }
            if gone, !back, case .modelFinished = event {
                back = true
                try? TestPostgres.execute(["ALTER DATABASE \(database) ALLOW_CONNECTIONS true"])
            }
            recorder.record(event)
        }
        #expect(gone && back)
        let messages = reports.withLock { $0 }
        // Which error the recorder meets first depends on where its writer was when the
        // server cut it off: the server's notice on the killed connection, the closed
        // socket, or the refused new connection.
        let server = try TestPostgres.server()
        let causes = ["PostgreSQL: terminating connection due to administrator command",
                      "the connection to the PostgreSQL server at \(server.host):\(server.port) was lost",
                      "PostgreSQL: database \"\(database)\" is not currently accepting connections"]
        #expect(causes.map {
            ["The run store \(test.address) could not record run \(run.id) (\($0)); training goes on, and the record is "
             + "tried again every minute and as each model ends, but it may stay incomplete."]
        }.contains(messages), "\(messages)")
        #expect(recorder.missing == nil, "every point was written once the server was back")
        #expect(try store.backend.read { db in try db.value("SELECT pg_backend_pid()", as: Int.self) } != firstConnection,
                "the store connected again")
        let stored = try store.storedRun(run.id)
        #expect(stored.run.status == .done && stored.models.allSatisfy { $0.status == .finished })
        let expected = points(events).reduce(0) { $0 + MetricSeries.values(of: $1).count }
        #expect(try store.metrics(ofRun: run.id).count == expected)
    }
}
