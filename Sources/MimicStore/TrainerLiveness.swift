import Foundation
import MimicEngine

/// Whether the process that trains a run is still alive, decided so that a live
/// trainer is never called dead, and a dead one is found at once on this machine and
/// within `staleAfter` from any other.
///
/// A trainer holds its run folder's lock (`RunFolder`) from the moment the run is
/// recorded until its process ends, however it ends: the kernel drops the lock of a
/// killed process, a zombie and a container's process 1 alike. Asking the lock needs no
/// process id, so it holds across PID namespaces, and a process id handed out again
/// after a restart cannot keep a dead run alive. Where the lock cannot tell (a run
/// folder missing or on another machine's disk), the heartbeat does: the trainer
/// writes one every few seconds, paused or not.
public enum TrainerLiveness {
    /// How often a trainer writes its heartbeat.
    public static let heartbeatInterval: Duration = .seconds(5)
    /// A heartbeat older than this is a dead trainer's: many missed beats, so a slow
    /// disk or a busy machine is not taken for a death.
    public static let staleAfter: TimeInterval = 60

    static func isTraining(folder: String?, host: String?, heartbeat: Date?, now: Date = Date()) -> Bool {
        if let folder, let locked = HeldRunFolder.isLocked(path: folder) {
            if locked { return true }
            // Free on this machine's own disk: its trainer is gone. A trainer on another
            // machine may lock on a disk this one does not share; its heartbeat tells.
            if host == ProcessIdentity.host { return false }
        }
        guard let heartbeat else { return false }
        return now.timeIntervalSince(heartbeat) < staleAfter
    }
}

extension RunRecord {
    /// The run as a reader that writes nothing (`mimic watch`, the dashboard's runs
    /// pane) should show it: recorded as running but with its trainer gone, it reads
    /// interrupted, as `RunStore.markInterruptedRuns` would record it. Only a command
    /// that may write records the end; a watcher leaves the store as it found it.
    public func withTrainerChecked(now: Date = Date()) -> RunRecord {
        guard status == .running,
              !TrainerLiveness.isTraining(folder: folder, host: host, heartbeat: heartbeatAt, now: now) else { return self }
        var run = self
        run.status = .interrupted
        run.endedAt = heartbeatAt ?? startedAt
        return run
    }
}
