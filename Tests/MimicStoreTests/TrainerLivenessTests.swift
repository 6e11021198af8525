import Foundation
import MimicChildProcess
import MimicEngine
import Testing
@testable import MimicStore
import MimicTestSupport

/// A live trainer is never called dead, and a dead one is found, in the cases where a
/// process id misleads: another PID namespace, a container's process 1, a zombie, a
/// renamed host. A trainer is stood in for by a real process that holds the run
/// folder's lock (`flock(1)`), as a trainer holds it, so these cases depend on nothing
/// of the host: not its uptime, its process 1, nor the process ids it hands out.
@Suite struct TrainerLivenessTests {
    /// A process holding run `folder`'s lock until it is killed: a shell that opens
    /// the lock, takes it, and becomes `sleep` with the descriptor still open (one
    /// process, so killing it is all it takes to free the lock).
    final class LockHolder {
        let child: ChildProcess

        init(folder: String) throws {
            let lock = (folder as NSString).appendingPathComponent(HeldRunFolder.lockName)
            child = try ChildProcess.start("/bin/bash", ["-c", "exec 9>>\"$0\" && flock 9 && exec sleep 600", lock])
            let deadline = Date().addingTimeInterval(30)
            while HeldRunFolder.isLocked(path: folder) != true && Date() < deadline { usleep(2_000) }
            try #require(HeldRunFolder.isLocked(path: folder) == true, "the stand-in trainer never took the lock")
        }

        /// Kills it; with `reaping` false it stays a zombie until `reap`.
        func kill(reaping: Bool = true) {
            Glibc.kill(child.pid, SIGKILL)
            if reaping { reap() }
        }

        func reap() { _ = child.wait() }
    }

    static func status(_ id: Int64, _ store: RunStore) throws -> RunStatus {
        try store.markInterruptedRuns()
        return try store.run(id).status
    }

    /// Why run `id` cannot be resumed: these runs trained nothing, so their folders
    /// hold no run; anything else (still training) is wrong.
    static func resumeRefusal(_ id: Int64, _ store: RunStore) -> String {
        do {
            _ = try store.resumableRun(id)
            return "no refusal"
        } catch {
            return "\(error)"
        }
    }

    static func setRow(_ store: RunStore, _ id: Int64, pid: Int32?, host: String? = nil, heartbeat: Date = Date()) throws {
        try store.backend.write { db in
            try db.execute("UPDATE runs SET pid = \(pid), host = COALESCE(\(host), host), heartbeat_at = \(heartbeat) WHERE id = \(id)")
        }
    }

    @Test(arguments: StoreKind.tested) func aTrainerHoldingItsLockIsAliveWhateverItsProcessID(_ kind: StoreKind) throws {
        let folder = try TestStore(kind)
        let store = try folder.open()
        let run = try store.createRun(config: quickConfig(), programVersion: "1")
        let holder = try LockHolder(folder: run.folder!)
        defer { holder.kill() }
        // Trained from another PID namespace under the same host name: the id it
        // recorded means nothing here (no such process), and an old heartbeat too.
        try Self.setRow(store, run.id, pid: try deadProcessID(), heartbeat: Date().addingTimeInterval(-3600))
        #expect(try Self.status(run.id, store) == .running)
        #expect(try folder.open().run(run.id).status == .running, "opening the store keeps it too")
        #expect(throws: StoreError.self) { try store.deleteRun(run.id) }
        #expect(try store.run(run.id).status == .running && FileManager.default.fileExists(atPath: run.folder!))
        #expect(throws: StoreError.self) { try store.resumableRun(run.id) }
    }

    @Test(arguments: StoreKind.tested) func aTrainerKilledAsProcess1OfAContainerIsInterrupted(_ kind: StoreKind) throws {
        let folder = try TestStore(kind)
        let store = try folder.open()
        let run = try store.createRun(config: quickConfig(), programVersion: "1")
        let holder = try LockHolder(folder: run.folder!)
        // It recorded itself as process 1 of its namespace; on the host, process 1 is
        // init, alive as long as the machine is.
        try Self.setRow(store, run.id, pid: 1)
        #expect(try Self.status(run.id, store) == .running)
        holder.kill()
        #expect(try Self.status(run.id, store) == .interrupted, "found at once, with a fresh heartbeat")
        #expect(Self.resumeRefusal(run.id, store).contains("holds no run"), "refused only for its empty folder")
    }

    @Test(arguments: StoreKind.tested) func aZombieTrainerIsInterrupted(_ kind: StoreKind) throws {
        let folder = try TestStore(kind)
        let store = try folder.open()
        let run = try store.createRun(config: quickConfig(), programVersion: "1")
        let holder = try LockHolder(folder: run.folder!)
        try Self.setRow(store, run.id, pid: holder.child.pid)
        holder.kill(reaping: false)
        defer { holder.reap() }
        let deadline = Date().addingTimeInterval(30)
        while HeldRunFolder.isLocked(path: run.folder!) != false && Date() < deadline { usleep(2_000) }
        // Its process id still answers, as a zombie's does: a rule asking it would call it alive.
        #expect(kill(holder.child.pid, 0) == 0)
        #expect(try Self.status(run.id, store) == .interrupted)
        try store.deleteRun(run.id)
    }

    @Test(arguments: StoreKind.tested) func aDeadRunOfAnOldHostNameIsInterruptedOnceItsHeartbeatIsStale(_ kind: StoreKind) throws {
        let folder = try TestStore(kind)
        let store = try folder.open()
        let fresh = try store.createRun(config: quickConfig(), programVersion: "1")
        let stale = try store.createRun(config: quickConfig(), programVersion: "1")
        // Recorded before the machine was renamed, or by another machine on a shared disk.
        try Self.setRow(store, fresh.id, pid: 4242, host: "old-name", heartbeat: Date().addingTimeInterval(-5))
        try Self.setRow(store, stale.id, pid: 4242, host: "old-name",
                        heartbeat: Date().addingTimeInterval(-TrainerLiveness.staleAfter - 1))
        #expect(try Self.status(fresh.id, store) == .running, "a trainer elsewhere that beats recently may be alive")
        #expect(try Self.status(stale.id, store) == .interrupted)
        #expect(Self.resumeRefusal(stale.id, store).contains("holds no run"), "refused only for its empty folder")
        #expect(TrainerLiveness.isTraining(folder: fresh.folder, host: "old-name", heartbeat: Date().addingTimeInterval(-5),
                                           now: Date().addingTimeInterval(TrainerLiveness.staleAfter)) == false,
                "and is called dead within the grace period")
    }

    @Test(arguments: StoreKind.tested) func aRunWithoutFolderOrProcessIsJudgedByItsHeartbeat(_ kind: StoreKind) throws {
        let folder = try TestStore(kind)
        let store = try folder.open()
        let run = try store.createRun(config: quickConfig(), programVersion: "1")
        try FileManager.default.removeItem(atPath: run.folder!)
        #expect(try Self.status(run.id, store) == .running, "recorded a moment ago: its trainer may be starting")
        try Self.setRow(store, run.id, pid: nil, heartbeat: Date().addingTimeInterval(-TrainerLiveness.staleAfter - 1))
        #expect(try Self.status(run.id, store) == .interrupted)
    }

    /// The lock is taken before the record can be seen, so a run is never without a
    /// holder (a check in between would have called a starting run dead).
    @Test(arguments: StoreKind.tested) func aStartedRunHoldsItsFolderFromTheMomentItIsRecorded(_ kind: StoreKind) throws {
        let folder = try TestStore(kind)
        let store = try folder.open()
        let (run, runFolder) = try store.startRun(config: quickConfig(), programVersion: "1")
        #expect(HeldRunFolder.isLocked(path: run.folder!) == true)
        #expect(try Self.status(run.id, store) == .running)
        runFolder.release()
        #expect(try Self.status(run.id, store) == .interrupted)
    }

    /// A resume holds the folder while it gets ready, before it claims the run: the
    /// run is not `running` yet, and still must not be deleted under it.
    @Test(arguments: StoreKind.tested) func aRunWhoseFolderIsHeldCannotBeDeleted(_ kind: StoreKind) throws {
        let folder = try TestStore(kind)
        let store = try folder.open()
        let run = try store.createRun(config: quickConfig(), programVersion: "1")
        try store.endRun(run.id, status: .stopped, message: nil)
        let holder = try LockHolder(folder: run.folder!)
        #expect(throws: StoreError.self) { try store.deleteRun(run.id) }
        #expect(FileManager.default.fileExists(atPath: run.folder!))
        holder.kill()
        try store.deleteRun(run.id)
        #expect(!FileManager.default.fileExists(atPath: run.folder!))
    }

    @Test(arguments: StoreKind.tested) func aPausedTrainerStillBeats(_ kind: StoreKind) throws {
        let folder = try TestStore(kind)
        let store = try folder.open()
        let run = try store.createRun(config: quickConfig(), programVersion: "1")
        let old = Date().addingTimeInterval(-3600)
        try Self.setRow(store, run.id, pid: getpid(), heartbeat: old)
        let control = TrainingControl()
        control.pause()
        let poller = RunControlPoller(store: store, runID: run.id, control: control, interval: .milliseconds(20),
                                      heartbeatInterval: .milliseconds(50)) { Issue.recordFailure($0) }
        defer { poller.cancel() }
        let deadline = Date().addingTimeInterval(30)
        while (try store.run(run.id).heartbeatAt ?? old) <= old && Date() < deadline { usleep(10_000) }
        #expect(try store.run(run.id).heartbeatAt.map { $0 > old } == true)
        #expect(control.isPaused)
    }
}
