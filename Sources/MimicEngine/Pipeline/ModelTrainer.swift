import Foundation

/// The settings of one model's optimisation. Package-wide, as are the trainer, its
/// batches and the evaluator, for the benchmark, which times the real training path.
package struct TrainingSettings {
    var epochs: Int
    var batchSize: Int
    var optimizer: OptimizerKind
    var learningRate: Float
    /// The option that sets `learningRate`, named when the loss diverges.
    var learningRateFlag: String
    var momentum: Float
    var weightDecay: Float
    var schedule: LearningRateSchedule
    /// Train-metric points per epoch sent to listeners (test metrics come once per epoch).
    var pointsPerEpoch = 20

    package init(epochs: Int, batchSize: Int, optimizer: OptimizerKind, learningRate: Float, learningRateFlag: String,
                 momentum: Float, weightDecay: Float, schedule: LearningRateSchedule, pointsPerEpoch: Int = 20) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.optimizer = optimizer
        self.learningRate = learningRate
        self.learningRateFlag = learningRateFlag
        self.momentum = momentum
        self.weightDecay = weightDecay
        self.schedule = schedule
        self.pointsPerEpoch = pointsPerEpoch
    }
}

/// Trains one network epoch by epoch on its batches, evaluating on the test set at
/// the end of every epoch and publishing progress as it goes.
package final class ModelTrainer {
    let id: ModelID
    let network: Network
    let batches: TrainingBatches
    let settings: TrainingSettings
    let test: Evaluator
    let validation: Evaluator?
    /// The mentor's test predictions, for agreement; nil when training the mentor.
    let mentorPredictions: [UInt8]?
    /// The mentor's final test accuracy, for time-to-parity.
    let parityTarget: Double?
    private var random: SeededRandom

    /// The last test predictions, kept for the mentor's annotation step.
    private(set) var lastPredictions: [UInt8] = []
    /// Where to keep an epoch checkpoint after every epoch; nil keeps none.
    var epochCheckpointPath: String?
    /// An epoch checkpoint of this model to go on from, checked beforehand to fit it.
    var resumeFrom: EpochCheckpoint?

    package init(id: ModelID, network: Network, batches: TrainingBatches, settings: TrainingSettings,
         test: Evaluator, validation: Evaluator?, mentorPredictions: [UInt8]?, parityTarget: Double?,
         random: SeededRandom) {
        self.id = id
        self.network = network
        self.batches = batches
        self.settings = settings
        self.test = test
        self.validation = validation
        self.mentorPredictions = mentorPredictions
        self.parityTarget = parityTarget
        self.random = random
    }

    package func run(control: TrainingControl, emit: (TrainingEvent) -> Void) -> ModelResult {
        var result = ModelResult(id: id, parameters: network.parameterCount,
                                 forwardFLOPsPerSample: network.forwardFLOPsPerSample, status: .finished)
        let count = batches.count
        guard count > 0 else {
            result.status = .skipped("it has no training samples")
            return result
        }
        let batchSize = min(settings.batchSize, count)
        let classes = network.classes
        let optimizer = settings.optimizer.make(parameters: network.parameters, momentum: settings.momentum,
                                                weightDecay: settings.weightDecay)
        let stepsPerEpoch = (count + batchSize - 1) / batchSize
        let totalSteps = stepsPerEpoch * settings.epochs
        let pointEvery = max(1, stepsPerEpoch / max(1, settings.pointsPerEpoch))
        let input = FloatBuffer(capacity: batchSize * batches.sampleShape.count)
        let gradient = FloatBuffer(capacity: batchSize * classes)
        var order = Self.order(count: count, afterEpochs: 0, random: &random)
        let divergence = Self.divergenceBound(batches, classes: classes, batchSize: batchSize, scratch: gradient)

        var step = 0
        var samplesSeen = 0
        var firstEpoch = 1
        if let resumeFrom {
            let position = resumeFrom.position
            do {
                try resumeFrom.restore(into: network, optimizer: optimizer)
            } catch {
                preconditionFailure("the experiment checks an epoch checkpoint against its model before it runs: \(error)")
            }
            order = Self.order(count: count, afterEpochs: position.epoch, random: &random)
            precondition(random.state.hexDigits == position.shuffleState, "the experiment checks the shuffle state before it runs")
            step = position.step
            samplesSeen = position.samplesSeen
            firstEpoch = position.epoch + 1
            result.epochsCompleted = position.epoch
            result.trainingTime = position.trainingTime
            result.test = position.test
            result.timeToParity = position.timeToParity
        }
        var window = Accumulator()
        let clock = ContinuousClock()

        /// Train metrics over `span`: the steps since the last point mid-epoch, the whole
        /// epoch at its end (so epoch lines read as epoch means).
        func point(epoch: Int, span: Accumulator, test: Evaluation?, validation: Evaluation?) -> TrainingProgress {
            TrainingProgress(
                model: id, epoch: epoch, epochs: settings.epochs, step: step, samplesSeen: samplesSeen,
                trainingTime: result.trainingTime, trainLoss: span.meanLoss, trainAccuracy: span.accuracy,
                samplesPerSecond: span.samplesPerSecond, test: test, validation: validation)
        }

        // A stride, not a range: a model resumed after its last epoch has none left.
        for epoch in stride(from: firstEpoch, through: settings.epochs, by: 1) {
            order.shuffle(using: &random)
            var wholeEpoch = Accumulator()
            var start = 0
            while start < count {
                let goOn = control.waitIfPaused { emit($0 ? .paused : .resumed) }
                guard goOn else {
                    result.status = .stopped
                    return result
                }
                let batch = min(batchSize, count - start)
                let began = clock.now
                let (loss, hits) = order.withUnsafeBufferPointer { all in
                    let positions = UnsafeBufferPointer(rebasing: all[start..<start + batch])
                    batches.fillInputs(input.pointer, positions: positions, epoch: epoch)
                    let logits = network.forward(input.pointer, batch: batch, training: true)
                    return batches.loss(logits: logits, positions: positions, classes: classes, gradient: gradient.pointer)
                }
                guard loss.isFinite else {
                    result.status = .diverged(
                        "Training of \(id) diverged: its loss became \(loss) at epoch \(epoch), step \(step + 1); "
                            + "lower the learning rate (\(settings.learningRateFlag), now \(settings.learningRate)) or use another optimizer.")
                    return result
                }
                network.backward(gradient.pointer, batch: batch)
                optimizer.step(learningRate: settings.schedule.rate(base: settings.learningRate, step: step, totalSteps: totalSteps))
                let seconds = (clock.now - began).seconds
                step += 1
                start += batch
                samplesSeen += batch
                result.trainingTime += seconds
                window.add(loss: loss, hits: hits, samples: batch, seconds: seconds)
                wholeEpoch.add(loss: loss, hits: hits, samples: batch, seconds: seconds)
                if step % pointEvery == 0 && start < count {
                    emit(.progress(point(epoch: epoch, span: window, test: nil, validation: nil)))
                    window = Accumulator()
                }
            }
            guard wholeEpoch.meanLoss <= divergence.bound else {
                result.status = .diverged(
                    "Training of \(id) diverged: its mean loss in epoch \(epoch) was \(String(format: "%.3g", wholeEpoch.meanLoss)), "
                        + "over \(Int(Self.divergenceFactor)) times the \(String(format: "%.3g", divergence.reference)) of a network that has learnt nothing; "
                        + "lower the learning rate (\(settings.learningRateFlag), now \(settings.learningRate)) or use another optimizer.")
                return result
            }
            let (evaluation, predictions) = test.evaluate(network, mentorPredictions: mentorPredictions)
            lastPredictions = predictions
            let validated = validation?.evaluate(network).0
            result.epochsCompleted = epoch
            result.test = evaluation
            if result.timeToParity == nil, let parityTarget, evaluation.accuracy >= parityTarget {
                result.timeToParity = result.trainingTime
            }
            // The epoch's point is published before its checkpoint is kept, so a listener
            // that records points (the run store) never lags behind the checkpoint: a
            // process killed in between resumes from the epoch before, and sends this
            // epoch's points again, which the listener replaces. The other way round, a
            // kill there would leave the epoch's points unrecorded and never sent again.
            emit(.progress(point(epoch: epoch, span: wholeEpoch, test: evaluation, validation: validated)))
            if let epochCheckpointPath {
                let position = TrainingPosition(
                    model: id.name, optimizer: settings.optimizer, epoch: epoch, step: step, samplesSeen: samplesSeen,
                    trainingTime: result.trainingTime, optimizerSteps: optimizer.steps, shuffleState: random.state.hexDigits,
                    dropoutStates: network.layers.compactMap { ($0 as? Dropout)?.random.state.hexDigits },
                    test: result.test, timeToParity: result.timeToParity)
                do {
                    try EpochCheckpoint.write(network: network, optimizer: optimizer, position: position, to: epochCheckpointPath)
                } catch {
                    result.checkpointError = result.checkpointError ?? "\(error)"
                }
            }
            window = Accumulator()
        }
        if lastPredictions.isEmpty {
            // Resumed with no epoch left: the mentor's predictions are still wanted.
            lastPredictions = test.evaluate(network, mentorPredictions: mentorPredictions).predictions
        }
        return result
    }

    /// How far above the reference an epoch's mean loss may go before it is divergence.
    static let divergenceFactor = 100.0

    /// Past `bound` an epoch's mean training loss has diverged. NaN and inf are not enough:
    /// Adam's normalised step keeps an exploding loss finite (1e20 at --lr 1e9), and so
    /// can SGD. The reference is the loss of a network that has learnt nothing and says
    /// so, all logits zero: ln(classes) for cross-entropy, and for the mimic losses what
    /// the mentor's logits make of it (for mse, half their mean square), never less than
    /// ln(classes). Training starts near it and goes down; a hundred times it over a whole
    /// epoch means the weights have blown up, while a healthy run's brief spikes average
    /// out far below. Checked per epoch, so a resumed run reaches the same verdict.
    static func divergenceBound(_ batches: TrainingBatches, classes: Int, batchSize: Int,
                                scratch: FloatBuffer) -> (reference: Double, bound: Double) {
        let zeros = FloatBuffer(capacity: batchSize * classes)
        var total = 0.0
        var start = 0
        let positions = (0..<Int32(batches.count)).map { $0 }
        positions.withUnsafeBufferPointer { all in
            while start < all.count {
                let batch = min(batchSize, all.count - start)
                let (loss, _) = batches.loss(logits: zeros.pointer, positions: UnsafeBufferPointer(rebasing: all[start..<start + batch]),
                                             classes: classes, gradient: scratch.pointer)
                total += loss * Double(batch)
                start += batch
            }
        }
        let reference = max(total / Double(max(batches.count, 1)), log(Double(classes)))
        return (reference, divergenceFactor * reference)
    }

    /// The sample order as `epochs` epochs leave it. Each epoch shuffles the order the
    /// previous one left, so a resumed trainer replays the shuffles of the epochs done,
    /// which also leaves `random` where the uninterrupted trainer's would be.
    static func order(count: Int, afterEpochs epochs: Int, random: inout SeededRandom) -> [Int32] {
        var order = (0..<Int32(count)).map { $0 }
        for _ in 0..<epochs { order.shuffle(using: &random) }
        return order
    }
}

/// Sums of train metrics over a span of steps.
struct Accumulator {
    var loss = 0.0
    var hits = 0
    var samples = 0
    var seconds = 0.0

    mutating func add(loss batchLoss: Double, hits batchHits: Int, samples batch: Int, seconds elapsed: Double) {
        loss += batchLoss * Double(batch)
        hits += batchHits
        samples += batch
        seconds += elapsed
    }

    var meanLoss: Double { samples > 0 ? loss / Double(samples) : 0 }
    var accuracy: Double { samples > 0 ? Double(hits) / Double(samples) : 0 }
    var samplesPerSecond: Double { seconds > 0 ? Double(samples) / seconds : 0 }
}
