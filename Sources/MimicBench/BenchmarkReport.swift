import MimicEngine

/// Throughput figures measured in one process, read as ratios to the same process's
/// GEMM speed, on the same OpenBLAS kernels: on a shared machine only ratios are stable.
///
/// Each figure is measured in several rounds, each between two `cblas_sgemm`
/// measurements, so that the figure's rounds and the sgemm's share the same stretch
/// of time. A ratio is the figure's best round over the best sgemm measured in the
/// whole process on as many threads: both are the readings least slowed by other
/// work, and a ratio can be checked as `gflops / sgemm_gflops`.
public struct BenchmarkReport: Sendable, Codable {
    /// Threads the engine used for the headline figures.
    public var threads: Int
    /// The kernel family OpenBLAS runs in this process, who chose it (mimic,
    /// OPENBLAS_CORETYPE or OpenBLAS) and why, and OpenBLAS's build configuration.
    public var openBLASCore: String
    public var openBLASCoreChosenBy: String
    public var openBLASCoreReason: String
    public var openBLASConfiguration: String
    /// The best 1024x1024x1024 `cblas_sgemm` measured in this process on `threads`
    /// threads, either way: the reference of every ratio on that many threads.
    public var sgemmGFLOPS: Double
    /// Its best with OpenBLAS running `threads` threads of its own.
    public var sgemmOpenBLASThreadsGFLOPS: Double
    /// Its best split across the engine's threads, as it does its own products.
    public var sgemmEngineSplitGFLOPS: Double
    public var mlp1024Train: Figure
    public var cnnLTrain: Figure
    public var annotate: Figure
    /// The students' step (kd against stored mentor logits), in `Benchmark.studentSpecs` order.
    public var studentTrain: [StudentFigure]
    /// Training throughput by batch size and thread count; empty when skipped.
    public var scaling: [ScalingPoint]
    /// Wall time of whole training epochs of growing size; empty when skipped.
    public var epochs: [EpochPoint]
    /// The residual networks' figures, in `Benchmark.networkCases` order; empty when skipped.
    public var networks: [NetworkFigure] = []

    public struct NetworkFigure: Sendable, Codable {
        public var `case`: NetworkCase
        public var figure: Figure
    }

    public struct Figure: Sendable, Codable {
        public var samplesPerSecond: Double
        public var gflops: Double
        /// GFLOPS over the best sgemm of the process on as many threads.
        public var ratio: Double
    }

    public struct StudentFigure: Sendable, Codable {
        public var spec: String
        public var figure: Figure
        /// The spec as a JSON key: "mlp_256" for mlp-256.
        public var key: String { String(spec.map { $0 == "-" ? "_" : $0 }) }
    }

    /// The least-squares line through the epoch times, seconds = fixed + perSample ·
    /// samples, and the largest distance of a measured epoch from it, as a fraction of
    /// that epoch's time: small when an epoch costs the same per sample at any size.
    public var epochFit: (fixed: Double, perSample: Double, worstDeviation: Double)? {
        guard epochs.count >= 2 else { return nil }
        let n = Double(epochs.count)
        let xs = epochs.map { Double($0.samples) }, ys = epochs.map(\.seconds)
        let meanX = xs.reduce(0, +) / n, meanY = ys.reduce(0, +) / n
        let covariance = zip(xs, ys).reduce(0) { $0 + ($1.0 - meanX) * ($1.1 - meanY) }
        let variance = xs.reduce(0) { $0 + ($1 - meanX) * ($1 - meanX) }
        guard variance > 0 else { return nil }
        let slope = covariance / variance
        let fixed = meanY - slope * meanX
        let worst = zip(xs, ys).map { abs($1 - (fixed + slope * $0)) / $1 }.max() ?? 0
        return (fixed, slope, worst)
    }

    public struct ScalingPoint: Sendable, Codable {
        public var spec: String
        public var batch: Int
        public var threads: Int
        public var samplesPerSecond: Double
        public var gflops: Double
        /// To the best 1024³ sgemm of the process on the same number of threads.
        public var ratio: Double
    }

    public struct EpochPoint: Sendable, Codable {
        public var spec: String
        public var samples: Int
        public var seconds: Double
        public var samplesPerSecond: Double { seconds > 0 ? Double(samples) / seconds : 0 }
    }
}

extension BenchmarkReport.Figure {
    init(samplesPerSecond: Double, gflops: Double, sgemmGFLOPS: Double) {
        self.init(samplesPerSecond: samplesPerSecond, gflops: gflops, ratio: sgemmGFLOPS > 0 ? gflops / sgemmGFLOPS : 0)
    }
}

extension BenchmarkReport.ScalingPoint {
    init(spec: String, batch: Int, threads: Int, samplesPerSecond: Double, gflops: Double, sgemmGFLOPS: Double) {
        self.init(spec: spec, batch: batch, threads: threads, samplesPerSecond: samplesPerSecond, gflops: gflops,
                  ratio: sgemmGFLOPS > 0 ? gflops / sgemmGFLOPS : 0)
    }
}

/// One network's figure: its training step or its evaluation, on one input and batch.
public struct NetworkCase: Sendable, Codable, Hashable {
    public var spec: String
    /// The input's channels, height and width.
    public var channels, height, width: Int
    public var training: Bool
    public var batch: Int

    public init(spec: String, input: SampleShape, training: Bool, batch: Int) {
        self.spec = spec
        (channels, height, width) = (input.channels, input.height, input.width)
        self.training = training
        self.batch = batch
    }

    public var input: SampleShape { SampleShape(channels: channels, height: height, width: width) }

    /// "resnet_20_1x28x28_train": the figure's JSON key.
    public var key: String {
        String(spec.map { $0 == "-" ? "_" : $0 }) + "_\(input)_" + (training ? "train" : "eval")
    }

    /// "resnet-20:1x28x28:train:128", as scripts/torch_bench.py takes it.
    public var torchName: String { "\(spec):\(input):\(training ? "train" : "eval"):\(batch)" }

    /// "resnet-20 1x28x28 train, batch 128", for a table.
    public var title: String { "\(spec) \(input) \(training ? "train" : "eval"), batch \(batch)" }
}
