import Foundation

/// This process as a run store records it: which process trains a run, and where.
public enum ProcessIdentity {
    public static var pid: Int32 { getpid() }

    public static let host: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()
}
