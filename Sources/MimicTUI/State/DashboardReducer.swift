import MimicEngine
import MimicStore

/// state + input -> state + effects. Pure: no clock, no threads, no terminal, so every
/// key and every engine event can be tested by value.
public enum DashboardReducer {
    public static func reduce(_ state: inout DashboardState, _ input: DashboardInput) -> [DashboardEffect] {
        switch input {
        case .key(let key):
            return press(key, in: &state)
        case .engine(let event):
            apply(event, to: &state)
            return []
        case .tick(let now):
            state.now = now
            return []
        case let .resize(width, height):
            state.width = width
            state.height = height
            return []
        case .dataLoaded(let dataSet):
            state.data = .ready(dataSet)
            state.refreshArchitectures()
            state.refreshSplit()
            return []
        case .dataFailed(let message):
            state.data = .failed(message)
            return []
        case .interrupt:
            state.quitRequested = true
            // A watcher's Ctrl-C ends the watching, never the training it watches.
            return state.isTraining && state.watching == nil ? [.stopRun, .quit] : [.quit]
        case .note(let message):
            state.status = message
            return []
        case .recordedAs(let id):
            state.recordedRunID = id
            return []
        case let .watchedStatus(status, wallSeconds):
            watched(status, wallSeconds: wallSeconds, &state)
            return []
        case .pastRuns(let runs):
            let selected = state.pastRuns.indices.contains(state.runsRow) ? state.pastRuns[state.runsRow].id : nil
            state.pastRuns = runs
            state.runsRow = runs.firstIndex { $0.id == selected } ?? min(state.runsRow, max(0, runs.count - 1))
            var effects: [DashboardEffect] = []
            for index in state.overlays.indices {
                guard let listed = runs.first(where: { $0.id == state.overlays[index].id }),
                      state.overlays[index].needsReading(listed: listed.status) else { continue }
                effects.append(askToRead(&state.overlays[index], listed: listed.status, &state.nextOverlayRead))
            }
            return effects
        case let .pastRunLoaded(id, read, run):
            if let index = state.overlays.firstIndex(where: { $0.id == id && $0.pendingRead == read }) {
                state.overlays[index].run = run
                state.overlays[index].pendingRead = nil
            }
            return []
        case let .pastRunFailed(id, read, message):
            guard let index = state.overlays.firstIndex(where: { $0.id == id && $0.pendingRead == read }) else { return [] }
            state.status = message
            if state.overlays[index].run == nil {
                removeOverlay(id, &state)
            } else {
                state.overlays[index].pendingRead = nil  // a later read fails: keep what was read
            }
            return []
        }
    }

    /// Marks `overlay` as being read and returns the effect that reads it.
    static func askToRead(_ overlay: inout RunOverlay, listed status: RunStatus, _ next: inout Int) -> DashboardEffect {
        defer { next += 1 }
        overlay.pendingRead = next
        overlay.readAt = status
        return .loadPastRun(overlay.id, read: next)
    }

    /// Takes overlay `id` away, and the selection of its curve with it.
    static func removeOverlay(_ id: Int64, _ state: inout DashboardState) {
        state.overlays.removeAll { $0.id == id }
        if state.selectedOverlay == id {
            state.selectedOverlay = nil
            state.selectedModel = nil
        }
    }

    /// The watched run's status as the store has it. A run whose process died never
    /// sends its end, so this ends it on screen; a run that ended gets its real length.
    static func watched(_ status: RunStatus, wallSeconds: Double?, _ state: inout DashboardState) {
        state.watching?.status = status
        guard status != .running, var run = state.run else { return }
        if run.status != .finished {
            run.status = .finished
            run.current = nil
            run.endedAt = state.now
        }
        if let wallSeconds { run.endedAt = run.startedAt + wallSeconds }
        state.run = run
    }

    /// The scope a key is looked up in: whatever is on top, else the focused pane.
    public static func scope(of state: DashboardState) -> KeyScope {
        switch state.dialog {
        case .confirmQuit: return .confirmQuit
        case .help: return .help
        case nil: break
        }
        if state.editor != nil { return .editor }
        if state.picker != nil { return .presetPicker }
        return .pane(state.focus)
    }

    static func press(_ key: Key, in state: inout DashboardState) -> [DashboardEffect] {
        let scope = scope(of: state)
        let modal = scope != .pane(state.focus)
        let watching = state.watching != nil
        if let action = KeyBindings.action(for: key, in: scope, watching: watching) {
            state.status = nil
            return perform(action, in: scope, state: &state)
        }
        if !modal, let action = KeyBindings.action(for: key, in: .global, watching: watching) {
            state.status = nil
            return perform(action, in: .global, state: &state)
        }
        if let watched = state.watching, let binding = readOnlyBinding(of: key, in: scope, modal: modal) {
            state.status = "Watching run \(watched.id) is read-only: \"\(binding.summary)\" works in 'mimic dashboard'."
            return []
        }
        if scope == .editor, let character = key.typedCharacter {
            state.editor?.line.insert(character)
            revalidateEditor(&state)
        }
        return []
    }

    /// The binding a key has outside watch mode, where watch mode leaves it unbound.
    static func readOnlyBinding(of key: Key, in scope: KeyScope, modal: Bool) -> KeyBinding? {
        let scopes = modal ? [scope] : [scope, .global]
        for scope in scopes {
            if let binding = KeyBindings.bindings(for: scope).first(where: { $0.keys.contains(key) }) { return binding }
        }
        return nil
    }

    static func perform(_ action: DashboardAction, in scope: KeyScope, state: inout DashboardState) -> [DashboardEffect] {
        switch scope {
        case .global: return performGlobal(action, &state)
        case .pane(.curves): performCurves(action, &state)
        case .pane(.architectures): performArchitectures(action, &state)
        case .pane(.split): performSplit(action, &state)
        case .pane(.comparison): performComparison(action, &state)
        case .pane(.runs): return performRuns(action, &state)
        case .editor: performEditor(action, &state)
        case .presetPicker: performPicker(action, &state)
        case .help: performHelp(action, &state)
        case .confirmQuit: return performConfirm(action, &state)
        }
        return []
    }

    // MARK: Everywhere

    static func performGlobal(_ action: DashboardAction, _ state: inout DashboardState) -> [DashboardEffect] {
        switch action {
        case .nextPane: state.focus = state.focus.next
        case .previousPane: state.focus = state.focus.previous
        case .focus(let pane): state.focus = pane
        case .toggleRun:
            return state.watching == nil ? toggleRun(&state) : toggleWatchedRun(&state)
        case .stopRun:
            if let watched = state.watching {
                guard watched.isTraining, state.run?.isActive == true else {
                    state.status = "Run \(watched.id) is \(watched.status.rawValue); there is no training to stop."
                    return []
                }
                state.run?.status = .stopping
                state.status = "Asked run \(watched.id) to stop; it stops after the current step and keeps what is done."
                return [.stopRun]
            }
            guard state.run?.isActive == true else {
                state.status = "No run is going; Space starts one."
                return []
            }
            state.run?.status = .stopping
            return [.stopRun]
        case .quit:
            if state.isTraining && state.watching == nil {
                state.dialog = .confirmQuit
                return []
            }
            state.quitRequested = true
            return [.quit]
        case .showHelp: state.dialog = .help(scroll: 0)
        case .loadProtocol: return loadProtocol(&state)
        case .cycleTheme:
            state.themeIndex = (state.themeIndex + 1) % state.themeNames.count
            state.status = "Theme: \(state.themeName)"
        default: break
        }
        return []
    }

    /// Sets the next run to the protocol `mimic reproduce` runs (keeping the data set and
    /// seed) and starts it when nothing is training; during a run it waits as the next.
    static func loadProtocol(_ state: inout DashboardState) -> [DashboardEffect] {
        var config = ReproductionProtocol.config(dataDirectory: state.next.dataDirectory, seed: state.next.seed)
        config.threads = state.next.threads
        config.saveDirectory = state.next.saveDirectory
        state.next = config
        state.refreshArchitectures()
        state.refreshSplit()
        guard !state.isTraining else {
            state.status = "The DeepMimic protocol is set for the next run."
            return []
        }
        state.status = "Running the DeepMimic protocol: cnn-l mentor, three students and their baselines."
        return toggleRun(&state)
    }

    /// Space while watching: asks the training process to pause or resume. The screen
    /// changes when that process records that it did (within a second or so).
    static func toggleWatchedRun(_ state: inout DashboardState) -> [DashboardEffect] {
        guard let watched = state.watching else { return [] }
        guard watched.isTraining, let run = state.run, run.isActive else {
            state.status = "Run \(watched.id) is \(watched.status.rawValue); watching starts no run ('mimic dashboard' or 'mimic train' does)."
            return []
        }
        switch run.status {
        case .paused:
            state.status = "Asked run \(watched.id) to resume."
            return [.resumeRun]
        case .stopping:
            state.status = "Run \(watched.id) is stopping after the current step."
            return []
        case .starting, .running, .finished:
            state.status = "Asked run \(watched.id) to pause; it pauses after the current step."
            return [.pauseRun]
        }
    }

    static func toggleRun(_ state: inout DashboardState) -> [DashboardEffect] {
        switch state.run?.status {
        case nil, .finished?:
            if let blocker = state.startBlocker {
                state.status = blocker
                return []
            }
            state.run = RunState(config: state.next, startedAt: state.now)
            state.selectedModel = nil
            state.selectedOverlay = nil
            state.recordedRunID = nil
            return [.startRun(state.next)]
        case .starting?, .running?:
            state.run?.status = .paused
            return [.pauseRun]
        case .paused?:
            state.run?.status = .running
            return [.resumeRun]
        case .stopping?:
            state.status = "The run is stopping after the current step."
            return []
        }
    }

    // MARK: Engine events

    static func apply(_ event: TrainingEvent, to state: inout DashboardState) {
        guard var run = state.run else { return }
        if let note = run.apply(event, now: state.now) { state.status = note }
        state.run = run
        // A watched run's model sizes come from its recorded plan, not a loaded data set.
        if case .runStarted = event, state.watching != nil { state.refreshArchitectures() }
    }

    // MARK: Panes

    static func performCurves(_ action: DashboardAction, _ state: inout DashboardState) {
        switch action {
        case .up, .down:
            let models = state.plannedModels
            guard !models.isEmpty else {
                state.status = "No curves yet; Space starts a run."
                return
            }
            // A past run's model chosen in the comparison does not count: stepping starts over.
            let current = state.selectedOverlay == nil ? state.selectedModel.flatMap { models.firstIndex(of: $0) } : nil
            let step = action == .down ? 1 : models.count - 1
            state.selectedModel = models[current.map { ($0 + step) % models.count } ?? (action == .down ? 0 : models.count - 1)]
            state.selectedOverlay = nil
        case .cancel:
            state.selectedModel = nil
            state.selectedOverlay = nil
        case .cycleMetric: state.chart.cycleMetric()
        case .toggleLogScale: state.chart.logLoss.toggle()
        case .cycleXAxis: state.chart.cycleXAxis()
        case .smoothMore: state.chart.smoothMore()
        case .smoothLess: state.chart.smoothLess()
        default: break
        }
    }

    static let temperatureSteps: [Float] = [1, 2, 3, 4, 5, 8, 10, 20]

    /// What ←/→ step through for the labeled images' augmentation (nil: none); another
    /// value given with --augment steps to the first of these.
    static let augmentationSteps: [Augmentation?] = [
        nil, Augmentation(shift: 0, flip: true), Augmentation(shift: 1, flip: false),
        Augmentation(shift: 1, flip: true), Augmentation(shift: 2, flip: true),
    ]

    static func stepAugmentation(_ state: inout DashboardState, forward: Bool) {
        let steps = augmentationSteps
        let current = steps.firstIndex(of: state.next.augmentation)
        let next = current.map { (forward ? $0 + 1 : $0 + steps.count - 1) % steps.count } ?? 0
        state.next.augmentation = steps[next]
    }

    static func performArchitectures(_ action: DashboardAction, _ state: inout DashboardState) {
        let students = state.studentCount
        switch action {
        case .up: state.architectureRow = max(0, state.architectureRow - 1)
        case .down: state.architectureRow = min(state.architectureRowCount - 1, state.architectureRow + 1)
        case .activate:
            if let target = state.selectedSpecTarget {
                openEditor(target, text: spec(of: target, in: state), &state)
            } else {
                switch state.selectedSetting {
                case .loss?: state.next.loss = state.next.loss.cycled()
                case .temperature?: openEditor(.temperature, text: Formatting.plain(Double(state.next.temperature)), &state)
                case .augmentation?: stepAugmentation(&state, forward: true)
                case .baselines?: state.next.baselines.toggle()
                case nil: break
                }
            }
        case .left, .right:
            let forward = action == .right
            if let target = state.selectedSpecTarget {
                let names = ArchitectureSpec.presets.map(\.name)
                let current = names.firstIndex(of: spec(of: target, in: state))
                let next = current.map { (forward ? $0 + 1 : $0 + names.count - 1) % names.count } ?? 0
                setSpec(names[next], for: target, &state)
            } else {
                switch state.selectedSetting {
                case .loss?:
                    state.next.loss = forward ? state.next.loss.cycled() : state.next.loss.cycledBack()
                case .temperature?:
                    state.next.temperature = step(state.next.temperature, through: temperatureSteps, up: forward)
                case .augmentation?: stepAugmentation(&state, forward: forward)
                case .baselines?: state.next.baselines.toggle()
                case nil: break
                }
            }
        case .pickPreset:
            guard let target = state.selectedSpecTarget else {
                state.status = "Select the mentor or a student to choose a preset for it."
                return
            }
            let names = ArchitectureSpec.presets.map(\.name)
            state.picker = PresetPicker(target: target, index: names.firstIndex(of: spec(of: target, in: state)) ?? 0)
        case .addStudent:
            openEditor(.newStudent, text: "", &state)
        case .removeStudent:
            guard case .student(let k)? = state.selectedSpecTarget else {
                state.status = "Select a student to remove it."
                return
            }
            guard students > 1 else {
                state.status = "A run needs at least one student; change this one instead."
                return
            }
            state.next.students.remove(at: k)
            state.refreshArchitectures()
        case .moveStudentUp, .moveStudentDown:
            guard case .student(let k)? = state.selectedSpecTarget else {
                state.status = "Select a student to move it."
                return
            }
            let to = action == .moveStudentUp ? k - 1 : k + 1
            guard state.next.students.indices.contains(to) else { return }
            state.next.students.swapAt(k, to)
            state.architectureRow = to + 1
            state.refreshArchitectures()
        case .toggleBaselines: state.next.baselines.toggle()
        default: break
        }
    }

    static let labeledSteps: [Double] = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 0.9]
    static let validationSteps: [Double] = [0, 0.05, 0.1, 0.2, 0.5]

    static func performSplit(_ action: DashboardAction, _ state: inout DashboardState) {
        let fields = DashboardState.SplitField.allCases
        switch action {
        case .up: state.splitField = fields[max(0, state.splitField.rawValue - 1)]
        case .down: state.splitField = fields[min(fields.count - 1, state.splitField.rawValue + 1)]
        case .left, .right:
            let up = action == .right
            switch state.splitField {
            case .labeled: state.next.labeledFraction = step(state.next.labeledFraction, through: labeledSteps, up: up)
            case .validation:
                state.next.validationFraction = step(state.next.validationFraction, through: validationSteps, up: up)
            case .seed: state.next.seed = up ? state.next.seed &+ 1 : (state.next.seed == 0 ? 0 : state.next.seed - 1)
            }
            state.refreshSplit()
        case .activate:
            switch state.splitField {
            case .labeled: openEditor(.labeledPercent, text: Formatting.plain(state.next.labeledFraction * 100), &state)
            case .validation: openEditor(.validationPercent, text: Formatting.plain(state.next.validationFraction * 100), &state)
            case .seed: openEditor(.seed, text: String(state.next.seed), &state)
            }
        default: break
        }
    }

    static func performComparison(_ action: DashboardAction, _ state: inout DashboardState) {
        let rows = state.comparisonRows
        let columns = ComparisonRow.Column.allCases
        switch action {
        case .up, .down:
            guard !rows.isEmpty else {
                state.status = "The table fills as a run trains; Space starts one."
                return
            }
            let current = state.selectedModel.flatMap { id in
                rows.firstIndex { $0.id == id && $0.runID == state.selectedOverlay }
            }
            let index: Int
            if let current {
                index = action == .down ? min(rows.count - 1, current + 1) : max(0, current - 1)
            } else {
                index = action == .down ? 0 : rows.count - 1
            }
            state.selectedModel = rows[index].id
            state.selectedOverlay = rows[index].runID
        case .left: state.sortColumn = columns[(state.sortColumn.rawValue + columns.count - 1) % columns.count]
        case .right: state.sortColumn = columns[(state.sortColumn.rawValue + 1) % columns.count]
        case .reverseSort: state.sortDescending.toggle()
        case .cancel:
            state.selectedModel = nil
            state.selectedOverlay = nil
        default: break
        }
    }

    /// The runs pane: pick past runs to draw over the current one.
    static func performRuns(_ action: DashboardAction, _ state: inout DashboardState) -> [DashboardEffect] {
        switch action {
        case .up, .down:
            guard !state.pastRuns.isEmpty else {
                state.status = "No runs are recorded yet; each run trained here or with 'mimic train' is."
                return []
            }
            state.runsRow = action == .down ? min(state.pastRuns.count - 1, state.runsRow + 1) : max(0, state.runsRow - 1)
        case .activate:
            guard state.pastRuns.indices.contains(state.runsRow) else {
                state.status = "No runs are recorded yet; each run trained here or with 'mimic train' is."
                return []
            }
            let id = state.pastRuns[state.runsRow].id
            if id == state.recordedRunID {
                state.status = "Run \(id) is the one on screen; choose another to compare with it."
                return []
            }
            if state.overlays.contains(where: { $0.id == id }) {
                removeOverlay(id, &state)
                return []
            }
            var overlay = RunOverlay(id: id)
            let read = askToRead(&overlay, listed: state.pastRuns[state.runsRow].status, &state.nextOverlayRead)
            state.overlays.append(overlay)
            return [read]
        case .cancel:
            guard !state.overlays.isEmpty else {
                state.status = "No run is overlaid; Enter overlays the selected one."
                return []
            }
            state.overlays = []
            if state.selectedOverlay != nil {
                state.selectedOverlay = nil
                state.selectedModel = nil
            }
        default: break
        }
        return []
    }

    // MARK: Modal scopes

    static func performHelp(_ action: DashboardAction, _ state: inout DashboardState) {
        guard case .help(let scroll)? = state.dialog else { return }
        switch action {
        case .up: state.dialog = .help(scroll: max(0, scroll - 1))
        case .down: state.dialog = .help(scroll: scroll + 1)
        case .cancel: state.dialog = nil
        default: break
        }
    }

    static func performConfirm(_ action: DashboardAction, _ state: inout DashboardState) -> [DashboardEffect] {
        switch action {
        case .confirm:
            state.dialog = nil
            state.quitRequested = true
            return [.stopRun, .quit]
        case .cancel:
            state.dialog = nil
        default: break
        }
        return []
    }

    static func performPicker(_ action: DashboardAction, _ state: inout DashboardState) {
        guard let picker = state.picker else { return }
        let names = ArchitectureSpec.presets.map(\.name)
        switch action {
        case .up: state.picker?.index = max(0, picker.index - 1)
        case .down: state.picker?.index = min(names.count - 1, picker.index + 1)
        case .activate:
            state.picker = nil
            setSpec(names[picker.index], for: picker.target, &state)
        case .cancel: state.picker = nil
        default: break
        }
    }

    static func performEditor(_ action: DashboardAction, _ state: inout DashboardState) {
        guard let editor = state.editor else { return }
        switch action {
        case .left: state.editor?.line.moveLeft()
        case .right: state.editor?.line.moveRight()
        case .cursorHome: state.editor?.line.moveHome()
        case .cursorEnd: state.editor?.line.moveEnd()
        case .deleteBackward: state.editor?.line.backspace()
        case .deleteForward: state.editor?.line.deleteForward()
        case .clearField: state.editor?.line.clear()
        case .cancel: state.editor = nil
        case .activate:
            if let error = FieldValidation.check(editor.target, text: editor.line.text, state: state).error {
                state.editor?.error = error
                return
            }
            commit(editor.target, text: editor.line.text, &state)
            state.editor = nil
        default: break
        }
        if state.editor != nil, action != .activate { revalidateEditor(&state) }
    }

    // MARK: Helpers

    static func openEditor(_ target: EditTarget, text: String, _ state: inout DashboardState) {
        state.editor = FieldEditor(target: target, line: LineEditor(text), error: nil, errorRange: nil)
        revalidateEditor(&state)
    }

    /// Checks the field as it is typed, so the error shows in place before Enter.
    static func revalidateEditor(_ state: inout DashboardState) {
        guard let editor = state.editor else { return }
        let result = FieldValidation.check(editor.target, text: editor.line.text, state: state)
        state.editor?.error = result.error
        state.editor?.errorRange = result.range
    }

    static func spec(of target: EditTarget, in state: DashboardState) -> String {
        switch target {
        case .mentor: state.next.mentor
        case .student(let k): state.next.students[k]
        default: ""
        }
    }

    static func setSpec(_ spec: String, for target: EditTarget, _ state: inout DashboardState) {
        switch target {
        case .mentor: state.next.mentor = spec
        case .student(let k): state.next.students[k] = spec
        case .newStudent:
            state.next.students.append(spec)
            state.architectureRow = state.next.students.count
        default: return
        }
        state.refreshArchitectures()
    }

    static func commit(_ target: EditTarget, text: String, _ state: inout DashboardState) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        switch target {
        case .mentor, .student, .newStudent:
            setSpec(trimmed.isEmpty ? "linear" : trimmed.lowercased(), for: target, &state)
        case .temperature:
            state.next.temperature = Float(trimmed) ?? state.next.temperature
        case .labeledPercent:
            state.next.labeledFraction = FieldValidation.percent(trimmed).map { $0 / 100 } ?? state.next.labeledFraction
            state.refreshSplit()
        case .validationPercent:
            state.next.validationFraction = FieldValidation.percent(trimmed).map { $0 / 100 } ?? state.next.validationFraction
            state.refreshSplit()
        case .seed:
            state.next.seed = UInt64(trimmed) ?? state.next.seed
            state.refreshSplit()
        }
    }

    /// The next listed value above or below `value`, so a typed 7% steps to 10% or 5%.
    static func step<T: Comparable>(_ value: T, through steps: [T], up: Bool) -> T {
        if up { return steps.first { $0 > value } ?? steps.last! }
        return steps.last { $0 < value } ?? steps.first!
    }
}

extension CaseIterable where Self: Equatable, AllCases.Index == Int {
    func cycledBack() -> Self {
        let all = Self.allCases
        let index = all.firstIndex(of: self)!
        return all[(index + all.count - 1) % all.count]
    }
}
