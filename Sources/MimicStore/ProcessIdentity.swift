import Foundation

/// This process as a run store sees it, and whether another one is still alive.
enum ProcessIdentity {
    static var pid: Int32 { getpid() }

    static let host: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()

    /// True when a process with this id exists on this machine. Signal 0 only asks;
    /// EPERM means it exists but belongs to someone else.
    static func isAlive(_ pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        if kill(pid, 0) == 0 { return true }
        return errno == EPERM
    }
}
