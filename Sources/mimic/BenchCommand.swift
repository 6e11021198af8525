import ArgumentParser
import Foundation
import MimicBench
import MimicEngine
import MimicTUI

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure cblas_sgemm and training throughput in one process, as ratios.",
        discussion: """
            Measures in this process the training throughput of mlp-1024 and cnn-l at
            batch 128 (SGD with momentum, synthetic 28x28 images), mentor annotation
            (cnn-l inference, batch 512) and the students' step (cnn-s, mlp-256 and
            mlp-64: kd loss against stored mentor logits, with the default optimizer
            and batch of mimic train), each between two measurements of a
            1024x1024x1024 cblas_sgemm with OpenBLAS on as many threads as the engine.
            A ratio is the figure's best effective GFLOPS (3 x the forward FLOPs for
            training) over the best sgemm measured in the process on as many threads,
            on the same OpenBLAS kernels; the output says which kernels and why. Then,
            unless --quick: the same ratios for batch 32 to 512 on 1 and 2 threads; the
            wall time of cnn-l epochs of 1024 to 8192 samples; what the dashboard costs a
            training (cnn-l epochs on synthetic images, alternately with and without
            the dashboard's reducer and renderer drawing off screen at its frame rate);
            and, with tmux installed, the time from launching 'mimic dashboard' to its
            first frame, and the time to load the data set behind it. This is not a
            test: absolute numbers on a shared machine vary; the ratios are what to
            compare.

            Unless --quick, it also times the residual networks the field distills:
            resnet-20's training step (batch 128) and evaluation (batch 512, the
            annotation's path) on 1x28x28 and 3x32x32 inputs, and resnet8x4's training on
            3x32x32, in up to three rounds, each figure for at least 2 seconds a round.
            With --pytorch PYTHON, PyTorch times the same networks, inputs, batches and
            threads in the same run (scripts/torch_bench.py), a round of its own after
            each of mimic's, and each figure gets its ratio to PyTorch's: both sides'
            best rounds.

            Examples:
              mimic bench
              mimic bench --json --threads 1
              mimic bench --quick
              mimic bench --threads 2 --pytorch ~/torch-venv/bin/python
            """)

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    @Option(parsing: .unconditional, help: "Threads the engine uses (default: one per core, or OPENBLAS_NUM_THREADS).")
    var threads: Int?

    @Option(parsing: .unconditional, help: "Minimum seconds of each measurement in a round (of a residual network's, at least 2).")
    var seconds: Double = 0.5

    @Option(parsing: .unconditional, help: "Rounds of the headline figures; each ratio is the best round's over the best sgemm.")
    var rounds: Int = 5

    @Flag(help: "Only the headline figures: skip the residual networks, the batch and thread scaling and the epoch times.")
    var quick = false

    @Option(help: ArgumentHelp("A Python with torch installed, to time the residual networks in PyTorch too.", valueName: "python"))
    var pytorch: String?

    /// The targets, as fractions of the same run's sgemm.
    static let targets: [(key: String, target: Double)] = [
        ("mlp_1024_train_ratio", 0.80), ("cnn_l_train_ratio", 0.55), ("annotate_ratio", 0.65),
        ("cnn_s_train_ratio", 0.45),
    ]
    /// The targets that are upper bounds.
    static let maximumTargets: [(key: String, target: Double)] = [
        ("dashboard_overhead_percent", 3), ("first_frame_ms", 250),
    ]

    /// The training the dashboard's cost is measured on: the default mentor and
    /// optimizer on 2,000 labeled synthetic images a epoch (under a second), tested on 500.
    static func dashboardRun(threads: Int) -> (ExperimentConfig, DataSet) {
        var config = ExperimentConfig()
        config.labeledFraction = 0.5
        config.threads = threads
        return (config, Benchmark.syntheticDataSet(train: 4_000, test: 500))
    }

    func run() throws {
        if let threads, threads < 1 || threads > 256 {
            throw UsageError("--threads \(threads) is out of range; pass a thread count from 1 to 256.")
        }
        guard seconds > 0, seconds <= 600 else {
            throw UsageError("--seconds \(seconds) is out of range; pass a time above 0 and up to 600 seconds.")
        }
        guard rounds >= 1, rounds <= 100 else {
            throw UsageError("--rounds \(rounds) is out of range; pass a count from 1 to 100.")
        }
        let results = measure()
        if json {
            let data = try JSONSerialization.data(withJSONObject: BenchPrinter.json(results), options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            BenchPrinter.printText(results)
        }
    }

    /// Every figure of one run: the benchmark's, then (unless --quick) the dashboard's
    /// cost and its first frame.
    private func measure() -> BenchResults {
        var notes: [String] = []
        // One thread count for both engines.
        let engineThreads = threads ?? Parallel.threads
        let torch = quick ? nil : pytorch.flatMap { python -> PyTorchRounds? in
            let executable = Bundle.main.executablePath ?? CommandLine.arguments[0]
            guard let script = PyTorchBench.script(executable: executable) else {
                notes.append("PyTorch was not measured: scripts/torch_bench.py is neither beside this binary's repository nor in the current folder; run mimic bench from the repository.")
                return nil
            }
            return PyTorchRounds(python: python, script: script, cases: Benchmark.networkCases,
                                 threads: engineThreads, seconds: Benchmark.networkSeconds(seconds))
        }
        let report = Benchmark.run(threads: engineThreads, seconds: seconds, rounds: rounds, scaling: !quick,
                                   epochs: !quick, networks: !quick,
                                   afterNetworkRound: torch.map { torch in { torch.measureRound() } })
        var results = BenchResults(report: report)
        results.notes += notes
        guard !quick else { return results }
        if let torch {
            results.pytorch = torch.best
            if let failure = torch.failure { results.notes.append("PyTorch was not measured: \(failure)") }
        }
        let (config, dataSet) = Self.dashboardRun(threads: report.threads)
        do {
            results.dashboard = try DashboardOverhead.measure(config: config, dataSet: dataSet, pairs: 12)
        } catch {
            results.notes.append("The dashboard's cost was not measured: \(error)")
        }
        (results.firstFrames, results.dataLoadSeconds) = measureFirstFrame(notes: &results.notes)
        return results
    }

    /// Launches of the dashboard in tmux, and the load of the data set it shows; empty
    /// or nil, with a note, when there is no tmux or no data set to show.
    private func measureFirstFrame(notes: inout [String]) -> ([Double], Double?) {
        let directory = DataSet.defaultDirectory
        guard FileManager.default.fileExists(atPath: directory) else {
            notes.append("The first frame was not timed: \(directory) is missing (apt-get install dataset-fashion-mnist).")
            return ([], nil)
        }
        let clock = ContinuousClock()
        let start = clock.now
        let loaded = (try? DataSet.load(from: directory)) != nil
        let loadSeconds = loaded ? (clock.now - start).seconds : nil
        let executable = Bundle.main.executablePath ?? CommandLine.arguments[0]
        guard let timing = FirstFrameTiming(executable: executable, dataDirectory: directory) else {
            notes.append("The first frame was not timed: tmux is not installed (apt-get install tmux).")
            return ([], loadSeconds)
        }
        do {
            return (try timing.measure(launches: 5), loadSeconds)
        } catch {
            notes.append("The first frame was not timed: \(error)")
            return ([], loadSeconds)
        }
    }

}

/// What one `mimic bench` measured.
struct BenchResults {
    let report: BenchmarkReport
    var dashboard: DashboardOverhead?
    var firstFrames: [Double] = []
    var dataLoadSeconds: Double?
    var pytorch: PyTorchBench?
    var notes: [String] = []

    /// Each headline figure as a ratio to the run's sgemm, by its JSON key.
    var ratios: [String: Double] {
        var ratios = [
            "mlp_1024_train_ratio": report.mlp1024Train.ratio,
            "cnn_l_train_ratio": report.cnnLTrain.ratio,
            "annotate_ratio": report.annotate.ratio,
        ]
        for student in report.studentTrain { ratios["\(student.key)_train_ratio"] = student.figure.ratio }
        for network in report.networks { ratios["\(network.case.key)_ratio"] = network.figure.ratio }
        return ratios
    }

    /// The figures whose targets are upper bounds, as measured.
    var measuredMaxima: [String: Double] {
        var maxima: [String: Double] = [:]
        if let dashboard { maxima["dashboard_overhead_percent"] = dashboard.percent }
        if !firstFrames.isEmpty { maxima["first_frame_ms"] = BenchPrinter.median(firstFrames) }
        return maxima
    }
}
