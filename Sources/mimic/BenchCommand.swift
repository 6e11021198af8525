import ArgumentParser
import Foundation
import MimicEngine

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure cblas_sgemm and training throughput in one process, as ratios.",
        discussion: """
            Measures, one after the other in this process: the GFLOPS of a 1024x1024x1024
            cblas_sgemm; the training throughput of mlp-1024 and cnn-l at batch 128 (SGD
            with momentum, synthetic 28x28 images); and mentor annotation (cnn-l inference,
            batch 512). Effective GFLOPS count 3 x the forward FLOPs for training. Each
            figure is the best of three rounds. This is not a test: absolute numbers on a
            shared machine vary; the ratios to sgemm are what to compare.

            Examples:
              mimic bench
              mimic bench --json --threads 1
            """)

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    @Option(help: "OpenBLAS threads (default: OpenBLAS's own choice).")
    var threads: Int?

    @Option(help: "Minimum seconds per round of each measurement.")
    var seconds: Double = 1

    func run() throws {
        if let threads, threads < 1 || threads > 256 {
            exitWithError(UsageError("--threads \(threads) is out of range; pass a thread count from 1 to 256."))
        }
        guard seconds > 0, seconds <= 600 else {
            exitWithError(UsageError("--seconds \(seconds) is out of range; pass a time above 0 and up to 600 seconds."))
        }
        let report = Benchmark.run(threads: threads, seconds: seconds)
        if json {
            let object: [String: Any] = [
                "threads": report.threads,
                "sgemm_gflops": report.sgemmGFLOPS,
                "mlp_1024_train_samples_per_s": report.mlp1024TrainSamplesPerSecond,
                "mlp_1024_train_gflops": report.mlp1024TrainGFLOPS,
                "mlp_1024_train_ratio": report.mlp1024TrainGFLOPS / report.sgemmGFLOPS,
                "cnn_l_train_samples_per_s": report.cnnLTrainSamplesPerSecond,
                "cnn_l_train_gflops": report.cnnLTrainGFLOPS,
                "cnn_l_train_ratio": report.cnnLTrainGFLOPS / report.sgemmGFLOPS,
                "annotate_samples_per_s": report.annotateSamplesPerSecond,
                "annotate_gflops": report.annotateGFLOPS,
                "annotate_ratio": report.annotateGFLOPS / report.sgemmGFLOPS,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        let sgemm = report.sgemmGFLOPS
        print(String(format: "BLAS threads                  %d", report.threads))
        print(String(format: "cblas_sgemm 1024^3            %8.1f GFLOPS", sgemm))
        for (name, rate, gflops) in [
            ("mlp-1024 train, batch 128", report.mlp1024TrainSamplesPerSecond, report.mlp1024TrainGFLOPS),
            ("cnn-l train, batch 128", report.cnnLTrainSamplesPerSecond, report.cnnLTrainGFLOPS),
            ("cnn-l annotate, batch 512", report.annotateSamplesPerSecond, report.annotateGFLOPS),
        ] {
            print(name.padding(toLength: 30, withPad: " ", startingAt: 0)
                + String(format: "%8.1f GFLOPS  %9.0f samples/s  %5.1f%% of sgemm", gflops, rate, 100 * gflops / sgemm))
        }
    }
}
