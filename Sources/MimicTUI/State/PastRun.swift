import MimicStore

/// One line of the runs pane: a run recorded in the store, as the list shows it.
public struct PastRun: Equatable, Sendable {
    public let id: Int64
    /// When it started, as the list prints it (local time to the minute).
    public let started: String
    public let status: RunStatus
    public let dataSet: String
    public let mentor: String
    public let students: [String]
    /// The best student's test accuracy, if any student has one.
    public let bestStudentAccuracy: Double?
    public let bestStudent: String?

    public init(id: Int64, started: String, status: RunStatus, dataSet: String, mentor: String, students: [String],
                bestStudentAccuracy: Double?, bestStudent: String?) {
        self.id = id
        self.started = started
        self.status = status
        self.dataSet = dataSet
        self.mentor = mentor
        self.students = students
        self.bestStudentAccuracy = bestStudentAccuracy
        self.bestStudent = bestStudent
    }
}
