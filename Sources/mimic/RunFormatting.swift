import Foundation
import MimicEngine
import MimicStore

/// How runs read in the listing, the details and the comparison.
enum RunFormatting {
    /// Local time to the minute: enough to tell runs apart, short enough for a table.
    static func time(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: date)
    }

    /// "42s", "3m 07s", "2h 05m".
    static func duration(_ seconds: Double) -> String {
        let whole = max(0, Int(seconds.rounded()))
        if whole < 60 { return "\(whole)s" }
        if whole < 3600 { return String(format: "%dm %02ds", whole / 60, whole % 60) }
        return String(format: "%dh %02dm", whole / 3600, whole % 3600 / 60)
    }

    /// How long the run took, or has taken so far.
    static func elapsed(_ run: RunRecord, now: Date = Date()) -> String {
        if let wall = run.wallSeconds { return duration(wall) }
        return duration((run.endedAt ?? (run.status == .running ? now : run.heartbeatAt ?? run.startedAt)).timeIntervalSince(run.startedAt))
    }

    static func percent(_ value: Double?) -> String {
        value.map { String(format: "%.2f%%", $0 * 100) } ?? "-"
    }

    static func mentorAccuracy(_ models: [ModelRecord]) -> String {
        percent(models.first { $0.role == .mentor }?.test?.accuracy)
    }

    /// The student with the highest test accuracy, as "86.10% cnn-s".
    static func bestStudent(_ models: [ModelRecord]) -> String {
        guard let best = models.filter({ $0.role == .student && $0.test != nil })
            .max(by: { $0.test!.accuracy < $1.test!.accuracy }) else { return "-" }
        return "\(percent(best.test?.accuracy)) \(best.spec)"
    }
}
