/// Throughput figures measured in one process, read as ratios to the same process's
/// GEMM speed: on a shared machine only ratios are stable.
///
/// Each figure is measured in several rounds, each between two `cblas_sgemm`
/// measurements, and its ratio is the median over the rounds of its GFLOPS over the
/// mean of the two sgemm around it. Another process that takes a core for a while
/// then slows a figure and its reference together, and the median ignores the odd
/// round that caught the start or end of such a burst. Absolute figures are the best
/// round's, for information.
public struct BenchmarkReport: Sendable, Codable {
    /// Threads the engine used for the headline figures.
    public var threads: Int
    /// OpenBLAS's kernel family for this CPU and its build configuration.
    public var openBLASCore: String
    public var openBLASConfiguration: String
    /// A 1024x1024x1024 `cblas_sgemm` with OpenBLAS running `threads` threads of its
    /// own, the reference of every ratio (best round).
    public var sgemmGFLOPS: Double
    /// The same product split across the engine's threads, as it does its own products.
    public var sgemmEngineSplitGFLOPS: Double
    public var mlp1024Train: Figure
    public var cnnLTrain: Figure
    public var annotate: Figure
    /// Training throughput by batch size and thread count; empty when skipped.
    public var scaling: [ScalingPoint]
    /// Wall time of whole training epochs of growing size; empty when skipped.
    public var epochs: [EpochPoint]

    public struct Figure: Sendable, Codable {
        public var samplesPerSecond: Double
        public var gflops: Double
        /// Median over rounds of GFLOPS over the sgemm measured around it.
        public var ratio: Double
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
        /// To the 1024³ sgemm on the same number of threads, measured around it.
        public var ratio: Double
    }

    public struct EpochPoint: Sendable, Codable {
        public var spec: String
        public var samples: Int
        public var seconds: Double
        public var samplesPerSecond: Double { seconds > 0 ? Double(samples) / seconds : 0 }
    }
}
