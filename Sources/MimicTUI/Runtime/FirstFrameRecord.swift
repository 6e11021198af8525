import Foundation

/// With `MIMIC_FIRST_FRAME_FILE` set, the dashboard writes to that file the moment its
/// first frame reached the terminal, as nanoseconds of CLOCK_MONOTONIC (one clock for
/// every process of the machine), so `mimic bench` can time a launch from the outside
/// up to the first frame. Unset, it does nothing.
public enum FirstFrameRecord {
    public static let variable = "MIMIC_FIRST_FRAME_FILE"

    public static func monotonicNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    static func write(environment: [String: String]) {
        guard let path = environment[variable], !path.isEmpty else { return }
        // Written whole under another name and renamed, so a reader never sees half.
        try? "\(monotonicNanoseconds())\n".write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// The time a dashboard wrote to `path`, once it is there.
    public static func read(from path: String) -> UInt64? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
