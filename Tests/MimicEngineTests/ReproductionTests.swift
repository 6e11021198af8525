import Foundation
import Testing
import MimicEngine

@Suite struct ReproductionTests {
    /// A seed of the protocol is known as one wherever it was built (the dashboard's
    /// `R`, `mimic reproduce` with its options), so its run joins the reproduction.
    @Test func aSeedOfTheProtocolIsKnownAsOne() {
        var seed = ReproductionProtocol.config(dataDirectory: "/data", seed: 3, labeledFraction: 0.05, loss: .mse,
                                               temperature: 2, augmentation: .none)
        #expect(ReproductionProtocol.describes(seed))
        seed.threads = 2
        seed.saveDirectory = "/kept"
        #expect(ReproductionProtocol.describes(seed), "threads and where checkpoints go do not change the experiment")
        seed.mentor = "resnet-20"
        seed.students = ["resnet-8", "cnn-s"]
        #expect(ReproductionProtocol.describes(seed), "the protocol on other networks is the protocol")
        seed.studentEpochs = 3
        #expect(!ReproductionProtocol.describes(seed), "another recipe is not")
        #expect(!ReproductionProtocol.describes(ExperimentConfig()), "mimic train's defaults are not the protocol")
    }

    /// The claims hold the first student to the mentor's level, whatever it is.
    @Test func theFirstStudentIsHeldToTheMentorsLevel() {
        func report(_ students: [(String, Double)]) -> ExperimentReport {
            var results = [ModelResult(id: ModelID(role: .mentor, index: 1, spec: "resnet-20"), parameters: 1,
                                       forwardFLOPsPerSample: 1, status: .finished)]
            results[0].test = Evaluation(loss: 0.30, accuracy: 0.90, agreement: nil)
            for (k, (spec, accuracy)) in students.enumerated() {
                var result = ModelResult(id: ModelID(role: .student, index: k + 1, spec: spec), parameters: 1,
                                         forwardFLOPsPerSample: 1, status: .finished)
                result.test = Evaluation(loss: 0.31, accuracy: accuracy, agreement: 0.9)
                results.append(result)
            }
            return ExperimentReport(dataSet: "d", split: SplitSizes(labeled: 1, validation: 0, unlabeled: 1, test: 1, labeledPerClass: []),
                                    config: ExperimentConfig(), results: results, wallTime: 1)
        }
        let verdicts = ReproductionProtocol.verdicts(for: [report([("resnet-8", 0.899), ("cnn-s", 0.80)])])
        #expect(verdicts.first?.claim == "the resnet-8 student reaches the mentor's test accuracy (within 0.3 points)")
        #expect(verdicts.first?.holds == true)
    }

    static let fashionAvailable = FileManager.default.fileExists(atPath: DataSet.defaultDirectory)

    /// The protocol end to end on a small part of Fashion-MNIST: with the mentor's
    /// outputs on the unlabeled pool and no label, each student beats the same
    /// architecture trained on the labeled part alone.
    @Test(.enabled(if: fashionAvailable, "Debian's dataset-fashion-mnist is not installed"))
    func studentsBeatTheirBaselinesOnASubset() throws {
        let data = try DataSet.load(from: DataSet.defaultDirectory).subset(trainCount: 6_000, testCount: 1_000)
        var config = ReproductionProtocol.config(dataDirectory: DataSet.defaultDirectory, seed: 1)
        config.students = ["mlp-64", "linear"]
        config.epochs = 6
        config.studentEpochs = 3
        let report = try Experiment(config: config, dataSet: data).run { _ in }
        #expect(report.allFinished)
        #expect(report.split.labeled + report.split.unlabeled == 6_000)
        #expect((580...620).contains(report.split.labeled))
        for student in report.results where student.id.role == .student {
            let delta = try #require(report.accuracyDeltaToBaseline(student))
            #expect(delta > 0.015, "\(student.id): \(delta)")
        }
        // The first student is held to the mentor's level too, which six epochs on a
        // tenth of the data need not reach; the baselines' claims must hold.
        let verdicts = ReproductionProtocol.verdicts(for: [report])
        #expect(verdicts.count == 4 && verdicts[0].claim.hasPrefix("the mlp-64 student reaches the mentor's test accuracy"))
        let baselines = verdicts.filter { $0.claim.hasSuffix("labeled-only baseline by 1.5 points or more") }
        #expect(baselines.count == 2 && baselines.allSatisfy { $0.holds }, "\(baselines.map(\.detail))")
    }

    @Test func seedSummaryGivesMeanAndSpread() {
        let statistic = SeedSummary.Statistic([0.80, 0.82, nil, 0.84])
        #expect(statistic.values.count == 3)
        #expect(abs(statistic.mean! - 0.82) < 1e-12)
        #expect(abs(statistic.standardDeviation! - 0.02) < 1e-12)
        #expect(SeedSummary.Statistic([0.5]).standardDeviation == nil)
        #expect(SeedSummary.Statistic([nil]).mean == nil)
    }

    @Test func seedListsParse() throws {
        #expect(try ReproductionProtocol.parseSeeds("1") == [1])
        #expect(try ReproductionProtocol.parseSeeds("3, 1,2") == [3, 1, 2])
    }

    @Test(arguments: ["", "1,", ",1", "a", "1;2", "-1", "1.5", "1,,2", "1,1", "99999999999999999999999"])
    func brokenSeedListsAreRejected(text: String) {
        #expect(throws: ConfigError.self) { try ReproductionProtocol.parseSeeds(text) }
    }
}
