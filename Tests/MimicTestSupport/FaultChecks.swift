import Foundation
import Glibc
@testable import MimicStore

/// What a fault must leave as an uninterrupted sweep leaves it, read from a store.
extension RunStore {
    /// Every metric point of sweep `sweep`, as text: the training, the model, where in
    /// its training the point was taken and its value, but not when it was taken nor
    /// the speed then. Two
    /// sweeps of one grid (same seeds and thread counts) give equal lists however they
    /// were interrupted, resumed or shared among workers; sorted, so duplicates show.
    public func points(ofSweep sweep: Int64) throws -> [String] {
        try read("reading sweep \(sweep)'s points") { db in
            try db.rows("""
                SELECT r.sweep_training, m.role, m.position, m.spec, x.name, x.step, x.epoch, x.samples_seen, x.value
                FROM metrics x JOIN models m ON m.id = x.model_id JOIN runs r ON r.id = m.run_id
                WHERE r.sweep_id = \(sweep)
                """).map { row in
                let training: Int64 = row["sweep_training"], position: Int64 = row["position"]
                let step: Int64 = row["step"], epoch: Int64 = row["epoch"], samples: Int64 = row["samples_seen"]
                let name: String = row["name"]
                // A speed is the one series that depends on the machine's load, not the training.
                let value = name == MetricName.samplesPerSecond.rawValue ? "(a speed)" : "\(row["value"] as Double)"
                return "training \(training) \(row["role"] as String) \(position) \(row["spec"] as String) "
                    + "\(name) step \(step) epoch \(epoch) samples \(samples) = \(value)"
            }.sorted()
        }
    }

    /// Each training of sweep `sweep` and the statuses of its runs, in training order:
    /// "training 0: done" when it ended once, and done.
    public func endings(ofSweep sweep: Int64) throws -> [String] {
        try read("reading sweep \(sweep)'s runs") { db in
            let rows = try db.rows("SELECT sweep_training, status FROM runs WHERE sweep_id = \(sweep) ORDER BY sweep_training, id")
            let trainings = Dictionary(grouping: rows) { $0["sweep_training"] as Int64 }
            return trainings.keys.sorted().map { training in
                "training \(training): " + trainings[training]!.map { $0["status"] as String }.joined(separator: ", ")
            }
        }
    }
}

/// A process and every process it started, read from /proc: a sweep and its workers,
/// which run in sessions of their own.
public enum ProcessTree {
    public static func withDescendants(_ root: pid_t) -> [pid_t] {
        var parents: [pid_t: pid_t] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            // "pid (name) state ppid ...": the name may hold spaces and parentheses.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let parent = pid_t(fields[1]) { parents[pid] = parent }
        }
        var tree = [root]
        var index = 0
        while index < tree.count {
            tree += parents.filter { $0.value == tree[index] }.map(\.key).sorted()
            index += 1
        }
        return tree
    }

    /// Sends `signal` to `root` and every process it started.
    public static func signal(_ root: pid_t, _ signal: Int32) {
        for pid in withDescendants(root) { kill(pid, signal) }
    }
}

/// Every file named `name` under `folder`.
public func files(named name: String, under folder: String) -> [String] {
    guard let walker = FileManager.default.enumerator(atPath: folder) else { return [] }
    var found: [String] = []
    while let path = walker.nextObject() as? String {
        if (path as NSString).lastPathComponent == name { found.append((folder as NSString).appendingPathComponent(path)) }
    }
    return found
}

/// Whether this process may mount a tmpfs (root, and not in a container that forbids
/// it), found by mounting a tiny one.
public let canMountTmpfs: Bool = {
    guard getuid() == 0 else { return false }
    let probe = (NSTemporaryDirectory() as NSString).appendingPathComponent("mimic-mount-probe-\(UUID().uuidString)")
    guard (try? FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: true)) != nil else { return false }
    defer { try? FileManager.default.removeItem(atPath: probe) }
    guard mount("tmpfs", probe, "tmpfs", 0, "size=64k") == 0 else { return false }
    umount2(probe, Int32(MNT_DETACH))
    return true
}()

/// Fills the file system of `folder` with a file named `name` there, until a write
/// fails for want of space; the file's path.
public func fillDisk(of folder: String, name: String = "filler") throws -> String {
    let filler = (folder as NSString).appendingPathComponent(name)
    FileManager.default.createFile(atPath: filler, contents: nil)
    guard let handle = FileHandle(forWritingAtPath: filler) else { throw CocoaError(.fileWriteUnknown) }
    let chunk = Data(count: 16 << 10)
    while (try? handle.write(contentsOf: chunk)) != nil {}
    try handle.close()
    return filler
}
