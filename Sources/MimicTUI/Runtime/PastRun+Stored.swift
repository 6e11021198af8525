import Foundation
import MimicStore

extension PastRun {
    /// A line of the runs pane from a run as stored.
    init(stored: StoredRun) {
        let best = stored.models.filter { $0.role == .student && $0.test != nil }.max { $0.test!.accuracy < $1.test!.accuracy }
        let config = stored.run.config
        self.init(id: stored.run.id, started: Self.format(stored.run.startedAt), status: stored.run.status,
                  dataSet: stored.run.dataSet, mentor: config.mentorCheckpoint == nil ? config.mentor : "(saved)",
                  students: config.students, bestStudentAccuracy: best?.test?.accuracy, bestStudent: best?.spec)
    }

    /// Local time to the minute, without the year: the pane is narrower than 'mimic runs'.
    static func format(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "MM-dd HH:mm"
        return formatter.string(from: date)
    }
}
