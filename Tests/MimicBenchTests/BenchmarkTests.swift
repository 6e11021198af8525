import MimicEngine
import Testing
@testable import MimicBench

/// The parts of the benchmark that are not timings: its synthetic data, its ratios,
/// the students it times and the line it fits through epoch times. The timings
/// themselves are `mimic bench`'s to show.
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
            threads: 1, openBLASCore: "", openBLASCoreChosenBy: "", openBLASCoreReason: "", openBLASConfiguration: "",
            sgemmGFLOPS: 0, sgemmOpenBLASThreadsGFLOPS: 0, sgemmEngineSplitGFLOPS: 0,
            mlp1024Train: .init(samplesPerSecond: 0, gflops: 0, ratio: 0),
            cnnLTrain: .init(samplesPerSecond: 0, gflops: 0, ratio: 0),
            annotate: .init(samplesPerSecond: 0, gflops: 0, ratio: 0), studentTrain: [], scaling: [], epochs: [])
        #expect(report.epochFit == nil, "no line through fewer than two epochs")
        report.epochs = [1024, 2048, 4096].map { .init(spec: "cnn-l", samples: $0, seconds: 0.5 + 0.001 * Double($0)) }
        let fit = try #require(report.epochFit)
        #expect(abs(fit.fixed - 0.5) < 1e-9)
        #expect(abs(fit.perSample - 0.001) < 1e-12)
        #expect(fit.worstDeviation < 1e-9)
    }

    @Test func aRatioIsTheFiguresGFLOPSOverTheBestSGEMM() {
        let figure = BenchmarkReport.Figure(samplesPerSecond: 1000, gflops: 150, sgemmGFLOPS: 200)
        #expect(figure.ratio == 0.75)
        #expect(BenchmarkReport.Figure(samplesPerSecond: 0, gflops: 0, sgemmGFLOPS: 0).ratio == 0, "no sgemm, no ratio")
        let point = BenchmarkReport.ScalingPoint(spec: "cnn-l", batch: 32, threads: 1, samplesPerSecond: 10, gflops: 50,
                                                 sgemmGFLOPS: 100)
        #expect(point.ratio == 0.5)
    }

    @Test func theStudentsAreThoseOfTheDefaultRunAndTheSmallestWithTheirJSONKeys() throws {
        #expect(Benchmark.studentSpecs == ["cnn-s", "mlp-256", "mlp-64"])
        for spec in ExperimentConfig().students { #expect(Benchmark.studentSpecs.contains(spec)) }
        let keys = Benchmark.studentSpecs.map {
            BenchmarkReport.StudentFigure(spec: $0, figure: .init(samplesPerSecond: 0, gflops: 0, ratio: 0)).key
        }
        #expect(keys == ["cnn_s", "mlp_256", "mlp_64"])
    }

    @Test func theStudentStepRunsOnEveryStudent() {
        // A token time: this checks that the step runs (loss, backward, optimizer), not its speed.
        let shape = SampleShape(channels: 1, height: 28, width: 28)
        for spec in Benchmark.studentSpecs {
            let rate = Benchmark.studentTrainingSamplesPerSecond(spec: spec, input: shape, batch: 8, seconds: 0.001)
            #expect(rate > 0 && rate.isFinite, "\(spec)")
        }
    }
}
