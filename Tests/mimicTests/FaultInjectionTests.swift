import Foundation
import MimicEngine
import MimicTestSupport
import Testing
@testable import MimicStore

/// Faults injected into real sweeps, each checked the same way: every training ends
/// once, and done, and every metric point is in the store, row by row as a sweep of
/// the same grid that nothing interrupted recorded it (same seeds, one thread each, so
/// the same numbers). The processes are held (SIGSTOP) while a fault is set up, so a
/// fault always lands mid-training, however fast or loaded the machine.
@Suite(.enabled(if: MimicProcess.binary != nil, "the mimic binary is not built next to the tests (swift build --product mimic)"))
struct FaultInjectionTests {
    /// Two trainings of about a second each.
    static func grid(data: String, epochs: Int = 600) -> [String] {
        ["--data", data, "--labeled", "0.2,0.3", "--mentor", "fc64", "--student", "fc32", "--epochs", String(epochs),
         "--student-epochs", String(epochs), "--batch", "32", "--threads", "1"]
    }

    static let bothDone = ["training 0: done", "training 1: done"]

    /// The points of the grid's sweep, trained whole by one worker in a store of its own.
    static func uninterrupted(_ grid: [String], in folder: TemporaryFolder) throws -> [String] {
        let path = folder.file("uninterrupted/runs.sqlite")
        let swept = try MimicProcess.run(["sweep", "--store", path] + grid, in: folder)
        try #require(swept.status == 0, "\(swept.stderr)")
        let points = try RunStore(path: path, create: false).points(ofSweep: 1)
        try #require(points.count > 1_000, "\(points.count) points")
        return points
    }

    /// Kills `process` and what it started once the test ends, whatever it meets, unless
    /// it was waited for (its pid may belong to another process by then).
    static func watchdog(_ process: MimicProcess.Running) -> DispatchWorkItem {
        let item = DispatchWorkItem { process.signalUnlessWaited(SIGKILL, descendants: true) }
        DispatchQueue.global().asyncAfter(deadline: .now() + 240, execute: item)
        return item
    }

    enum Trainer: String, CaseIterable, CustomTestStringConvertible {
        case sweepOfOneWorker, sweepOfTwoWorkers, agent
        var testDescription: String { rawValue }
    }

    /// The PostgreSQL server stops while trainings go on (`pg_ctl stop -m fast`), and
    /// starts again once they ended: the points computed meanwhile are written when it
    /// is back, by the process that computed them.
    @Test(.enabled(if: OwnPostgresServer.binaries != nil || TestPostgres.underCI,
                   "a PostgreSQL server of the test's own needs root and the server's programs (apt-get install postgresql)"),
          arguments: Trainer.allCases)
    func aServerRestartLosesNoPoint(_ trainer: Trainer) throws {
        let folder = try TemporaryFolder()
        let data = try MimicProcess.makeDataSet(in: folder)
        let grid = Self.grid(data: data)
        let expected = try Self.uninterrupted(grid, in: folder)
        let server = try OwnPostgresServer(in: folder)
        let runFolders = folder.file("artifacts")
        let process: MimicProcess.Running
        let trainingAtOnce: Int
        switch trainer {
        case .sweepOfOneWorker, .sweepOfTwoWorkers:
            trainingAtOnce = trainer == .sweepOfOneWorker ? 1 : 2
            process = try MimicProcess.start(["sweep", "--store", server.url, "--workers", String(trainingAtOnce)] + grid,
                                             in: folder, changing: ["XDG_DATA_HOME": runFolders])
        case .agent:
            let recorded = try MimicProcess.run(["sweep", "--record-only", "--store", server.url] + grid, in: folder)
            try #require(recorded.status == 0, "\(recorded.stderr)")
            process = try MimicProcess.start(["agent", "1", "--store", server.url, "--artifacts", runFolders, "--grace", "30"],
                                             in: folder)
            trainingAtOnce = 1
        }
        let watchdog = Self.watchdog(process)
        defer { watchdog.perform() }

        try #require(eventually(120) { files(named: "mentor.epoch.safetensors", under: runFolders).count == trainingAtOnce },
                     "the trainings never started")
        ProcessTree.signal(process.pid, SIGSTOP)
        try #require(files(named: "student-1.result.json", under: runFolders).isEmpty, "a training ended before the server stopped")
        try server.stop()
        ProcessTree.signal(process.pid, SIGCONT)
        try #require(eventually(120) { files(named: "student-1.result.json", under: runFolders).count == trainingAtOnce },
                     "the trainings did not end while the server was away")
        try server.start()
        let output = process.wait()

        #expect(output.status == 0, "\(output.stdout)\(output.stderr)")
        let store = try RunStore(.postgres(PostgresAddress(parsing: server.url)), create: false, folder: folder.file("reader"))
        #expect(try store.endings(ofSweep: 1) == Self.bothDone)
        // Each worker kept its own claim through the outage: once it dropped the points it
        // could not write, then claimed its own training again (claim 2), and the run
        // ended done with the mentor's series cut at the outage and no student points.
        let generations = try store.backend.read { db in
            try db.rows("SELECT claim_generation FROM runs WHERE sweep_id = 1").map { $0["claim_generation"] as Int64 }
        }
        #expect(generations == [1, 1], "every training under its first claim")
        let points = try store.points(ofSweep: 1)
        #expect(points == expected, "\(points.count) points against \(expected.count)")
    }

    /// The disk of a SQLite store fills while both workers train: the sweep stops and
    /// says what is missing; with space again, a resume records the rest.
    @Test(.enabled(if: canMountTmpfs, "filling a disk needs a small tmpfs, which only root may mount (CI runs as root)"))
    func aDiskFillingDuringASweepLosesNoPointOnceResumed() throws {
        let folder = try TemporaryFolder()
        let data = try MimicProcess.makeDataSet(in: folder)
        let grid = Self.grid(data: data)
        let expected = try Self.uninterrupted(grid, in: folder)
        let disk = folder.file("disk")
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
        // Room for SQLite's write-ahead log (4 MB before it is folded into the store).
        try #require(mount("tmpfs", disk, "tmpfs", 0, "size=16m") == 0, "mount: \(String(cString: strerror(errno)))")
        defer { umount2(disk, Int32(MNT_DETACH)) }
        let store = disk + "/store/runs.sqlite"
        let sweep = try MimicProcess.start(["sweep", "--store", store, "--workers", "2"] + grid, in: folder)
        let watchdog = Self.watchdog(sweep)
        defer { watchdog.perform() }

        try #require(eventually(120) { files(named: "mentor.epoch.safetensors", under: disk).count == 2 }, "the trainings never started")
        ProcessTree.signal(sweep.pid, SIGSTOP)
        try #require(files(named: "student-1.result.json", under: disk).isEmpty, "a training ended before the disk filled")
        let filler = try fillDisk(of: disk)
        ProcessTree.signal(sweep.pid, SIGCONT)
        let stopped = sweep.wait()
        #expect(stopped.status == 1, "\(stopped.stdout)\(stopped.stderr)")
        #expect(stopped.stderr.contains("'mimic sweep resume 1'"), "\(stopped.stderr)")

        try FileManager.default.removeItem(atPath: filler)
        let resumed = try MimicProcess.run(["sweep", "resume", "1", "--store", store], in: folder)
        #expect(resumed.status == 0, "\(resumed.stdout)\(resumed.stderr)")
        let reader = try RunStore(path: store, create: false)
        #expect(try reader.endings(ofSweep: 1) == Self.bothDone)
        let points = try reader.points(ofSweep: 1)
        #expect(points == expected, "\(points.count) points against \(expected.count)")
    }

    /// One of two agents, on a machine of its own (a mount and a UTS namespace), cannot
    /// see the sweep's data folder (a tmpfs over its parent): it fails the training it
    /// claims once, and leaves it to the other agent, which is held busy meanwhile,
    /// rather than spend the training's three attempts on itself.
    ///
    /// On a PostgreSQL server of the test's own: the agent held still may be in the
    /// middle of a transaction, which on SQLite holds the one write lock, and the other
    /// agent could not even register.
    @Test(.enabled(if: canMountTmpfs, "hiding a folder from one agent takes a mount namespace, which only root may make (CI runs as root)"),
          .enabled(if: OwnPostgresServer.binaries != nil || TestPostgres.underCI,
                   "a PostgreSQL server of the test's own needs root and the server's programs (apt-get install postgresql)"))
    func aDataFolderMissingOnOneAgentIsTrainedByTheOther() throws {
        let folder = try TemporaryFolder()
        let hidden = folder.file("datasets")
        let data = hidden + "/small"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        try IDXWriter.write(SyntheticData.make(train: 600, test: 200), to: data, compressed: false)
        let grid = Self.grid(data: data, epochs: 300)
        let expected = try Self.uninterrupted(grid, in: folder)
        let server = try OwnPostgresServer(in: folder)
        let store = server.url
        let recorded = try MimicProcess.run(["sweep", "--record-only", "--store", store] + grid, in: folder)
        try #require(recorded.status == 0, "\(recorded.stderr)")
        let artifacts = folder.file("artifacts")
        let agent = ["agent", "1", "--store", store, "--artifacts", artifacts, "--grace", "60"]

        let seeing = try MimicProcess.start(agent, in: folder)
        let seeingWatchdog = Self.watchdog(seeing)
        defer { seeingWatchdog.perform() }
        let reader = try RunStore(.postgres(PostgresAddress(parsing: store)), create: false, folder: folder.file("reader"))
        try #require(eventually(60) { ((try? reader.runs()) ?? []).contains { $0.status == .running } }, "the first agent never trained")
        ProcessTree.signal(seeing.pid, SIGSTOP)

        // Another machine: a host name of its own (a UTS namespace) and no data folder.
        let blind = try MimicProcess.start(["--mount", "--uts", "--propagation", "private", "--", "/bin/sh", "-c",
                                            "hostname blind-machine && mount -t tmpfs none \"$1\" && shift && exec \"$@\"",
                                            "sh", hidden, MimicProcess.binary!] + agent,
                                           in: folder, executable: "/usr/bin/unshare")
        let blindWatchdog = Self.watchdog(blind)
        defer { blindWatchdog.perform() }
        try #require(eventually(60) { ((try? reader.queueStates(ofSweep: 1)) ?? [:]).values.contains { $0.attempts == 1 } },
                     "the blind agent never tried")
        // Well past the two retries (after 2 s, then 4 s) that spent the attempts before.
        Thread.sleep(forTimeInterval: 8)
        #expect(try reader.queueStates(ofSweep: 1).values.map(\.attempts).sorted() == [0, 1], "one attempt, by the blind agent")
        ProcessTree.signal(seeing.pid, SIGCONT)

        let seen = seeing.wait(), unseen = blind.wait()
        #expect(seen.status == 0, "\(seen.stdout)\(seen.stderr)")
        #expect(seen.stdout.contains("2 trainings finished"), "\(seen.stdout)")
        #expect(unseen.status == 1, "the blind agent could not do its part: \(unseen.stdout)\(unseen.stderr)")
        #expect(unseen.stderr.contains("did not start: Data folder \(data) does not exist"), "\(unseen.stderr)")
        #expect(try reader.endings(ofSweep: 1) == Self.bothDone)
        let points = try reader.points(ofSweep: 1)
        #expect(points == expected, "\(points.count) points against \(expected.count)")
    }
}
