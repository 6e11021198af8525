import ArgumentParser
import Foundation
import MimicEngine

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure cblas_sgemm and training throughput in one process, as ratios.",
        discussion: """
            Measures in this process the training throughput of mlp-1024 and cnn-l at
            batch 128 (SGD with momentum, synthetic 28x28 images) and mentor annotation
            (cnn-l inference, batch 512), each between two measurements of a
            1024x1024x1024 cblas_sgemm with OpenBLAS on as many threads as the engine.
            A ratio is the median over the rounds of the figure's effective GFLOPS (3 x
            the forward FLOPs for training) over the mean of the two sgemm around it, so
            that another process slowing the machine for a while slows both. Then,
            unless --quick: the same ratios for batch 32 to 512 on 1 and 2 threads, and
            the wall time of cnn-l epochs of 1024 to 8192 samples. This is not a test:
            absolute numbers on a shared machine vary; the ratios are what to compare.

            Examples:
              mimic bench
              mimic bench --json --threads 1
              mimic bench --quick
            """)

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    @Option(help: "Threads the engine uses (default: one per core, or OPENBLAS_NUM_THREADS).")
    var threads: Int?

    @Option(help: "Minimum seconds of each measurement in a round.")
    var seconds: Double = 0.5

    @Option(help: "Rounds of the headline figures; each ratio is the median over them.")
    var rounds: Int = 5

    @Flag(help: "Only the headline figures: skip the batch and thread scaling and the epoch times.")
    var quick = false

    /// The targets, as fractions of the same run's sgemm.
    static let targets: [(key: String, target: Double)] = [
        ("mlp_1024_train_ratio", 0.80), ("cnn_l_train_ratio", 0.50), ("annotate_ratio", 0.60),
    ]

    func run() throws {
        if let threads, threads < 1 || threads > 256 {
            exitWithError(UsageError("--threads \(threads) is out of range; pass a thread count from 1 to 256."))
        }
        guard seconds > 0, seconds <= 600 else {
            exitWithError(UsageError("--seconds \(seconds) is out of range; pass a time above 0 and up to 600 seconds."))
        }
        guard rounds >= 1, rounds <= 100 else {
            exitWithError(UsageError("--rounds \(rounds) is out of range; pass a count from 1 to 100."))
        }
        let report = Benchmark.run(threads: threads, seconds: seconds, rounds: rounds, scaling: !quick, epochs: !quick)
        let ratios = [
            "mlp_1024_train_ratio": report.mlp1024Train.ratio,
            "cnn_l_train_ratio": report.cnnLTrain.ratio,
            "annotate_ratio": report.annotate.ratio,
        ]
        if json {
            var object: [String: Any] = [
                "threads": report.threads,
                "openblas_core": report.openBLASCore,
                "openblas_config": report.openBLASConfiguration,
                "sgemm_gflops": report.sgemmGFLOPS,
                "sgemm_engine_split_gflops": report.sgemmEngineSplitGFLOPS,
                "mlp_1024_train_samples_per_s": report.mlp1024Train.samplesPerSecond,
                "mlp_1024_train_gflops": report.mlp1024Train.gflops,
                "cnn_l_train_samples_per_s": report.cnnLTrain.samplesPerSecond,
                "cnn_l_train_gflops": report.cnnLTrain.gflops,
                "annotate_samples_per_s": report.annotate.samplesPerSecond,
                "annotate_gflops": report.annotate.gflops,
                "targets": Dictionary(uniqueKeysWithValues: Self.targets.map { ($0.key, $0.target) }),
                "targets_met": Dictionary(uniqueKeysWithValues: Self.targets.map { ($0.key, ratios[$0.key]! >= $0.target) }),
            ]
            object.merge(ratios) { $1 }
            if !report.scaling.isEmpty {
                object["scaling"] = report.scaling.map {
                    ["spec": $0.spec, "batch": $0.batch, "threads": $0.threads, "samples_per_s": $0.samplesPerSecond,
                     "gflops": $0.gflops, "ratio": $0.ratio] as [String: Any]
                }
            }
            if !report.epochs.isEmpty {
                object["epoch_time"] = report.epochs.map {
                    ["spec": $0.spec, "samples": $0.samples, "seconds": $0.seconds,
                     "samples_per_s": $0.samplesPerSecond] as [String: Any]
                }
                if let fit = report.epochFit {
                    object["epoch_time_fit"] = ["fixed_seconds": fit.fixed, "seconds_per_sample": fit.perSample,
                                                "worst_deviation": fit.worstDeviation]
                }
            }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print("OpenBLAS                      \(report.openBLASCore) kernels; \(report.openBLASConfiguration)")
        print(String(format: "threads                       %d", report.threads))
        print(String(format: "cblas_sgemm 1024^3            %8.1f GFLOPS  (engine split: %.1f)",
                     report.sgemmGFLOPS, report.sgemmEngineSplitGFLOPS))
        for (name, key, figure) in [
            ("mlp-1024 train, batch 128", "mlp_1024_train_ratio", report.mlp1024Train),
            ("cnn-l train, batch 128", "cnn_l_train_ratio", report.cnnLTrain),
            ("cnn-l annotate, batch 512", "annotate_ratio", report.annotate),
        ] {
            let target = Self.targets.first { $0.key == key }!.target
            print(name.padding(toLength: 30, withPad: " ", startingAt: 0)
                + String(format: "%8.1f GFLOPS  %9.0f samples/s  %5.1f%% of sgemm (target %2.0f%%: %@)",
                         figure.gflops, figure.samplesPerSecond, 100 * figure.ratio, 100 * target,
                         figure.ratio >= target ? "met" : "not met"))
        }
        if !report.scaling.isEmpty {
            print("\ntraining samples/s (ratio to sgemm on as many threads) by batch size")
            let threadCounts = Array(Set(report.scaling.map(\.threads))).sorted()
            print("spec      threads" + Benchmark.scalingBatches.map { String(format: "%15d", $0) }.joined())
            for spec in Benchmark.scalingSpecs {
                for count in threadCounts {
                    let row = Benchmark.scalingBatches.map { batch -> String in
                        guard let point = report.scaling.first(where: { $0.spec == spec && $0.threads == count && $0.batch == batch })
                        else { return String(repeating: " ", count: 15) }
                        return String(format: "%8.0f (%3.0f%%)", point.samplesPerSecond, 100 * point.ratio)
                    }
                    print(spec.padding(toLength: 10, withPad: " ", startingAt: 0) + String(format: "%7d", count) + row.joined())
                }
            }
        }
        if !report.epochs.isEmpty {
            print("\nepoch time (cnn-l, batch 128, SGD)")
            for point in report.epochs {
                print(String(format: "%6d samples  %7.3f s  %7.0f samples/s  %6.1f us/sample",
                             point.samples, point.seconds, point.samplesPerSecond, 1e6 * point.seconds / Double(point.samples)))
            }
            if let fit = report.epochFit {
                print(String(format: "least-squares line: %.3f s + %.1f us/sample; worst epoch %.1f%% off it",
                             fit.fixed, 1e6 * fit.perSample, 100 * fit.worstDeviation))
            }
        }
    }
}
