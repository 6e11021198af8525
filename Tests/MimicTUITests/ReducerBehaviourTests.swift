import MimicEngine
import MimicTUI
import Testing

@Suite struct ReducerBehaviourTests {
    @discardableResult
    func press(_ keys: Key..., in state: inout DashboardState) -> [DashboardEffect] {
        keys.flatMap { DashboardReducer.reduce(&state, .key($0)) }
    }

    func type(_ text: String, in state: inout DashboardState) {
        for character in text { press(.character(character), in: &state) }
    }

    @Test func tabAndShiftTabCycleThePanes() {
        var state = Scene.idle()
        press(.tab, in: &state)
        #expect(state.focus == .architectures)
        press(.tab, .tab, .tab, .tab, in: &state)
        #expect(state.focus == .curves)
        press(.backTab, in: &state)
        #expect(state.focus == .runs)
        press(.backTab, in: &state)
        #expect(state.focus == .comparison)
        press(.character("3"), in: &state)
        #expect(state.focus == .split)
    }

    @Test func spaceStartsPausesAndResumes() {
        var state = Scene.idle()
        #expect(press(.character(" "), in: &state) == [.startRun(state.next)])
        #expect(state.isTraining)
        #expect(press(.character(" "), in: &state) == [.pauseRun])
        #expect(state.run?.status == .paused)
        #expect(press(.character(" "), in: &state) == [.resumeRun])
        #expect(state.run?.status == .running)
    }

    @Test func theRecordedIdBelongsToTheRunOnScreenUntilTheNextStarts() {
        var state = Scene.idle()
        #expect(state.mode == .local(recordedAs: nil) && state.watchedRun == nil)
        press(.character(" "), in: &state)
        _ = DashboardReducer.reduce(&state, .recordedAs(5))
        #expect(state.recordedRunID == 5)
        for event in Scene.events() { _ = DashboardReducer.reduce(&state, .engine(event)) }
        press(.character(" "), in: &state)
        #expect(state.isTraining && state.recordedRunID == nil, "a new run is not yet recorded")
    }

    @Test func capitalRRunsTheReproductionProtocol() {
        var state = Scene.idle()
        let effects = press(.character("R"), in: &state)
        #expect(state.next.mentor == ReproductionProtocol.mentor)
        #expect(state.next.students == ReproductionProtocol.students)
        #expect(state.next.baselines && state.next.labeledFraction == ReproductionProtocol.labeledFraction)
        #expect(state.next.augmentation == ReproductionProtocol.augmentation && state.next.epochs == ReproductionProtocol.labeledEpochs
                && state.next.learningRate == ReproductionProtocol.labeledLearningRate)
        #expect(effects == [.startRun(state.next)])

        var running = Scene.state(width: 80, height: 24, events: 10)
        #expect(press(.character("R"), in: &running).isEmpty, "during a run it only sets the next run")
        #expect(running.next.students == ReproductionProtocol.students)
    }

    @Test func spaceBeforeTheDataSetLoadsExplains() {
        var state = DashboardState(config: RecordedRun.config, width: 80, height: 24)
        #expect(press(.character(" "), in: &state).isEmpty)
        #expect(state.status?.contains("still loading") == true)
        _ = DashboardReducer.reduce(&state, .dataFailed("Data folder /x does not exist."))
        press(.character(" "), in: &state)
        #expect(state.status == "Data folder /x does not exist.")
    }

    @Test func quitAsksWhileTrainingAndNotOtherwise() {
        var idle = Scene.idle()
        #expect(press(.character("q"), in: &idle) == [.quit])
        #expect(idle.quitRequested)

        var running = Scene.state(width: 80, height: 24, events: 10)
        #expect(press(.character("q"), in: &running).isEmpty)
        #expect(running.dialog == .confirmQuit)
        #expect(press(.character("n"), in: &running).isEmpty)
        #expect(running.dialog == nil && !running.quitRequested)
        press(.character("q"), in: &running)
        #expect(press(.character("y"), in: &running) == [.stopRun, .quit])
        #expect(running.quitRequested)
    }

    @Test func interruptQuitsAtOnceAndStopsTraining() {
        var running = Scene.state(width: 80, height: 24, events: 10)
        #expect(DashboardReducer.reduce(&running, .interrupt) == [.stopRun, .quit])
        var idle = Scene.idle()
        #expect(DashboardReducer.reduce(&idle, .interrupt) == [.quit])
    }

    @Test func stopKeepsTheRunOnScreen() {
        var state = Scene.state(width: 80, height: 24, events: 10)
        #expect(press(.character("S"), in: &state) == [.stopRun])
        #expect(state.run?.status == .stopping)
    }

    @Test func engineEventsFillCurvesAndTable() {
        var state = Scene.idle()
        press(.character(" "), in: &state)
        let events = Scene.events()
        for event in events.prefix(3) { _ = DashboardReducer.reduce(&state, .engine(event)) }
        #expect(state.run?.plan != nil)
        #expect(state.run?.phase == .mentor)
        #expect(state.run?.curves.first?.train.count == 1)
        for event in events.dropFirst(3) { _ = DashboardReducer.reduce(&state, .engine(event)) }
        let run = try! #require(state.run)
        #expect(run.status == .finished)
        #expect(run.results.count == 3)
        #expect(run.curves.map(\.test.count) == [3, 2, 2])
        let rows = state.comparisonRows
        #expect(rows.map(\.status) == ["finished", "finished", "finished"])
        #expect(rows[2].parity == 4.0)
        #expect(!state.isTraining)
    }

    @Test func pausedAndResumedEventsShowInTheStatus() {
        var state = Scene.state(width: 80, height: 24, events: 5)
        _ = DashboardReducer.reduce(&state, .engine(.paused))
        #expect(state.run?.status == .paused)
        _ = DashboardReducer.reduce(&state, .engine(.resumed))
        #expect(state.run?.status == .running)
    }

    @Test func editingASpecShowsTheErrorInPlaceAndKeepsTheOldSpec() {
        var state = Scene.idle()
        press(.character("2"), .enter, in: &state)
        #expect(state.editor?.line.text == "fc32")
        type("-conv8", in: &state)
        #expect(state.editor?.error?.contains("comes after a dense layer") == true)
        #expect(state.editor?.errorRange == 5..<10)
        press(.enter, in: &state)
        #expect(state.editor != nil, "a bad spec is not accepted")
        press(.escape, in: &state)
        #expect(state.next.mentor == "fc32")
    }

    /// The editor checks on every keystroke; a spec past the limits is refused there
    /// from its size alone, never built (which froze, then aborted, the dashboard).
    @Test func editingASpecPastTheLimitsShowsTheLimit() {
        var state = Scene.idle()
        press(.character("2"), .enter, .control("u"), in: &state)
        type("fc9999999", in: &state)
        #expect(state.editor?.error?.contains("asks for a number of units above 65,536, the most mimic allows") == true,
                "\(state.editor?.error ?? "no error")")
        press(.control("u"), in: &state)
        type("fc65536-fc65536", in: &state)
        #expect(state.editor?.error?.contains("layer 2 \"fc65536\" brings the network on") == true,
                "\(state.editor?.error ?? "no error")")
        #expect(state.editor?.errorRange == 8..<15)
        press(.enter, .escape, in: &state)
        #expect(state.next.mentor == "fc32", "a spec past the limits is not accepted")
    }

    @Test func editingASpecCommitsAndUpdatesTheSize() {
        var state = Scene.idle()
        press(.character("2"), .down, .enter, .control("u"), in: &state)
        type("conv4-pool-fc8", in: &state)
        #expect(state.editor?.error == nil)
        press(.enter, in: &state)
        #expect(state.next.students[0] == "conv4-pool-fc8")
        guard case .valid(let size) = state.architectures[1].check else {
            Issue.record("the new student should be valid")
            return
        }
        #expect(size.parameters > 0)
    }

    @Test func editorKeysMoveAndDelete() {
        var state = Scene.idle()
        press(.character("2"), .enter, in: &state)
        press(.home, .deleteKey, in: &state)
        #expect(state.editor?.line.text == "c32")
        press(.end, .backspace, in: &state)
        #expect(state.editor?.line.text == "c3")
        press(.left, .character("x"), in: &state)
        #expect(state.editor?.line.text == "cx3")
    }

    @Test func studentsCanBeAddedPickedRemovedAndReordered() {
        var state = Scene.idle()
        press(.character("2"), .character("a"), in: &state)
        type("fc4", in: &state)
        press(.enter, in: &state)
        #expect(state.next.students == ["fc16", "linear", "fc4"])
        #expect(state.architectureRow == 3)
        press(.character("K"), in: &state)
        #expect(state.next.students == ["fc16", "fc4", "linear"])
        press(.character("p"), .down, .enter, in: &state)
        #expect(state.next.students[1] == ArchitectureSpec.presets[1].name)
        press(.character("d"), in: &state)
        #expect(state.next.students == ["fc16", "linear"])
        press(.up, .character("d"), .character("d"), in: &state)
        #expect(state.next.students.count == 1)
        #expect(state.status?.contains("at least one student") == true)
    }

    @Test func lossTemperatureAugmentationAndBaselinesChangeWithArrows() {
        var state = Scene.idle()
        state.focus = .architectures
        state.architectureRow = 3
        press(.right, in: &state)
        #expect(state.next.loss == .mse)
        press(.down, .right, in: &state)
        #expect(state.next.temperature == 5)
        #expect(state.next.augmentation == nil)
        press(.down, .right, in: &state)
        #expect(state.next.augmentation == Augmentation(shift: 0, flip: true))
        press(.left, .left, in: &state)
        #expect(state.next.augmentation == Augmentation(crop: 4, flip: true), "← from none wraps to the last")
        press(.enter, in: &state)
        #expect(state.next.augmentation == nil, "Enter steps forward, wrapping to none")
        press(.down, .enter, in: &state)
        #expect(state.next.baselines)
    }

    /// A mentor from a file is marked in the architectures pane, and its row takes no edit:
    /// it does not train here, and a logits mentor has no architecture at all.
    @Test func aMentorFromAFileIsMarkedAndNotEditable() {
        for (logits, mark) in [(true, "outputs only"), (false, "file: cnn-l")] {
            var config = RecordedRun.config
            if logits { config.mentorLogits = "/data/mentor-logits.npy" } else { config.mentorCheckpoint = "/data/torch.safetensors" }
            config.mentor = "cnn-l"
            var state = DashboardState(config: config, width: 100, height: 30, themeNames: ["dark"])
            _ = DashboardReducer.reduce(&state, .dataLoaded(RecordedRun.dataSet))
            let before = state.next
            press(.character("2"), .enter, in: &state)
            #expect(state.editor == nil, "Enter opens no editor on the mentor's row")
            #expect(state.status?.contains(logits ? "known only by its outputs" : "is loaded from /data/torch.safetensors") == true)
            press(.right, .character("p"), in: &state)
            #expect(state.picker == nil && state.next == before, "neither a preset step nor the picker changes it")
            let screen = DashboardRenderer(glyphs: .unicode).render(state).text
            #expect(screen.contains(mark), "\(screen)")
            #expect(screen.contains(logits ? "mentor's logits are read" : "mentor is loaded from a"), "\(screen)")
            press(.down, .enter, in: &state)
            #expect(state.editor != nil, "a student's row is edited as always")
        }
    }

    /// Images without a class join the pool: every training image may then be labeled,
    /// and the pane names the pool's two parts.
    @Test func unlabeledImagesLetEveryTrainingImageBeLabeled() throws {
        var state = DashboardState(config: RecordedRun.config, width: 80, height: 30, themeNames: ["dark"])
        let data = RecordedRun.dataSet
        let extra = ImageTable(shape: data.train.shape, pixels: [UInt8](repeating: 9, count: 70 * data.train.shape.count))
        let withExtra = try data.adding(unlabeled: .init(images: extra, source: "folder /data/street", name: "street/"))
        _ = DashboardReducer.reduce(&state, .dataLoaded(withExtra))
        press(.character("3"), in: &state)
        for _ in 0..<8 { press(.right, in: &state) }
        #expect(state.next.labeledFraction == 1)
        guard case .counts(let counts) = state.splitPreview else {
            Issue.record("the split should have counts")
            return
        }
        #expect(counts.labeled == data.train.count && counts.unlabeled == 70 && counts.unlabeledFromElsewhere == 70)
        press(.left, in: &state)
        let screen = DashboardRenderer(glyphs: .unicode).render(state).text
        #expect(screen.contains("unlabeled 130"), "\(screen)")
        #expect(screen.contains("60 train + 70 street/"), "\(screen)")
        #expect(screen.contains("3 Data split · \(data.name)"), "\(screen)")
    }

    @Test func labeledFractionStepsAndTypedValues() {
        var state = Scene.idle()
        press(.character("3"), in: &state)
        press(.right, in: &state)
        #expect(state.next.labeledFraction == 0.5)
        press(.left, .left, in: &state)
        #expect(state.next.labeledFraction == 0.1)
        guard case .counts(let counts) = state.splitPreview else {
            Issue.record("the split should have counts")
            return
        }
        #expect(counts.labeled == 60 && counts.unlabeled == 540 && counts.labeledPerClass == [15, 15, 15, 15])
        press(.enter, .control("u"), in: &state)
        type("150", in: &state)
        #expect(state.editor?.error?.contains("at most 100%") == true)
        press(.control("u"), in: &state)
        type("25%", in: &state)
        press(.enter, in: &state)
        #expect(state.next.labeledFraction == 0.25)
    }

    @Test func seedChangesTheSplitNotItsSize() {
        var state = Scene.idle()
        press(.character("3"), .down, .down, .right, in: &state)
        #expect(state.next.seed == 2)
        press(.enter, .control("u"), in: &state)
        type("x", in: &state)
        #expect(state.editor?.error != nil)
    }

    @Test func changesDuringARunAreForTheNextRun() {
        var state = Scene.state(width: 80, height: 24, events: 10)
        press(.character("3"), .right, in: &state)
        #expect(state.run?.config.labeledFraction == 0.2)
        #expect(state.next.labeledFraction == 0.5)
        let text = DashboardRenderer(glyphs: .unicode).render(state).text
        #expect(text.contains("Data split · next run"))
    }

    @Test func comparisonSortsAndSelectsTheHighlightedModel() {
        var state = Scene.state(width: 120, height: 40)
        press(.character("4"), in: &state)
        press(.right, .right, .right, .right, in: &state)
        #expect(state.sortColumn == .accuracy)
        #expect(state.comparisonRows.map(\.id.spec) == ["fc16", "fc32", "linear"])
        press(.character("r"), in: &state)
        #expect(state.comparisonRows.first?.id.spec == "linear")
        press(.down, in: &state)
        #expect(state.selectedModel?.spec == "linear")
        press(.escape, in: &state)
        #expect(state.selectedModel == nil)
    }

    @Test func curvesKeysChangeTheChart() {
        var state = Scene.state(width: 120, height: 40)
        press(.character("m"), in: &state)
        #expect(state.chart.metric == .loss)
        press(.character("g"), .character("x"), .character("+"), .character("-"), .character("-"), in: &state)
        #expect(state.chart.logLoss && state.chart.xAxis == .samples && state.chart.smoothing == 0.5)
        press(.down, in: &state)
        #expect(state.selectedModel?.role == .mentor)
        press(.up, in: &state)
        #expect(state.selectedModel?.index == 2)
    }

    @Test func themeKeyCyclesThroughNames() {
        var state = Scene.idle()
        press(.character("t"), in: &state)
        #expect(state.themeName == "light")
        press(.character("t"), in: &state)
        #expect(state.themeName == "dark")
    }

    @Test func aThemeIsNamedOnceItIsApplied() {
        var state = Scene.idle()
        #expect(press(.character("t"), in: &state) == [.applyTheme("light")])
        _ = DashboardReducer.reduce(&state, .themeApplied(name: "light", warnings: []))
        #expect(state.status == "Theme: light")
        _ = DashboardReducer.reduce(&state, .themeApplied(name: "mine", warnings: ["mine.theme line 3: no colour", "line 4: no key"]))
        #expect(state.status == "Theme: mine.theme line 3: no colour; line 4: no key", "a bad line says what is wrong instead")
    }

    @Test func theStartingThemeIsTheOneNamed() {
        let state = DashboardState(config: RecordedRun.config, width: 80, height: 24, themeNames: ["dark", "light"], theme: "light")
        #expect(state.themeName == "light")
        let unlisted = DashboardState(config: RecordedRun.config, width: 80, height: 24, themeNames: ["dark", "light"], theme: "x")
        #expect(unlisted.themeName == "dark")
    }

    @Test func aRunThatCannotStartLeavesNoRunAndSaysWhy() {
        var state = Scene.idle()
        press(.character(" "), in: &state)
        _ = DashboardReducer.reduce(&state, .runFailedToStart("The split leaves no labeled image of class 3."))
        #expect(state.run == nil && !state.isTraining)
        #expect(state.status == "The split leaves no labeled image of class 3.")
        #expect(press(.character(" "), in: &state) == [.startRun(state.next)], "Space tries again")
    }

    @Test func typedFieldNeverTakesGlobalKeys() {
        var state = Scene.idle()
        press(.character("2"), .enter, .control("u"), in: &state)
        type("q t?1", in: &state)
        #expect(state.editor?.line.text == "q t?1")
        #expect(!state.quitRequested && state.focus == .architectures)
    }
}

extension Key {
    static let deleteKey = Key.delete
}
