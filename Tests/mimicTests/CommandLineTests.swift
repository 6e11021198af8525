import Foundation
import GRDB
import MimicEngine
import Testing
@testable import MimicStore
import MimicTestSupport

/// The run store through the real `mimic` binary: train records, the subcommands
/// read, and broken input gets one sentence and a non-zero exit.
@Suite(.enabled(if: MimicProcess.binary != nil, "the mimic binary is not built next to the tests (swift build --product mimic)"))
struct CommandLineTests {
    @Test func trainRecordsTheRunAndEverySubcommandReadsIt() throws {
        let folder = try TemporaryFolder()
        let data = try MimicProcess.makeDataSet(in: folder)
        let store = folder.storePath
        let trained = try MimicProcess.run(["train", "--store", store] + MimicProcess.quickRun(data: data), in: folder)
        #expect(trained.status == 0, "\(trained.stderr)")
        #expect(trained.stdout.hasPrefix("run 1, recorded in \(store)\n"))
        #expect(trained.stdout.contains("\nrecorded as run 1 (writing it took "))
        #expect(trained.stdout.hasSuffix("s): 'mimic show 1' prints it again\n"))
        let table = try #require(trained.stdout.components(separatedBy: "\n\n").first { $0.hasPrefix("role ") })
        #expect(trained.stdout.contains("saved \(folder.file("store/runs/1/mentor-fc32.safetensors"))"), "checkpoints go to the run folder")

        let runs = try MimicProcess.run(["runs", "--store", store], in: folder)
        #expect(runs.status == 0)
        let lines = runs.stdout.split(separator: "\n")
        #expect(lines.count == 2 && lines[0].hasPrefix("id  started"))
        #expect(lines[1].hasPrefix(" 1  ") || lines[1].hasPrefix("1  "))
        #expect(lines[1].contains("done") && lines[1].contains("fc16,linear") && lines[1].contains("20%"))
        #expect(try MimicProcess.run(["runs", "--store", store, "--status", "failed"], in: folder).stdout.hasPrefix("No run in"))
        #expect(try MimicProcess.run(["runs", "--store", store, "--data-set", "DATA"], in: folder).stdout.contains("done"), "any case")

        let shown = try MimicProcess.run(["show", "1", "--store", store], in: folder)
        #expect(shown.status == 0)
        #expect(shown.stdout.hasPrefix("run 1: done (started "))
        #expect(shown.stdout.contains("  --student-epochs  2\n"))
        #expect(shown.stdout.contains("repeat it with: mimic train --data \(data) --labeled 0.2 --mentor fc32 --student fc16 --student linear"))
        #expect(shown.stdout.hasSuffix("\n\n" + table + "\n"), "show prints the table train printed:\n\(shown.stdout)")
        #expect(try MimicProcess.run(["show", "last", "--store", store], in: folder).stdout == shown.stdout)

        let csvPath = folder.file("metrics.csv")
        let csv = try MimicProcess.run(["export", "1", "--store", store, "--csv", csvPath], in: folder)
        #expect(csv.status == 0 && csv.stderr == "wrote run 1 to \(csvPath)\n")
        let csvLines = try String(contentsOfFile: csvPath, encoding: .utf8).split(separator: "\n")
        let metrics = try RunStore(path: store).metrics(ofRun: 1)
        #expect(csvLines.first == "run,model,role,index,spec,step,epoch,samples_seen,training_seconds,wall_seconds,metric,value")
        #expect(csvLines.count == metrics.count + 1)
        #expect(csvLines.filter { $0.contains(",student 1,student,1,fc16,") && $0.contains(",test_accuracy,") }.count == 2)

        let json = try MimicProcess.run(["export", "1", "--store", store, "--json"], in: folder)
        #expect(json.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let run = try #require(object["run"] as? [String: Any])
        #expect(run["status"] as? String == "done" && run["id"] as? Int == 1)
        #expect((run["config"] as? [String: Any])?["students"] as? [String] == ["fc16", "linear"])
        let models = try #require(object["models"] as? [[String: Any]])
        #expect(models.map { $0["model"] as? String } == ["mentor", "student 1", "student 2"])
        #expect(models.map { ($0["metrics"] as? [Any])?.count ?? 0 }.reduce(0, +) == metrics.count)
        let jsonFile = folder.file("run.json")
        #expect(try MimicProcess.run(["export", "last", "--store", store, "--json", jsonFile], in: folder).status == 0)
        #expect(try String(contentsOfFile: jsonFile, encoding: .utf8) == json.stdout)

        let second = try MimicProcess.run(["train", "--store", store, "--jsonl", "--loss", "mse"] + MimicProcess.quickRun(data: data), in: folder)
        #expect(second.status == 0)
        #expect(second.stdout.hasPrefix("{\"event\":\"run_recorded\",\"run\":2,\"store\":\"\(store)\"}\n"))
        let compared = try MimicProcess.run(["compare", "1", "2", "--store", store], in: folder)
        #expect(compared.status == 0)
        let comparedLines = compared.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(comparedLines[0].hasPrefix("run  status  data set") && comparedLines[0].hasSuffix("--loss"), "only the options that differ")
        #expect(comparedLines[1].hasSuffix("kd") && comparedLines[2].hasSuffix("mse"))
        let modelRows = comparedLines.drop { !$0.hasPrefix("run  role") }.dropFirst().filter { !$0.isEmpty }
        #expect(modelRows.map { $0.split(separator: " ").prefix(2).joined(separator: " ") }
            == ["1 mentor", "2 mentor", "1 student", "2 student", "1 student", "2 student"])

        let deleted = try MimicProcess.run(["delete", "1", "--yes", "--store", store], in: folder)
        #expect(deleted.status == 0 && deleted.stdout == "deleted run 1\n")
        #expect(!FileManager.default.fileExists(atPath: folder.file("store/runs/1")))
        #expect(try MimicProcess.run(["runs", "--store", store], in: folder).stdout.split(separator: "\n").count == 2)
    }

    @Test func brokenInputGetsOneSentenceAndANonZeroExit() throws {
        let folder = try TemporaryFolder()
        let data = try MimicProcess.makeDataSet(in: folder)
        let garbage = folder.file("garbage.sqlite")
        let bytes = Data("not a database at all, but my notes\n".utf8)
        try bytes.write(to: URL(fileURLWithPath: garbage))
        let store = folder.storePath
        #expect(try MimicProcess.run(["train", "--store", store] + MimicProcess.quickRun(data: data), in: folder).status == 0)
        let newer = folder.file("newer.sqlite")
        _ = try RunStore(path: newer)
        try DatabaseQueue(path: newer).write { db in try db.execute(sql: "INSERT INTO grdb_migrations VALUES ('v9-future')") }
        try Data("x".utf8).write(to: URL(fileURLWithPath: folder.file("plain-file")))

        let cases: [(arguments: [String], message: String)] = [
            (["runs", "--store", garbage], "\(garbage) is not a SQLite database, so it cannot be a run store; pass --store with another file, or move this one away."),
            (["show", "1", "--store", garbage], "\(garbage) is not a SQLite database, so it cannot be a run store; pass --store with another file, or move this one away."),
            (["train", "--store", garbage] + MimicProcess.quickRun(data: data), "\(garbage) is not a SQLite database, so it cannot be a run store; pass --store with another file, or move this one away."),
            (["show", "7", "--store", store], "There is no run 7 in \(store); 'mimic runs' lists the runs there."),
            (["export", "7", "--csv", "-", "--store", store], "There is no run 7 in \(store); 'mimic runs' lists the runs there."),
            (["compare", "1", "7", "--store", store], "There is no run 7 in \(store); 'mimic runs' lists the runs there."),
            (["delete", "7", "--yes", "--store", store], "There is no run 7 in \(store); 'mimic runs' lists the runs there."),
            (["show", "first", "--store", store], "\"first\" is not a run id; pass the number that 'mimic runs' shows, or 'last' for the newest run."),
            (["show", "1", "--store", folder.file("none.sqlite")], "There is no run store at \(folder.file("none.sqlite")) yet; 'mimic train' creates it with the first run, or pass --store with the path of an existing one."),
            (["runs", "--store", newer], "The run store \(newer) was written by a newer mimic (schema v9-future is unknown to this one); run that newer mimic, or pass --store with another file."),
            (["train", "--store", folder.file("plain-file/runs.sqlite")] + MimicProcess.quickRun(data: data),
             "The run store \(folder.file("plain-file/runs.sqlite")) cannot be opened for writing (\(folder.file("plain-file")) is a file, not a folder); pass --store with a path in a folder you can write to."),
            (["delete", "1", "--store", store], "'mimic delete' asks before deleting, but standard input is not a terminal; pass --yes to delete run 1 without asking."),
            (["export", "1", "--store", store, "--csv", folder.file("plain-file/out.csv")],
             "Run 1 cannot be written to \(folder.file("plain-file/out.csv")) (\(folder.file("plain-file")) is a file, not a folder); pass a file in a folder you can write to."),
            (["export", "1", "--store", store, "--csv", folder.file("missing/out.csv")],
             "Run 1 cannot be written to \(folder.file("missing/out.csv")) (folder \(folder.file("missing")) does not exist); pass a file in a folder you can write to."),
        ]
        for (arguments, message) in cases {
            let output = try MimicProcess.run(arguments, in: folder)
            #expect(output.status == 1, "\(arguments)")
            #expect(output.stderr.hasPrefix("mimic: \(message)"), "\(arguments): \(output.stderr)")
            #expect(output.stderr.split(separator: "\n").count == 1, "\(arguments): one sentence, not \(output.stderr)")
            #expect(output.stdout.isEmpty, "\(arguments): \(output.stdout)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: garbage)) == bytes, "the garbage file is left as it was")
        #expect(try RunStore(path: store).run(1).status == .done, "nothing recorded is lost")
        #expect(!FileManager.default.fileExists(atPath: folder.file("none.sqlite")), "reading commands create no store")
        #expect(!FileManager.default.fileExists(atPath: folder.file("xdg")), "no test touches a default store")
    }

    /// `mimic runs` lists what it can read, names a run it cannot (one sentence on
    /// standard error) and exits 1 so that a script notices the listing is not whole;
    /// `show` of that run says the same; `delete` removes it.
    @Test func runsListsTheReadableRunsAndNamesAnUnreadableOne() throws {
        let folder = try TemporaryFolder()
        let data = try MimicProcess.makeDataSet(in: folder)
        let store = folder.storePath
        #expect(try MimicProcess.run(["train", "--store", store] + MimicProcess.quickRun(data: data), in: folder).status == 0)
        let writer = try RunStore(path: store)
        try writer.endRun(try writer.createRun(config: quickConfig(), programVersion: "1").id, status: .stopped, message: nil)
        try DatabaseQueue(path: store).write { db in try db.execute(sql: "UPDATE runs SET config = '{' WHERE id = 2") }
        let sentence = "Run 2's stored configuration cannot be read (it is not valid JSON); another version of mimic wrote it, "
            + "or it was edited: 'mimic delete 2' removes the run."

        let listing = try MimicProcess.run(["runs", "--store", store], in: folder)
        #expect(listing.status == 1)
        let lines = listing.stdout.split(separator: "\n")
        #expect(lines.count == 2 && lines[1].trimmingCharacters(in: .whitespaces).hasPrefix("1 "), "\(listing.stdout)")
        #expect(listing.stderr == "mimic: \(sentence)\n")
        let shown = try MimicProcess.run(["show", "2", "--store", store], in: folder)
        #expect(shown.status == 1 && shown.stderr == "mimic: \(sentence)\n", "\(shown.stderr)")
        #expect(try MimicProcess.run(["delete", "2", "--yes", "--store", store], in: folder).status == 0)
        let cleaned = try MimicProcess.run(["runs", "--store", store], in: folder)
        #expect(cleaned.status == 0 && cleaned.stderr.isEmpty, "\(cleaned.stderr)")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "script(1) from bsdutils gives a terminal"))
    func deleteAsksOnATerminal() throws {
        let folder = try TemporaryFolder()
        let data = try MimicProcess.makeDataSet(in: folder)
        let store = folder.storePath
        #expect(try MimicProcess.run(["train", "--store", store] + MimicProcess.quickRun(data: data), in: folder).status == 0)
        func delete(answering answer: String) throws -> MimicProcess.Output {
            let input = folder.file("answer-\(answer)")
            try Data("\(answer)\n".utf8).write(to: URL(fileURLWithPath: input))
            let command = "\(MimicProcess.binary!) delete 1 --store \(store)"
            return try MimicProcess.start(["-qec", command, "/dev/null"], in: folder, input: input, executable: "/usr/bin/script").wait()
        }
        let kept = try delete(answering: "n")
        #expect(kept.status == 0)
        #expect(kept.stdout.contains("Delete run 1 (done, "), "\(kept.stdout)")
        #expect(kept.stdout.contains("kept run 1"))
        #expect(try RunStore(path: store).run(1).status == .done)
        let deleted = try delete(answering: "y")
        #expect(deleted.status == 0 && deleted.stdout.contains("deleted run 1"), "\(deleted.stdout)")
        #expect(throws: StoreError.self) { try RunStore(path: store).run(1) }
    }

    /// Both processes create the store at once and then write to it at once.
    @Test func twoTrainingProcessesIntoOneStoreKeepAllTheirData() throws {
        let folder = try TemporaryFolder()
        let data = try MimicProcess.makeDataSet(in: folder, train: 2_000)
        let store = folder.storePath
        let options = ["--data", data, "--mentor", "fc32", "--student", "fc16", "--labeled", "0.2", "--epochs", "25",
                       "--student-epochs", "15", "--batch", "16", "--threads", "1"]
        let processes = try ["1", "2"].map { seed in
            try MimicProcess.start(["train", "--jsonl", "--store", store, "--seed", seed] + options, in: folder)
        }
        let outputs = processes.map { $0.wait() }
        let opened = try RunStore(path: store)
        #expect(Set(try opened.runs().map(\.id)) == [1, 2])
        for output in outputs {
            #expect(output.status == 0)
            #expect(output.stderr.isEmpty, "no store failure: \(output.stderr)")
            let events = output.stdout.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
            let id = try #require(events.first?["run"] as? Int64)
            let expected = events.reduce(0) { count, event in
                switch event["event"] as? String {
                case "progress": count + 3
                case "epoch": count + 5 + (event["test_agreement"] == nil ? 0 : 1)
                default: count
                }
            }
            let run = try opened.run(id)
            #expect(run.status == .done)
            #expect(try opened.metrics(ofRun: id).count == expected, "run \(id) kept every point")
            #expect(try opened.models(ofRun: id).allSatisfy { $0.status == .finished })
        }
    }

    @Test func aKilledWriterLeavesAReadableStoreAndAnInterruptedRun() throws {
        let folder = try TemporaryFolder()
        let data = try MimicProcess.makeDataSet(in: folder)
        let store = folder.storePath
        let writer = try MimicProcess.start(["train", "--store", store, "--data", data, "--mentor", "fc32", "--student", "fc16",
                                             "--epochs", "100000", "--batch", "8", "--threads", "1"], in: folder)
        var written = 0
        let deadline = Date().addingTimeInterval(120)
        while written == 0 && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.1)
            if FileManager.default.fileExists(atPath: store), let reader = try? RunStore(path: store, create: false) {
                written = (try? reader.metrics(ofRun: 1).count) ?? 0
            }
        }
        #expect(written > 0, "the writer never wrote")
        let whileRunning = try MimicProcess.run(["show", "1", "--store", store], in: folder)
        #expect(whileRunning.status == 0 && whileRunning.stdout.hasPrefix("run 1: running"), "\(whileRunning.stdout)")
        #expect(whileRunning.stdout.contains("training"), "the mentor's row says it trains")

        kill(writer.pid, SIGKILL)
        #expect(writer.wait().status == 128 + SIGKILL)

        let runs = try MimicProcess.run(["runs", "--store", store], in: folder)
        #expect(runs.status == 0 && runs.stdout.contains(" interrupted "), "\(runs.stdout)")
        let shown = try MimicProcess.run(["show", "1", "--store", store], in: folder)
        #expect(shown.status == 0)
        #expect(shown.stdout.hasPrefix("run 1: interrupted (started "))
        #expect(shown.stdout.contains("ended without finishing it"))
        let reader = try RunStore(path: store)
        #expect(try reader.sqlitePool.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") } == "ok")
        #expect(try reader.metrics(ofRun: 1).count >= written, "what was written before the kill is kept")
        #expect(try reader.models(ofRun: 1).first?.status == .interrupted)
        // The store takes new runs after the kill.
        #expect(try MimicProcess.run(["train", "--store", store] + MimicProcess.quickRun(data: data), in: folder).status == 0)
        #expect(try reader.run(2).status == .done)
    }

    @Test func detachReturnsAtOnceAndTheRunCompletesInTheBackground() throws {
        let folder = try TemporaryFolder()
        let data = try MimicProcess.makeDataSet(in: folder, train: 2_000)
        let store = folder.storePath
        let started = try MimicProcess.run(["train", "--detach", "--store", store, "--data", data, "--mentor", "fc32",
                                            "--student", "fc16", "--epochs", "20", "--student-epochs", "10",
                                            "--batch", "16", "--threads", "1"], in: folder)
        #expect(started.status == 0, "\(started.stderr)")
        let log = folder.file("store/runs/1/train.log")
        #expect(started.stdout.hasPrefix("run 1 is training in the background (process "))
        #expect(started.stdout.contains("'mimic watch 1' follows it live\n"), "watching comes first")
        #expect(started.stdout.contains("its output goes to \(log) ('tail -f' it)"))
        let pidText = started.stdout.split(separator: "(process ").dropFirst().first?.prefix { $0.isNumber } ?? ""
        let pid = try #require(Int32(pidText))
        let session = getsid(pid)
        #expect(session == -1 || session == pid, "the trainer leads a session of its own")

        let reader = try RunStore(path: store)
        var run = try reader.run(1)
        #expect(run.status == .running || run.status == .done)
        let deadline = Date().addingTimeInterval(180)
        while run.status == .running && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.2)
            run = try reader.run(1)
        }
        #expect(run.status == .done, "\((try? String(contentsOfFile: log, encoding: .utf8)) ?? "no log")")
        #expect(run.pid == pid)
        // The trainer records its run as done, then prints its final table: the log has
        // its last line only a moment after the store says done.
        var output = try String(contentsOfFile: log, encoding: .utf8)
        while !output.contains("recorded as run 1") && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.1)
            output = try String(contentsOfFile: log, encoding: .utf8)
        }
        #expect(output.hasPrefix("run 1, recorded in \(store)\n"))
        #expect(output.contains("recorded as run 1"), "the log holds what train prints")
        #expect(try reader.models(ofRun: 1).allSatisfy { $0.status == .finished && $0.checkpoint != nil })
    }
}
