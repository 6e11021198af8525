import Foundation
import MimicBench
import MimicEngine

/// What `mimic bench` prints: one JSON object, or a table for people.
enum BenchPrinter {
    static func json(_ results: BenchResults) -> [String: Any] {
        let (report, ratios, measuredMaxima) = (results.report, results.ratios, results.measuredMaxima)
        let (dashboard, firstFrames, dataLoadSeconds, notes) = (results.dashboard, results.firstFrames, results.dataLoadSeconds, results.notes)
        var object: [String: Any] = [
            "threads": report.threads,
            "openblas_core": report.openBLASCore,
            "openblas_core_chosen_by": report.openBLASCoreChosenBy,
            "openblas_core_reason": report.openBLASCoreReason,
            "openblas_config": report.openBLASConfiguration,
            "engine_loops": VectorKernels.name,
            "sgemm_gflops": report.sgemmGFLOPS,
            "sgemm_openblas_threads_gflops": report.sgemmOpenBLASThreadsGFLOPS,
            "sgemm_engine_split_gflops": report.sgemmEngineSplitGFLOPS,
            "mlp_1024_train_samples_per_s": report.mlp1024Train.samplesPerSecond,
            "mlp_1024_train_gflops": report.mlp1024Train.gflops,
            "cnn_l_train_samples_per_s": report.cnnLTrain.samplesPerSecond,
            "cnn_l_train_gflops": report.cnnLTrain.gflops,
            "annotate_samples_per_s": report.annotate.samplesPerSecond,
            "annotate_gflops": report.annotate.gflops,
            "targets": Dictionary(uniqueKeysWithValues: BenchCommand.targets.map { ($0.key, $0.target) }),
            "targets_max": Dictionary(uniqueKeysWithValues: BenchCommand.maximumTargets.map { ($0.key, $0.target) }),
            "targets_met": Dictionary(uniqueKeysWithValues: BenchCommand.targets.map { ($0.key, ratios[$0.key]! >= $0.target) }
                + BenchCommand.maximumTargets.compactMap { target in measuredMaxima[target.key].map { (target.key, $0 <= target.target) } }),
        ]
        object.merge(ratios) { $1 }
        for student in report.studentTrain {
            object["\(student.key)_train_samples_per_s"] = student.figure.samplesPerSecond
            object["\(student.key)_train_gflops"] = student.figure.gflops
        }
        for network in report.networks {
            object["\(network.case.key)_samples_per_s"] = network.figure.samplesPerSecond
            object["\(network.case.key)_gflops"] = network.figure.gflops
            object["\(network.case.key)_batch"] = network.case.batch
            if let torch = results.pytorch?.rate(of: network.case) {
                object["\(network.case.key)_pytorch_samples_per_s"] = torch
                object["\(network.case.key)_vs_pytorch"] = network.figure.samplesPerSecond / torch
            }
        }
        if let pytorch = results.pytorch { object["pytorch_version"] = pytorch.version }
        if let dashboard {
            object["dashboard_overhead_percent"] = dashboard.percent
            object["dashboard_overhead_percent_range"] = [dashboard.percentRange.lowerBound, dashboard.percentRange.upperBound]
            object["dashboard_cpu_percent_of_one_core"] = dashboard.cpuPercentOfOneCore
            object["dashboard_frames_per_second"] = dashboard.framesPerSecond
            object["dashboard_pairs"] = dashboard.pairs
            object["dashboard_epoch_seconds"] = ["without": dashboard.epochSecondsWithout, "with": dashboard.epochSecondsWith]
        }
        if !firstFrames.isEmpty {
            object["first_frame_ms"] = median(firstFrames)
            object["first_frame_ms_max"] = firstFrames.max()!
            object["first_frame_launches_ms"] = firstFrames
        }
        if let dataLoadSeconds { object["data_set_load_ms"] = 1000 * dataLoadSeconds }
        if !notes.isEmpty { object["notes"] = notes }
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
        return object
    }

    static func printText(_ results: BenchResults) {
        let report = results.report
        let (dashboard, firstFrames, dataLoadSeconds, notes) = (results.dashboard, results.firstFrames, results.dataLoadSeconds, results.notes)
    print("OpenBLAS                      \(report.openBLASCore) kernels: \(report.openBLASCoreReason)")
    print("                              \(report.openBLASConfiguration)")
    print("engine's own loops            \(VectorKernels.name) (inference's direct first convolution)")
    print(String(format: "threads                       %d", report.threads))
    print(String(format: "cblas_sgemm 1024^3            %8.1f GFLOPS  best of the run, the reference of every ratio "
                 + "(OpenBLAS threads: %.1f, engine split: %.1f)",
                 report.sgemmGFLOPS, report.sgemmOpenBLASThreadsGFLOPS, report.sgemmEngineSplitGFLOPS))
    for (name, key, figure) in [
        ("mlp-1024 train, batch 128", "mlp_1024_train_ratio", report.mlp1024Train),
        ("cnn-l train, batch 128", "cnn_l_train_ratio", report.cnnLTrain),
        ("cnn-l annotate, batch 512", "annotate_ratio", report.annotate),
    ] {
        let target = BenchCommand.targets.first { $0.key == key }!.target
        print(name.padding(toLength: 30, withPad: " ", startingAt: 0)
            + String(format: "%8.1f GFLOPS  %9.0f samples/s  %5.1f%% of sgemm (target %2.0f%%: %@)",
                     figure.gflops, figure.samplesPerSecond, 100 * figure.ratio, 100 * target,
                     figure.ratio >= target ? "met" : "not met"))
    }
    for student in report.studentTrain {
        let figure = student.figure
        let target = BenchCommand.targets.first { $0.key == "\(student.key)_train_ratio" }.map {
            String(format: ", target %2.0f%%: %@", 100 * $0.target, figure.ratio >= $0.target ? "met" : "not met")
        }
        print("\(student.spec) student, batch \(ExperimentConfig().batchSize)".padding(toLength: 30, withPad: " ", startingAt: 0)
            + String(format: "%8.1f GFLOPS  %9.0f samples/s  %5.1f%% of sgemm (kd loss, %@%@)",
                     figure.gflops, figure.samplesPerSecond, 100 * figure.ratio, ExperimentConfig().optimizer.rawValue,
                     target ?? ""))
    }
    if !report.networks.isEmpty {
        let torch = results.pytorch.map { " against PyTorch \($0.version)" } ?? ""
        print("\nresidual networks (training counts 3x the forward FLOPs, batch norm and adds included)\(torch)")
        for network in report.networks {
            let figure = network.figure
            let versus = results.pytorch?.rate(of: network.case).map {
                String(format: "  PyTorch %7.0f samples/s: %.2fx", $0, figure.samplesPerSecond / $0)
            } ?? ""
            print(network.case.title.padding(toLength: 36, withPad: " ", startingAt: 0)
                + String(format: "%7.1f GFLOPS %8.0f samples/s %5.1f%% of sgemm", figure.gflops, figure.samplesPerSecond,
                         100 * figure.ratio) + versus)
        }
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
    if let dashboard {
        print(String(format: "\ndashboard drawing during a cnn-l epoch (%.2f s without it): %+.1f%% time, median of %d pairs "
                     + "from %+.1f%% to %+.1f%% (target <= 3%%: %@); its thread %.1f%% of a core at %.0f frames/s",
                     dashboard.epochSecondsWithout, dashboard.percent, dashboard.pairs,
                     dashboard.percentRange.lowerBound, dashboard.percentRange.upperBound,
                     dashboard.percent <= 3 ? "met" : "not met", dashboard.cpuPercentOfOneCore, dashboard.framesPerSecond))
    }
    if !firstFrames.isEmpty {
        let median = median(firstFrames)
        print(String(format: "first dashboard frame after launch in tmux: %.0f ms median of %d, %.0f ms at most (target <= 250 ms: %@)",
                     median, firstFrames.count, firstFrames.max()!, median <= 250 ? "met" : "not met"))
    }
    if let dataLoadSeconds {
        print(String(format: "data set loaded behind it in %.0f ms", 1000 * dataLoadSeconds))
    }
    for note in notes { print(note) }
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

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
