import Foundation
import MimicStore
import MimicSweep
import Synchronization

/// The dashboard's reads of the store, and a watcher's requests to its training, on a
/// thread of their own, so that the run loop never waits on the store: a PostgreSQL
/// server that is down or far away makes a read wait (up to 10 s to connect, 15 s a
/// query) while keys and the screen go on. Answers come back through the inbox as
/// inputs to the reducer, in the order they were asked for: lazygit's scoped async
/// refresh, reduced to one serial worker, as the store's one PostgreSQL connection
/// takes one transaction at a time anyway.
///
/// Nothing here writes to the store but the pause, resume and stop a user asks for.
final class StoreReader: @unchecked Sendable {
    // @unchecked: `pending` is touched under `jobs` only; `follower`, `unreadableChecked`
    // and `lastProblem` on the reader's thread only (and `follower` by `follow`, under
    // `jobs`, before the first job is queued).
    let store: RunStore
    private let inbox: EventInbox
    /// The jobs asked for, oldest first, and the condition the reader's thread waits on.
    private let jobs = NSCondition()
    private var pending: [@Sendable () -> Void] = []
    private var finished = false
    /// Whether a refresh is queued or under way. The loop asks for at most one at a
    /// time, so a store that answers slowly gets one read at a time, not a backlog.
    private let refreshing = Atomic<Bool>(false)
    /// Control requests queued and not yet written.
    private let requestsPending = Atomic<Int>(0)
    /// The run loop's zero, to place a followed run's start on its clock.
    private let loopStart: ContinuousClock.Instant
    private var follower: RunFollower?
    private var unreadableChecked = false
    /// The last refresh's failure, if it failed.
    private var lastProblem: String?

    /// What one refresh reads; each part is due on an interval of its own (`DashboardApp`).
    struct Refresh: Sendable {
        /// What the watched run recorded since the last look.
        var watchedRun = false
        /// `mimic watch --sweep`, with the run on screen ended: the sweep's training under way, if another.
        var nextTrainingOf: Int64?
        /// The runs pane's list.
        var runs = false
        /// The sweep view's grid, while it is on screen.
        var sweep: SweepChoice?

        var isEmpty: Bool { !watchedRun && nextTrainingOf == nil && !runs && sweep == nil }
    }

    /// Which sweep the view shows: the one open already, the one `mimic watch --sweep`
    /// names, the one the watched run belongs to, or else the newest in the store.
    struct SweepChoice: Sendable {
        var open: Int64?
        var named: Int64?
        var watchedRun: Int64?
    }

    init(store: RunStore, inbox: EventInbox, loopStart: ContinuousClock.Instant) {
        self.store = store
        self.inbox = inbox
        self.loopStart = loopStart
        // A thread of its own rather than a Dispatch queue's: terminal signals must
        // reach the UI thread only (`SignalFlags`), and a pool thread's mask is not ours.
        let thread = Thread { [self] in
            SignalFlags.blockTerminalSignalsOnThisThread()
            while let job = next() { job() }
        }
        thread.name = "mimic store reader"
        thread.start()
    }

    /// Ends the reader's thread once the jobs queued so far are done; a read under way
    /// is never cut short, the thread just ends after it. A pause, resume or stop the
    /// user asked for just before quitting is waited for, up to `seconds`, so that the
    /// farewell ("was asked to pause") holds; reads are not.
    func finish(waitingForRequestsUpTo seconds: Double) {
        jobs.lock()
        finished = true
        jobs.signal()
        jobs.unlock()
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while requestsPending.load(ordering: .acquiring) > 0 && ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.01)
        }
    }

    /// Follows `record`'s run from now on. Called once, before any job is queued.
    func follow(_ record: RunRecord) -> DashboardInput {
        jobs.lock()
        defer { jobs.unlock() }
        return startFollowing(record)
    }

    private func enqueue(_ job: @escaping @Sendable () -> Void) {
        jobs.lock()
        pending.append(job)
        jobs.signal()
        jobs.unlock()
    }

    /// The next job, waiting for one; nil once finished and none is left.
    private func next() -> (@Sendable () -> Void)? {
        jobs.lock()
        defer { jobs.unlock() }
        while pending.isEmpty && !finished { jobs.wait() }
        return pending.isEmpty ? nil : pending.removeFirst()
    }

    /// Queues `request` unless a refresh is still queued or under way; returns whether
    /// it was queued. Its inputs end with `.storeRefreshed` while the store fails, and
    /// on the first refresh that answers after.
    @discardableResult
    func refresh(_ request: Refresh) -> Bool {
        guard !request.isEmpty,
              refreshing.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return false }
        enqueue { [self] in
            for input in read(request) { inbox.push(input) }
            refreshing.store(false, ordering: .releasing)
        }
        return true
    }

    /// Whether a refresh is queued or under way (for tests).
    var isRefreshing: Bool { refreshing.load(ordering: .acquiring) }

    /// The sweep view was opened (`w`): its grid, or why there is none.
    func readSweep(_ choice: SweepChoice) {
        enqueue { [self] in
            do {
                for input in try sweepInputs(choice) { inbox.push(input) }
            } catch {
                inbox.push(.sweepUnavailable("\(error)"))
            }
        }
    }

    /// A past run for the runs pane's overlay, whole (as far as its curves show).
    func loadPastRun(_ id: Int64, read: Int) {
        enqueue { [self] in
            do {
                inbox.push(.pastRunLoaded(id: id, read: read, run: try RunFollower.replay(id, from: store)))
            } catch {
                inbox.push(.pastRunFailed(id: id, read: read, message: "\(error)"))
            }
        }
    }

    /// Asks the process that trains run `id` to pause, resume or stop: the one thing a
    /// watcher writes, and only when the user presses Space or S.
    func request(_ request: ControlRequest, run id: Int64) {
        requestsPending.add(1, ordering: .acquiringAndReleasing)
        enqueue { [self] in
            defer { requestsPending.subtract(1, ordering: .acquiringAndReleasing) }
            do {
                try store.requestControl(request, run: id)
            } catch {
                inbox.push(.controlRequestFailed("\(error)"))
            }
        }
    }

    // MARK: - On the reader's thread

    /// The parts of `request` in order. Once one fails the rest are left for the next
    /// refresh: the store is most likely gone for them too, and each would wait as long.
    private func read(_ request: Refresh) -> [DashboardInput] {
        var inputs: [DashboardInput] = []
        var problem: String?
        func attempt(_ part: () throws -> [DashboardInput]) {
            guard problem == nil else { return }
            do {
                inputs += try part()
            } catch {
                problem = "\(error)"
            }
        }
        if let sweep = request.nextTrainingOf { attempt { try followNextTraining(of: sweep) } }
        if request.watchedRun, let follower { attempt { try follower.poll() } }
        if request.runs { attempt { try pastRuns() } }
        if let choice = request.sweep { attempt { try sweepInputs(choice) } }
        // Said while the store fails and once when it answers again; a refresh that
        // finds the store well and nothing new sends nothing, so nothing is redrawn.
        if problem != nil || lastProblem != nil { inputs.append(.storeRefreshed(problem: problem)) }
        lastProblem = problem
        return inputs
    }

    private func startFollowing(_ record: RunRecord) -> DashboardInput {
        follower = RunFollower(store: store, runID: record.id)
        let now = (ContinuousClock.now - loopStart).seconds
        return .startedWatching(WatchedRun(id: record.id, status: record.status), config: record.config,
                                startedAt: now - Date().timeIntervalSince(record.startedAt))
    }

    /// While `mimic watch --sweep` follows a sweep, the run on screen is its training
    /// under way: once the one followed has ended and another trains, that one is followed.
    private func followNextTraining(of sweep: Int64) throws -> [DashboardInput] {
        let training = try store.runs(status: .running, sweep: sweep).map { $0.withTrainerChecked() }.filter { $0.status == .running }
        guard let next = training.last, next.id != follower?.runID else { return [] }
        return [startFollowing(next)]
    }

    /// The store's runs for the runs pane, a run whose trainer died shown interrupted
    /// (so an overlay of it is not read again forever as if it trained). Runs whose
    /// configuration cannot be read are left out; the first look says how many, once.
    private func pastRuns() throws -> [DashboardInput] {
        let runs = try store.storedRuns().map { StoredRun(run: $0.run.withTrainerChecked(), models: $0.models) }
        var inputs: [DashboardInput] = [.pastRuns(runs.map(PastRun.init(stored:)))]
        if !unreadableChecked {
            let unreadable = try store.unreadableRuns()
            unreadableChecked = true
            if !unreadable.isEmpty {
                let which = unreadable.count == 1 ? "1 run in the store cannot be read and is"
                    : "\(unreadable.count) runs in the store cannot be read and are"
                inputs.append(.note("\(which) not listed; 'mimic runs' names them."))
            }
        }
        return inputs
    }

    private func sweepInputs(_ choice: SweepChoice) throws -> [DashboardInput] {
        let watchedSweep = try choice.watchedRun.flatMap { try store.run($0).slot?.sweep }
        guard let id = try choice.open ?? choice.named ?? watchedSweep ?? store.sweeps().first?.id else {
            return [.sweepUnavailable("No sweep is recorded in \(store.location) yet; 'mimic sweep' runs one.")]
        }
        let sweep = try store.sweep(id)
        return [.sweepRead(id: id, name: sweep.name, results: try SweepResults(sweep: sweep, store: store))]
    }
}
