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
        seed.students = ["cnn-s"]
        #expect(!ReproductionProtocol.describes(seed))
        #expect(!ReproductionProtocol.describes(ExperimentConfig()), "mimic train's defaults are not the protocol")
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
        let verdicts = ReproductionProtocol.verdicts(for: [report])
        #expect(verdicts.count == 2)
        #expect(verdicts.allSatisfy { $0.holds }, "\(verdicts.map(\.detail))")
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
