import Foundation
import MimicEngine

/// Takes the figures of a `BenchmarkReport`: the engine's own training, annotation
/// and epoch paths on synthetic images, each measured between two `cblas_sgemm`, on
/// whichever OpenBLAS kernels this process runs.
public enum Benchmark {
    public static let scalingBatches = [32, 64, 128, 256, 512]
    public static let scalingSpecs = ["mlp-1024", "cnn-l"]
    public static let epochSizes = [1024, 2048, 4096, 8192]

    /// The students of the default `mimic train` and the protocol's smallest, timed on
    /// their own training step.
    public static let studentSpecs = ["cnn-s", "mlp-256", "mlp-64"]

    /// The residual networks the field distills, as they are compared with PyTorch:
    /// resnet-20's training step at batch 128 and its evaluation (the annotation's path)
    /// at batch 512, on Fashion-MNIST's and CIFAR's inputs, and resnet8x4's training.
    public static let networkCases: [NetworkCase] = [
        NetworkCase(spec: "resnet-20", input: SampleShape(channels: 1, height: 28, width: 28), training: true, batch: 128),
        NetworkCase(spec: "resnet-20", input: SampleShape(channels: 3, height: 32, width: 32), training: true, batch: 128),
        NetworkCase(spec: "resnet-20", input: SampleShape(channels: 1, height: 28, width: 28), training: false, batch: 512),
        NetworkCase(spec: "resnet-20", input: SampleShape(channels: 3, height: 32, width: 32), training: false, batch: 512),
        NetworkCase(spec: "resnet8x4", input: SampleShape(channels: 3, height: 32, width: 32), training: true, batch: 128),
    ]

    /// The best GFLOPS of a 1024³ sgemm measured so far in this process, per thread
    /// count, whichever way it was threaded: the reference of every ratio on that many
    /// threads. The best, because every other reading was slowed by something else.
    private struct BestSGEMM {
        private var best: [Int: Double] = [:]
        mutating func note(_ gflops: Double, threads: Int) { best[threads] = max(best[threads] ?? 0, gflops) }
        func callAsFunction(threads: Int) -> Double { best[threads] ?? 0 }
    }

    /// Measures each of `figures` (units per second) once, each between two sgemm
    /// measurements on `threads` threads, `rounds` times over, and calls `afterRound`
    /// after each round; each figure's best rate. Interleaving spreads a figure's rounds
    /// and the sgemm's over the same stretch of time, so a burst of other work does not
    /// fall on one of them alone.
    private static func interleaved(threads: Int, seconds: Double, rounds: Int, sgemm: inout BestSGEMM,
                                    afterRound: (() -> Void)? = nil, _ figures: [() -> Double]) -> [Double] {
        var best = [Double](repeating: 0, count: figures.count)
        for _ in 0..<max(1, rounds) {
            sgemm.note(openBLASThreadedSGEMM(threads: threads, seconds: seconds), threads: threads)
            for (index, measure) in figures.enumerated() {
                best[index] = max(best[index], measure())
                sgemm.note(openBLASThreadedSGEMM(threads: threads, seconds: seconds), threads: threads)
            }
            afterRound?()
        }
        return best
    }

    /// Rounds of the residual networks: a step takes up to half a second, so there are
    /// at most three rounds.
    static func networkRounds(_ rounds: Int) -> Int { min(rounds, 3) }
    /// Seconds of a residual network's figure in a round: at least 2, several steps.
    public static func networkSeconds(_ seconds: Double) -> Double { max(seconds, 2) }

    /// `afterNetworkRound`, when given, runs after each round of the residual networks: another
    /// framework's round of the same networks, so that both sides' best rounds come from
    /// the same stretch of the machine's time.
    public static func run(threads: Int? = nil, seconds: Double = 0.5, rounds: Int = 5,
                           scaling: Bool = true, epochs: Bool = true, networks: Bool = true,
                           afterNetworkRound: (() -> Void)? = nil) -> BenchmarkReport {
        if let threads { Parallel.threads = threads }
        let threads = Parallel.threads
        let fashion = SampleShape(channels: 1, height: 28, width: 28)
        let studentBatch = ExperimentConfig().batchSize
        func trainingFLOPs(_ spec: String) -> Double { Double(network(spec, input: fashion).trainingFLOPsPerSample) }
        let mlpFLOPs = trainingFLOPs("mlp-1024")
        let cnnTrainFLOPs = trainingFLOPs("cnn-l")
        let cnnInferenceFLOPs = Double(network("cnn-l", input: fashion).forwardFLOPsPerSample)
        let studentFLOPs = studentSpecs.map(trainingFLOPs)

        var sgemm = BestSGEMM()
        let headline = interleaved(threads: threads, seconds: seconds, rounds: rounds, sgemm: &sgemm, [
            { trainingSamplesPerSecond(spec: "mlp-1024", input: fashion, batch: 128, seconds: seconds) },
            { trainingSamplesPerSecond(spec: "cnn-l", input: fashion, batch: 128, seconds: seconds) },
            { inferenceSamplesPerSecond(spec: "cnn-l", input: fashion, batch: 512, seconds: seconds) },
        ] + studentSpecs.map { spec in
            { studentTrainingSamplesPerSecond(spec: spec, input: fashion, batch: studentBatch, seconds: seconds) }
        })
        let figureSeconds = networkSeconds(seconds)
        let networkRates = networks ? interleaved(threads: threads, seconds: seconds, rounds: networkRounds(rounds),
                                                  sgemm: &sgemm, afterRound: afterNetworkRound, networkCases.map { item in {
            item.training
                ? trainingSamplesPerSecond(spec: item.spec, input: item.input, batch: item.batch, seconds: figureSeconds)
                : inferenceSamplesPerSecond(spec: item.spec, input: item.input, batch: item.batch, seconds: figureSeconds)
        } }) : []
        let openBLASThreaded = sgemm(threads: threads)
        let split = (0..<max(1, rounds / 2)).map { _ in sgemmGFLOPS(size: 1024, seconds: seconds) }.max() ?? 0
        sgemm.note(split, threads: threads)

        var scalingRates: [(spec: String, batch: Int, threads: Int, rate: Double)] = []
        if scaling {
            for count in Array(Set([1, 2, threads])).sorted() {
                Parallel.threads = count
                for spec in scalingSpecs {
                    let rates = interleaved(threads: count, seconds: seconds / 2, rounds: 3, sgemm: &sgemm, scalingBatches.map { batch in
                        { trainingSamplesPerSecond(spec: spec, input: fashion, batch: batch, seconds: seconds / 2) }
                    })
                    scalingRates += zip(scalingBatches, rates).map { (spec, $0, count, $1) }
                }
            }
            Parallel.threads = threads
        }

        var epochPoints: [BenchmarkReport.EpochPoint] = []
        if epochs {
            _ = epochSeconds(spec: "cnn-l", input: fashion, samples: 256)  // warm-up
            // Two passes over the sizes, keeping each size's faster epoch.
            var fastest = [Double](repeating: .infinity, count: epochSizes.count)
            for _ in 0..<2 {
                for (index, samples) in epochSizes.enumerated() {
                    fastest[index] = min(fastest[index], epochSeconds(spec: "cnn-l", input: fashion, samples: samples))
                }
            }
            epochPoints = zip(epochSizes, fastest).map { .init(spec: "cnn-l", samples: $0, seconds: $1) }
        }

        // Ratios last, once every sgemm of the run is in.
        func figure(_ rate: Double, flops: Double) -> BenchmarkReport.Figure {
            .init(samplesPerSecond: rate, gflops: rate * flops / 1e9, sgemmGFLOPS: sgemm(threads: threads))
        }
        let points = scalingRates.map { point in
            BenchmarkReport.ScalingPoint(
                spec: point.spec, batch: point.batch, threads: point.threads, samplesPerSecond: point.rate,
                gflops: point.rate * trainingFLOPs(point.spec) / 1e9, sgemmGFLOPS: sgemm(threads: point.threads))
        }
        let kernels = OpenBLASKernelChoice.Situation.current
        let choice = OpenBLASKernelChoice.decide(kernels)
        return BenchmarkReport(
            threads: threads, openBLASCore: kernels.core, openBLASCoreChosenBy: choice.chosenBy.rawValue,
            openBLASCoreReason: choice.reason, openBLASConfiguration: BLAS.configuration,
            sgemmGFLOPS: sgemm(threads: threads), sgemmOpenBLASThreadsGFLOPS: openBLASThreaded, sgemmEngineSplitGFLOPS: split,
            mlp1024Train: figure(headline[0], flops: mlpFLOPs),
            cnnLTrain: figure(headline[1], flops: cnnTrainFLOPs),
            annotate: figure(headline[2], flops: cnnInferenceFLOPs),
            studentTrain: studentSpecs.indices.map {
                .init(spec: studentSpecs[$0], figure: figure(headline[3 + $0], flops: studentFLOPs[$0]))
            },
            scaling: points, epochs: epochPoints,
            networks: zip(networkCases, networkRates).map { item, rate in
                let model = network(item.spec, input: item.input)
                let flops = Double(item.training ? model.trainingFLOPsPerSample : model.forwardFLOPsPerSample)
                return .init(case: item, figure: figure(rate, flops: flops))
            })
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

    /// GFLOPS of an n³ product split across the engine's threads, as the engine runs
    /// its own products.
    public static func sgemmGFLOPS(size n: Int, seconds: Double) -> Double {
        var random = SeededRandom(seed: 1)
        let a = (0..<n * n).map { _ in random.nextUnitFloat() }
        let b = (0..<n * n).map { _ in random.nextUnitFloat() }
        var c = [Float](repeating: 0, count: n * n)
        let perSecond = timed(seconds: seconds, work: 1) {
            BLAS.parallelGemm(m: n, n: n, k: n, a: a, lda: n, b: b, ldb: n, c: &c, ldc: n)
        }
        return perSecond * 2 * Double(n * n * n) / 1e9
    }

    /// GFLOPS of a 1024³ product with OpenBLAS running `threads` threads of its own.
    /// OpenBLAS goes back to one thread afterwards, and its idle workers, which spin
    /// for a while before they sleep, get time to sleep before the next figure.
    static func openBLASThreadedSGEMM(threads: Int, seconds: Double) -> Double {
        BLAS.threads = threads
        let n = 1024
        var random = SeededRandom(seed: 1)
        let a = (0..<n * n).map { _ in random.nextUnitFloat() }
        let b = (0..<n * n).map { _ in random.nextUnitFloat() }
        var c = [Float](repeating: 0, count: n * n)
        let perSecond = timed(seconds: seconds, work: 1) {
            BLAS.gemm(m: n, n: n, k: n, a: a, lda: n, b: b, ldb: n, c: &c, ldc: n)
        }
        BLAS.threads = 1
        if threads > 1 { usleep(300_000) }
        return perSecond * 2 * Double(n * n * n) / 1e9
    }

    /// Synthetic images and labels through the real training path: UInt8 to Float,
    /// forward, cross-entropy, backward and an SGD-with-momentum step.
    public static func trainingSamplesPerSecond(spec: String, input: SampleShape, batch: Int, seconds: Double) -> Double {
        let model = network(spec, input: input)
        return stepsPerSecond(model: model, batches: SupervisedBatches(syntheticSet(shape: input, count: 4 * batch)),
                              optimizer: SGD(parameters: model.parameters, momentum: 0.9), learningRate: 0.001,
                              batch: batch, seconds: seconds)
    }

    /// A student's step as `mimic train` takes it: unlabeled synthetic images, stored
    /// mentor logits for them, the default loss (kd at the default temperature), and
    /// the default optimizer and student learning rate.
    public static func studentTrainingSamplesPerSecond(spec: String, input: SampleShape, batch: Int, seconds: Double) -> Double {
        let config = ExperimentConfig()
        let images = syntheticSet(shape: input, count: 4 * batch)
        let pool = UnlabeledPool(images: images.images, rows: images.rows)
        // Logits of an untrained mentor's size (a few units either way); the loss costs
        // the same whatever they are.
        var random = SeededRandom(seed: 4, stream: "bench mentor logits")
        let classes = 10
        let logits = (0..<pool.count * classes).map { _ in 6 * random.nextUnitFloat() - 3 }
        let batches = MimicBatches(pool: pool, annotation: MentorAnnotation(classes: classes, logits: logits),
                                   loss: config.loss, temperature: config.temperature)
        let model = network(spec, input: input)
        let optimizer = config.optimizer.make(parameters: model.parameters, momentum: config.momentum,
                                              weightDecay: config.weightDecay)
        return stepsPerSecond(model: model, batches: batches, optimizer: optimizer,
                              learningRate: config.studentLearningRate, batch: batch, seconds: seconds)
    }

    /// The trainer's step (inputs, forward, loss, backward, optimizer) over the batches'
    /// first four batches in turn; samples per second.
    private static func stepsPerSecond(model: Network, batches: TrainingBatches, optimizer: any Optimizer,
                                       learningRate: Float, batch: Int, seconds: Double) -> Double {
        let x = FloatBuffer(capacity: batch * batches.sampleShape.count)
        let gradient = FloatBuffer(capacity: batch * model.classes)
        let positions = (0..<Int32(batches.count)).map { $0 }
        var start = 0
        return timed(seconds: seconds, work: batch) {
            positions.withUnsafeBufferPointer { all in
                let rows = UnsafeBufferPointer(rebasing: all[start..<start + batch])
                batches.fillInputs(x.pointer, positions: rows, epoch: 1)
                let logits = model.forward(x.pointer, batch: batch, training: true)
                _ = batches.loss(logits: logits, positions: rows, classes: model.classes, gradient: gradient.pointer)
                model.backward(gradient.pointer, batch: batch)
                optimizer.step(learningRate: learningRate)
            }
            start = (start + batch) % batches.count
        }
    }

    /// Batched inference, as the mentor does when it annotates the unlabeled pool: a pool
    /// of four batches per call, so that setting up the output, which the real pool of
    /// 54,000 images pays once, is spread as it is there.
    public static func inferenceSamplesPerSecond(spec: String, input: SampleShape, batch: Int, seconds: Double) -> Double {
        let set = syntheticSet(shape: input, count: 4 * batch)
        let model = network(spec, input: input)
        let pool = UnlabeledPool(images: set.images, rows: set.rows)
        return timed(seconds: seconds, work: pool.count) {
            _ = MentorAnnotation(mentor: model, pool: pool, batchSize: batch)
        }
    }

    /// Wall time of one epoch of the real trainer (shuffle, steps, the end-of-epoch
    /// evaluation on a token test set) over `samples` synthetic images, batch 128, SGD.
    static func epochSeconds(spec: String, input: SampleShape, samples: Int) -> Double {
        let set = syntheticSet(shape: input, count: samples)
        let test = syntheticSet(shape: input, count: 16)
        let settings = TrainingSettings(epochs: 1, batchSize: 128, optimizer: .sgd, learningRate: 0.001, learningRateFlag: "--lr",
                                        momentum: 0.9, weightDecay: 0, schedule: .constant)
        let trainer = ModelTrainer(
            id: ModelID(role: .mentor, index: 1, spec: spec), network: network(spec, input: input),
            batches: SupervisedBatches(set), settings: settings, test: Evaluator(test), validation: nil,
            mentorPredictions: nil, parityTarget: nil, random: SeededRandom(seed: 3))
        let clock = ContinuousClock()
        let start = clock.now
        _ = trainer.run(control: TrainingControl()) { _ in }
        return (clock.now - start).seconds
    }

    /// Random images and labels in the shape of Fashion-MNIST's, for timing a whole run
    /// without the data on disk; nothing learns from them.
    public static func syntheticDataSet(shape: SampleShape = SampleShape(channels: 1, height: 28, width: 28),
                                        train: Int, test: Int) -> DataSet {
        let trainSet = syntheticSet(shape: shape, count: train)
        let testSet = syntheticSet(shape: shape, count: test, seed: 3)
        // Labels below 10 and equal counts: the initializer cannot throw.
        return try! DataSet(name: "synthetic", classNames: (0..<10).map { "class \($0)" },
                            train: trainSet.images, trainLabels: trainSet.labels,
                            test: testSet.images, testLabels: testSet.labels)
    }

    private static func syntheticSet(shape: SampleShape, count: Int, seed: UInt64 = 2) -> LabeledSubset {
        var random = SeededRandom(seed: seed, stream: "bench")
        let pixels = (0..<count * shape.count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        let labels = (0..<count).map { _ in UInt8(random.next() % 10) }
        let table = ImageTable(shape: shape, pixels: pixels)
        return LabeledSubset(images: table, rows: (0..<Int32(count)).map { $0 }, labels: labels)
    }
}
