import MimicEngine
import Testing
@testable import MimicSweep

/// The grid every view of a sweep reads: its dimensions, and each cell's figures over
/// the seeds that are done.
@Suite struct SweepResultsTests {
    /// Two labeled fractions x seeds 1 and 2, students cnn-s and mlp-64 with baselines.
    static let trainings: [ExperimentConfig] = [0.01, 0.05].flatMap { labeled in
        [1, 2].map { seed in
            var config = ExperimentConfig()
            config.labeledFraction = labeled
            config.seed = UInt64(seed)
            config.mentor = "cnn-l"
            config.students = ["cnn-s", "mlp-64"]
            config.baselines = true
            return config
        }
    }

    /// A finished model at `accuracy`, with a loss and time that follow from it.
    static func model(_ role: ModelID.Role, _ index: Int, _ spec: String, _ accuracy: Double,
                      status: ModelResult.Status = .finished) -> ModelResult {
        var result = ModelResult(id: ModelID(role: role, index: index, spec: spec), parameters: 1, forwardFLOPsPerSample: 1,
                                 status: status)
        if case .finished = status { result.test = Evaluation(loss: 1 - accuracy, accuracy: accuracy, agreement: nil) }
        result.trainingTime = accuracy * 100
        return result
    }

    static func outcome(run: Int64, mentor: Double, students: [Double], baselines: [Double], running: Bool = false) -> SweepResults.Outcome {
        let specs = ["cnn-s", "mlp-64"]
        var models = [model(.mentor, 1, "cnn-l", mentor)]
        models += students.enumerated().map { model(.student, $0.offset + 1, specs[$0.offset], $0.element) }
        models += baselines.enumerated().map { model(.baseline, $0.offset + 1, specs[$0.offset], $0.element) }
        return SweepResults.Outcome(runID: run, isRunning: running, models: models)
    }

    @Test func theDimensionsAreTheModelsAndWhatTheTrainingsDifferInSeedsAside() {
        let results = SweepResults(trainings: Self.trainings, outcomes: [:])
        #expect(results.dimensions.map(\.name) == ["model", "labeled"])
        #expect(results.dimensions[0].values == ["mentor cnn-l", "student cnn-s", "student mlp-64", "baseline cnn-s", "baseline mlp-64"])
        #expect(results.dimensions[1].values == ["0.01", "0.05"])
        #expect(results.numericValues(of: 1) == [0.01, 0.05])
        #expect(results.numericValues(of: 0) == nil)
        #expect(results.coordinates.count == 10)
        let empty = results.cell([1, 0], metric: .testAccuracy)
        #expect(empty.planned == 2 && empty.done == 0 && empty.runIDs.isEmpty && empty.statistic.mean == nil)
        #expect(empty.model == ModelID(role: .student, index: 1, spec: "cnn-s"))
    }

    @Test func aCellIsTheMeanAndSpreadOverTheSeedsDone() throws {
        let results = SweepResults(trainings: Self.trainings, outcomes: [
            0: Self.outcome(run: 1, mentor: 0.80, students: [0.81, 0.78], baselines: [0.77, 0.70]),
            1: Self.outcome(run: 2, mentor: 0.82, students: [0.79, 0.76], baselines: [0.75, 0.72]),
            // labeled 0.05, seed 1: still training, only the mentor done.
            2: SweepResults.Outcome(runID: 3, isRunning: true, models: [Self.model(.mentor, 1, "cnn-l", 0.86),
                                                                          Self.model(.student, 1, "cnn-s", 0, status: .stopped)]),
        ])
        let accuracy = results.cell([1, 0], metric: .testAccuracy)
        #expect(accuracy.done == 2 && accuracy.planned == 2 && accuracy.runIDs == [1, 2])
        #expect(abs(try #require(accuracy.statistic.mean) - 0.80) < 1e-12)
        #expect(abs(try #require(accuracy.statistic.standardDeviation) - 0.02.squareRoot() * 0.1) < 1e-12)
        let baseline = results.cell([1, 0], metric: .deltaBaseline).statistic
        #expect(abs(try #require(baseline.mean) - 0.04) < 1e-12, "(0.81-0.77 + 0.79-0.75) / 2")
        let mentor = results.cell([2, 0], metric: .deltaMentor).statistic
        #expect(abs(try #require(mentor.mean) - (-0.04)) < 1e-12, "(0.78-0.80 + 0.76-0.82) / 2")
        #expect(results.cell([0, 0], metric: .deltaMentor).statistic.mean == nil, "the mentor has no Δ mentor")
        #expect(results.cell([3, 0], metric: .deltaBaseline).statistic.mean == nil, "a baseline has no Δ baseline")
        #expect(results.cell([3, 0], metric: .deltaMentor).done == 2)

        let training = results.cell([1, 1], metric: .testAccuracy)
        #expect(training.done == 0 && training.running == 1 && training.planned == 2 && training.runIDs == [3])
        let mentorAtFive = results.cell([0, 1], metric: .testAccuracy)
        #expect(mentorAtFive.done == 1 && mentorAtFive.statistic.standardDeviation == nil)
        #expect(results.doneCount == 2 && results.startedCount == 3)
    }

    @Test func figuresAreWrittenInTheirUnitsWithTheirSpread() {
        let two = SeedSummary.Statistic([0.8, 0.81])
        #expect(SweepMetric.testAccuracy.format(two) == "80.50±0.71")
        #expect(SweepMetric.testAccuracy.format(two, plusMinus: "+-") == "80.50+-0.71")
        #expect(SweepMetric.deltaMentor.format(SeedSummary.Statistic([-0.002])) == "-0.20")
        #expect(SweepMetric.testLoss.format(SeedSummary.Statistic([0.35, 0.36])) == "0.3550±0.0071")
        #expect(SweepMetric.trainingTime.format(SeedSummary.Statistic([61.25])) == "61.2s")
        #expect(SweepMetric.testAccuracy.format(SeedSummary.Statistic([])) == nil)
        #expect(SweepMetric.allCases.map(\.next) == [.deltaBaseline, .deltaMentor, .testLoss, .trainingTime, .testAccuracy])
    }

    @Test func aTrainingIsNamedByWhatTellsItFromTheOthers() {
        #expect(SweepField.differing(in: Self.trainings).map(\.name) == ["labeled", "seed"])
        #expect(SweepField.describe(Self.trainings[3], among: Self.trainings) == "labeled 0.05, seed 2")
        #expect(SweepField.describe(Self.trainings[0], among: [Self.trainings[0]]) == "the one training")
    }
}
