import Foundation

/// Throughput figures measured in one process, so that they can be read as ratios
/// to the same process's GEMM speed: on a shared machine only ratios are stable.
public struct BenchmarkReport: Sendable, Codable {
    public var threads: Int
    public var sgemmGFLOPS: Double
    public var mlp1024TrainSamplesPerSecond: Double
    public var mlp1024TrainGFLOPS: Double
    public var cnnLTrainSamplesPerSecond: Double
    public var cnnLTrainGFLOPS: Double
    public var annotateSamplesPerSecond: Double
    public var annotateGFLOPS: Double
}

public enum Benchmark {
    /// Each figure is the best of `rounds` rounds of at least `seconds` each: the
    /// best round is the one least disturbed by other work on the machine.
    public static func run(threads: Int? = nil, seconds: Double = 1, rounds: Int = 3) -> BenchmarkReport {
        if let threads { BLAS.threads = threads }
        let fashion = SampleShape(channels: 1, height: 28, width: 28)
        let sgemm = best(rounds) { sgemmGFLOPS(size: 1024, seconds: seconds) }
        let mlp = best(rounds) { trainingSamplesPerSecond(spec: "mlp-1024", input: fashion, batch: 128, seconds: seconds) }
        let cnn = best(rounds) { trainingSamplesPerSecond(spec: "cnn-l", input: fashion, batch: 128, seconds: seconds) }
        let annotate = best(rounds) { inferenceSamplesPerSecond(spec: "cnn-l", input: fashion, batch: 512, seconds: seconds) }
        let mlpFLOPs = Double(network("mlp-1024", input: fashion).trainingFLOPsPerSample)
        let cnnNetwork = network("cnn-l", input: fashion)
        return BenchmarkReport(
            threads: BLAS.threads, sgemmGFLOPS: sgemm,
            mlp1024TrainSamplesPerSecond: mlp, mlp1024TrainGFLOPS: mlp * mlpFLOPs / 1e9,
            cnnLTrainSamplesPerSecond: cnn, cnnLTrainGFLOPS: cnn * Double(cnnNetwork.trainingFLOPsPerSample) / 1e9,
            annotateSamplesPerSecond: annotate,
            annotateGFLOPS: annotate * Double(cnnNetwork.forwardFLOPsPerSample) / 1e9)
    }

    private static func best(_ rounds: Int, _ measure: () -> Double) -> Double {
        (0..<max(1, rounds)).map { _ in measure() }.max() ?? 0
    }

    private static func network(_ spec: String, input: SampleShape) -> Network {
        try! Network(spec: ArchitectureSpec(spec), input: input, classes: 10, random: SeededRandom(seed: 1))
    }

    /// Runs `body` (which does `work` units per call) until `seconds` have passed; units per second.
    private static func timed(seconds: Double, work: Int, _ body: () -> Void) -> Double {
        body()  // warm-up: buffers allocated, caches filled
        let clock = ContinuousClock()
        let start = clock.now
        var done = 0
        var elapsed = 0.0
        repeat {
            body()
            done += work
            elapsed = (clock.now - start).seconds
        } while elapsed < seconds
        return Double(done) / elapsed
    }

    public static func sgemmGFLOPS(size n: Int, seconds: Double) -> Double {
        var random = SeededRandom(seed: 1)
        let a = (0..<n * n).map { _ in random.nextUnitFloat() }
        let b = (0..<n * n).map { _ in random.nextUnitFloat() }
        var c = [Float](repeating: 0, count: n * n)
        let perSecond = timed(seconds: seconds, work: 1) {
            BLAS.gemm(m: n, n: n, k: n, a: a, lda: n, b: b, ldb: n, c: &c, ldc: n)
        }
        return perSecond * 2 * Double(n * n * n) / 1e9
    }

    /// Synthetic images and labels through the real training path: UInt8 to Float,
    /// forward, cross-entropy, backward and an SGD-with-momentum step.
    public static func trainingSamplesPerSecond(spec: String, input: SampleShape, batch: Int, seconds: Double) -> Double {
        let set = syntheticSet(shape: input, count: 4 * batch)
        let batches = SupervisedBatches(set)
        let model = network(spec, input: input)
        let optimizer = SGD(parameters: model.parameters, momentum: 0.9)
        let x = FloatBuffer(capacity: batch * input.count)
        let gradient = FloatBuffer(capacity: batch * model.classes)
        let positions = (0..<Int32(set.count)).map { $0 }
        var start = 0
        return timed(seconds: seconds, work: batch) {
            positions.withUnsafeBufferPointer { all in
                let rows = UnsafeBufferPointer(rebasing: all[start..<start + batch])
                batches.fillInputs(x.pointer, positions: rows)
                let logits = model.forward(x.pointer, batch: batch, training: true)
                _ = batches.loss(logits: logits, positions: rows, classes: model.classes, gradient: gradient.pointer)
                model.backward(gradient.pointer, batch: batch)
                optimizer.step(learningRate: 0.001)
            }
            start = (start + batch) % set.count
        }
    }

    /// Batched inference, as the mentor does when it annotates the unlabeled pool.
    public static func inferenceSamplesPerSecond(spec: String, input: SampleShape, batch: Int, seconds: Double) -> Double {
        let set = syntheticSet(shape: input, count: batch)
        let model = network(spec, input: input)
        let pool = UnlabeledPool(images: set.images, rows: set.rows)
        return timed(seconds: seconds, work: batch) {
            _ = MentorAnnotation(mentor: model, pool: pool, batchSize: batch)
        }
    }

    private static func syntheticSet(shape: SampleShape, count: Int) -> LabeledSubset {
        var random = SeededRandom(seed: 2, stream: "bench")
        let pixels = (0..<count * shape.count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        let labels = (0..<count).map { _ in UInt8(random.next() % 10) }
        let table = ImageTable(shape: shape, pixels: pixels)
        return LabeledSubset(images: table, rows: (0..<Int32(count)).map { $0 }, labels: labels)
    }
}
