import Foundation

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

    /// What a run fixes before its first step: the batch, the optimizer, the buffers.
    private struct Setup {
        let batchSize: Int
        /// Samples each epoch trains on: all of them, but for a last batch too small for
        /// the network's batch norm (`Network.smallestTrainingBatch`), which is left out,
        /// as PyTorch's DataLoader(drop_last=True) would. The shuffle changes every epoch,
        /// so the sample left out does too.
        let samplesPerEpoch: Int
        let optimizer: any Optimizer
        let totalSteps: Int
        let stepsPerEpoch: Int
        /// Steps between the train-metric points sent mid-epoch.
        let pointEvery: Int
        let input: FloatBuffer
        let gradient: FloatBuffer
        let divergence: (reference: Double, bound: Double)
    }

    /// Where the run stands between steps.
    private struct State {
        var result: ModelResult
        var order: [Int32] = []
        var step = 0
        var samplesSeen = 0
        var firstEpoch = 1
        /// Train metrics since the last point sent.
        var window = Accumulator()
    }

    /// Restores the epoch checkpoint (if any), then trains epoch after epoch, each
    /// closed by its evaluation, point and checkpoint, as llm.c's loop reads.
    package func run(control: TrainingControl, emit: (TrainingEvent) -> Void) -> ModelResult {
        var state = State(result: ModelResult(id: id, parameters: network.parameterCount,
                                              forwardFLOPsPerSample: network.forwardFLOPsPerSample, status: .finished))
        guard batches.count > 0 else {
            state.result.status = .skipped("it has no training samples")
            return state.result
        }
        // The experiment refuses such a run before it starts; this keeps the trainer from
        // ever handing a batch norm a batch it cannot normalize.
        guard min(settings.batchSize, batches.count) >= network.smallestTrainingBatch else {
            state.result.status = .skipped("its batch norm needs batches of at least \(network.smallestTrainingBatch) samples")
            return state.result
        }
        let setup = makeSetup()
        state.order = Self.order(count: batches.count, afterEpochs: 0, random: &random)
        if let resumeFrom { restore(resumeFrom, setup, &state) }
        // A stride, not a range: a model resumed after its last epoch has none left.
        for epoch in stride(from: state.firstEpoch, through: settings.epochs, by: 1) {
            guard let wholeEpoch = trainEpoch(epoch, setup, &state, control: control, emit: emit),
                  closeEpoch(epoch, wholeEpoch, setup, &state, emit: emit) else { return state.result }
        }
        if lastPredictions.isEmpty {
            // Resumed with no epoch left: the mentor's predictions are still wanted.
            lastPredictions = test.evaluate(network, mentorPredictions: mentorPredictions).predictions
        }
        return state.result
    }

    private func makeSetup() -> Setup {
        let count = batches.count
        let batchSize = min(settings.batchSize, count)
        let classes = network.classes
        let remainder = count % batchSize
        let samplesPerEpoch = remainder > 0 && remainder < network.smallestTrainingBatch ? count - remainder : count
        let stepsPerEpoch = (samplesPerEpoch + batchSize - 1) / batchSize
        let gradient = FloatBuffer(capacity: batchSize * classes)
        return Setup(
            batchSize: batchSize,
            samplesPerEpoch: samplesPerEpoch,
            optimizer: settings.optimizer.make(parameters: network.parameters, momentum: settings.momentum,
                                               weightDecay: settings.weightDecay,
                                               decaysEveryParameter: settings.decaysEveryParameter),
            totalSteps: stepsPerEpoch * settings.epochs,
            stepsPerEpoch: stepsPerEpoch,
            pointEvery: max(1, stepsPerEpoch / max(1, settings.pointsPerEpoch)),
            input: FloatBuffer(capacity: batchSize * batches.sampleShape.count),
            gradient: gradient,
            divergence: Self.divergenceBound(batches, classes: classes, batchSize: batchSize, scratch: gradient))
    }

    /// Goes on after the epoch `checkpoint` closed: its weights and optimizer state, and
    /// the shuffle and counters where the uninterrupted run had them.
    private func restore(_ checkpoint: EpochCheckpoint, _ setup: Setup, _ state: inout State) {
        let position = checkpoint.position
        do {
            try checkpoint.restore(into: network, optimizer: setup.optimizer)
        } catch {
            preconditionFailure("the experiment checks an epoch checkpoint against its model before it runs: \(error)")
        }
        state.order = Self.order(count: batches.count, afterEpochs: position.epoch, random: &random)
        precondition(random.state.hexDigits == position.shuffleState, "the experiment checks the shuffle state before it runs")
        state.step = position.step
        state.samplesSeen = position.samplesSeen
        state.firstEpoch = position.epoch + 1
        state.result.epochsCompleted = position.epoch
        state.result.trainingTime = position.trainingTime
        state.result.test = position.test
        state.result.timeToParity = position.timeToParity
    }

    /// One pass over the batches in a new shuffle, sending a train-metric point every
    /// `pointEvery` steps. Returns the epoch's metrics, or nil when the run stopped or
    /// its loss is no number (the result says which).
    private func trainEpoch(_ epoch: Int, _ setup: Setup, _ state: inout State, control: TrainingControl,
                            emit: (TrainingEvent) -> Void) -> Accumulator? {
        let count = setup.samplesPerEpoch, classes = network.classes
        let clock = ContinuousClock()
        state.order.shuffle(using: &random)
        var wholeEpoch = Accumulator()
        var start = 0
        while start < count {
            let goOn = control.waitIfPaused { emit($0 ? .paused : .resumed) }
            guard goOn else {
                state.result.status = .stopped
                return nil
            }
            let batch = min(setup.batchSize, count - start)
            let began = clock.now
            let (loss, hits) = state.order.withUnsafeBufferPointer { all in
                let positions = UnsafeBufferPointer(rebasing: all[start..<start + batch])
                batches.fillInputs(setup.input.pointer, positions: positions, epoch: epoch)
                let logits = network.forward(setup.input.pointer, batch: batch, training: true)
                return batches.loss(logits: logits, positions: positions, classes: classes, gradient: setup.gradient.pointer)
            }
            guard loss.isFinite else {
                state.result.status = .diverged(
                    "Training of \(id) diverged: its loss became \(loss) at epoch \(epoch), step \(state.step + 1); "
                        + "lower the learning rate (\(settings.learningRateFlag), now \(settings.learningRate)) or use another optimizer.")
                return nil
            }
            network.backward(setup.gradient.pointer, batch: batch)
            setup.optimizer.step(learningRate: settings.schedule.rate(base: settings.learningRate, step: state.step,
                                                                      totalSteps: setup.totalSteps,
                                                                      stepsPerEpoch: setup.stepsPerEpoch))
            let seconds = (clock.now - began).seconds
            state.step += 1
            start += batch
            state.samplesSeen += batch
            state.result.trainingTime += seconds
            state.window.add(loss: loss, hits: hits, samples: batch, seconds: seconds)
            wholeEpoch.add(loss: loss, hits: hits, samples: batch, seconds: seconds)
            if state.step % setup.pointEvery == 0 && start < count {
                emit(.progress(point(epoch: epoch, span: state.window, state, test: nil, validation: nil)))
                state.window = Accumulator()
            }
        }
        return wholeEpoch
    }

    /// Ends epoch `epoch`: refuses a mean loss past the divergence bound, evaluates,
    /// sends the epoch's point, then keeps its checkpoint. False when it diverged.
    private func closeEpoch(_ epoch: Int, _ wholeEpoch: Accumulator, _ setup: Setup, _ state: inout State,
                            emit: (TrainingEvent) -> Void) -> Bool {
        guard wholeEpoch.meanLoss <= setup.divergence.bound else {
            state.result.status = .diverged(
                "Training of \(id) diverged: its mean loss in epoch \(epoch) was \(String(format: "%.3g", wholeEpoch.meanLoss)), "
                    + "over \(Int(Self.divergenceFactor)) times the \(String(format: "%.3g", setup.divergence.reference)) of a network that has learnt nothing; "
                    + "lower the learning rate (\(settings.learningRateFlag), now \(settings.learningRate)) or use another optimizer.")
            return false
        }
        let (evaluation, predictions) = test.evaluate(network, mentorPredictions: mentorPredictions)
        lastPredictions = predictions
        let validated = validation?.evaluate(network).0
        state.result.epochsCompleted = epoch
        state.result.test = evaluation
        if state.result.timeToParity == nil, let parityTarget, evaluation.accuracy >= parityTarget {
            state.result.timeToParity = state.result.trainingTime
        }
        // The epoch's point is published before its checkpoint is kept, so a listener
        // that records points (the run store) never lags behind the checkpoint: a
        // process killed in between resumes from the epoch before, and sends this
        // epoch's points again, which the listener replaces. The other way round, a
        // kill there would leave the epoch's points unrecorded and never sent again.
        emit(.progress(point(epoch: epoch, span: wholeEpoch, state, test: evaluation, validation: validated)))
        if let epochCheckpointPath {
            let position = TrainingPosition(
                model: id.name, optimizer: settings.optimizer, epoch: epoch, step: state.step, samplesSeen: state.samplesSeen,
                trainingTime: state.result.trainingTime, optimizerSteps: setup.optimizer.steps, shuffleState: random.state.hexDigits,
                dropoutStates: network.layers.compactMap { ($0 as? Dropout)?.random.state.hexDigits },
                test: state.result.test, timeToParity: state.result.timeToParity)
            do {
                try EpochCheckpoint.write(network: network, optimizer: setup.optimizer, position: position, to: epochCheckpointPath)
            } catch {
                state.result.checkpointError = state.result.checkpointError ?? "\(error)"
            }
        }
        state.window = Accumulator()
        return true
    }

    /// Train metrics over `span`: the steps since the last point mid-epoch, the whole
    /// epoch at its end (so epoch lines read as epoch means).
    private func point(epoch: Int, span: Accumulator, _ state: State, test: Evaluation?, validation: Evaluation?) -> TrainingProgress {
        TrainingProgress(
            model: id, epoch: epoch, epochs: settings.epochs, step: state.step, samplesSeen: state.samplesSeen,
            trainingTime: state.result.trainingTime, trainLoss: span.meanLoss, trainAccuracy: span.accuracy,
            samplesPerSecond: span.samplesPerSecond, test: test, validation: validation)
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
