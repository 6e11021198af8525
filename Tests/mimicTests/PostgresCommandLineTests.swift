import Foundation
import Testing
@testable import MimicStore
import MimicTestSupport

/// The real `mimic` binary on a PostgreSQL store: every command takes the URL (or
/// MIMIC_STORE), and a password given in it is never printed, logged, recorded or
/// passed on a command line.
@Suite(.enabled(if: TestPostgres.runsTests && MimicProcess.binary != nil,
                "needs MIMIC_TEST_POSTGRES and the mimic binary (swift build --product mimic)"))
struct PostgresCommandLineTests {
    @Test func theURLsPasswordAppearsNowhere() throws {
        let test = try TestStore(.postgres)
        let password = try TestPostgres.password()
        guard case .postgres(var server) = test.address else { return }
        server.urlPassword = password
        let withPassword = "postgres://\(server.user):\(password)@\(server.host):\(server.port)/\(server.database)"
        let shown = test.address.description
        // Nothing but the URL holds the password: no PGPASSWORD, a HOME without ~/.pgpass.
        let home = test.file("home")
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let alone: [String: String?] = ["PGPASSWORD": nil, "PGPASSFILE": nil, "HOME": home, "MIMIC_STORE": nil]
        let data = try MimicProcess.makeDataSet(in: test.folder)

        var everything = ""
        let trained = try MimicProcess.run(["train", "--store", withPassword] + MimicProcess.quickRun(data: data), in: test.folder, changing: alone)
        #expect(trained.status == 0, "\(trained.stderr)")
        #expect(trained.stdout.hasPrefix("run 1, recorded in \(shown)\n"))
        everything += trained.stdout + trained.stderr
        for command in [["runs"], ["show", "1"], ["export", "1", "--json"], ["compare", "1", "1"], ["sweeps"]] {
            let output = try MimicProcess.run(command + ["--store", withPassword], in: test.folder, changing: alone)
            #expect(output.status == 0 || command == ["sweeps"], "\(command): \(output.stderr)")
            everything += output.stdout + output.stderr
        }

        // A detached run: its child opens the store with the password from its
        // environment, and its log and command line hold none.
        let detached = try MimicProcess.run(["train", "--detach", "--store", withPassword] + MimicProcess.quickRun(data: data),
                                            in: test.folder, changing: alone)
        #expect(detached.status == 0, "\(detached.stderr)")
        everything += detached.stdout + detached.stderr
        let store = try test.open()
        #expect(eventually(60) { (try? store.run(2).status) == .done }, "the child trained run 2 to its end")
        let log = try #require(try store.run(2).logPath)
        let logText = try String(contentsOfFile: log, encoding: .utf8)
        #expect(logText.contains("run 2, recorded in \(shown)") || logText.contains("recorded as run 2"), "\(logText)")
        everything += logText

        // Broken or refused: the sentence shows the URL without the password.
        let wrong = "postgres://\(server.user):wrong-\(password)@\(server.host):\(server.port)/\(server.database)"
        let refused = try MimicProcess.run(["runs", "--store", wrong], in: test.folder, changing: alone)
        #expect(refused.status == 1 && refused.stdout.isEmpty)
        #expect(refused.stderr.hasPrefix("mimic: The PostgreSQL server at \(server.host):\(server.port) refused the password of user \(server.user) (it came from the URL)"))
        everything += refused.stderr
        let broken = try MimicProcess.run(["runs", "--store", "postgres://\(server.user):\(password)@\(server.host):99999/x"], in: test.folder, changing: alone)
        #expect(broken.status == 1 && broken.stderr.hasPrefix("mimic: The run store URL postgres://\(server.user):***@"), "\(broken.stderr)")
        everything += broken.stderr

        #expect(!everything.contains(password), "the password was printed:\n\(everything)")
        let recorded = try store.backend.read { db in try db.rows("SELECT config, folder, host FROM runs") }
        #expect(recorded.allSatisfy { !($0["config"] as String).contains(password) })
    }

    @Test func mimicStoreSetsTheStoreForEveryCommand() throws {
        let test = try TestStore(.postgres)
        let data = try MimicProcess.makeDataSet(in: test.folder)
        let environment: [String: String?] = ["MIMIC_STORE": test.argument, "PGPASSWORD": try TestPostgres.password()]
        let trained = try MimicProcess.run(["train"] + MimicProcess.quickRun(data: data), in: test.folder, changing: environment)
        #expect(trained.status == 0 && trained.stdout.hasPrefix("run 1, recorded in \(test.argument)\n"), "\(trained.stderr)")
        let runs = try MimicProcess.run(["runs"], in: test.folder, changing: environment)
        #expect(runs.status == 0 && runs.stdout.split(separator: "\n").count == 2, "\(runs.stdout)\(runs.stderr)")
        #expect(!FileManager.default.fileExists(atPath: test.file("xdg/mimic/runs.sqlite")), "no SQLite store was made")
        // --store wins over MIMIC_STORE.
        let sqlite = try MimicProcess.run(["runs", "--store", test.storePath], in: test.folder, changing: environment)
        #expect(sqlite.status == 0 && sqlite.stdout.hasPrefix("No runs yet: there is no run store at \(test.storePath)"))
    }
}

/// A server that goes away for good while `mimic train` runs: the training goes on to
/// its end with every checkpoint saved, says what the store could not take, exits 1,
/// and `mimic resume` records the rest once the server is back, training again what the store lacks.
@Suite(.enabled(if: TestPostgres.runsTests && MimicProcess.binary != nil,
                "needs MIMIC_TEST_POSTGRES and the mimic binary (swift build --product mimic)"))
struct PostgresServerGoneTests {
    @Test func aServerGoneForTheRestOfTheRunLosesNoTrainedModel() throws {
        let test = try TestStore(.postgres)
        let database = try #require(test.database)
        let environment: [String: String?] = ["PGPASSWORD": try TestPostgres.password()]
        let data = try MimicProcess.makeDataSet(in: test.folder, train: 3000)
        let training = try MimicProcess.start(["train", "--store", test.argument, "--data", data, "--mentor", "fc32", "--student", "fc16",
                                               "--labeled", "0.5", "--epochs", "150", "--student-epochs", "2", "--batch", "32",
                                               "--threads", "1"], in: test.folder, changing: environment)
        let store = try test.open()
        // Gone once the mentor has recorded a few epochs.
        #expect(eventually(60) { ((try? store.metrics(ofRun: 1)) ?? []).contains { $0.epoch >= 3 } })
        let folder = try #require(try store.run(1).folder)
        try TestPostgres.execute([
            "ALTER DATABASE \(database) ALLOW_CONNECTIONS false",
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(database)' AND pid <> pg_backend_pid()",
        ])
        let output = training.wait()
        try TestPostgres.execute(["ALTER DATABASE \(database) ALLOW_CONNECTIONS true"])

        #expect(output.status == 1, "\(output.stderr)")
        #expect(output.stdout.contains("\nrole "), "the final table is printed")
        #expect(!output.stdout.contains("recorded as run 1"))
        // In the server's words (the connection was terminated, or refused) or the
        // connection's, as the first write to fail met it; never postgres-nio's own text.
        #expect(output.stderr.contains("mimic: The run store \(test.argument) could not record run 1 ("), "\(output.stderr)")
        #expect(!output.stderr.contains("PSQLError"))
        #expect(output.stderr.contains("mimic: Run 1 is recorded in \(test.argument) only in part ("), "\(output.stderr)")
        #expect(output.stderr.hasSuffix("once the server takes connections again, 'mimic resume 1' records the rest, "
                                        + "training again any model whose points are missing.\n"), "\(output.stderr)")
        let saved = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(saved.contains("mentor-fc32.safetensors") && saved.contains("student-1-fc16.safetensors"), "\(saved)")

        // Back: the run's trainer is gone, and resuming it records what the store missed:
        // it says so and trains again the models whose points it lacks (before, it reported
        // the run done from its folder, with the gap), to every epoch's points.
        let reopened = try test.open()
        #expect(try reopened.run(1).status == .interrupted)
        let resumed = try MimicProcess.run(["resume", "1", "--store", test.argument], in: test.folder, changing: environment)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("mimic: The run store \(test.argument) lacks progress points of run 1 that its folder is past (mentor: "),
                "\(resumed.stderr)")
        let stored = try reopened.storedRun(1)
        #expect(stored.run.status == .done && stored.models.allSatisfy { $0.status == .finished })
        let epochEnds = try reopened.metrics(ofRun: 1).filter { $0.name == "test_accuracy" }
        #expect(Set(epochEnds.map { "\($0.modelID) \($0.epoch)" }).count == 150 + 2 && epochEnds.count == 150 + 2,
                "every epoch's points, once: \(epochEnds.count)")
    }
}
