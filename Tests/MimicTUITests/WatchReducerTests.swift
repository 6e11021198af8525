import MimicEngine
import MimicStore
import MimicTUI
import Testing

/// The dashboard in watch mode (`mimic watch`) and the runs pane: every new key, and
/// the inputs the store brings.
@Suite struct WatchReducerTests {
    @discardableResult
    func press(_ keys: Key..., in state: inout DashboardState) -> [DashboardEffect] {
        keys.flatMap { DashboardReducer.reduce(&state, .key($0)) }
    }

    @Test func followingARunEntersWatchModeWithItsSettingsAndClock() {
        var state = Scene.idle()
        let watched = WatchedRun(id: 7, status: .running)
        _ = DashboardReducer.reduce(&state, .startedWatching(watched, config: RecordedRun.config, startedAt: -10))
        #expect(state.mode == .watching(watched) && state.watchedRun == watched)
        #expect(state.recordedRunID == 7, "the run on screen is the watched one")
        #expect(state.run?.config == RecordedRun.config && state.run?.startedAt == -10 && state.run?.status == .starting)
        #expect(press(.character("R"), in: &state).isEmpty, "the watch table has no R")
        #expect(state.status?.hasPrefix("Watching run 7 is read-only") == true)
        _ = DashboardReducer.reduce(&state, .recordedAs(8))
        #expect(state.recordedRunID == 7, "only a run trained here is recorded by this dashboard")
    }

    @Test func spaceAsksTheTrainerToPauseAndResumeAndTheStoreSaysWhenItDid() {
        var state = Scene.watching(width: 80, height: 24, events: 10)
        #expect(press(.character(" "), in: &state) == [.pauseRun])
        #expect(state.run?.status == .running, "the screen waits for the trainer to record its pause")
        #expect(state.status == "Asked run 3 to pause; it pauses after the current step.")
        _ = DashboardReducer.reduce(&state, .engine(.paused))
        #expect(state.run?.status == .paused)
        #expect(press(.character(" "), in: &state) == [.resumeRun])
        _ = DashboardReducer.reduce(&state, .engine(.resumed))
        #expect(state.run?.status == .running)
    }

    /// Quitting leaves a paused run paused; what resumes it is said once the terminal is
    /// back. `mimic resume` refuses a run whose process is alive, so it is not the way.
    @Test func quittingWhileTheRunIsPausedSaysHowToResumeIt() {
        var state = Scene.watching(width: 80, height: 24, events: 10)
        #expect(state.farewell == nil, "a running run goes on: nothing to say")
        press(.character(" "), in: &state)
        #expect(state.farewell == "Run 3 was asked to pause and stays paused once it has; resume it with "
                + "'mimic watch 3' and Space, or stop it there with S ('mimic resume 3' refuses a run whose process is still alive).")
        _ = DashboardReducer.reduce(&state, .engine(.paused))
        let paused = "Run 3 stays paused; resume it with 'mimic watch 3' and Space, or stop it there with S "
            + "('mimic resume 3' refuses a run whose process is still alive)."
        #expect(state.farewell == paused)
        press(.character(" "), in: &state)
        #expect(state.farewell == "Run 3 was asked to resume; its process takes the request within a second.")
        _ = DashboardReducer.reduce(&state, .engine(.resumed))
        #expect(state.farewell == nil)
        // Paused from another watcher: this one never asked, and still says so.
        _ = DashboardReducer.reduce(&state, .engine(.paused))
        #expect(press(.character("q"), in: &state) == [.quit])
        #expect(state.farewell == paused)
        // A run that ended paused (its process killed) is no longer waiting for anyone.
        _ = DashboardReducer.reduce(&state, .watchedStatus(.interrupted, wallSeconds: nil))
        #expect(state.farewell == nil)
        var local = Scene.state(width: 80, height: 24, events: 10)
        press(.character(" "), in: &local)
        #expect(local.run?.status == .paused && local.farewell == nil, "a run trained here stops when the dashboard quits")
    }

    @Test func aRequestThatDoesNotReachTheStoreSaysWhy() {
        var state = Scene.watching(width: 80, height: 24, events: 10)
        press(.character(" "), in: &state)
        _ = DashboardReducer.reduce(&state, .controlRequestFailed("The run store /x is read-only; check its permissions."))
        #expect(state.status == "The run store /x is read-only; check its permissions.")
        #expect(state.run?.status == .running, "the screen still waits for the trainer")
    }

    @Test func capitalSAsksTheTrainerToStop() {
        var state = Scene.watching(width: 80, height: 24, events: 10)
        #expect(press(.character("S"), in: &state) == [.stopRun])
        #expect(state.run?.status == .stopping)
        #expect(press(.character(" "), in: &state).isEmpty, "nothing to pause while stopping")
    }

    @Test func quittingOrCtrlCNeverStopsTheWatchedTraining() {
        var state = Scene.watching(width: 80, height: 24, events: 10)
        #expect(press(.character("q"), in: &state) == [.quit], "no question, no stop")
        #expect(state.quitRequested && state.dialog == nil)
        var interrupted = Scene.watching(width: 80, height: 24, events: 10)
        #expect(DashboardReducer.reduce(&interrupted, .interrupt) == [.quit])
    }

    @Test func editingKeysSayTheRunIsReadOnlyAndChangeNothing() {
        var state = Scene.watching(width: 80, height: 24, events: 10)
        let config = state.next
        state.focus = .architectures
        #expect(press(.enter, .character("a"), .right, in: &state).isEmpty)
        #expect(state.editor == nil && state.next == config)
        #expect(state.status == "Watching run 3 is read-only: \"move the cursor\" works in 'mimic dashboard'."
                || state.status?.hasPrefix("Watching run 3 is read-only: ") == true)
        state.focus = .split
        press(.right, in: &state)
        #expect(state.next == config)
        #expect(state.status == "Watching run 3 is read-only: \"step the value down / up\" works in 'mimic dashboard'.")
        #expect(press(.character("R"), in: &state).isEmpty)
        #expect(state.status == "Watching run 3 is read-only: \"run the DeepMimic protocol\" works in 'mimic dashboard'.")
        #expect(state.next == config)
    }

    @Test func aRunThatEndedWithoutAReportEndsOnScreenWithItsLength() {
        var state = Scene.watching(width: 80, height: 24, events: 10)
        _ = DashboardReducer.reduce(&state, .watchedStatus(.interrupted, wallSeconds: nil))
        #expect(state.watchedRun?.status == .interrupted)
        #expect(state.run?.status == .finished && state.run?.current == nil)
        #expect(press(.character(" "), in: &state).isEmpty)
        #expect(state.status == "Run 3 is interrupted; watching starts no run ('mimic dashboard' or 'mimic train' does).")
        #expect(press(.character("S"), in: &state).isEmpty)
        let text = DashboardRenderer(glyphs: .unicode).render(state).text
        #expect(text.contains("looking back at run 3 (read-only)") && text.contains("interrupted"))

        var done = Scene.watching(width: 80, height: 24)
        _ = DashboardReducer.reduce(&done, .watchedStatus(.done, wallSeconds: 42))
        #expect(done.run?.elapsed(now: 1000) == 42, "an ended run shows its recorded length")
    }

    @Test func watchedRunSizesComeFromItsRecordedPlan() {
        let state = Scene.watching(width: 80, height: 24, events: 3)
        #expect(state.dataSet == nil)
        #expect(state.architectures.allSatisfy { if case .valid = $0.check { true } else { false } })
    }

    // MARK: Runs pane

    @Test func runsPaneSelectsAndOverlaysRuns() {
        var state = Scene.withPastRuns(Scene.state(width: 80, height: 24), overlaid: false)
        state.focus = .runs
        #expect(state.runsRow == 0)
        press(.down, in: &state)
        #expect(state.runsRow == 1)
        #expect(press(.enter, in: &state) == [.loadPastRun(2, read: 1)])
        #expect(state.overlays.map(\.id) == [2] && state.overlays[0].run == nil)
        let rowsBefore = state.comparisonRows.count
        _ = DashboardReducer.reduce(&state, .pastRunLoaded(id: 2, read: 1, run: Scene.pastRun))
        #expect(state.comparisonRows.count == rowsBefore + 3)
        #expect(state.comparisonRows.filter { $0.runID == 2 }.map(\.label) == ["#2 mentor", "#2 student 1", "#2 student 2"])
        press(.down, .down, .down, in: &state)
        #expect(state.runsRow == 2, "the cursor stops at the last run")
        press(.up, in: &state)
        #expect(press(.enter, in: &state).isEmpty, "Enter again takes the overlay away")
        #expect(state.overlays.isEmpty)
    }

    /// An overlaid run that trains in another process is read again with each new list
    /// (one read at a time), and once more when it has ended; an ended run is not.
    @Test func anOverlaidRunStillTrainingIsReadAgainUntilItEnds() {
        var state = Scene.withPastRuns(Scene.idle(), overlaid: false)
        state.focus = .runs
        #expect(press(.enter, in: &state) == [.loadPastRun(3, read: 1)], "run 3 is running")
        #expect(DashboardReducer.reduce(&state, .pastRuns(Scene.pastRuns)).isEmpty, "its first read is under way")
        _ = DashboardReducer.reduce(&state, .pastRunLoaded(id: 3, read: 1, run: Scene.pastRun))
        #expect(DashboardReducer.reduce(&state, .pastRuns(Scene.pastRuns)) == [.loadPastRun(3, read: 2)], "still running: read again")
        _ = DashboardReducer.reduce(&state, .pastRunLoaded(id: 3, read: 2, run: Scene.pastRun))
        #expect(DashboardReducer.reduce(&state, .pastRuns(Self.ended)) == [.loadPastRun(3, read: 3)], "it ended since: read once more")
        _ = DashboardReducer.reduce(&state, .pastRunLoaded(id: 3, read: 3, run: Scene.pastRun))
        #expect(DashboardReducer.reduce(&state, .pastRuns(Self.ended)).isEmpty, "an ended run is read once")
        #expect(state.overlays.map(\.id) == [3] && state.overlays[0].run != nil)

        press(.down, in: &state)
        #expect(press(.enter, in: &state) == [.loadPastRun(2, read: 4)])
        _ = DashboardReducer.reduce(&state, .pastRunLoaded(id: 2, read: 4, run: Scene.pastRun))
        #expect(DashboardReducer.reduce(&state, .pastRuns(Self.ended)).isEmpty, "run 2 was done when it was read")
    }

    /// Scene.pastRuns with run 3 ended.
    private static var ended: [PastRun] {
        var runs = Scene.pastRuns
        runs[0] = PastRun(id: 3, started: runs[0].started, status: .done, dataSet: runs[0].dataSet, mentor: runs[0].mentor,
                          students: runs[0].students, bestStudentAccuracy: 0.9, bestStudent: "fc16")
        return runs
    }

    /// An overlay taken away and chosen again while its first read is under way ignores
    /// the answer to that read (it may be older than the one it asks for now).
    @Test func anAnswerToAnEarlierReadIsIgnored() {
        var state = Scene.withPastRuns(Scene.idle(), overlaid: false)
        state.focus = .runs
        #expect(press(.enter, in: &state) == [.loadPastRun(3, read: 1)])
        #expect(press(.enter, in: &state).isEmpty && state.overlays.isEmpty, "taken away")
        #expect(press(.enter, in: &state) == [.loadPastRun(3, read: 2)], "chosen again")
        _ = DashboardReducer.reduce(&state, .pastRunFailed(id: 3, read: 1, message: "old failure"))
        _ = DashboardReducer.reduce(&state, .pastRunLoaded(id: 3, read: 1, run: Scene.pastRun))
        #expect(state.overlays.map(\.id) == [3] && state.overlays[0].run == nil && state.overlays[0].pendingRead == 2)
        #expect(state.status != "old failure")
        _ = DashboardReducer.reduce(&state, .pastRunLoaded(id: 3, read: 2, run: Scene.pastRun))
        #expect(state.overlays[0].run != nil && state.overlays[0].pendingRead == nil)
    }

    /// A read again that fails keeps what the last one read, and the selection.
    @Test func aFailedReadAgainKeepsTheOverlay() {
        var state = Scene.withPastRuns(Scene.idle(), overlaid: false)
        state.focus = .runs
        _ = press(.enter, in: &state)
        _ = DashboardReducer.reduce(&state, .pastRunLoaded(id: 3, read: 1, run: Scene.pastRun))
        state.selectedOverlay = 3
        #expect(DashboardReducer.reduce(&state, .pastRuns(Scene.pastRuns)) == [.loadPastRun(3, read: 2)])
        _ = DashboardReducer.reduce(&state, .pastRunFailed(id: 3, read: 2, message: "The run store /x failed while reading run 3 (disk I/O error)."))
        #expect(state.overlays.map(\.id) == [3] && state.overlays[0].run != nil && state.selectedOverlay == 3)
        #expect(state.status?.hasPrefix("The run store /x failed") == true)
        #expect(DashboardReducer.reduce(&state, .pastRuns(Scene.pastRuns)) == [.loadPastRun(3, read: 3)], "and tries again")
    }

    @Test func theRunOnScreenIsNotOverlaidOnItself() {
        var state = Scene.withPastRuns(Scene.watching(width: 80, height: 24, events: 10), overlaid: false)
        state.focus = .runs
        #expect(press(.enter, in: &state).isEmpty)
        #expect(state.status == "Run 3 is the one on screen; choose another to compare with it.")
    }

    @Test func escapeTakesEveryOverlayAwayAndItsSelection() {
        var state = Scene.withPastRuns(Scene.state(width: 80, height: 24))
        state.focus = .comparison
        let pastRow = state.comparisonRows.firstIndex { $0.runID == 2 }!
        for _ in 0...pastRow { press(.down, in: &state) }
        #expect(state.selectedOverlay == 2)
        state.focus = .runs
        press(.escape, in: &state)
        #expect(state.overlays.isEmpty && state.selectedOverlay == nil && state.selectedModel == nil)
        press(.escape, in: &state)
        #expect(state.status == "No run is overlaid; Enter overlays the selected one.")
    }

    @Test func anEmptyStoreExplains() {
        var state = Scene.idle()
        state.focus = .runs
        #expect(press(.down, in: &state).isEmpty && press(.enter, in: &state).isEmpty)
        #expect(state.status?.hasPrefix("No runs are recorded yet") == true)
    }

    @Test func aNewListKeepsTheCursorOnTheSameRun() {
        var state = Scene.withPastRuns(Scene.idle(), overlaid: false)
        state.focus = .runs
        press(.down, in: &state)
        let newer = PastRun(id: 4, started: "11-21 08:00", status: .running, dataSet: "synthetic", mentor: "fc32",
                            students: ["fc16"], bestStudentAccuracy: nil, bestStudent: nil)
        _ = DashboardReducer.reduce(&state, .pastRuns([newer] + Scene.pastRuns))
        #expect(state.pastRuns[state.runsRow].id == 2)
    }

    @Test func aPastRunThatCannotBeReadIsDroppedWithItsReason() {
        var state = Scene.withPastRuns(Scene.idle(), overlaid: false)
        state.overlays = [RunOverlay(id: 2, pendingRead: 1)]
        state.selectedOverlay = 2
        _ = DashboardReducer.reduce(&state, .pastRunFailed(id: 2, read: 1, message: "There is no run 2 in /x; 'mimic runs' lists the runs there."))
        #expect(state.selectedOverlay == nil)
        #expect(state.overlays.isEmpty && state.status?.hasPrefix("There is no run 2") == true)
    }

    @Test func curvesSelectionStartsOverFromAPastRunsRow() {
        var state = Scene.withPastRuns(Scene.state(width: 80, height: 24))
        state.selectedModel = state.run?.plan?.models[1].id
        state.selectedOverlay = 2
        state.focus = .curves
        press(.down, in: &state)
        #expect(state.selectedOverlay == nil && state.selectedModel == state.run?.plan?.models[0].id)
    }
}
