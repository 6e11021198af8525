import MimicEngine
import MimicSweep
import Testing

@Suite struct SweepPlanTests {
    static func point(labeled: Double, student: String, seed: UInt64, baselines: Bool = true) -> ExperimentConfig {
        var config = ExperimentConfig()
        config.labeledFraction = labeled
        config.students = [student]
        config.seed = seed
        config.baselines = baselines
        return config
    }

    @Test func pointsThatDifferOnlyInTheirStudentShareOneTraining() {
        var points: [ExperimentConfig] = []
        for labeled in [0.01, 0.1] {
            for student in ["cnn-s", "mlp-256", "mlp-64"] {
                for seed: UInt64 in [1, 2, 3] { points.append(Self.point(labeled: labeled, student: student, seed: seed)) }
            }
        }
        let plan = SweepPlan(points: points)
        #expect(plan.trainings.count == 6, "one per labeled fraction and seed")
        #expect(plan.trainings.allSatisfy { $0.config.students == ["cnn-s", "mlp-256", "mlp-64"] })
        #expect(plan.trainings.map { "\($0.config.labeledFraction) \($0.config.seed)" }
            == ["0.01 1", "0.01 2", "0.01 3", "0.1 1", "0.1 2", "0.1 3"])
        #expect(plan.trainings[0].points == [0, 3, 6])
        #expect(Set(plan.trainings.flatMap(\.points)) == Set(points.indices), "every point is answered once")
        // A run per point trains 18 mentors and 18 student/baseline pairs; shared, 6 mentors.
        #expect(plan.modelsWithoutSharing == 18 * 3)
        #expect(plan.models == 6 * (1 + 3 * 2))
    }

    @Test func pointsWithOtherMentorSettingsDoNotShare() {
        var other = Self.point(labeled: 0.1, student: "mlp-64", seed: 1)
        other.epochs = 30
        let plan = SweepPlan(points: [Self.point(labeled: 0.1, student: "cnn-s", seed: 1), other,
                                      Self.point(labeled: 0.1, student: "mlp-64", seed: 1, baselines: false)])
        #expect(plan.trainings.count == 3)
        #expect(plan.models == plan.modelsWithoutSharing)
    }
}

/// A grid at its largest is planned in one pass: grouping 10,000 points that differ in
/// everything compared each point with every training before, which the sweep command
/// line's fuzzer found taking over ten seconds.
@Suite struct LargeSweepPlanTests {
    @Test func tenThousandPointsArePlannedInOnePass() throws {
        let points = (0..<SweepGrid.maximumPoints).map { seed -> ExperimentConfig in
            var config = ExperimentConfig()
            config.seed = UInt64(seed)
            config.students = ["s\(seed % 7)"]
            return config
        }
        let plan = SweepPlan(points: points)
        #expect(plan.trainings.count == SweepGrid.maximumPoints)
        #expect(plan.trainings.allSatisfy { $0.points.count == 1 })
    }
}
