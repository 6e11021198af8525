import Foundation
import GRDB
import MimicEngine
import Testing
@testable import MimicStore
import MimicTestSupport

/// A run whose store's disk fills up while it trains, on a 16 MB tmpfs mounted for the
/// test: the probe saw the recorder spend 87.8 s of a 91 s run retrying, "recorded as
/// run 1" printed anyway, and `runs` and `show` fail on the intact store.
@Suite(.enabled(if: MimicProcess.binary != nil, "the mimic binary is not built next to the tests (swift build --product mimic)"),
       .enabled(if: canMountTmpfs, "filling a disk needs a small tmpfs, which only root may mount (CI runs as root)"))
struct FullDiskTests {
    @Test func aRunOnAFullDiskSaysWhatIsMissingKeepsWhatIsRecordedAndStaysReadable() throws {
        let folder = try TemporaryFolder()
        let data = try MimicProcess.makeDataSet(in: folder, train: 2_000)
        let disk = folder.file("disk")
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
        // Room for SQLite's write-ahead log, which grows to 4 MB before it is folded into
        // the store: once the filler is gone, the store needs that room to be written again.
        try #require(mount("tmpfs", disk, "tmpfs", 0, "size=16m") == 0, "mount: \(String(cString: strerror(errno)))")
        defer { umount2(disk, Int32(MNT_DETACH)) }
        let store = disk + "/store/runs.sqlite"
        // Far more epochs than the test waits for: the run must still be training when the
        // disk fills, however slow the machine. Ctrl-C ends it once it has said so.
        let trainer = try MimicProcess.start(["train", "--store", store, "--data", data, "--mentor", "fc32", "--student", "fc16",
                                              "--labeled", "0.9", "--epochs", "1000000", "--batch", "16", "--threads", "1"],
                                             in: folder)
        defer { trainer.signalUnlessWaited(SIGKILL) }
        var written = 0
        try #require(eventually(120) {
            if FileManager.default.fileExists(atPath: store), let reader = try? RunStore.openForReading(path: store) {
                written = (try? reader.metrics(ofRun: 1).count) ?? 0
            }
            return written > 0
        }, "the trainer never wrote")

        // The disk fills while the trainer is held, so that it finds it full as it goes on.
        kill(trainer.pid, SIGSTOP)
        let filler = try fillDisk(of: disk)
        kill(trainer.pid, SIGCONT)
        let complained = eventually(120) {
            ((try? String(contentsOfFile: trainer.stderrPath, encoding: .utf8)) ?? "").contains("could not record run 1")
        }
        kill(trainer.pid, SIGINT)
        let output = trainer.wait()
        try #require(complained, "the trainer never said the store is full: \(output.stderr)")

        #expect(output.status == 130, "Ctrl-C ends the command as interrupted: \(output.stderr)")
        #expect(!output.stdout.contains("recorded as run 1"), "\(output.stdout)")
        let complaints = output.stderr.split(separator: "\n")
        #expect(complaints.count { $0.hasPrefix("mimic: The run store \(store) could not record run 1 (") } == 1, "\(output.stderr)")
        #expect(complaints.last?.hasPrefix("mimic: Run 1 is recorded in \(store) only in part (") == true, "\(output.stderr)")

        // The disk is still full: the commands that only read still read.
        let runs = try MimicProcess.run(["runs", "--store", store], in: folder)
        #expect(runs.status == 0 && runs.stdout.split(separator: "\n").count == 2, "\(runs.stderr)")
        let shown = try MimicProcess.run(["show", "1", "--store", store], in: folder)
        #expect(shown.status == 0 && shown.stdout.hasPrefix("run 1: "), "\(shown.stderr)")

        try FileManager.default.removeItem(atPath: filler)
        let reader = try RunStore(path: store)
        #expect(try reader.sqlitePool.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") } == "ok")
        #expect(try reader.metrics(ofRun: 1).count >= written, "what was recorded before the disk filled is kept")
    }

    /// A store on read-only media (a backup, a read-only mount) could not be listed: SQLite
    /// needs to make its journal's index file beside the store to read it.
    @Test func aStoreOnReadOnlyMediaIsListedAndShown() throws {
        let folder = try TemporaryFolder()
        let data = try MimicProcess.makeDataSet(in: folder)
        let disk = folder.file("disk")
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
        try #require(mount("tmpfs", disk, "tmpfs", 0, "size=2m") == 0, "mount: \(String(cString: strerror(errno)))")
        defer { umount2(disk, Int32(MNT_DETACH)) }
        let store = disk + "/runs.sqlite"
        let trained = try MimicProcess.run(["train", "--store", store] + MimicProcess.quickRun(data: data), in: folder)
        try #require(trained.status == 0, "\(trained.stderr)")
        try #require(mount("tmpfs", disk, "tmpfs", UInt(MS_REMOUNT | MS_RDONLY), "size=2m") == 0, "remount: \(String(cString: strerror(errno)))")

        let runs = try MimicProcess.run(["runs", "--store", store], in: folder)
        #expect(runs.status == 0 && runs.stdout.contains(" done "), "\(runs.stderr)")
        let shown = try MimicProcess.run(["show", "last", "--store", store], in: folder)
        #expect(shown.status == 0 && shown.stdout.hasPrefix("run 1: done"), "\(shown.stderr)")
        let exported = try MimicProcess.run(["export", "1", "--store", store, "--json"], in: folder)
        #expect(exported.status == 0, "\(exported.stderr)")
    }
}
