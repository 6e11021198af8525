import MimicEngine
@testable import MimicTUI
import Testing

/// Every key in the table does something a person can see (or asks the outside world
/// to), and keys outside the table do nothing.
@Suite struct ReducerKeyTests {
    let renderer = DashboardRenderer(glyphs: .unicode)

    @discardableResult
    func press(_ key: Key, _ state: inout DashboardState) -> [DashboardEffect] {
        DashboardReducer.reduce(&state, .key(key))
    }

    /// States in which `scope` is where keys go, varied so each binding has a state
    /// where it has something to change.
    func states(for scope: KeyScope) -> [DashboardState] {
        var running = Scene.state(width: 100, height: 30, events: 22)
        let finished = Scene.withPastRuns(Scene.state(width: 100, height: 30))
        var idle = Scene.idle(width: 100, height: 30)
        func focused(_ pane: Pane, _ base: DashboardState, row: Int = 1) -> DashboardState {
            var state = base
            state.focus = pane
            state.architectureRow = row
            state.selectedModel = base.run?.plan?.models[1].id
            return state
        }
        switch scope {
        case .global:
            return [idle, focused(.comparison, finished), running]
        case .pane(let pane):
            var out = [focused(pane, finished), focused(pane, finished, row: 0), focused(pane, running),
                       focused(pane, Scene.withPastRuns(running, overlaid: false))]
            for setting in 0..<3 { out.append(focused(pane, idle, row: 3 + setting)) }
            var seedField = focused(pane, idle)
            seedField.splitField = .seed
            out.append(seedField)
            var validationField = focused(pane, idle)
            validationField.splitField = .validation
            out.append(validationField)
            return out
        case .editor:
            idle.focus = .architectures
            press(.enter, &idle)
            var middle = idle
            press(.left, &middle)
            return [idle, middle]
        case .presetPicker:
            idle.focus = .architectures
            press(.character("p"), &idle)
            var lower = idle
            press(.down, &lower)
            return [idle, lower]
        case .help:
            press(.character("?"), &idle)
            var scrolled = idle
            press(.down, &scrolled)
            return [idle, scrolled]
        case .confirmQuit:
            press(.character("q"), &running)
            return [running]
        case .sweep:
            let top = SweepViewTests.showing(width: 100, height: 30)
            var inside = top
            press(.down, &inside)
            press(.right, &inside)
            return [top, inside]
        }
    }

    @Test(arguments: KeyBindings.scopes.map { "\($0)" })
    func everyBoundKeyDoesSomething(scopeName: String) {
        let scope = KeyBindings.scopes.first { "\($0)" == scopeName }!
        for binding in KeyBindings.bindings(for: scope) {
            for key in binding.keys {
                let changed = states(for: scope).contains { start in
                    #expect(DashboardReducer.scope(of: start) == scope || scope == .global)
                    var state = start
                    // Whole grids, styles included: a moved cursor changes only a style.
                    let before = renderer.render(state)
                    let effects = press(key, &state)
                    return !effects.isEmpty || renderer.render(state) != before
                }
                #expect(changed, "\(key.label()) (\(binding.summary)) in \(scope.title) changed nothing")
            }
        }
    }

    /// Watch mode: the same promise for its own table, in the states a watcher sees.
    @Test(arguments: KeyTable.watching.scopes.map { "\($0)" })
    func everyKeyBoundWhileWatchingDoesSomething(scopeName: String) {
        let scope = KeyTable.watching.scopes.first { "\($0)" == scopeName }!
        var paused = Scene.watching(width: 100, height: 30, events: 22)
        _ = DashboardReducer.reduce(&paused, .engine(.paused))
        var selected = Scene.withPastRuns(Scene.watching(width: 100, height: 30, events: 22))
        selected.focus = .comparison
        selected.selectedModel = selected.run?.plan?.models[1].id
        let bases = [Scene.withPastRuns(Scene.watching(width: 100, height: 30, events: 22)), paused, selected,
                     Scene.withPastRuns(Scene.watching(width: 100, height: 30), overlaid: false)]
        for binding in KeyTable.watching.bindings(for: scope) {
            for key in binding.keys {
                let changed = bases.contains { base in
                    var state = base
                    if case .pane(let pane) = scope { state.focus = pane }
                    if scope == .help { press(.character("?"), &state); press(.down, &state) }
                    if scope == .sweep {
                        press(.character("w"), &state)
                        _ = DashboardReducer.reduce(&state, .sweepRead(id: 4, name: nil, results: SweepViewTests.results))
                        press(.down, &state)  // a cell with neighbours on every side
                        press(.right, &state)
                    }
                    let before = renderer.render(state)
                    let effects = press(key, &state)
                    return !effects.isEmpty || renderer.render(state) != before
                }
                #expect(changed, "\(key.label()) (\(binding.summary)) in \(scope.title) changed nothing while watching")
            }
        }
    }

    @Test func helpWhileWatchingListsExactlyItsTable() {
        var state = Scene.watching(width: 120, height: 200, events: 10)
        press(.character("?"), &state)
        let lines = renderer.render(state).text
        for scope in KeyTable.watching.scopes {
            #expect(lines.contains(scope.title))
            for binding in KeyTable.watching.bindings(for: scope) {
                #expect(lines.contains(binding.summary), "help misses \(binding.summary)")
            }
            for note in KeyTable.watching.notes(for: scope) {
                #expect(lines.contains(note.summary), "help misses \(note.summary)")
            }
        }
        for gone in ["run the DeepMimic protocol", "edit the spec or value", "stop training and quit", "Editing a field"] {
            #expect(!lines.contains(gone), "help lists \(gone), which watching does not do")
        }
    }

    @Test func keysOutsideTheTableDoNothing() {
        for start in [Scene.idle(), Scene.state(width: 80, height: 24, events: 22)] {
            for pane in Pane.allCases {
                for key: Key in [.character("z"), .character("Z"), .character("#"), .pageDown, .function(5), .control("w")] {
                    var state = start
                    state.focus = pane
                    let before = renderer.render(state)
                    let effects = press(key, &state)
                    #expect(effects.isEmpty)
                    #expect(renderer.render(state) == before, "\(key.label()) changed the \(pane.title) pane")
                }
            }
        }
    }

    @Test func helpListsExactlyTheTable() {
        let lines = DashboardRenderer(glyphs: .unicode).render({
            var state = Scene.idle(width: 120, height: 200)
            press(.character("?"), &state)
            return state
        }()).text
        for scope in KeyBindings.scopes {
            #expect(lines.contains(scope.title))
            for binding in KeyBindings.bindings(for: scope) {
                #expect(lines.contains(binding.summary), "help misses \(binding.summary)")
            }
        }
    }

    @Test func noKeyIsBoundTwiceInOneScope() {
        for scope in KeyBindings.scopes {
            let keys = KeyBindings.bindings(for: scope).flatMap(\.keys)
            #expect(Set(keys).count == keys.count, "\(scope.title) binds a key twice")
        }
    }
}

/// Every field the dashboard edits is an option of `TrainOption.all`, read as the
/// command line reads it.
struct EditableFieldTests {
    @Test func everyFieldSetsItsOptionOfTheTable() {
        let targets: [EditTarget] = [.mentor, .student(0), .newStudent, .temperature, .labeledPercent, .validationPercent, .seed]
        #expect(targets.map(\.option.name) == ["mentor", "student", "student", "temperature", "labeled", "validation", "seed"])
        let config = ExperimentConfig()
        #expect(EditTarget.temperature.reading("2.5", into: config)?.temperature == 2.5)
        #expect(EditTarget.labeledPercent.reading("5%", into: config)?.labeledFraction == 0.05)
        #expect(EditTarget.seed.reading("7", into: config)?.seed == 7)
        #expect(EditTarget.seed.reading("-1", into: config) == nil)
        #expect(EditTarget.temperature.reading("0", into: config) == nil, "the table's check of the whole config refuses it")
        #expect(EditTarget.labeledPercent.reading("100.5", into: config) == nil)
        #expect(EditTarget.labeledPercent.reading("100", into: config)?.labeledFraction == 1, "with images without a class, all may be labeled")
    }
}
