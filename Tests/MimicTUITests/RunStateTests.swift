import MimicEngine
import MimicTUI
import Testing

@Suite struct RunStateTests {
    static let mentor = ModelID(role: .mentor, index: 1, spec: "cnn-l")
    static let student = ModelID(role: .student, index: 1, spec: "cnn-s")
    static let smallStudent = ModelID(role: .student, index: 2, spec: "mlp-256")

    /// The default run's shape: a mentor on 6,000 labeled images, two far cheaper
    /// students on 54,000 unlabeled ones.
    static let plan = RunPlan(
        dataSet: "fashion-mnist", inputShape: SampleShape(channels: 1, height: 28, width: 28), classes: 10,
        split: SplitSizes(labeled: 6_000, validation: 0, unlabeled: 54_000, test: 10_000, labeledPerClass: Array(repeating: 600, count: 10)),
        models: [
            .init(id: mentor, parameters: 421_642, forwardFLOPsPerSample: 8_000_000, epochs: 15, epochsCompleted: 0),
            .init(id: student, parameters: 105_866, forwardFLOPsPerSample: 2_000_000, epochs: 12, epochsCompleted: 0),
            .init(id: smallStudent, parameters: 203_530, forwardFLOPsPerSample: 400_000, epochs: 12, epochsCompleted: 0),
        ])

    static func point(_ model: ModelID, samplesSeen: Int) -> TrainingEvent {
        .progress(TrainingProgress(model: model, epoch: 1, epochs: 15, step: 1, samplesSeen: samplesSeen, trainingTime: 1,
                                   trainLoss: 1, trainAccuracy: 0.5, samplesPerSecond: 1))
    }

    /// The estimate weighs each model's samples by their forward FLOPs: after a third of
    /// the mentor in 15 s, the rest (the mentor's other 480 GFLOP and the students' 1,555)
    /// takes 15 s x 2,035.2 / 240 = 127.2 s, not the 678 s that counting samples gave.
    @Test func timeLeftWeighsSamplesByTheirCost() throws {
        var events: [TrainingEvent] = [.runStarted(Self.plan), Self.point(Self.mentor, samplesSeen: 30_000)]
        let early = RunState.replaying(events, config: ExperimentConfig())
        #expect(abs(try #require(early.remaining(now: 15)) - 127.2) < 0.01)

        var finished = ModelResult(id: Self.mentor, parameters: 421_642, forwardFLOPsPerSample: 8_000_000, status: .finished)
        finished.epochsCompleted = 15
        events += [.modelFinished(finished), Self.point(Self.student, samplesSeen: 54_000)]
        // Done: 720 + 108 GFLOP of 2,275.2; 1,447.2 left at the same rate.
        let later = RunState.replaying(events, config: ExperimentConfig())
        #expect(abs(try #require(later.remaining(now: 100)) - 100 * 1_447.2 / 828) < 0.01)
    }
}
