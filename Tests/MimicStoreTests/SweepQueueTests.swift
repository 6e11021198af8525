import Foundation
import MimicEngine
import MimicSession
import Synchronization
import Testing
@testable import MimicStore
import MimicTestSupport

/// The queue agents share (`RunStore.claimSweepTraining`), on both backends. Time is
/// never waited for: a claim's `now` stands for a later moment.
@Suite struct SweepQueueTests {
    /// Many claimers at once, each on its own connection, never get the same training,
    /// and together get every one.
    @Test(arguments: StoreKind.tested) func claimersAtOnceNeverGetTheSameTraining(_ kind: StoreKind) throws {
        let test = try TestStore(kind)
        let sweep = try test.open().createSweep(name: nil, source: "test", trainings: Array(repeating: quickConfig(), count: 12))
        let claimed = Mutex<[Int]>([])
        let failures = Mutex<[String]>([])
        let stores = try (0..<4).map { _ in try test.open() }
        DispatchQueue.concurrentPerform(iterations: 4) { k in
            do {
                let store = stores[k]
                let agent = try store.registerAgent(sweep: sweep.id)
                while let claim = try store.claimSweepTraining(sweep: sweep.id, agent: agent, grace: 3600) {
                    claimed.withLock { $0.append(claim.slot.training) }
                }
            } catch {
                failures.withLock { $0.append("\(error)") }
            }
        }
        #expect(failures.withLock { $0 } == [])
        #expect(claimed.withLock { $0.sorted() } == Array(0..<12))
    }

    /// A training that cannot start is offered again after a wait, and after its last
    /// attempt ends failed with its reason: no agent takes it again, and the sweep has
    /// nothing left to train.
    @Test(arguments: StoreKind.tested) func aTrainingThatCannotStartEndsFailedAfterItsAttempts(_ kind: StoreKind) throws {
        let test = try TestStore(kind)
        let store = try test.open()
        let sweep = try store.createSweep(name: nil, source: "test", trainings: [quickConfig()])
        let agent = try store.registerAgent(sweep: sweep.id)
        var now = Date()
        for attempt in 1...3 {
            let claim = try #require(try store.claimSweepTraining(sweep: sweep.id, agent: agent, grace: 60, now: now), "attempt \(attempt)")
            #expect(try store.claimSweepTraining(sweep: sweep.id, agent: agent, grace: 60, now: now) == nil, "held while claimed")
            try store.failSweepTraining(claim.slot, generation: claim.generation, reason: "Data folder /x does not exist", now: now)
            #expect(try store.queueStates(ofSweep: sweep.id)[0] == SweepQueueState(
                attempts: attempt, maxAttempts: 3, lastError: "Data folder /x does not exist", failed: attempt == 3))
            if attempt < 3 {
                #expect(try store.claimSweepTraining(sweep: sweep.id, agent: agent, grace: 60, now: now) == nil, "not before its wait")
                #expect(try store.sweepTrainingsLeft(sweep.id) == 1)
            }
            now = now.addingTimeInterval(Double(1 << attempt) + 0.5)
        }
        #expect(try store.claimSweepTraining(sweep: sweep.id, agent: agent, grace: 60, now: now.addingTimeInterval(3600)) == nil)
        #expect(try store.sweepTrainingsLeft(sweep.id) == 0, "a training failed for good has ended")
        // A failure reported under a claim another agent took since counts nothing.
        let other = try store.createSweep(name: nil, source: "test", trainings: [quickConfig()])
        let stale = try #require(try store.claimSweepTraining(sweep: other.id, agent: nil, grace: 60, now: now))
        let taken = try #require(try store.claimSweepTraining(sweep: other.id, agent: nil, grace: 60, now: now.addingTimeInterval(120)))
        try store.failSweepTraining(stale.slot, generation: stale.generation, reason: "late", now: now)
        #expect(try store.queueStates(ofSweep: other.id)[0]?.attempts == 0)
        #expect(taken.generation == stale.generation + 1)
    }

    /// A training one agent could not start (its data missing on that machine) is left
    /// to a live agent on another machine that has not tried it: it took all three
    /// attempts from the first agent alone while the other was busy, and ended failed
    /// though the other could train it. Once every machine failed it, anyone tries again.
    @Test(arguments: StoreKind.tested) func aTrainingOneAgentFailedWaitsForAnotherAgent(_ kind: StoreKind) throws {
        let test = try TestStore(kind)
        let store = try test.open()
        let sweep = try store.createSweep(name: nil, source: "test", trainings: [quickConfig(), quickConfig()])
        let lacking = try store.registerAgent(sweep: sweep.id), busy = try store.registerAgent(sweep: sweep.id)
        let neighbour = try store.registerAgent(sweep: sweep.id)
        try store.backend.write { db in try db.execute("UPDATE sweep_agents SET host = 'other-machine' WHERE id = \(busy)") }
        var now = Date()
        let first = try #require(try store.claimSweepTraining(sweep: sweep.id, agent: busy, grace: 60, now: now))
        let failing = try #require(try store.claimSweepTraining(sweep: sweep.id, agent: lacking, grace: 60, now: now))
        try store.failSweepTraining(failing.slot, generation: failing.generation, reason: "Data folder /x does not exist", now: now)
        now = now.addingTimeInterval(30)
        #expect(try store.claimSweepTraining(sweep: sweep.id, agent: lacking, grace: 60, now: now) == nil,
                "left to the busy agent, on another machine, which holds a claim")
        #expect(try store.claimSweepTraining(sweep: sweep.id, agent: neighbour, grace: 60, now: now) == nil,
                "an agent on the same machine lacks the same data")
        #expect(try store.sweepTrainingsLeft(sweep.id) == 2)

        // The busy agent fails it too: now both machines have, and the first may try again.
        let second = try #require(try store.claimSweepTraining(sweep: sweep.id, agent: busy, grace: 60, now: now))
        #expect(second.slot == failing.slot && first.slot != failing.slot)
        try store.failSweepTraining(second.slot, generation: second.generation, reason: "Data folder /x does not exist", now: now)
        now = now.addingTimeInterval(30)
        let third = try #require(try store.claimSweepTraining(sweep: sweep.id, agent: lacking, grace: 60, now: now))
        #expect(third.slot == failing.slot)

        // An agent whose training ended (a sweep stopped, then resumed: the resume's
        // worker is a new agent) holds no claim in progress, and is not waited for once
        // the grace period has passed since it was last seen.
        let resumed = try store.createSweep(name: nil, source: "test", trainings: [quickConfig(), quickConfig()])
        let stopped = try store.registerAgent(sweep: resumed.id)
        try store.backend.write { db in try db.execute("UPDATE sweep_agents SET host = 'other-machine' WHERE id = \(stopped)") }
        let ended = try #require(try store.claimSweepTraining(sweep: resumed.id, agent: stopped, grace: 60, now: now))
        let (endedRun, _) = try store.startRun(config: quickConfig(), programVersion: "1", claim: ended)
        try store.backend.write { db in try db.execute("UPDATE runs SET status = 'done' WHERE id = \(endedRun.id)") }
        let worker = try store.registerAgent(sweep: resumed.id)
        let missing = try #require(try store.claimSweepTraining(sweep: resumed.id, agent: worker, grace: 60, now: now))
        try store.failSweepTraining(missing.slot, generation: missing.generation, reason: "no data", now: now)
        #expect(try store.claimSweepTraining(sweep: resumed.id, agent: worker, grace: 60, now: now.addingTimeInterval(120))?.slot
                == missing.slot, "the stopped agent's ended claim is no sign of life")

        // An agent gone for longer than the grace period is not waited for.
        let other = try store.createSweep(name: nil, source: "test", trainings: [quickConfig()])
        let registered = Date()
        let alone = try store.registerAgent(sweep: other.id)
        let away = try store.registerAgent(sweep: other.id)
        try store.backend.write { db in try db.execute("UPDATE sweep_agents SET host = 'other-machine' WHERE id = \(away)") }
        let claim = try #require(try store.claimSweepTraining(sweep: other.id, agent: alone, grace: 60, now: registered))
        try store.failSweepTraining(claim.slot, generation: claim.generation, reason: "no data", now: registered)
        #expect(try store.claimSweepTraining(sweep: other.id, agent: alone, grace: 60, now: registered.addingTimeInterval(10)) == nil)
        #expect(try store.claimSweepTraining(sweep: other.id, agent: alone, grace: 60, now: registered.addingTimeInterval(62)) != nil,
                "the other agent was last seen registering, 61 s ago")
    }

    /// A claim whose run stopped beating is given back after the grace period, not
    /// before, with the next generation and the run claimed for the new agent.
    @Test(arguments: StoreKind.tested) func aStaleClaimIsGivenBackAfterTheGracePeriod(_ kind: StoreKind) throws {
        let test = try TestStore(kind)
        let store = try test.open()
        let sweep = try store.createSweep(name: nil, source: "test", trainings: [quickConfig()])
        let first = try #require(try store.claimSweepTraining(sweep: sweep.id, agent: nil, grace: 60))
        #expect(first.generation == 1 && first.runID == nil)
        let (run, folder) = try store.startRun(config: quickConfig(), programVersion: "1", claim: first)
        defer { folder.release() }
        #expect(run.slot == first.slot)

        #expect(try store.claimSweepTraining(sweep: sweep.id, agent: nil, grace: 60) == nil, "a fresh claim is held")
        #expect(try store.claimSweepTraining(sweep: sweep.id, agent: nil, grace: 60, now: Date().addingTimeInterval(30)) == nil,
                "within the grace period it is held")
        let second = try #require(try store.claimSweepTraining(sweep: sweep.id, agent: nil, grace: 60,
                                                               now: Date().addingTimeInterval(120)))
        #expect(second.slot == first.slot && second.generation == 2 && second.runID == run.id && second.earlierFolder == run.folder)
        let taken = try store.run(run.id)
        #expect(taken.status == .running)
        #expect(try test.count("runs", in: store) == 1, "taken over, not started again")
    }

    /// A claimer that lost its claim cannot write into the run: not a metric row, not a
    /// status, not a heartbeat; its recorder says so once and stops its training.
    @Test(arguments: StoreKind.tested) func writesUnderALostClaimAreRefused(_ kind: StoreKind) throws {
        let test = try TestStore(kind)
        let store = try test.open()
        let sweep = try store.createSweep(name: nil, source: "test", trainings: [quickConfig()])
        let first = try #require(try store.claimSweepTraining(sweep: sweep.id, agent: nil, grace: 60))
        let (run, folder) = try store.startRun(config: quickConfig(), programVersion: "1", claim: first)
        defer { folder.release() }
        let events = try RunRecorderTests.events()
        let half = events.count / 2

        let messages = Mutex<[String]>([])
        let lostCalls = Mutex(0)
        let old = RunRecorder(store: store, runID: run.id, generation: first.generation,
                              reportFailure: { message in messages.withLock { $0.append(message) } },
                              onClaimLost: { lostCalls.withLock { $0 += 1 } })
        for event in events[..<half] { old.record(event) }
        let before = try RunRecorderTests.metricCount(store)
        #expect(before > 0 && !old.claimLost)

        let second = try #require(try store.claimSweepTraining(sweep: sweep.id, agent: nil, grace: 60,
                                                               now: Date().addingTimeInterval(120)))
        #expect(try store.beat(run.id, generation: first.generation) == false)
        #expect(try store.beat(run.id, generation: second.generation) == true)
        for event in events[half...] { old.record(event) }
        #expect(old.claimLost)
        #expect(lostCalls.withLock { $0 } == 1)
        #expect(messages.withLock { $0.count } == 1)
        #expect(try RunRecorderTests.metricCount(store) == before, "no metric row of the old claim after the takeover")
        #expect(try store.run(run.id).status == .running, "the old claim's end is not written")
        #expect(throws: StoreError.self) { try store.moveRun(run.id, toFolder: "/elsewhere", generation: first.generation) }

        // A run started under a claim that is lost meanwhile is refused whole.
        let other = try store.createSweep(name: nil, source: "test", trainings: [quickConfig()])
        let stale = try #require(try store.claimSweepTraining(sweep: other.id, agent: nil, grace: 60))
        _ = try #require(try store.claimSweepTraining(sweep: other.id, agent: nil, grace: 60, now: Date().addingTimeInterval(120)))
        do {
            _ = try store.startRun(config: quickConfig(), programVersion: "1", claim: stale)
            Issue.record("a run was started under a lost claim")
        } catch {
            #expect(error.lostClaim)
        }
        #expect(try store.runs(sweep: other.id).isEmpty)
    }

    /// A one-training sweep whose training an agent claimed and started, and which
    /// ended interrupted.
    static func agentRunCutShort(in store: RunStore) throws -> (SweepRecord, SweepClaim, RunRecord) {
        let sweep = try store.createSweep(name: nil, source: "test", trainings: [quickConfig()])
        let claim = try #require(try store.claimSweepTraining(sweep: sweep.id, agent: nil, grace: 60))
        let (run, folder) = try store.startRun(config: quickConfig(), programVersion: "1", claim: claim)
        folder.release()
        try store.endRun(run.id, status: .interrupted, message: nil)
        return (sweep, claim, run)
    }

    /// `mimic resume` or a local sweep worker taking up an agent's run fences that agent too.
    @Test(arguments: StoreKind.tested) func aResumeOutsideTheQueueFencesTheAgentBeforeIt(_ kind: StoreKind) throws {
        let test = try TestStore(kind)
        let store = try test.open()
        let (_, claim, run) = try Self.agentRunCutShort(in: store)
        _ = try store.claimForResume(run.id)
        #expect(try store.beat(run.id, generation: claim.generation) == false)
    }

    /// A claim that takes a run over from a resumer outside the queue (which counted up
    /// the run's generation, not the queue's) fences that resumer too.
    @Test(arguments: StoreKind.tested) func aClaimAfterAResumeOutsideTheQueueFencesTheResumer(_ kind: StoreKind) throws {
        let test = try TestStore(kind)
        let store = try test.open()
        let (sweep, _, run) = try Self.agentRunCutShort(in: store)
        let resumed = try store.claimForResume(run.id)
        let resumerGeneration = try #require(try store.backend.read { db in
            try db.value("SELECT claim_generation FROM runs WHERE id = \(run.id)", as: Int64.self)
        })
        #expect(resumed.status == .running && resumerGeneration == 2)
        // The resumer stops beating (cut off): the queue gives its training to an agent.
        let takeover = try #require(try store.claimSweepTraining(sweep: sweep.id, agent: nil, grace: 60,
                                                                 now: Date().addingTimeInterval(120)))
        #expect(takeover.runID == run.id && takeover.generation > resumerGeneration)
        #expect(try store.beat(run.id, generation: resumerGeneration) == false, "the resumer is fenced")
        #expect(try store.beat(run.id, generation: takeover.generation) == true)
    }

    /// Done trainings are never claimed; cut-short ones are at once.
    @Test(arguments: StoreKind.tested) func doneTrainingsStayAndCutShortOnesAreClaimedAtOnce(_ kind: StoreKind) throws {
        let test = try TestStore(kind)
        let store = try test.open()
        let sweep = try store.createSweep(name: nil, source: "test", trainings: [quickConfig(), quickConfig()])
        let agent = try store.registerAgent(sweep: sweep.id, environment: ["SLURM_JOB_ID": "80", "SLURM_ARRAY_JOB_ID": "77", "SLURM_ARRAY_TASK_ID": "3"])
        for _ in 0..<2 {
            let claim = try #require(try store.claimSweepTraining(sweep: sweep.id, agent: agent, grace: 60))
            let (run, folder) = try store.startRun(config: quickConfig(), programVersion: "1", claim: claim)
            folder.release()
            try store.endRun(run.id, status: claim.slot.training == 0 ? .done : .interrupted, message: nil)
        }
        #expect(try store.sweepHasUnfinishedTrainings(sweep.id))
        let again = try #require(try store.claimSweepTraining(sweep: sweep.id, agent: agent, grace: 60))
        #expect(again.slot.training == 1 && again.generation == 2)
        try store.endRun(try #require(again.runID), status: .done, message: nil)
        #expect(try store.claimSweepTraining(sweep: sweep.id, agent: agent, grace: 60, now: Date().addingTimeInterval(1000)) == nil)
        #expect(try !store.sweepHasUnfinishedTrainings(sweep.id))
        try store.agentEnded(agent, training: true)
        let agents = try store.agents(ofSweep: sweep.id)
        #expect(agents.count == 1 && agents[0].slurmJob == "77" && agents[0].slurmTask == "3" && agents[0].finished == 1)
    }
}

/// Taking over from an agent that was cut off, not dead: its folder may be ahead of the
/// store (its points waited in its recorder), and the run must still end with every
/// epoch's points, once.
@Suite struct SweepTakeOverTests {
    @Test(arguments: StoreKind.tested) func aFolderAheadOfTheStoreLeavesNoEpochMissing(_ kind: StoreKind) throws {
        let test = try TestStore(kind)
        let store = try test.open()
        let config = quickConfig()
        let sweep = try store.createSweep(name: nil, source: "test", trainings: [config])
        let first = try #require(try store.claimSweepTraining(sweep: sweep.id, agent: nil, grace: 60))
        let session = try RunSession.start(config, dataSet: RunSessionTests.data, store: store, programVersion: "1", claim: first,
                                           reportFailure: { _ in })
        _ = session.run { _ in }
        let runID = try #require(session.runID)
        let complete = try store.metrics(ofRun: runID).count
        // The cut-off agent trained its students to the end, but the store got only their first epoch.
        try test.execute("""
            DELETE FROM metrics WHERE epoch > 1 AND model_id IN (SELECT id FROM models WHERE run_id = \(runID) AND role <> 'mentor')
            """, on: store)
        try test.execute("UPDATE models SET status = 'training', epochs_completed = 1 WHERE run_id = \(runID) AND role <> 'mentor'", on: store)
        try test.execute("UPDATE runs SET status = 'running', ended_at = NULL WHERE id = \(runID)", on: store)

        let second = try #require(try store.claimSweepTraining(sweep: sweep.id, agent: nil, grace: 60, now: Date().addingTimeInterval(120)))
        #expect(second.earlierWasRunning)
        let takenOver = try RunSession.takeOver(second, store: store, dataSet: RunSessionTests.data, reportFailure: { _ in })
        _ = takenOver.run { _ in }
        #expect(try store.run(runID).status == .done)
        #expect(try store.metrics(ofRun: runID).count == complete, "every epoch's points, once")
        let epochEnds = try store.metrics(ofRun: runID).filter { $0.name == "test_accuracy" }
        #expect(epochEnds.count == 3 + 2 * 2, "mentor 3 epochs, 2 students x 2: \(epochEnds.count)")
    }
}

/// An agent whose store went away while it trained (a server restarting): the points it
/// could not write are its own, not another agent's, and nothing computed may be lost.
@Suite struct SweepOutageTests {
    /// The store loses its curves from the mentor's second epoch until after the run's
    /// end. The agent keeps its claim and its run (the folder's lock), and writes every
    /// point under claim 1 once the store takes them: done, with every point. Before,
    /// the session let the run go with its points unwritten; the worker then found its
    /// own run's lock free, marked it interrupted, claimed it again (claim 2) and
    /// reported it done from its folder, with the gap.
    @Test(arguments: StoreKind.tested) func anAgentKeepsItsClaimAndWritesItsOwnPointsOnceTheStoreIsBack(_ kind: StoreKind) throws {
        let test = try TestStore(kind)
        let store = try test.open()
        let (sweep, claim, session, runID) = try Self.claimedTraining(in: store)
        var events: [TrainingEvent] = []
        var away = false, tries = 0
        let report = session.run(waitingForTheStore: {
            tries += 1
            // While it waits, its run reads alive: its folder stays locked.
            #expect((try? store.markInterruptedRuns()) == [])
            #expect((try? store.claimSweepTraining(sweep: sweep.id, agent: nil, grace: 60)) == .some(nil))
            if tries == 2 { try? test.execute("ALTER TABLE metrics_away RENAME TO metrics", on: store) }
            return tries < 30
        }) { event in
            events.append(event)
            if !away, case .progress(let point) = event, point.model.role == .mentor, point.epoch == 1 {
                away = true
                try? test.execute("ALTER TABLE metrics RENAME TO metrics_away", on: store)
            }
        }
        #expect(away && report.allFinished)
        #expect(tries >= 2, "it waited for the store")
        #expect(session.recordMissing == nil && !session.claimLost)
        let run = try store.run(runID)
        #expect(run.status == .done)
        let generation = try store.backend.read { db in try db.value("SELECT claim_generation FROM runs WHERE id = \(runID)", as: Int64.self) }
        #expect(generation == claim.generation, "its own claim, kept")
        let expected = points(events).map { MetricSeries.values(of: $0).count }.reduce(0, +)
        #expect(try store.metrics(ofRun: runID).count == expected, "every point, once")
        #expect(try store.claimSweepTraining(sweep: sweep.id, agent: nil, grace: 60, now: Date().addingTimeInterval(120)) == nil)
    }

    /// A sweep of one training in `store`, claimed by an agent, and the session that trains it.
    static func claimedTraining(in store: RunStore) throws -> (SweepRecord, SweepClaim, RunSession, Int64) {
        let sweep = try store.createSweep(name: nil, source: "test", trainings: [quickConfig()])
        let claim = try #require(try store.claimSweepTraining(sweep: sweep.id, agent: nil, grace: 60))
        let session = try RunSession.start(quickConfig(), dataSet: RunSessionTests.data, store: store, programVersion: "1",
                                           claim: claim, reportFailure: { _ in })
        return (sweep, claim, session, try #require(session.runID))
    }

    /// Fencing holds while an agent waits for its store: once another agent took the
    /// training over, the waiting agent writes nothing, and stops waiting.
    @Test(arguments: StoreKind.tested) func anAgentWaitingForTheStoreWritesNothingOnceAnotherTookItsTraining(_ kind: StoreKind) throws {
        let test = try TestStore(kind)
        let store = try test.open()
        let (sweep, claim, session, runID) = try Self.claimedTraining(in: store)
        var away = false, tries = 0
        var before = 0
        var takeover: SweepClaim?
        _ = session.run(waitingForTheStore: {
            tries += 1
            if tries == 1 {
                // The agent was cut off past the grace period: another takes its training.
                takeover = try? store.claimSweepTraining(sweep: sweep.id, agent: nil, grace: 60, now: Date().addingTimeInterval(120))
                before = (try? test.count("metrics_away", in: store)) ?? -1
                try? test.execute("ALTER TABLE metrics_away RENAME TO metrics", on: store)
            }
            return tries < 30
        }) { event in
            if !away, case .progress(let point) = event, point.model.role == .mentor, point.epoch == 1 {
                away = true
                try? test.execute("ALTER TABLE metrics RENAME TO metrics_away", on: store)
            }
        }
        let taken = try #require(takeover)
        #expect(taken.runID == runID && taken.generation == claim.generation + 1)
        #expect(session.claimLost)
        #expect(tries < 30, "it stopped waiting once its claim was lost")
        #expect(try test.count("metrics", in: store) == before, "not a point of the old claim after the takeover")
        #expect(try store.run(runID).status == .running, "the old claim's end is not written")
    }

    /// A run whose process could not write its points (its store never came back) and
    /// ended: its folder has every model trained, the store has the mentor's first epoch
    /// and nothing of the students. `resume` must not report it done from its folder:
    /// it says so, trains those models again from their first epoch, and ends done with
    /// every point, the same ones.
    @Test(arguments: StoreKind.tested) func aResumeTrainsAgainWhatTheStoreLacks(_ kind: StoreKind) throws {
        let test = try TestStore(kind)
        let store = try test.open()
        let whole = try RunSession.start(quickConfig(), dataSet: RunSessionTests.data, store: store, programVersion: "1",
                                         reportFailure: { _ in })
        _ = whole.run { _ in }
        let runID = try #require(whole.runID)
        let complete = try store.metrics(ofRun: runID)
        try Self.cutShort(runID, in: test, store: store)

        let said = Mutex<[String]>([])
        let resumed = try RunSession.resume(runID, store: store, dataSet: RunSessionTests.data,
                                            reportFailure: { message in said.withLock { $0.append(message) } })
        #expect(resumed.experiment.plan.models.map(\.epochsCompleted) == [0, 0, 2], "the mentor and student 1 train again")
        _ = resumed.run { _ in }
        #expect(said.withLock { $0 } == [
            "The run store \(store.location) lacks progress points of run \(runID) that its folder is past "
                + "(mentor: 1 of the 3 epochs it trained, student 1: 0 of the 2 epochs it trained), "
                + "so those models train again from the first epoch to record them."])
        #expect(try store.run(runID).status == .done)
        let again = try store.metrics(ofRun: runID)
        #expect(again.count == complete.count, "every point, once")
        // The same points: every figure but the speed, which is the machine's.
        func figures(_ metrics: [MetricPoint]) -> [String] {
            metrics.filter { $0.name != "samples_per_second" }.map { "\($0.name) \($0.epoch) \($0.step) \($0.value)" }.sorted()
        }
        #expect(figures(again) == figures(complete), "the same points")
    }

    /// The same gap, met by the queue: a local worker takes its own cut-short run up again
    /// from its folder (claim 2), and must train again what the store lacks rather than
    /// report the run done from its folder.
    @Test(arguments: StoreKind.tested) func aTakeOverTrainsAgainWhatTheStoreLacks(_ kind: StoreKind) throws {
        let test = try TestStore(kind)
        let store = try test.open()
        let sweep = try store.createSweep(name: nil, source: "test", trainings: [quickConfig()])
        let first = try #require(try store.claimSweepTraining(sweep: sweep.id, agent: nil, grace: 60))
        let session = try RunSession.start(quickConfig(), dataSet: RunSessionTests.data, store: store, programVersion: "1",
                                           claim: first, reportFailure: { _ in })
        _ = session.run { _ in }
        let runID = try #require(session.runID)
        let complete = try store.metrics(ofRun: runID).count
        try Self.cutShort(runID, in: test, store: store)

        let second = try #require(try store.claimSweepTraining(sweep: sweep.id, agent: nil, grace: 60))
        #expect(second.runID == runID && !second.earlierWasRunning)
        let takenOver = try RunSession.takeOver(second, store: store, dataSet: RunSessionTests.data, reportFailure: { _ in })
        _ = takenOver.run { _ in }
        #expect(try store.run(runID).status == .done)
        #expect(try store.metrics(ofRun: runID).count == complete, "every point, once")
    }

    /// Leaves run `id` as a process that trained it to its end but could not write its
    /// points after the mentor's first epoch leaves it: the models' ends written (they
    /// fit when the curves did not), not the run's, and the run then found interrupted.
    static func cutShort(_ id: Int64, in test: TestStore, store: RunStore) throws {
        try test.execute("""
            DELETE FROM metrics WHERE model_id IN (SELECT id FROM models WHERE run_id = \(id) AND role = 'mentor') AND epoch > 1
            """, on: store)
        try test.execute("""
            DELETE FROM metrics WHERE model_id IN (SELECT id FROM models WHERE run_id = \(id) AND role = 'student' AND position = 1)
            """, on: store)
        try test.execute("UPDATE runs SET status = 'interrupted', ended_at = NULL WHERE id = \(id)", on: store)
    }
}
