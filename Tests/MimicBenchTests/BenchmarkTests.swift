import MimicEngine
import Testing
@testable import MimicBench

/// The parts of the benchmark that are not timings: its synthetic data and the line
/// it fits through epoch times. The timings themselves are `mimic bench`'s to show.
@Suite struct BenchmarkTests {
    @Test func syntheticDataSetHasTheSizesAndShapeAskedFor() {
        let shape = SampleShape(channels: 1, height: 28, width: 28)
        let set = Benchmark.syntheticDataSet(shape: shape, train: 40, test: 12)
        #expect(set.train.count == 40 && set.test.count == 12)
        #expect(set.train.shape == shape)
        #expect(set.classCount == 10)
        #expect(set.trainLabels.allSatisfy { $0 < 10 } && set.testLabels.allSatisfy { $0 < 10 })
    }

    @Test func epochFitRecoversAnExactLine() throws {
        var report = BenchmarkReport(
            threads: 1, openBLASCore: "", openBLASConfiguration: "", sgemmGFLOPS: 0, sgemmEngineSplitGFLOPS: 0,
            mlp1024Train: .init(samplesPerSecond: 0, gflops: 0, ratio: 0),
            cnnLTrain: .init(samplesPerSecond: 0, gflops: 0, ratio: 0),
            annotate: .init(samplesPerSecond: 0, gflops: 0, ratio: 0), scaling: [], epochs: [])
        #expect(report.epochFit == nil, "no line through fewer than two epochs")
        report.epochs = [1024, 2048, 4096].map { .init(spec: "cnn-l", samples: $0, seconds: 0.5 + 0.001 * Double($0)) }
        let fit = try #require(report.epochFit)
        #expect(abs(fit.fixed - 0.5) < 1e-9)
        #expect(abs(fit.perSample - 0.001) < 1e-12)
        #expect(fit.worstDeviation < 1e-9)
    }
}
