import Foundation
import MimicEngine

/// Writes one run into the store as it trains. It listens to the engine's events on
/// the training thread: it keeps the metric points in memory and writes them in one
/// transaction at most about once a second, and at every epoch end, model end,
/// pause and run end, so a killed process loses at most a second of curves and no
/// result. Each write also refreshes the run's heartbeat.
///
/// A store that fails (a full disk, a deleted file) never stops the training: the
/// first failure is reported once, and training goes on. What could not be written is
/// kept and tried again, but not at every flush: a full disk fails each try only after
/// most of the batch is written, and retrying a growing batch every second took 57 s
/// of a 58 s run. So the points wait `retryInterval`, while a model's end and the run's
/// end are tried at once and, should the whole batch fail, on their own: a small write
/// may still fit, and the results matter more than the curves. `missing` says at the
/// end what never got written.
///
/// The run's end is written only with every point before it: a run reads `done` only
/// when the store holds every point it computed. While points wait, the end waits with
/// them (the run stays running, its process alive), so that `retryPending` can still
/// write the whole run once the store is back; `writeEndWithoutPoints` gives up on
/// them and writes the end as interrupted, saying what is missing, which `mimic
/// resume` and the sweep queue then train again.
public final class RunRecorder: @unchecked Sendable {
    // @unchecked: one thread calls `record` at a time (the training thread), and
    // nothing else touches the state below.
    public let store: RunStore
    public let runID: Int64
    private let flushInterval: Duration
    /// Where a resumed run's kept points stop on the wall clock; this process's points
    /// count on from there. Known once the plan is written.
    public private(set) var wallSecondsBefore = 0.0
    private let reportFailure: (String) -> Void
    /// The generation of the agent's claim this run is trained under (see
    /// `RunStore.claimSweepTraining`); every write checks it first.
    private let generation: Int64?
    private let onClaimLost: () -> Void
    /// The run was given to another agent: nothing more is written, ever.
    public private(set) var claimLost = false

    private let clock = ContinuousClock()
    private var started: ContinuousClock.Instant
    private var lastFlush: ContinuousClock.Instant
    private var pending: [PendingWrite] = []
    private var modelRows: [ModelID: Int64] = [:]
    private var modelsTraining: Set<ModelID> = []
    /// Models whose end is written: a point that comes late (it waited while the store
    /// failed) adds its metrics but must not set the model's status or results back.
    private var modelsEnded: Set<ModelID> = []
    private var hasFailed = false
    /// After a failed write, points are not tried again before this.
    private var retryAt: ContinuousClock.Instant?
    /// Points given up when more than `pendingLimit` waited.
    private var lostPoints = 0
    /// Writes that failed, for the tests: each costs the training thread a whole batch.
    private(set) var failedWrites = 0

    /// Time spent inside `record`, writes included: the recorder's whole cost to the
    /// training thread.
    public private(set) var secondsSpent = 0.0
    /// What writing the plan of a resumed run cut back (see `RunStore.rewind`).
    public private(set) var rewind: RunStore.Rewind?
    /// Most points kept while the store fails: hours of a typical run, a few megabytes.
    static let pendingLimit = 100_000
    /// How long points wait after a failed write before they are tried again.
    static let retryInterval: Duration = .seconds(60)

    private enum PendingWrite {
        case plan(RunPlan)
        /// A point and when it came, in seconds since this process's part of the run began.
        case point(TrainingProgress, secondsIn: Double)
        case finished(ModelResult)
        /// When the engine paused, or nil when it resumed: what every watcher shows.
        case paused(Date?)
        case ended(ExperimentReport)

        var isPoint: Bool { if case .point = self { true } else { false } }
        var isEnd: Bool { if case .ended = self { true } else { false } }
    }

    /// Records into run `runID` of `store`, made by `RunStore.createRun` or claimed by
    /// `RunStore.claimRun` or `claimForResume`. `reportFailure` gets one sentence the
    /// first time the store fails; by default it goes to standard error. A resumed run
    /// keeps its model rows: writing its plan cuts each model's points back to where the
    /// engine takes it up, and its wall clock goes on from where the kept points stop.
    /// With `generation`, writes only while the run is under that claim: once another
    /// agent took it over, the recorder drops what it holds, says so once through
    /// `reportFailure`, calls `onClaimLost` and writes nothing more.
    public init(store: RunStore, runID: Int64, flushInterval: Duration = .seconds(1), generation: Int64? = nil,
                reportFailure: @escaping (String) -> Void = RunRecorder.printToStandardError,
                onClaimLost: @escaping () -> Void = {}) {
        self.generation = generation
        self.onClaimLost = onClaimLost
        self.store = store
        self.runID = runID
        self.flushInterval = flushInterval
        self.reportFailure = reportFailure
        started = clock.now
        lastFlush = clock.now
    }

    public static func printToStandardError(_ message: String) {
        FileHandle.standardError.write(Data("mimic: \(message)\n".utf8))
    }

    /// The listener: pass it every event of the run, in order.
    public func record(_ event: TrainingEvent) {
        let began = clock.now
        defer { secondsSpent += (clock.now - began).seconds }
        switch event {
        case .runStarted(let plan):
            started = began
            pending.append(.plan(plan))
            flush(essential: true)
        case .progress(let point):
            pending.append(.point(point, secondsIn: (began - started).seconds))
            if point.isEpochEnd || began - lastFlush >= flushInterval { flush(essential: false) }
        case .modelFinished(let result):
            pending.append(.finished(result))
            flush(essential: true)
        case .paused:
            pending.append(.paused(Date()))
            flush(essential: true)
        case .resumed:
            pending.append(.paused(nil))
            flush(essential: true)
        case .runFinished(let report):
            pending.append(.ended(report))
            flush(essential: true)
        case .phaseStarted, .annotated:
            if began - lastFlush >= flushInterval { flush(essential: false) }
        }
    }

    /// What of the run could not be written, in words that fit mid-sentence, or nil when
    /// the store holds all of it.
    public var missing: String? {
        let points = lostPoints + pending.count(where: \.isPoint)
        var parts: [String] = []
        if points > 0 { parts.append("\(ReportTable.grouped(points)) progress point\(points == 1 ? "" : "s")") }
        if pending.contains(where: { if case .finished = $0 { true } else { false } }) { parts.append("the results of its models") }
        if pending.contains(where: { if case .ended = $0 { true } else { false } }) { parts.append("its end") }
        guard !parts.isEmpty else { return nil }
        let list = parts.count == 1 ? parts[0] : parts.dropLast().joined(separator: ", ") + " and " + parts.last!
        return list + " could not be written"
    }

    /// Writes everything that waits now, all in one transaction, without waiting for the
    /// retry interval: for after the run, while its process holds on to the run until
    /// the store is back. True when the store then holds the whole run (or the claim was
    /// lost, after which nothing is ever written).
    @discardableResult
    public func retryPending() -> Bool {
        if claimLost { pending.removeAll() }
        guard !pending.isEmpty else { return lostPoints == 0 || claimLost }
        if write(pending) == nil {
            pending.removeAll(keepingCapacity: true)
            retryAt = nil
        }
        return missing == nil || claimLost
    }

    /// Gives up on the points the store could not take: the results and the run's end
    /// are written without them, the end as interrupted with a message saying what is
    /// missing, so that the run never reads done with a gap, and `mimic resume` (or the
    /// sweep queue) trains again what the store lacks. A store that takes nothing leaves
    /// the run running, to be found interrupted once this process is gone.
    public func writeEndWithoutPoints() {
        guard !claimLost, pending.contains(where: \.isEnd) else { return }
        let rest = pending.filter { !$0.isPoint }
        let left = lostPoints + pending.count(where: \.isPoint)
        if write(rest, pointsLeftOut: left) == nil, !claimLost { pending.removeAll { !$0.isPoint } }
    }

    /// Writes everything pending in one transaction; on failure keeps it for the next
    /// try (see the type's comment for when that is).
    private func flush(essential: Bool) {
        let now = clock.now
        lastFlush = now
        if claimLost {
            pending.removeAll()
            return
        }
        if !essential, let retryAt, now < retryAt { return }
        guard let error = write(pending) else {
            pending.removeAll(keepingCapacity: true)
            retryAt = nil
            return
        }
        if !hasFailed {
            hasFailed = true
            reportFailure("The run store \(store.location) could not record run \(runID) (\(store.backend.reason(error))); training goes on, "
                + "and the record is tried again every minute and as each model ends, but it may stay incomplete.")
        }
        retryAt = now + Self.retryInterval
        if essential && pending.contains(where: \.isPoint) {
            // The results on their own; the run's end waits with the points (see the type's comment).
            let results = pending.filter { !$0.isPoint && !$0.isEnd }
            if !results.isEmpty, write(results) == nil { pending.removeAll { !$0.isPoint && !$0.isEnd } }
        }
        let waiting = pending.count(where: \.isPoint)
        if waiting > Self.pendingLimit {
            lostPoints += waiting
            pending.removeAll(where: \.isPoint)
        }
    }

    /// Writes `writes` in one transaction and takes on what it wrote; the error when it
    /// failed. `pointsLeftOut` counts the points computed before the writes that are not
    /// among them and not in the store: with any, the run's end is not written as done.
    private func write(_ writes: [PendingWrite], pointsLeftOut: Int? = nil) -> Error? {
        var written = Written(wallSecondsBefore: wallSecondsBefore, pointsLeftOut: pointsLeftOut ?? lostPoints)
        do {
            try store.backend.write { db in
                if let generation { try RunStore.checkClaim(db, run: runID, generation: generation) }
                for write in writes {
                    try apply(write, db, &written)
                }
                try Self.insert(metricRows: written.metricRows, into: db)
                try db.execute("UPDATE runs SET heartbeat_at = \(Date()) WHERE id = \(runID)")
            }
        } catch let lost as ClaimLost {
            claimLost = true
            pending.removeAll()
            reportFailure(StoreError.claimLost(lost).message)
            onClaimLost()
            return nil
        } catch {
            failedWrites += 1
            return error
        }
        modelRows.merge(written.newRows) { $1 }
        modelsTraining.formUnion(written.newTraining)
        modelsEnded.formUnion(written.newEnded)
        wallSecondsBefore = written.wallSecondsBefore
        if let rewind = written.rewind { self.rewind = rewind }
        return nil
    }

    /// What one flush wrote, taken on only once its transaction commits.
    private struct Written {
        var wallSecondsBefore: Double
        /// Points of the run not in the store once this flush commits (see `write`).
        var pointsLeftOut: Int
        /// The flush's metric rows, in order, written together at its end: a few
        /// statements per flush rather than one per point, which is one round trip
        /// each to a PostgreSQL server.
        var metricRows: [StoreQuery] = []
        var newRows: [ModelID: Int64] = [:]
        var newTraining: Set<ModelID> = []
        var newEnded: Set<ModelID> = []
        var rewind: RunStore.Rewind?
    }

    private func apply(_ write: PendingWrite, _ db: any StoreConnection, _ written: inout Written) throws {
        func row(_ id: ModelID) -> Int64? { written.newRows[id] ?? modelRows[id] }
        switch write {
        case .plan(let plan):
            // A resumed run's points after the engine's starting point go first.
            let rewind = try RunStore.rewind(db, run: runID, to: plan)
            written.wallSecondsBefore = rewind.wallSeconds
            written.rewind = rewind
            try db.execute("""
                UPDATE runs SET data_set = \(plan.dataSet), labeled_count = \(plan.split.labeled),
                    validation_count = \(plan.split.validation), unlabeled_count = \(plan.split.unlabeled),
                    test_count = \(plan.split.test), input_shape = \(plan.inputShape.description), classes = \(plan.classes)
                WHERE id = \(runID)
                """)
            for model in plan.models {
                // A resumed run's models are there already.
                if let row = try db.value("""
                    SELECT id FROM models WHERE run_id = \(runID) AND role = \(model.id.role.rawValue) AND position = \(model.id.index)
                    """, as: Int64.self) {
                    written.newRows[model.id] = row
                    continue
                }
                written.newRows[model.id] = try db.value("""
                    INSERT INTO models (run_id, role, position, spec, parameters, forward_flops, epochs, status)
                    VALUES (\(runID), \(model.id.role.rawValue), \(model.id.index), \(model.id.spec), \(model.parameters),
                            \(model.forwardFLOPsPerSample), \(model.epochs), \(ModelStatus.pending.rawValue))
                    RETURNING id
                    """, as: Int64.self)
            }

        case .point(let point, let secondsIn):
            guard let model = row(point.model) else { return }
            written.metricRows += Self.metricRows(of: point, model: model, wallSeconds: written.wallSecondsBefore + secondsIn)
            // Only the metrics of a point that comes after its model's end (see `modelsEnded`).
            if modelsEnded.contains(point.model) || written.newEnded.contains(point.model) { return }
            if !modelsTraining.contains(point.model) && !written.newTraining.contains(point.model) {
                try db.execute("UPDATE models SET status = \(ModelStatus.training.rawValue) WHERE id = \(model)")
                written.newTraining.insert(point.model)
            }
            if let test = point.test {
                try db.execute("""
                    UPDATE models SET epochs_completed = \(point.epoch), training_seconds = \(point.trainingTime),
                        test_accuracy = \(test.accuracy), test_loss = \(test.loss), agreement = \(test.agreement)
                    WHERE id = \(model)
                    """)
            }

        case .finished(let result):
            guard let model = row(result.id) else { return }
            written.newEnded.insert(result.id)
            let (status, message) = Self.status(of: result)
            try db.execute("""
                UPDATE models SET status = \(status.rawValue), epochs_completed = \(result.epochsCompleted),
                    training_seconds = \(result.trainingTime), test_accuracy = \(result.test?.accuracy), test_loss = \(result.test?.loss),
                    agreement = \(result.test?.agreement), parity_seconds = \(result.timeToParity), checkpoint = \(result.checkpoint),
                    message = \(message)
                WHERE id = \(model)
                """)

        case .paused(let since):
            try db.execute("UPDATE runs SET paused_at = \(since) WHERE id = \(runID)")

        case .ended(let report):
            var (status, message) = Self.status(of: report)
            if written.pointsLeftOut > 0 {
                // Not done, whatever the models did: the store lacks some of their points,
                // which only training them again gives back ('mimic resume' does).
                status = .interrupted
                message = "The run store could not take \(ReportTable.grouped(written.pointsLeftOut)) of its progress points "
                    + "(it was away or full); 'mimic resume \(runID)' trains again the models they belong to and records them."
            }
            try db.execute("""
                UPDATE runs SET status = \(status.rawValue), ended_at = \(Date()), wall_seconds = \(written.wallSecondsBefore + report.wallTime),
                    message = \(message), paused_at = NULL
                WHERE id = \(runID)
                """)
        }
    }

    /// The metrics of `point` as rows of model row `model`, for `insert(metricRows:into:)`.
    static func metricRows(of point: TrainingProgress, model: Int64, wallSeconds: Double) -> [StoreQuery] {
        MetricSeries.values(of: point).map { name, value in
            "(\(model), \(point.step), \(point.epoch), \(point.samplesSeen), \(point.trainingTime), \(wallSeconds), \(name.rawValue), \(value))"
        }
    }

    /// Inserts `rows` in order, in statements of at most `rowsPerInsert` rows: eight
    /// values a row stay far below either database's limit on bound values.
    static func insert(metricRows rows: [StoreQuery], into db: any StoreConnection) throws {
        for start in stride(from: 0, to: rows.count, by: rowsPerInsert) {
            let chunk = Array(rows[start..<min(start + rowsPerInsert, rows.count)])
            try db.execute("""
                INSERT INTO metrics (model_id, step, epoch, samples_seen, training_seconds, wall_seconds, name, value)
                VALUES \(StoreQuery.joined(chunk, separator: ", "))
                """)
        }
    }

    static let rowsPerInsert = 1000

    static func status(of result: ModelResult) -> (ModelStatus, String?) {
        switch result.status {
        case .finished: (.finished, result.checkpointError)
        case .stopped: (.stopped, result.checkpointError)
        case .diverged(let message): (.diverged, message)
        case .skipped(let message): (.skipped, message)
        }
    }

    /// failed when a model diverged or could not be saved; done when every model
    /// trained to its end; stopped otherwise.
    static func status(of report: ExperimentReport) -> (RunStatus, String?) {
        for result in report.results {
            if case .diverged(let message) = result.status { return (.failed, message) }
        }
        if let error = report.results.lazy.compactMap(\.checkpointError).first { return (.failed, error) }
        return report.allFinished ? (.done, nil) : (.stopped, nil)
    }
}
