import Foundation

/// This process as a run store sees it, and whether the process that trains a run
/// is still alive.
enum ProcessIdentity {
    static var pid: Int32 { getpid() }

    static let host: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()

    /// True while the process that wrote a run's heartbeat may still be training it:
    /// a process with its id exists on this machine, and did not start after that
    /// heartbeat. The second half matters after a restart (of a container above all),
    /// when process ids are handed out again from the bottom and a dead trainer's id
    /// soon belongs to some other program.
    static func mayBeTraining(pid: Int32, heartbeat: Date?) -> Bool {
        guard isAlive(pid) else { return false }
        guard let heartbeat, let started = startTime(of: pid) else { return true }
        // Start times from /proc are exact to a second at best (btime is whole seconds).
        return started.timeIntervalSince(heartbeat) < 2
    }

    /// True when a process with this id exists on this machine. Signal 0 only asks;
    /// EPERM means it exists but belongs to someone else.
    static func isAlive(_ pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        if kill(pid, 0) == 0 { return true }
        return errno == EPERM
    }

    /// When process `pid` started, from /proc; nil where there is no /proc.
    static func startTime(of pid: Int32) -> Date? {
        guard let bootTime, let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let nameEnd = stat.lastIndex(of: ")") else { return nil }
        // The command name, in parentheses, may hold spaces; the fields after it start
        // at field 3 (state), so field 22 (start time in clock ticks after boot) is 19th.
        let fields = stat[stat.index(after: nameEnd)...].split(separator: " ")
        guard fields.count > 19, let ticks = Double(fields[19]) else { return nil }
        return Date(timeIntervalSince1970: bootTime + ticks / Double(sysconf(Int32(_SC_CLK_TCK))))
    }

    /// When the machine booted, in seconds since 1970 (the `btime` line of /proc/stat).
    static let bootTime: Double? = {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let line = stat.split(separator: "\n").first(where: { $0.hasPrefix("btime ") }) else { return nil }
        return Double(line.dropFirst("btime ".count))
    }()
}
