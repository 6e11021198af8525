import Foundation
import MimicChildProcess
import MimicTestSupport
import Testing
@testable import MimicStore

/// A PostgreSQL server that stops while a sweep's training goes on, and comes
/// back after the training ended. The worker dropped the points it had not written,
/// found its own run's folder lock free once the server was back, claimed its training
/// again (claim 2) and reported it done from its folder: the mentor's series stopped at
/// the epoch of the outage, the student had none, and the sweep exited 0.
@Suite(.enabled(if: MimicProcess.binary != nil, "the mimic binary is not built next to the tests (swift build --product mimic)"),
       .enabled(if: OwnPostgresServer.binaries != nil || TestPostgres.underCI,
                "a PostgreSQL server of the test's own needs root and the server's programs (apt-get install postgresql)"))
struct PostgresOutageTests {
    /// The file named `name` anywhere under `folder`.
    static func find(_ name: String, under folder: String) -> String? {
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return nil }
        while let path = walker.nextObject() as? String {
            if (path as NSString).lastPathComponent == name { return (folder as NSString).appendingPathComponent(path) }
        }
        return nil
    }

    /// Waits up to `seconds` for `condition`, looking every 20 ms.
    static func waitFor(seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while !condition() {
            if Date() > deadline { return false }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return true
    }

    @Test func aSweepThroughAServerRestartKeepsEveryPointUnderItsOwnClaim() throws {
        let folder = try TemporaryFolder()
        let server = try OwnPostgresServer(in: folder)
        let data = try MimicProcess.makeDataSet(in: folder)
        let epochs = 600
        let sweep = try MimicProcess.start(["sweep", "--store", server.url, "--data", data, "--mentor", "fc64", "--student", "fc32",
                                            "--epochs", String(epochs), "--student-epochs", String(epochs), "--batch", "32",
                                            "--threads", "1"], in: folder)
        // Never left behind, whatever the test meets.
        let watchdog = DispatchWorkItem { kill(sweep.pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + 120, execute: watchdog)
        defer { watchdog.perform() }
        let xdg = folder.file("xdg")

        // Held still once the store has the mentor's first epoch, the server goes away;
        // the training then goes on to its end without it, whatever the machine's speed.
        try #require(Self.waitFor(seconds: 60) { Self.find("mentor.epoch.safetensors", under: xdg) != nil }, "the sweep never trained")
        kill(sweep.pid, SIGSTOP)
        try #require(Self.find("student-1.result.json", under: xdg) == nil, "the training ended before the server could be stopped")
        try server.stop()
        kill(sweep.pid, SIGCONT)
        try #require(Self.waitFor(seconds: 60) { Self.find("student-1.result.json", under: xdg) != nil },
                     "the training did not end while the server was away")
        try server.start()
        let output = sweep.wait()

        #expect(output.status == 0, "the sweep is complete: \(output.stderr)")
        #expect(output.stderr.contains("this process keeps it and writes it as soon as the store answers"), "\(output.stderr)")
        #expect(!output.stdout.contains("(claim 2)"), "\(output.stdout)")
        let store = try RunStore(.postgres(PostgresAddress(parsing: server.url)), create: false, folder: folder.file("reader"))
        let run = try store.run(1)
        #expect(run.status == .done)
        let generation = try store.backend.read { db in try db.value("SELECT claim_generation FROM runs WHERE id = 1", as: Int64.self) }
        #expect(generation == 1, "the worker kept its own claim")
        let epochsWithPoints = try store.backend.read { db in
            try db.rows("""
                SELECT m.role, count(DISTINCT x.epoch) AS epochs FROM models m LEFT JOIN metrics x ON x.model_id = m.id AND x.name = 'test_accuracy'
                WHERE m.run_id = 1 GROUP BY m.role ORDER BY m.role
                """).map { "\($0["role"] as String) \($0["epochs"] as Int64)" }
        }
        #expect(epochsWithPoints == ["mentor \(epochs)", "student \(epochs)"], "every epoch's points")
    }
}
