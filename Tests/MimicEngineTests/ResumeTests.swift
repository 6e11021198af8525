import Foundation
import MimicEngine
import MimicTestSupport
import Testing

/// What a run ends with, model by model: to be equal bit for bit between a run that
/// never stopped and one that was interrupted and resumed.
private struct Outcome: Equatable, CustomStringConvertible {
    var results: [String] = []
    var weights: [String: [Float]] = [:]

    init(_ report: ExperimentReport, folder: String?) throws {
        for result in report.results {
            let test = result.test.map { "loss \($0.loss.bitPattern) accuracy \($0.accuracy) agreement \(String(describing: $0.agreement))" }
            results.append("\(result.id): \(result.status), \(result.epochsCompleted) epochs, \(test ?? "no test")")
            if let folder, result.epochsCompleted > 0 {
                let name = result.id.name.replacingOccurrences(of: " ", with: "-") + "-\(result.id.spec).safetensors"
                let path = (folder as NSString).appendingPathComponent(name)
                let network = try Network.load(from: path).network
                // Batch norm's running statistics and count too: they decide its outputs.
                weights[result.id.name] = network.parameters.flatMap {
                    Array(UnsafeBufferPointer(start: $0.value, count: $0.count))
                } + network.namedBuffers.flatMap { _, buffer in
                    buffer.dtype == .int64
                        ? (0..<buffer.count).map { Float(buffer.integers[$0]) }
                        : Array(UnsafeBufferPointer(start: buffer.floats, count: buffer.count))
                }
            }
        }
    }

    var description: String { results.joined(separator: "\n") }
}

private func progress(_ events: [TrainingEvent], of name: String) -> [TrainingProgress] {
    events.compactMap { event in
        if case .progress(let point) = event, point.model.name == name { return point }
        return nil
    }
}

private func finished(_ events: [TrainingEvent]) -> [ModelResult] {
    events.compactMap { event in
        if case .modelFinished(let result) = event { return result }
        return nil
    }
}

@Suite struct ResumeTests {
    /// Every path a resume must restore: a mentor with dropout learning from augmented
    /// images, a convolutional student (the engine's threaded code), a linear one, and
    /// baselines after them.
    static func config(_ optimizer: OptimizerKind = .adam) -> ExperimentConfig {
        var config = ExperimentConfig()
        config.labeledFraction = 0.2
        config.mentor = "fc32-drop0.2"
        config.students = ["conv4-pool-fc16", "linear"]
        config.baselines = true
        config.augmentation = Augmentation(shift: 1, flip: true)
        config.epochs = 3
        config.studentEpochs = 3
        config.batchSize = 32
        config.optimizer = optimizer
        config.learningRate = 0.01
        config.momentum = 0.9
        // The thread count changes how partial sums are added up, so both parts of a run
        // must use the same; other suites running alongside only ever set 1.
        config.threads = 1
        return config
    }

    static let data = SyntheticData.make()

    /// An experiment of `config` keeping its progress in `folder`: a new run's, or with
    /// `resuming`, the folder of a run started before.
    static func experiment(_ config: ExperimentConfig, _ data: DataSet = data, folder: String?, resuming: Bool = false) throws -> Experiment {
        let runFolder = try folder.map { path throws(ConfigError) in resuming ? try RunFolder.reopen(at: path) : try RunFolder.create(at: path) }
        return try Experiment(config: config, dataSet: data, folder: runFolder)
    }

    private static func copy(_ folder: String, to snapshot: String) {
        try? FileManager.default.removeItem(atPath: snapshot)
        try! FileManager.default.copyItem(atPath: folder, toPath: snapshot)
    }

    /// The key property: a run interrupted anywhere (stopped, or its process killed,
    /// which leaves the folder as it was at that instant) and resumed ends with the
    /// same weights, test losses and accuracies as a run that never stopped.
    @Test(arguments: [OptimizerKind.sgd, .adam])
    func resumedRunEndsAsAnUninterruptedOne(_ optimizer: OptimizerKind) throws {
        let root = try TemporaryFolder("resume")
        let whole = root.file("whole")
        let plain = try Experiment(config: Self.config(optimizer), dataSet: Self.data).run { _ in }
        let reference = try Self.experiment(Self.config(optimizer), folder: whole).run { _ in }
        let expected = try Outcome(reference, folder: whole)
        // Keeping a run folder does not change the training.
        #expect(try Outcome(plain, folder: nil).results == expected.results)
        #expect(expected.weights.count == 5)

        // A second run, copied aside at moments a kill could strike.
        let live = root.file("live")
        var snapshots: [String: String] = [:]
        func snapshot(_ name: String) {
            snapshots[name] = root.file(name)
            Self.copy(live, to: root.file(name))
        }
        var annotated = false
        _ = try Self.experiment(Self.config(optimizer), folder: live).run { event in
            switch event {
            case .progress(let point) where point.model.name == "mentor" && point.epoch == 2 && point.isEpochEnd:
                snapshot("mentor-epoch-2")
            case .progress(let point) where point.model.name == "student 1" && point.epoch == 2 && !point.isEpochEnd:
                if snapshots["student-1-mid-epoch-2"] == nil { snapshot("student-1-mid-epoch-2") }
            case .modelFinished(let result) where result.id.name == "mentor":
                // Killed between the mentor's final weights and its result: it is taken up
                // after its last epoch, with none left to train.
                snapshot("mentor-without-result")
                try? FileManager.default.removeItem(atPath: root.file("mentor-without-result/mentor.result.json"))
            case .annotated:
                annotated = true
            case .progress(let point) where point.model.name == "student 2" && point.epoch == 3 && point.isEpochEnd:
                snapshot("student-2-last-epoch")
            case .modelFinished(let result) where result.id.name == "student 2":
                snapshot("student-2-finished")
            case .modelFinished(let result) where result.id.name == "baseline 1":
                snapshot("baseline-1-without-result")
                try? FileManager.default.removeItem(atPath: root.file("baseline-1-without-result/baseline-1.result.json"))
            default:
                break
            }
        }
        #expect(annotated)
        #expect(snapshots.count == 6)

        for (name, folder) in snapshots.sorted(by: { $0.key < $1.key }) {
            var events: [TrainingEvent] = []
            let report = try Self.experiment(Self.config(optimizer), folder: folder, resuming: true)
                .run { events.append($0) }
            let outcome = try Outcome(report, folder: folder)
            #expect(outcome == expected, "resumed from \(name)")
            #expect(finished(events).map(\.id.name) == ["mentor", "student 1", "student 2", "baseline 1", "baseline 2"], "\(name)")
        }
    }

    /// The environment variable that makes `trainsUntilKilled` run, in a child process.
    static let killedRunFolderKey = "MIMIC_TEST_KILLED_RUN_FOLDER"

    /// Not a test of its own: the process `resumesAfterSIGKILL` starts and kills.
    @Test(.enabled(if: ProcessInfo.processInfo.environment[killedRunFolderKey] != nil))
    func trainsUntilKilled() throws {
        let folder = try #require(ProcessInfo.processInfo.environment[Self.killedRunFolderKey])
        _ = try Self.experiment(Self.config(), folder: folder).run { _ in }
    }

    /// The real thing: this test binary, started again to train in a folder, is killed
    /// with SIGKILL as soon as a student's first epoch checkpoint appears; the folder it
    /// leaves resumes to what a run that was never killed ends with.
    @Test func resumesAfterSIGKILL() throws {
        let root = try TemporaryFolder("resume")
        let reference = try Self.experiment(Self.config(), folder: root.file("whole")).run { _ in }
        let folder = root.file("killed")
        let child = Process()
        child.executableURL = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        child.arguments = ["--testing-library", "swift-testing", "--filter", "ResumeTests/trainsUntilKilled"]
        child.environment = ProcessInfo.processInfo.environment.merging([Self.killedRunFolderKey: folder]) { $1 }
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        try child.run()
        let signal = root.file("killed/student-1.epoch.safetensors")
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: signal) && child.isRunning && Date() < deadline {
            usleep(500)
        }
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        try #require(child.terminationReason == .uncaughtSignal, "the child ended before it was killed (status \(child.terminationStatus))")

        var events: [TrainingEvent] = []
        let resumed = try Self.experiment(Self.config(), folder: folder, resuming: true).run { events.append($0) }
        #expect(try Outcome(resumed, folder: folder) == Outcome(reference, folder: root.file("whole")))
        guard case .runStarted(let plan) = events.first else { Issue.record("no plan first"); return }
        #expect(plan.models[0].epochsCompleted == 3 && plan.models[1].epochsCompleted >= 1)
        #expect(try root.names().contains("killed"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).allSatisfy { !$0.hasSuffix(".tmp") })
    }

    /// Stopped by its control in the middle of a student, a run resumes that student
    /// after its last completed epoch: the plan says where, and its progress goes on
    /// (step, samples, training time) instead of starting again from zero.
    @Test func stoppedRunResumesAtTheNextEpoch() throws {
        let root = try TemporaryFolder("resume")
        let reference = try Self.experiment(Self.config(.sgd), folder: root.file("whole")).run { _ in }

        let folder = root.file("stopped")
        let control = TrainingControl()
        var before: [TrainingEvent] = []
        do {
            let first = try Self.experiment(Self.config(.sgd), folder: folder)
            let report = first.run(control: control) { event in
                before.append(event)
                if case .progress(let point) = event, point.model.name == "student 1", point.epoch == 2, point.isEpochEnd {
                    control.stop()
                }
            }
            #expect(report.results.map(\.status.description) == ["finished", "stopped", "skipped", "skipped", "skipped"])
        }
        let lastSeen = try #require(progress(before, of: "student 1").last { $0.isEpochEnd })

        var after: [TrainingEvent] = []
        let resumed = try Self.experiment(Self.config(.sgd), folder: folder, resuming: true)
            .run { after.append($0) }
        #expect(try Outcome(resumed, folder: folder) == Outcome(reference, folder: root.file("whole")))

        guard case .runStarted(let plan) = after.first else { Issue.record("no plan first"); return }
        #expect(plan.models.map(\.epochsCompleted) == [3, 2, 0, 0, 0])
        #expect(progress(after, of: "mentor").isEmpty)
        let next = try #require(progress(after, of: "student 1").first)
        #expect(next.epoch == 3)
        #expect(next.step > lastSeen.step && next.samplesSeen > lastSeen.samplesSeen)
        #expect(next.trainingTime > lastSeen.trainingTime)
        let end = try #require(progress(after, of: "student 1").last)
        #expect(end.samplesSeen == 3 * resumed.split.unlabeled && end.step == 3 * ((resumed.split.unlabeled + 31) / 32))
        // The mentor is reported again, as it was, before anything trains.
        let mentor = try #require(finished(after).first)
        #expect(mentor.id.name == "mentor" && mentor.test == reference.mentor?.test)
    }

    /// A run whose every model ended is only reported again: nothing trains, nothing
    /// is annotated, every result is the one the folder keeps.
    @Test func resumingAFinishedRunReportsItAgain() throws {
        let root = try TemporaryFolder("resume")
        let folder = root.file("done")
        let first = try Self.experiment(Self.config(), folder: folder).run { _ in }
        let modified = try FileManager.default.attributesOfItem(atPath: root.file("done/student-1-conv4-pool-fc16.safetensors"))[.modificationDate] as? Date

        var events: [TrainingEvent] = []
        let again = try Self.experiment(Self.config(), folder: folder, resuming: true).run { events.append($0) }
        #expect(try Outcome(again, folder: folder) == Outcome(first, folder: folder))
        #expect(again.results.map(\.trainingTime) == first.results.map(\.trainingTime))
        #expect(again.results.map(\.timeToParity) == first.results.map(\.timeToParity))
        #expect(events.allSatisfy { event in
            switch event {
            case .progress, .annotated, .phaseStarted(.annotating): false
            default: true
            }
        })
        #expect(finished(events).count == 5)
        let after = try FileManager.default.attributesOfItem(atPath: root.file("done/student-1-conv4-pool-fc16.safetensors"))[.modificationDate] as? Date
        #expect(after == modified)
    }

    /// A model that diverged has ended: a resumed run reports it again with its message
    /// rather than training it into the same overflow, and skips what depends on it.
    @Test func divergedModelIsReportedNotRetrained() throws {
        let root = try TemporaryFolder("resume")
        var config = Self.config(.sgd)
        config.learningRate = 1e30
        config.momentum = 0
        let first = try Self.experiment(config, folder: root.file("run")).run { _ in }
        guard case .diverged(let message) = first.mentor?.status else {
            Issue.record("the mentor did not diverge: \(String(describing: first.mentor?.status))")
            return
        }
        var events: [TrainingEvent] = []
        let again = try Self.experiment(config, folder: root.file("run"), resuming: true).run { events.append($0) }
        #expect(again.mentor?.status == .diverged(message))
        #expect(again.results.map(\.status) == first.results.map(\.status))
        #expect(progress(events, of: "mentor").isEmpty)
    }

    /// A damaged file in the folder stops the resume before anything trains, with one
    /// sentence naming the file, what is wrong and what to do; the folder is untouched.
    @Test func damagedFilesAreReportedBeforeTraining() throws {
        let root = try TemporaryFolder("resume")
        let folder = root.file("run")
        let control = TrainingControl()
        _ = try Self.experiment(Self.config(), folder: folder).run(control: control) { event in
            if case .progress(let point) = event, point.model.name == "student 1", point.epoch == 2, point.isEpochEnd {
                control.stop()
            }
        }
        let checkpoint = root.file("run/student-1.epoch.safetensors")
        let good = try root.read("run/student-1.epoch.safetensors")

        func resumeError() -> String {
            do {
                _ = try Self.experiment(Self.config(), folder: folder, resuming: true)
                return "no error"
            } catch let error as ConfigError {
                return error.message
            } catch {
                return "not a ConfigError: \(error)"
            }
        }

        try root.write(Array(good.prefix(good.count / 2)), to: "run/student-1.epoch.safetensors")
        var message = resumeError()
        #expect(message.contains(checkpoint) && message.contains("cut off") && message.contains("delete it to train student 1 again"), "\(message)")

        try root.write(Array(good.prefix(5)), to: "run/student-1.epoch.safetensors")
        message = resumeError()
        #expect(message.contains(checkpoint) && message.contains("cut off"), "\(message)")

        var flipped = good
        flipped[8] = UInt8(ascii: "#")  // the header's opening brace
        try root.write(flipped, to: "run/student-1.epoch.safetensors")
        message = resumeError()
        #expect(message.contains(checkpoint) && message.contains("corrupt"), "\(message)")

        // A checkpoint of another model in the student's place does not fit it.
        try root.write(try root.read("run/mentor.epoch.safetensors"), to: "run/student-1.epoch.safetensors")
        message = resumeError()
        #expect(message.contains(checkpoint) && message.contains("names another model"), "\(message)")

        try root.write(good, to: "run/student-1.epoch.safetensors")
        let result = try root.read("run/mentor.result.json")
        try root.write(Array(result.prefix(40)), to: "run/mentor.result.json")
        message = resumeError()
        #expect(message.contains("mentor.result.json") && message.contains("is damaged") && message.contains("delete it"), "\(message)")

        try root.write(result, to: "run/mentor.result.json")
        try FileManager.default.removeItem(atPath: root.file("run/mentor-fc32-drop0.2.safetensors"))
        message = resumeError()
        #expect(message.contains("mentor-fc32-drop0.2.safetensors") && message.contains("is missing"), "\(message)")

        try root.write(Array("{\"format\": 1".utf8), to: "run/run.json")
        message = resumeError()
        #expect(message.contains("its run.json is damaged"), "\(message)")
    }

    /// A folder resumed with other settings, on other data, or without a run in it is
    /// refused, as is a new run in a folder that holds one or a folder in use.
    @Test func mismatchedFoldersAreRefused() throws {
        let root = try TemporaryFolder("resume")
        let folder = root.file("run")
        var config = Self.config()
        config.epochs = 1
        config.studentEpochs = 1
        _ = try Self.experiment(config, folder: folder).run { _ in }

        func error(_ make: () throws -> Experiment) -> String {
            do {
                _ = try make()
                return "no error"
            } catch {
                return "\(error)"
            }
        }

        var other = config
        other.studentEpochs = 4
        var message = error { try Self.experiment(other, folder: folder, resuming: true) }
        #expect(message.contains("was started with --student-epochs 1, but this run has --student-epochs 4"), "\(message)")

        other = config
        other.baselines = false
        message = error { try Self.experiment(other, folder: folder, resuming: true) }
        #expect(message.contains("started with --baselines, but this run has no --baselines;"), "\(message)")

        other = config
        other.students = ["linear"]
        message = error { try Self.experiment(other, folder: folder, resuming: true) }
        #expect(message.contains("started with --student conv4-pool-fc16 --student linear, but this run has --student linear;"), "\(message)")

        // Where the output goes and how many threads compute it may change.
        other = config
        other.threads = 2
        other.saveDirectory = root.file("models")
        other.dataDirectory = "/elsewhere"
        #expect(error { try Self.experiment(other, folder: folder, resuming: true) } == "no error")

        message = error { try Self.experiment(config, SyntheticData.make(seed: 2), folder: folder, resuming: true) }
        #expect(message.contains("same name and size with other images or labels; pass --data"), "\(message)")
        message = error { try Self.experiment(config, SyntheticData.make(train: 900), folder: folder, resuming: true) }
        #expect(message.contains("900 training"), "\(message)")

        try FileManager.default.createDirectory(atPath: root.file("nothing"), withIntermediateDirectories: true)
        message = error { try Self.experiment(config, folder: root.file("nothing"), resuming: true) }
        #expect(message.contains("holds no run"), "\(message)")

        message = error { try Self.experiment(config, folder: folder) }
        #expect(message.contains("already holds a run"), "\(message)")

        #expect(try RunFolder.storedConfig(at: folder) == config)
    }

    /// A run that reuses a mentor resumes with that mentor wherever its file now lies,
    /// and is refused once the file holds another mentor (a later --save overwrote it).
    @Test func reusedMentorMustBeTheSame() throws {
        let root = try TemporaryFolder("resume")
        let mentorFile = root.file("mentor.safetensors")
        let mentor = try Network(spec: ArchitectureSpec("fc32"), input: Self.data.train.shape, classes: 10, random: SeededRandom(seed: 5))
        let split = ["split_seed": "1", "labeled_fraction": "0.2"]
        try mentor.save(to: mentorFile, metadata: split)
        var config = Self.config()
        config.mentorCheckpoint = mentorFile
        config.students = ["linear"]
        config.studentEpochs = 1
        config.baselines = false
        _ = try Self.experiment(config, folder: root.file("run")).run { _ in }

        try FileManager.default.moveItem(atPath: mentorFile, toPath: root.file("moved.safetensors"))
        var moved = config
        moved.mentorCheckpoint = root.file("moved.safetensors")
        moved.mentor = "not used with a checkpoint"
        _ = try Self.experiment(moved, folder: root.file("run"), resuming: true)

        let other = try Network(spec: ArchitectureSpec("fc32"), input: Self.data.train.shape, classes: 10, random: SeededRandom(seed: 6))
        try other.save(to: root.file("moved.safetensors"), metadata: split)
        do {
            _ = try Self.experiment(moved, folder: root.file("run"), resuming: true)
            Issue.record("a run was resumed with another mentor")
        } catch {
            #expect("\(error)".contains("was started with another mentor"), "\(error)")
        }
    }

    /// A mentor and students with batch norm after convolutions and dense layers (and a
    /// student with global pooling), at a batch that leaves the students' pool one
    /// sample over each epoch (800 = 47·17 + 1), which their batch norm after fc leaves out.
    /// With `residual`, the mentor and the first student are residual networks instead
    /// (bias-free stem, blocks with an identity shortcut and with a downsample).
    static func batchNormConfig(_ optimizer: OptimizerKind, residual: Bool = false) -> ExperimentConfig {
        var config = config(optimizer)
        config.mentor = residual ? "conv4nobias-bn-res4-res8s2-gap-fc16-bn-drop0.2" : "conv4-bn-pool-fc16-bn-drop0.2"
        config.students = [residual ? "res4s2-gap" : "conv4-bn-gap", "fc8-bn"]
        config.batchSize = 17
        config.weightDecay = 0.001
        return config
    }

    /// Killed (as a copy of the folder taken then stands for) at the end of an epoch or
    /// in the middle of one, a run with batch norm resumes to the same bits as one that
    /// never stopped: weights, running statistics, counts, test losses and accuracies.
    @Test(arguments: [OptimizerKind.sgd, .adam], [false, true])
    func resumedRunWithBatchNormEndsAsAnUninterruptedOne(_ optimizer: OptimizerKind, residual: Bool) throws {
        try Self.expectResumesBitForBit(Self.batchNormConfig(optimizer, residual: residual))
    }

    /// The CIFAR recipe on wide-ResNet blocks: a mentor and a student of pre-activation
    /// blocks (a bare stem convolution, blocks with a 1x1 shortcut and with the identity,
    /// the final batch norm), images cropped as torchvision does, Nesterov momentum,
    /// decay of every parameter and a step schedule falling within the run.
    static func recipeConfig(_ optimizer: OptimizerKind) -> ExperimentConfig {
        var config = batchNormConfig(optimizer)
        config.mentor = "conv4nobiasnorelu-preres4-preres8s2-preres8-bn-gap-fc16-bn-drop0.2"
        config.students = ["preres4s2-bn-gap", "fc8-bn"]
        config.augmentation = Augmentation(crop: 2, flip: true)
        config.decayAll = true
        config.schedule = .step(epochs: [1, 2])
        return config
    }

    /// Killed at the end of an epoch or in the middle of one, such a run resumes to the
    /// same bits as one that never stopped.
    @Test(arguments: [OptimizerKind.nesterov, .adam])
    func resumedRecipeRunEndsAsAnUninterruptedOne(_ optimizer: OptimizerKind) throws {
        try Self.expectResumesBitForBit(Self.recipeConfig(optimizer))
    }

    /// A run of `config` (batch norm after an fc layer in its second student, batch 17)
    /// copied aside at four moments a kill could strike, each copy resumed: every one ends
    /// with the weights, running statistics, counts, test losses and accuracies of the
    /// run that never stopped.
    static func expectResumesBitForBit(_ config: ExperimentConfig) throws {
        let root = try TemporaryFolder("resume")
        let reference = try Self.experiment(config, folder: root.file("whole")).run { _ in }
        let expected = try Outcome(reference, folder: root.file("whole"))
        #expect(reference.allFinished, "\(expected)")
        #expect(expected.weights.count == 5)

        let live = root.file("live")
        var snapshots: [String] = []
        var studentEpochEnds: [TrainingProgress] = []
        _ = try Self.experiment(config, folder: live).run { event in
            guard case .progress(let point) = event else { return }
            let name: String? = switch (point.model.name, point.epoch, point.isEpochEnd) {
            case ("mentor", 2, true): "mentor-epoch-2"
            case ("student 1", 2, false): "student-1-mid-epoch-2"
            case ("student 2", 1, true): "student-2-epoch-1"
            case ("baseline 2", 2, true): "baseline-2-epoch-2"
            default: nil
            }
            if point.model.name == "student 2" && point.isEpochEnd { studentEpochEnds.append(point) }
            guard let name, !snapshots.contains(name) else { return }
            snapshots.append(name)
            Self.copy(live, to: root.file(name))
        }
        #expect(snapshots.count == 4)
        // The pool's last sample of each epoch's shuffle is left out, never trained on alone.
        #expect(studentEpochEnds.map(\.samplesSeen) == [799, 1598, 2397])
        #expect(studentEpochEnds.map(\.step) == [47, 94, 141])

        for name in snapshots {
            let resumed = try Self.experiment(config, folder: root.file(name), resuming: true).run { _ in }
            #expect(try Outcome(resumed, folder: root.file(name)) == expected, "resumed from \(name)")
        }
    }
}
