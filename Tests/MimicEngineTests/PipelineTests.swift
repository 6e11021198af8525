import Foundation
import Testing
import MimicEngine
import MimicTestSupport

@Suite struct PipelineTests {
    static func learningConfig() -> ExperimentConfig {
        var config = ExperimentConfig()
        config.labeledFraction = 0.2
        config.mentor = "fc64"
        config.students = ["fc16", "linear"]
        config.epochs = 8
        config.studentEpochs = 6
        config.batchSize = 32
        config.learningRate = 0.003
        return config
    }

    /// The claim in miniature: students that see only the mentor's outputs on the
    /// unlabeled pool learn the task far beyond chance (10%).
    @Test func studentsLearnFromTheMentorAlone() throws {
        var config = Self.learningConfig()
        config.baselines = true
        let experiment = try Experiment(config: config, dataSet: SyntheticData.make())
        var events: [TrainingEvent] = []
        let report = experiment.run { events.append($0) }

        #expect(report.allFinished)
        #expect(report.results.map(\.id.name) == ["mentor", "student 1", "student 2", "baseline 1", "baseline 2"])
        let mentor = try #require(report.mentor?.test)
        #expect(mentor.accuracy > 0.8)
        for student in report.results where student.id.role == .student {
            let test = try #require(student.test)
            #expect(test.accuracy > 0.6, "\(student.id): \(test.accuracy)")
            #expect(try #require(test.agreement) > 0.6)
        }
        // Events come in order: the plan, the mentor's phase, progress, the report.
        guard case .runStarted(let plan) = events.first else { Issue.record("first event is not runStarted"); return }
        #expect(plan.models.count == 5)
        #expect(plan.split.labeled == 200 && plan.split.unlabeled == 800 && plan.split.test == 300)
        guard case .runFinished = events.last else { Issue.record("last event is not runFinished"); return }
        let epochEnds = events.compactMap { event -> TrainingProgress? in
            if case .progress(let point) = event, point.isEpochEnd { return point }
            return nil
        }
        #expect(epochEnds.count == 8 + 6 + 6 + 8 + 8)
        #expect(epochEnds.allSatisfy { $0.trainLoss.isFinite && $0.samplesPerSecond > 0 })
    }

    /// Once split, the pipeline never reads the data set's training labels: a data set
    /// whose labels outside the labeled part are all wrong trains every student to the
    /// very same weights.
    @Test func studentsNeverSeeALabel() throws {
        let dataSet = SyntheticData.make()
        var config = Self.learningConfig()
        config.students = ["fc16"]
        config.studentEpochs = 2
        config.epochs = 2
        let split = try DataSplit(dataSet: dataSet, labeledFraction: config.labeledFraction, seed: config.seed)
        let labeledRows = Set(split.labeled.rows)
        let scrambled = try DataSet(
            name: dataSet.name, classNames: dataSet.classNames, train: dataSet.train,
            trainLabels: dataSet.trainLabels.enumerated().map { row, label in
                labeledRows.contains(Int32(row)) ? label : (label + 1) % 10
            },
            test: dataSet.test, testLabels: dataSet.testLabels)
        #expect(scrambled.trainLabels != dataSet.trainLabels)

        func studentCheckpoint(_ data: DataSet) throws -> [Float] {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mimic-nolabel-\(UUID())").path
            defer { try? FileManager.default.removeItem(atPath: folder) }
            var config = config
            config.saveDirectory = folder
            let report = try Experiment(config: config, dataSet: data, split: split).run { _ in }
            let path = try #require(report.results.first { $0.id.role == .student }?.checkpoint)
            return try Network.load(from: path).network.parameters.flatMap {
                Array(UnsafeBufferPointer(start: $0.value, count: $0.count))
            }
        }
        #expect(try studentCheckpoint(dataSet) == studentCheckpoint(scrambled))
    }

    @Test func sameSeedRepeatsARun() throws {
        var config = Self.learningConfig()
        config.epochs = 2
        config.studentEpochs = 1
        let data = SyntheticData.make()
        let first = try Experiment(config: config, dataSet: data).run { _ in }
        let second = try Experiment(config: config, dataSet: data).run { _ in }
        #expect(first.results.map { $0.test?.loss } == second.results.map { $0.test?.loss })
    }

    /// A learning rate far too high makes the mentor's loss overflow: it is reported as
    /// diverged with a hint, the students are skipped, and the run still ends normally.
    @Test func divergingModelIsStoppedAndReported() throws {
        var config = Self.learningConfig()
        config.optimizer = .sgd
        config.momentum = 0
        config.learningRate = 1e30
        config.baselines = true
        config.students = ["fc16"]
        let report = try Experiment(config: config, dataSet: SyntheticData.make()).run { _ in }
        guard case .diverged(let message) = report.mentor?.status else {
            Issue.record("mentor did not diverge: \(String(describing: report.mentor?.status))")
            return
        }
        #expect(message.contains("--lr"))
        #expect(report.results[1].status == .skipped("the mentor did not finish training"))
        #expect(report.results.count == 3)
        #expect(!report.allFinished)
    }

    /// Adam keeps an exploding loss finite (1e20 at --lr 1e9), and SGD with a large but
    /// not overflowing rate does too: a loss far above where training starts is caught as
    /// well as NaN and inf, for the mentor and for the students.
    @Test(arguments: [OptimizerKind.adam, .sgd])
    func aFiniteButExplodedLossIsDivergence(optimizer: OptimizerKind) throws {
        var config = Self.learningConfig()
        config.optimizer = optimizer
        config.epochs = 2
        config.studentEpochs = 2
        config.students = ["fc16"]
        config.learningRate = optimizer == .adam ? 1e9 : 1e3
        let report = try Experiment(config: config, dataSet: SyntheticData.make()).run { _ in }
        guard case .diverged(let message) = report.mentor?.status else {
            Issue.record("mentor did not diverge: \(String(describing: report.mentor?.status)), test \(String(describing: report.mentor?.test))")
            return
        }
        #expect(message.hasPrefix("Training of mentor (fc64) diverged: its mean loss in epoch 1 was "), "\(message)")
        #expect(message.contains("lower the learning rate (--lr, now "), "\(message)")

        config.learningRate = 0.003
        config.studentLearningRate = optimizer == .adam ? 1e9 : 1e3
        let students = try Experiment(config: config, dataSet: SyntheticData.make()).run { _ in }
        #expect(students.mentor?.status == .finished)
        guard case .diverged(let studentMessage) = students.results[1].status else {
            Issue.record("student did not diverge: \(students.results[1].status), test \(String(describing: students.results[1].test))")
            return
        }
        #expect(studentMessage.contains("(--student-lr, now "), "\(studentMessage)")
    }

    @Test func stopEndsTheRunAndKeepsWhatIsDone() throws {
        let control = TrainingControl()
        var config = Self.learningConfig()
        config.epochs = 3
        let experiment = try Experiment(config: config, dataSet: SyntheticData.make())
        var sawStudent = false
        let report = experiment.run(control: control) { event in
            if case .phaseStarted(.student(index: 1, of: _)) = event {
                sawStudent = true
                control.stop()
            }
        }
        #expect(sawStudent)
        #expect(report.mentor?.status == .finished)
        #expect(report.results[1].status == .stopped)
        #expect(report.results[2].status == .skipped("the run was stopped"))
    }

    @Test func pauseBlocksUntilResumed() throws {
        let control = TrainingControl()
        var config = Self.learningConfig()
        config.epochs = 1
        config.studentEpochs = 1
        config.students = ["linear"]
        let experiment = try Experiment(config: config, dataSet: SyntheticData.make())
        control.pause()
        let resumer = Thread {
            Thread.sleep(forTimeInterval: 0.2)
            control.resume()
        }
        resumer.start()
        var events: [String] = []
        let report = experiment.run(control: control) { event in
            if case .paused = event { events.append("paused") }
            if case .resumed = event { events.append("resumed") }
        }
        #expect(events == ["paused", "resumed"])
        #expect(report.allFinished)
    }

    @Test func badConfigurationsAreRejectedBeforeTraining() throws {
        let data = SyntheticData.make()
        var config = Self.learningConfig()
        config.students = ["fc16", "conv8-pol"]
        #expect(throws: SpecError.self) { try Experiment(config: config, dataSet: data) }
        config = Self.learningConfig()
        config.labeledFraction = 1.5
        #expect(throws: ConfigError.self) { try Experiment(config: config, dataSet: data) }
        config = Self.learningConfig()
        config.mentor = "conv8-pool-pool-pool-pool"
        #expect(throws: SpecError.self) { try Experiment(config: config, dataSet: data) }
    }

    /// `--student none --labeled 1`: the mentor alone, on every label, a supervised
    /// reference; a pool is needed only when there are students to learn from it.
    @Test func aRunWithoutStudentsTrainsItsMentorOnEveryLabel() throws {
        let data = SyntheticData.make()
        var config = Self.learningConfig()
        config.labeledFraction = 1
        config.students = []
        config.baselines = true
        let experiment = try Experiment(config: config, dataSet: data)
        #expect(experiment.split.labeled.count == data.train.count && experiment.split.unlabeled.count == 0)
        let report = experiment.run { _ in }
        #expect(report.results.map(\.id.name) == ["mentor"] && report.allFinished)
        #expect((report.mentor?.test?.accuracy ?? 0) > 0.5)
        #expect(TrainOption.all.first { $0.name == "student" }?.written(config) == "--student none")

        config.students = ["fc16"]
        #expect(throws: DataError.noUnlabeledExamples(fraction: 1)) { try Experiment(config: config, dataSet: data) }
    }

    /// A mentor saved by one run and reused by the next gives the students exactly
    /// what training it again would; a mentor from another split is refused.
    @Test func reusedMentorTeachesTheSame() throws {
        let data = SyntheticData.make()
        let folder = try TemporaryFolder("checkpoints")
        var config = Self.learningConfig()
        config.epochs = 3
        config.studentEpochs = 2
        config.saveDirectory = folder.path
        let first = try Experiment(config: config, dataSet: data).run { _ in }
        let mentorPath = try #require(first.mentor?.checkpoint)

        config.saveDirectory = nil
        config.mentorCheckpoint = mentorPath
        config.mentor = "ignored when a checkpoint is given"
        let second = try Experiment(config: config, dataSet: data).run { _ in }
        #expect(second.mentor?.test == first.mentor?.test)
        #expect(second.mentor?.trainingTime == 0)
        #expect(second.results.map { $0.test } == first.results.map { $0.test })

        config.seed = 2
        #expect(throws: ConfigError.self) { try Experiment(config: config, dataSet: data) }
        do {
            _ = try Experiment(config: config, dataSet: data)
        } catch {
            #expect("\(error)".contains("pass --seed 1 --labeled 0.2"))
        }
    }

    /// The whole pipeline with batch norm: a conv-bn mentor teaches a conv-bn student
    /// and an fc-bn one. (Global pooling is left out here: these images' classes are
    /// patterns of pixels in place, which a channel's mean over the image cannot tell
    /// apart; `ResumeTests` trains it.) Evaluations and the
    /// mentor's annotation run in evaluation mode: they leave the running statistics and
    /// the count of batches alone, so the saved mentor counts its training steps only,
    /// and evaluating it from its file gives the accuracy the run reported.
    @Test func batchNormNetworksTrainAsMentorAndStudents() throws {
        let folder = try TemporaryFolder("bn-pipeline")
        var config = Self.learningConfig()
        config.mentor = "conv8-bn-pool-conv16-bn-fc32-bn"
        config.students = ["conv8-bn-pool-fc16-bn", "fc16-bn"]
        config.epochs = 6
        config.studentEpochs = 5
        config.saveDirectory = folder.path
        let dataSet = SyntheticData.make()
        let report = try Experiment(config: config, dataSet: dataSet).run { _ in }

        #expect(report.allFinished)
        let mentor = try #require(report.mentor?.test)
        #expect(mentor.accuracy > 0.8)
        for student in report.results where student.id.role == .student {
            let test = try #require(student.test)
            #expect(test.accuracy > 0.6, "\(student.id): \(test.accuracy)")
        }

        let (saved, _) = try Network.load(from: try #require(report.mentor?.checkpoint))
        // 200 labeled samples at batch 32: 7 steps an epoch.
        let counts = saved.namedBuffers.filter { $0.name.hasSuffix("num_batches_tracked") }.map { $0.buffer.integers[0] }
        #expect(counts == [42, 42, 42])
        let runningMeans = saved.namedBuffers.filter { $0.name.hasSuffix("running_mean") }
        #expect(runningMeans.allSatisfy { _, buffer in (0..<buffer.count).contains { buffer.floats[$0] != 0 } })

        let test = dataSet.test
        let x = UnsafeMutablePointer<Float>.allocate(capacity: test.count * test.shape.count)
        defer { x.deallocate() }
        test.fill(x, rows: (0..<Int32(test.count)).map { $0 }[...])
        let logits = saved.forward(x, batch: test.count, training: false)
        let correct = (0..<test.count).filter { sample in
            let row = UnsafeBufferPointer(start: logits + sample * 10, count: 10)
            return row.firstIndex(of: row.max()!) == Int(dataSet.testLabels[sample])
        }.count
        #expect(Double(correct) / Double(test.count) == mentor.accuracy)
    }

    /// A batch of one sample gives a batch norm after a dense layer one value per unit,
    /// of which there is no variance: refused in one sentence before anything trains.
    /// After a convolution each channel still has a whole image of values, so it trains.
    @Test func batchOfOneIsRefusedForBatchNormOverOneValue() throws {
        var config = Self.learningConfig()
        config.batchSize = 1
        config.mentor = "fc16"
        config.students = ["conv4-bn-pool", "fc8-bn"]
        do {
            _ = try Experiment(config: config, dataSet: SyntheticData.make())
            Issue.record("a batch of 1 was accepted for fc8-bn")
        } catch let error as ConfigError {
            #expect(error.message == "A student \"fc8-bn\" has a batch norm over one value per channel, which needs training batches of at least 2 samples, but --batch 1 gives it 1; pass --batch 2 or more.")
        }
        config.students = ["conv4-bn-pool"]
        config.mentor = "fc16-bn"
        #expect(throws: ConfigError.self) { try Experiment(config: config, dataSet: SyntheticData.make()) }
        config.mentor = "conv4-bn-pool"
        config.epochs = 1
        config.studentEpochs = 1
        let report = try Experiment(config: config, dataSet: SyntheticData.make(train: 100, test: 20)).run { _ in }
        #expect(report.allFinished)
    }
}
