import MimicEngine

/// A sweep's points grouped into the trainings that run them. Points that differ only
/// in their students share one training (one recorded run): its mentor is trained
/// once per data set, split, seed and mentor settings, its annotation of the unlabeled
/// pool serves every student, and each student architecture's baseline is trained
/// once there too, where a run per point would train them all again for each student.
public struct SweepPlan: Sendable {
    /// One run of the sweep, and the points (indices into `points`) it answers.
    public struct Training: Sendable {
        public let config: ExperimentConfig
        public let points: [Int]
    }

    public let points: [ExperimentConfig]
    public let trainings: [Training]

    public init(points: [ExperimentConfig]) {
        self.points = points
        var trainings: [(config: ExperimentConfig, points: [Int], students: Set<String>)] = []
        // Each training by its config without students, and its students as a set: a
        // grid of 10,000 points is grouped in one pass, not by comparing every point
        // with every training.
        var trainingOf: [ExperimentConfig: Int] = [:]
        for (index, point) in points.enumerated() {
            var key = point
            key.students = []
            if let k = trainingOf[key] {
                for student in point.students where trainings[k].students.insert(student).inserted {
                    trainings[k].config.students.append(student)
                }
                trainings[k].points.append(index)
            } else {
                trainingOf[key] = trainings.count
                trainings.append((point, [index], Set(point.students)))
            }
        }
        self.trainings = trainings.map { Training(config: $0.config, points: $0.points) }
    }

    /// Models a configuration trains: its mentor (unless reused), its students and
    /// their baselines.
    public static func modelCount(_ config: ExperimentConfig) -> Int {
        (config.mentorCheckpoint == nil ? 1 : 0) + config.students.count * (config.baselines ? 2 : 1)
    }

    /// Models trained with one run per point.
    public var modelsWithoutSharing: Int { points.map(Self.modelCount).reduce(0, +) }
    /// Models this plan trains.
    public var models: Int { trainings.map { Self.modelCount($0.config) }.reduce(0, +) }
}
