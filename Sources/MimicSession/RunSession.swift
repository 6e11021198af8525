import Foundation
import MimicEngine
import MimicStore

/// One run's whole life, the one way every entry point trains (`mimic train`,
/// `resume`, `reproduce`, the dashboard): its record in the store, created or claimed;
/// its run folder, made for it alone and held locked for as long as the run lives
/// (the lock is how any other mimic tells that it is alive); the experiment, handed
/// that folder for its checkpoints; the recorder that writes its events into the
/// store; the poller that takes pause, resume and stop from watchers and beats its
/// heartbeat; the thread it trains on; and what is left behind on each way out.
///
///     start / resume / adopt ──> Experiment ──events──> recorder (store)
///                                                  └──> listener (printer, dashboard)
///
/// On the way out: a run that ends (done, stopped, a model diverged) is recorded as
/// such by the recorder; a run that cannot start leaves the store as it found it (a
/// new record is deleted with the folder made for it, nothing else; a resumed one
/// keeps its status), except one a parent recorded or claimed for this process, which
/// is marked failed or given back with the reason; a process that dies leaves its
/// lock free, which marks the run interrupted.
/// Without a store, a run records nothing and keeps no run folder.
public final class RunSession: @unchecked Sendable {
    // @unchecked: set up on one thread, then trained on one thread at a time; the
    // control is thread-safe.
    public let experiment: Experiment
    public let control = TrainingControl()
    private let store: RunStore?
    /// The run's id in the store; nil when nothing is recorded.
    public let runID: Int64?
    /// The run folder, held locked for as long as the run lives.
    private let folder: HeldRunFolder?
    private let recorder: RunRecorder?
    private let reportFailure: @Sendable (String) -> Void
    private var poller: RunControlPoller?
    private let finished = DispatchSemaphore(value: 0)
    /// The generation of the agent's claim the run is trained under, if an agent's.
    private let generation: Int64?
    private let lost = LostClaimFlag()

    private init(experiment: Experiment, store: RunStore?, runID: Int64?, folder: HeldRunFolder?, generation: Int64? = nil,
                 reportFailure: @escaping @Sendable (String) -> Void) {
        self.experiment = experiment
        self.store = store
        self.runID = runID
        self.folder = folder
        self.generation = generation
        self.reportFailure = reportFailure
        if let store, let runID {
            let (control, lost) = (control, lost)
            recorder = RunRecorder(store: store, runID: runID, generation: generation, reportFailure: reportFailure) {
                lost.set()
                control.stop()
            }
        } else {
            recorder = nil
        }
    }

    // MARK: - Starting

    /// A new run of `config` on `dataSet` (on `split` when given), recorded in `store`
    /// as part of `partOf` when given. Paths in the configuration are recorded absolute,
    /// so that the record reads the same from any folder.
    public static func start(_ config: ExperimentConfig, dataSet: DataSet, split: DataSplit? = nil,
                             store: RunStore?, programVersion: String, partOf: String? = nil, slot: SweepSlot? = nil,
                             reportFailure: @escaping @Sendable (String) -> Void = RunRecorder.printToStandardError) throws -> RunSession {
        let config = config.withAbsolutePaths().withMentorOfItsCheckpoint()
        guard let store else {
            return RunSession(experiment: try experiment(config, dataSet, split, nil), store: nil, runID: nil, folder: nil,
                              reportFailure: reportFailure)
        }
        try checkSaveFolder(config, store: store)
        let (record, folder) = try store.startRun(config: config, programVersion: programVersion, partOf: partOf, slot: slot)
        do {
            let experiment = try experiment(config, dataSet, split, folder.files)
            return RunSession(experiment: experiment, store: store, runID: record.id, folder: folder, reportFailure: reportFailure)
        } catch {
            // Nothing trained: the run leaves no record. Its folder was made for it
            // alone; let go of it, and deleting takes only what this start made.
            folder.release()
            try? store.deleteRun(record.id)
            throw error
        }
    }

    /// Refuses a --save folder that is the store's file or inside a run folder: the
    /// checkpoints written there would replace another run's.
    static func checkSaveFolder(_ config: ExperimentConfig, store: RunStore) throws {
        guard let save = config.saveDirectory, let problem = try GuardedPaths(store).problem(writing: save) else { return }
        throw StoreError("The checkpoint folder \(save) (--save) cannot be used: \(problem); pass --save with a folder of your own.")
    }

    /// The run `id` that a parent process recorded and started this process to train
    /// (`mimic train --detach`), with the folder's lock it handed down as `lockDescriptor`.
    public static func adopt(_ id: Int64, lockDescriptor: Int32, store: RunStore,
                             reportFailure: @escaping @Sendable (String) -> Void = RunRecorder.printToStandardError) throws -> RunSession {
        let folder = try adoptFolder(of: try store.run(id), lockDescriptor: lockDescriptor)
        do {
            let record = try store.claimRun(id)
            let dataSet = try DataSet.load(for: record.config)
            let experiment = try experiment(record.config, dataSet, nil, folder.files)
            return RunSession(experiment: experiment, store: store, runID: id, folder: folder, reportFailure: reportFailure)
        } catch {
            // Listed already, by the parent: it failed, and says why.
            try? store.endRun(id, status: .failed, message: "\(error)")
            throw error
        }
    }

    /// Takes up run `id`, which ended without finishing, from its last epoch
    /// checkpoints, in the same record (`threads` may differ; the results are the same
    /// only with the same count). `dataSet` saves loading it again when the caller has it.
    /// With `lockDescriptor`, the folder's lock handed down by a parent that claimed the
    /// run for this process (`resume --detach`): a resume that cannot go on gives the
    /// run back, with the reason.
    public static func resume(_ id: Int64, store: RunStore, threads: Int? = nil, dataSet: DataSet? = nil,
                              lockDescriptor: Int32? = nil,
                              reportFailure: @escaping @Sendable (String) -> Void = RunRecorder.printToStandardError) throws -> RunSession {
        if let lockDescriptor {
            let folder = try adoptFolder(of: try store.run(id), lockDescriptor: lockDescriptor)
            do {
                let record = try store.claimRun(id)
                let experiment = try resumedExperiment(record, folder: folder.files, threads: threads, dataSet: dataSet, store: store,
                                                       announce: reportFailure)
                return RunSession(experiment: experiment, store: store, runID: id, folder: folder, reportFailure: reportFailure)
            } catch {
                try? store.endRun(id, status: .interrupted, message: "'mimic resume' could not go on with it: \(error)")
                throw error
            }
        }
        let record = try store.resumableRun(id)
        let folder = try HeldRunFolder.reopen(at: try folderPath(of: record))
        let experiment = try resumedExperiment(record, folder: folder.files, threads: threads, dataSet: dataSet, store: store,
                                               announce: reportFailure)
        // Claimed only now, after everything that could refuse the resume (the data, the
        // run folder and its lock): a resume that cannot start leaves the run as it was.
        _ = try store.claimForResume(id)
        return RunSession(experiment: experiment, store: store, runID: id, folder: folder, reportFailure: reportFailure)
    }

    /// The experiment that takes run `record` up from `folder`. A model the folder has
    /// further than the store has its points (its process could not write them, and
    /// ended) trains again from its first epoch, to the same points: the folder keeps no
    /// earlier checkpoint, and a run reads done only with every point. `announce` hears
    /// which, in a sentence.
    private static func resumedExperiment(_ record: RunRecord, folder: RunFolder, threads: Int?, dataSet: DataSet?,
                                          store: RunStore, announce: (String) -> Void) throws -> Experiment {
        var config = record.config
        if let threads { config.threads = threads }
        try config.validate()
        let experiment = try experiment(config, dataSet ?? DataSet.load(for: config), nil, folder)
        let gaps = try store.modelsMissingPoints(ofRun: record.id, plan: experiment.plan)
        if !gaps.isEmpty {
            experiment.trainFromTheStart(gaps.map(\.model))
            announce("The run store \(store.location) lacks progress points of run \(record.id) that its folder is past ("
                + gaps.map(\.description).joined(separator: ", ") + "), so "
                + (gaps.count == 1 ? "that model trains" : "those models train") + " again from the first epoch to record them.")
        }
        return experiment
    }

    /// Run `id`, which is done, as it ended: its models reported from its folder, with
    /// nothing trained and nothing written.
    public static func review(_ id: Int64, store: RunStore, dataSet: DataSet? = nil,
                              reportFailure: @escaping @Sendable (String) -> Void = RunRecorder.printToStandardError) throws -> RunSession {
        let record = try store.run(id)
        let folder = try RunFolder.inspect(at: try folderPath(of: record))
        let experiment = try experiment(record.config, dataSet ?? DataSet.load(for: record.config), nil, folder)
        return RunSession(experiment: experiment, store: nil, runID: id, folder: nil, reportFailure: reportFailure)
    }

    /// Records a run of `config` and starts another process to train it, handing it the
    /// run folder's lock so that the run is never without a live holder. `spawn` starts
    /// the process for the run id and the lock's descriptor, with its output in the log
    /// path, and returns its process id. A process that cannot start leaves the run
    /// `failed`, saying why.
    public static func detach(_ config: ExperimentConfig, store: RunStore, programVersion: String,
                              spawn: (_ runID: Int64, _ lockDescriptor: Int32, _ log: String) throws -> pid_t) throws -> (RunRecord, pid_t) {
        let (record, folder) = try store.startRun(config: config.withAbsolutePaths().withMentorOfItsCheckpoint(), programVersion: programVersion)
        let pid: pid_t
        do {
            pid = try folder.handingDownLock { lock in try spawn(record.id, lock, record.logPath!) }
        } catch {
            try? store.endRun(record.id, status: .failed, message: "The background process could not start: \(error).")
            throw error
        }
        // The child claims the run itself too; saying it here closes the moment in
        // which this process has exited and the child has not yet started.
        try? store.setProcess(of: record.id, pid: pid)
        return (try store.run(record.id), pid)
    }

    /// Claims run `id` (which must be resumable) and starts another process to resume
    /// it, handing it the run folder's lock.
    public static func detachResume(_ id: Int64, store: RunStore,
                                    spawn: (_ lockDescriptor: Int32, _ log: String) throws -> pid_t) throws -> (RunRecord, pid_t) {
        let record = try store.resumableRun(id)
        let folder = try HeldRunFolder.reopen(at: try folderPath(of: record))
        // Claimed before the child starts, so the run shows as running from now on and a
        // child that fails at once gives back a run that is claimed.
        _ = try store.claimForResume(id)
        let pid: pid_t
        do {
            pid = try folder.handingDownLock { lock in try spawn(lock, record.logPath!) }
        } catch {
            try? store.endRun(id, status: .interrupted, message: "The background resume could not start: \(error).")
            throw error
        }
        try? store.setProcess(of: id, pid: pid)
        return (try store.run(id), pid)
    }

    private static func adoptFolder(of record: RunRecord, lockDescriptor: Int32) throws -> HeldRunFolder {
        try HeldRunFolder.adopt(at: try folderPath(of: record), lockDescriptor: lockDescriptor)
    }

    private static func experiment(_ config: ExperimentConfig, _ dataSet: DataSet, _ split: DataSplit?,
                                   _ folder: RunFolder?) throws -> Experiment {
        if let split { return try Experiment(config: config, dataSet: dataSet, split: split, folder: folder) }
        return try Experiment(config: config, dataSet: dataSet, folder: folder)
    }

    private static func folderPath(of record: RunRecord) throws(StoreError) -> String {
        guard let folder = record.folder else {
            throw StoreError("Run \(record.id) has no run folder (it was recorded before mimic kept epoch checkpoints); "
                + "'mimic show \(record.id)' prints the command that trains it again.")
        }
        return folder
    }

    // MARK: - Agents

    /// A new run of the sweep's training that `claim` holds (an agent's claim without a
    /// run yet), trained under that claim: once another agent takes the training over,
    /// nothing more of this process reaches the run.
    public static func start(_ config: ExperimentConfig, dataSet: DataSet, store: RunStore, programVersion: String,
                             partOf: String? = nil, claim: SweepClaim,
                             reportFailure: @escaping @Sendable (String) -> Void = RunRecorder.printToStandardError) throws -> RunSession {
        let config = config.withAbsolutePaths().withMentorOfItsCheckpoint()
        try checkSaveFolder(config, store: store)
        let (record, folder) = try store.startRun(config: config, programVersion: programVersion, partOf: partOf, claim: claim)
        do {
            let experiment = try experiment(config, dataSet, nil, folder.files)
            return RunSession(experiment: experiment, store: store, runID: record.id, folder: folder, generation: claim.generation,
                              reportFailure: reportFailure)
        } catch {
            folder.release()
            try? store.endRun(record.id, status: .failed, message: "It could not start: \(error)")
            throw error
        }
    }

    /// Takes up the run of the sweep's training that `claim` took over (its agent died
    /// or lost the store, or it was cut short), from the last epoch checkpoints of the
    /// earlier claim's folder, in a folder of this claim's own: `runs/<id>-claim-<n>`
    /// beside the store's runs. The earlier claimer may still be alive and writing its
    /// own folder; the two never share one. Each checkpoint file is whole (written to a
    /// temporary name and renamed), and a model's result is copied before its weights,
    /// so the copy never says a model ended without its final weights. A run whose
    /// process ended on this machine goes on in its own folder instead.
    public static func takeOver(_ claim: SweepClaim, store: RunStore, dataSet: DataSet? = nil,
                                reportFailure: @escaping @Sendable (String) -> Void = RunRecorder.printToStandardError) throws -> RunSession {
        guard let id = claim.runID else { throw StoreError("Training \(claim.slot.training + 1) of sweep \(claim.slot.sweep) has no run to take over; this is a bug in mimic: please report it.") }
        let record = try store.run(id)
        do {
            let folder = try folderToGoOnIn(claim, run: id, store: store)
            let experiment = try resumedExperiment(record, folder: folder.files, threads: nil, dataSet: dataSet, store: store,
                                                   announce: reportFailure)
            return RunSession(experiment: experiment, store: store, runID: id, folder: folder, generation: claim.generation,
                              reportFailure: reportFailure)
        } catch {
            try? store.endRun(id, status: .interrupted, message: "An agent could not take it up: \(error)")
            throw error
        }
    }

    /// The folder a taken-over run goes on in. Its process ended on this machine (a
    /// killed local worker, an agent stopped here): once its folder's lock is free,
    /// nobody else can write there, and the run goes on in it, as 'mimic resume' does.
    /// Otherwise a copy of the earlier claim's checkpoints of this claim's own.
    private static func folderToGoOnIn(_ claim: SweepClaim, run id: Int64, store: RunStore) throws -> HeldRunFolder {
        if !claim.earlierWasRunning, claim.earlierHost == ProcessIdentity.host, let earlier = claim.earlierFolder,
           let folder = try? HeldRunFolder.reopen(at: earlier) {
            return folder
        }
        let path = ((store.folder as NSString).appendingPathComponent("runs") as NSString)
            .appendingPathComponent("\(id)-claim-\(claim.generation)")
        // A claim taken from a live but cut-off agent: its folder may be epochs ahead
        // of the points the store holds (they waited in its recorder), and the engine
        // fills in only one missing epoch. So only the models the store has as ended
        // come along; the others train again from their start, to the same numbers.
        var keep: ((String) -> Bool)?
        if claim.earlierWasRunning {
            let ended = try store.models(ofRun: id).filter { $0.status == .finished || $0.status == .diverged }.map { model in
                ModelID(role: model.role, index: model.position, spec: model.spec).name.replacingOccurrences(of: " ", with: "-")
            }
            keep = { name in name == RunFolder.identityName || ended.contains { name.hasPrefix($0 + ".") || name.hasPrefix($0 + "-") } }
        }
        try copyCheckpoints(from: claim.earlierFolder, to: path, keeping: keep)
        let folder = try HeldRunFolder.reopen(at: path)
        try store.moveRun(id, toFolder: path, generation: claim.generation)
        return folder
    }

    private static func copyCheckpoints(from earlier: String?, to path: String, keeping keep: ((String) -> Bool)?) throws {
        let files = FileManager.default
        guard let earlier, let names = try? files.contentsOfDirectory(atPath: earlier),
              names.contains(RunFolder.identityName) else {
            throw StoreError("The run folder \(earlier ?? "(none)") of the earlier claim cannot be read from this machine; "
                + "put --artifacts on a file system every agent reaches (the same path on each).")
        }
        do {
            try files.createDirectory(atPath: path, withIntermediateDirectories: true)
            let kept = names.filter { $0 != HeldRunFolder.lockName && !$0.hasPrefix(".") && !$0.hasSuffix(".tmp") && keep?($0) != false }
            let results = kept.filter { $0.hasSuffix(".result.json") }
            for name in results + kept.filter({ !$0.hasSuffix(".result.json") }) {
                let target = (path as NSString).appendingPathComponent(name)
                try? files.removeItem(atPath: target)
                try files.copyItem(atPath: (earlier as NSString).appendingPathComponent(name), toPath: target)
            }
        } catch {
            throw StoreError("The checkpoints in \(earlier) cannot be copied to \(path) (\(error)); check that the artifacts folder is writable and has room.")
        }
    }

    // MARK: - Training

    /// Trains on this thread until the run ends. Every event goes to the store first,
    /// then to `listener`.
    ///
    /// What the store could not take while the run trained (its server restarted, its
    /// disk filled) is this process's own to write: with `waitingForTheStore`, the
    /// session holds on to the run (its folder's lock, its claim) and tries again every
    /// second for as long as that says to go on, so that a store that comes back gets the
    /// whole run, and the run is done. Without it, or when the store stays away, the run's
    /// end is written without those points, as interrupted (`RunRecorder.writeEndWithoutPoints`):
    /// never done with a gap; `resume` trains again what the store lacks.
    public func run(waitingForTheStore goOn: (() -> Bool)? = nil, listener: (TrainingEvent) -> Void) -> ExperimentReport {
        if let store, let runID, recorder != nil {
            let (control, lost) = (control, lost)
            poller = RunControlPoller(store: store, runID: runID, control: control, generation: generation,
                                      reportFailure: reportFailure) {
                lost.set()
                control.stop()
            }
        }
        defer {
            poller?.cancel()
            poller = nil
            // What the store could not take: waited for when asked, then, if still
            // missing, the run's end is written without it, as interrupted, never done
            // with a gap (RunRecorder.writeEndWithoutPoints).
            if let recorder, recorder.missing != nil, !claimLost {
                if let goOn { waitForTheStore(recorder, while: goOn) }
                if recorder.missing != nil { recorder.writeEndWithoutPoints() }
            }
            // Ended and recorded: another process may take the folder now (a resume of a
            // stopped run), while this one lives on (a dashboard, a reproduction).
            folder?.release()
        }
        return experiment.run(control: control) { event in
            recorder?.record(event)
            listener(event)
        }
    }

    /// Tries the recorder's waiting writes again every second, while `goOn` says so,
    /// until the store holds the whole run or the claim is lost (another agent took the
    /// run over: then nothing of this process is written). The folder stays locked
    /// meanwhile, so the run reads alive and no sibling worker takes it up from its
    /// folder. Says once that it waits.
    private func waitForTheStore(_ recorder: RunRecorder, while goOn: () -> Bool) {
        guard let runID, let store, !recorder.retryPending() else { return }
        reportFailure("Run \(runID) ended, but the run store \(store.location) has not taken all of it yet "
            + "(\(recorder.missing ?? "")); this process keeps it and writes it as soon as the store answers (Ctrl-C gives up).")
        while goOn(), !claimLost {
            if recorder.retryPending() { return }
            Thread.sleep(forTimeInterval: 1)
        }
    }

    /// Trains on a thread of its own, calling `listener` there (the dashboard).
    /// `prepareThread` runs first on that thread (to block the signals another thread handles).
    public func start(prepareThread: @escaping @Sendable () -> Void = {},
                      listener: @escaping @Sendable (TrainingEvent) -> Void) {
        let thread = Thread { [self] in
            prepareThread()
            _ = run(listener: listener)
            finished.signal()
        }
        // The engine recurses little, but BLAS and the layers keep sizeable frames.
        thread.stackSize = 8 << 20
        thread.name = "mimic training"
        thread.start()
    }

    /// Stops at the next step and waits up to `seconds` for `start`'s thread to end.
    @discardableResult
    public func stop(waitingUpTo seconds: Double) -> Bool {
        control.stop()
        return finished.wait(timeout: .now() + seconds) == .success
    }

    /// True when another agent took the run over while this one trained it (its link to
    /// the store was cut past the grace period): this process stopped it and wrote
    /// nothing more into it.
    public var claimLost: Bool { lost.isSet }

    /// What the recording cost the training thread, in seconds.
    public var recordingSeconds: Double? { recorder?.secondsSpent }

    /// What of the run the store could not take (see `RunRecorder.missing`), or nil.
    public var recordMissing: String? { recorder?.missing }

    /// The store as messages name it (its path, or its URL without the password), when the run is recorded.
    public var storeLocation: String? { store?.location }

    /// Where the store is, when the run is recorded: what a failure to record it is about.
    public var storeAddress: StoreAddress? { store?.address }

    /// The run's wall time over all its parts: a resumed run counts the time before too.
    public func wallSeconds(of report: ExperimentReport) -> Double {
        (recorder?.wallSecondsBefore ?? 0) + report.wallTime
    }
}

/// Set once, from the recorder's or the poller's thread, when the run's claim is lost.
private final class LostClaimFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}

extension ExperimentConfig {
    /// The paths as this process sees them now, so that a record reads the same from
    /// any folder and a background process finds them.
    public func withAbsolutePaths() -> ExperimentConfig {
        func absolute(_ path: String) -> String {
            URL(fileURLWithPath: (path as NSString).expandingTildeInPath).standardizedFileURL.path
        }
        var config = self
        config.dataDirectory = absolute(dataDirectory)
        config.saveDirectory = saveDirectory.map(absolute)
        config.mentorCheckpoint = mentorCheckpoint.map(absolute)
        config.mentorLogits = mentorLogits.map(absolute)
        config.unlabeledDirectory = unlabeledDirectory.map(absolute)
        return config
    }
}
