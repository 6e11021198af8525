import Foundation

/// The four phases of a run, in order: the mentor, its annotation and the students,
/// then the baselines. Each model that ends is kept in the run folder (and a --save
/// folder) and reported; one that cannot go on says why, and the rest go on.
extension Experiment {
    /// What the phases of one `run` share.
    private struct Pass {
        let control: TrainingControl
        let emit: (TrainingEvent) -> Void
        let test: Evaluator
        let validation: Evaluator?
        var results: [ModelResult] = []
    }

    /// The mentor as the students and baselines after it need it.
    private struct Mentor {
        /// nil for a mentor known only by its outputs.
        let network: Network?
        let result: ModelResult
        /// Its test predictions, for each later model's agreement with it; empty when
        /// they are not known (a mentor of logits without test rows).
        let predictions: [UInt8]
        var finished: Bool { result.status == .finished }
        var knownPredictions: [UInt8]? { predictions.isEmpty ? nil : predictions }
    }

    /// Runs every phase; `listener` is called on this thread, in order. Never throws:
    /// a model that diverges or cannot be saved is reported in its result, and the
    /// others go on.
    public func run(control: TrainingControl = TrainingControl(), listener: (TrainingEvent) -> Void) -> ExperimentReport {
        if let threads = config.threads { Parallel.threads = threads }
        let started = ContinuousClock.now
        listener(.runStarted(plan))
        let results = withoutActuallyEscaping(listener) { emit in
            var pass = Pass(control: control, emit: emit, test: Evaluator(split.test),
                            validation: split.validation.count > 0 ? Evaluator(split.validation) : nil)
            let mentor = trainMentor(&pass)
            trainStudents(after: mentor, &pass)
            if config.baselines { trainBaselines(after: mentor, &pass) }
            return pass.results
        }
        listener(.phaseStarted(.done))
        let report = ExperimentReport(dataSet: dataSet.name, split: splitSizes, config: config, results: results,
                                      wallTime: (ContinuousClock.now - started).seconds)
        listener(.runFinished(report))
        return report
    }

    /// 1. The mentor learns from the labeled part (or learned from it before).
    private func trainMentor(_ pass: inout Pass) -> Mentor {
        let member = members(.mentor)[0]
        if case .ended(let saved) = savedModels[member.id] {
            reReport(saved, phase: .mentor, &pass)
            let network = savedMentor ?? makeNetwork(member.spec, stream: "mentor")
            // Students left to train need its predictions: the same weights give the
            // same ones the trainer kept at its last epoch.
            let modelsLeft = lineup.dropFirst().contains { member in
                guard case .ended = savedModels[member.id] else { return true }
                return false
            }
            let predictions = savedMentor != nil && modelsLeft ? pass.test.evaluate(network).predictions : []
            return Mentor(network: network, result: saved, predictions: predictions)
        }
        pass.emit(.phaseStarted(.mentor))
        if let mentorLogits {
            var result = ModelResult(id: member.id, parameters: 0, forwardFLOPsPerSample: 0, status: .finished)
            result.checkpoint = config.mentorLogits
            var predictions: [UInt8] = []
            if let test = mentorLogits.test {
                (result.test, predictions) = pass.test.evaluate(logits: test, classes: mentorLogits.classes)
            }
            pass.results.append(result)
            pass.emit(.modelFinished(result))
            return Mentor(network: nil, result: result, predictions: predictions)
        }
        if let loadedMentor {
            let (evaluation, predictions) = pass.test.evaluate(loadedMentor)
            var result = ModelResult(id: member.id, parameters: loadedMentor.parameterCount,
                                     forwardFLOPsPerSample: loadedMentor.forwardFLOPsPerSample, status: .finished)
            result.test = evaluation
            result.checkpoint = config.mentorCheckpoint
            pass.results.append(result)
            pass.emit(.modelFinished(result))
            return Mentor(network: loadedMentor, result: result, predictions: predictions)
        }
        let network = makeNetwork(member.spec, stream: "mentor")
        let trainer = ModelTrainer(
            id: member.id, network: network, batches: labeledBatches(split.labeled), settings: settings(for: .mentor),
            test: pass.test, validation: pass.validation, mentorPredictions: nil, parityTarget: nil,
            random: shuffleRandom(member.id))
        let result = finish(train(trainer, &pass), network: network, &pass)
        return Mentor(network: network, result: result, predictions: trainer.lastPredictions)
    }

    /// 2. The mentor annotates the pool; 3. the students learn from that alone.
    private func trainStudents(after mentor: Mentor, _ pass: inout Pass) {
        let students = members(.student)
        guard mentor.finished else {
            let reason = pass.control.isStopped ? "the run was stopped" : "the mentor did not finish training"
            for member in students { finish(skipped(member, because: reason), network: nil, &pass) }
            return
        }
        // Made when the first student that trains needs it: a resumed run whose
        // students all ended needs none.
        var annotation: MentorAnnotation?
        for member in students {
            let phase = Phase.student(index: member.id.index, of: students.count)
            if settledWithoutTraining(member, phase: phase, &pass) { continue }
            if annotation == nil {
                pass.emit(.phaseStarted(.annotating))
                let annotationStart = ContinuousClock.now
                annotation = mentorLogits?.annotation ?? MentorAnnotation(mentor: mentor.network!, pool: split.unlabeled)
                pass.emit(.annotated(samples: split.unlabeled.count, seconds: (ContinuousClock.now - annotationStart).seconds))
            }
            pass.emit(.phaseStarted(phase))
            let student = makeNetwork(member.spec, stream: "model \(member.id.index)")
            let trainer = ModelTrainer(
                id: member.id, network: student,
                batches: MimicBatches(pool: split.unlabeled, annotation: annotation!, loss: config.loss,
                                      temperature: config.temperature),
                settings: settings(for: .student), test: pass.test, validation: nil,
                mentorPredictions: mentor.knownPredictions, parityTarget: mentor.result.test?.accuracy,
                random: shuffleRandom(member.id))
            finish(train(trainer, &pass), network: student, &pass)
        }
    }

    /// 4. Each student's architecture trained on the labeled part alone: what the
    ///    student must beat. It starts from the same initial weights as the student.
    private func trainBaselines(after mentor: Mentor, _ pass: inout Pass) {
        let baselines = members(.baseline)
        for member in baselines {
            let phase = Phase.baseline(index: member.id.index, of: baselines.count)
            if settledWithoutTraining(member, phase: phase, &pass) { continue }
            pass.emit(.phaseStarted(phase))
            let baseline = makeNetwork(member.spec, stream: "model \(member.id.index)")
            let trainer = ModelTrainer(
                id: member.id, network: baseline, batches: labeledBatches(split.labeled),
                settings: settings(for: .baseline), test: pass.test, validation: pass.validation,
                mentorPredictions: mentor.finished ? mentor.knownPredictions : nil,
                parityTarget: mentor.finished ? mentor.result.test?.accuracy : nil,
                random: shuffleRandom(member.id))
            finish(train(trainer, &pass), network: baseline, &pass)
        }
    }

    /// Trains one model, from its epoch checkpoint when the run was resumed partway.
    private func train(_ trainer: ModelTrainer, _ pass: inout Pass) -> ModelResult {
        trainer.epochCheckpointPath = folder?.epochCheckpointPath(trainer.id)
        if case .partway(let checkpoint) = savedModels[trainer.id] { trainer.resumeFrom = checkpoint }
        return trainer.run(control: pass.control, emit: pass.emit)
    }

    /// Handles a model that is not to train now, and says whether it was one: a model
    /// that ended before the run was resumed is reported as it was; once the run is
    /// stopped, every model left is skipped.
    private func settledWithoutTraining(_ member: Member, phase: Phase, _ pass: inout Pass) -> Bool {
        if case .ended(let saved) = savedModels[member.id] {
            reReport(saved, phase: phase, &pass)
            return true
        }
        guard pass.control.isStopped else { return false }
        finish(skipped(member, because: "the run was stopped"), network: nil, &pass)
        return true
    }

    /// A model that ended before the run was resumed, reported as it was.
    private func reReport(_ result: ModelResult, phase: Phase, _ pass: inout Pass) {
        pass.emit(.phaseStarted(phase))
        pass.results.append(result)
        pass.emit(.modelFinished(result))
    }

    private func skipped(_ member: Member, because reason: String) -> ModelResult {
        let network = makeNetwork(member.spec, stream: "plan")
        return ModelResult(id: member.id, parameters: network.parameterCount,
                           forwardFLOPsPerSample: network.forwardFLOPsPerSample, status: .skipped(reason))
    }

    /// Reports a model that ended, after keeping its weights: in the --save folder if
    /// one is given, and in the run folder (with its result) when it finished or
    /// diverged. A stopped or skipped model is not done: a resumed run trains it.
    @discardableResult
    private func finish(_ result: ModelResult, network: Network?, _ pass: inout Pass) -> ModelResult {
        var result = result
        let metadata = [
            "role": result.id.role.rawValue, "data_set": dataSet.name,
            "test_accuracy": result.test.map { String($0.accuracy) } ?? "",
            SplitKey.seed: String(config.seed),
            SplitKey.labeledFraction: String(config.labeledFraction),
        ]
        // A run recorded before the run folder kept final weights named its folder as
        // --save too: write them once.
        if let network, result.epochsCompleted > 0, let save = config.saveDirectory, save != folder?.path {
            let path = (save as NSString).appendingPathComponent(RunFolder.checkpointName(result.id))
            do {
                try network.save(to: path, metadata: metadata)
                result.checkpoint = path
            } catch {
                result.checkpointError = "\(error)"
            }
        }
        switch result.status {
        case .finished, .diverged: folder?.keep(&result, network: network, metadata: metadata)
        case .stopped, .skipped: break
        }
        pass.results.append(result)
        pass.emit(.modelFinished(result))
        return result
    }
}
