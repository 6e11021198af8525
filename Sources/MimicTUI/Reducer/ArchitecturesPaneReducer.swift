import MimicEngine

/// The architectures pane: the next run's mentor and students, and its loss,
/// temperature, augmentation and baselines settings.
enum ArchitecturesPaneReducer {
    static func perform(_ action: DashboardAction, _ state: inout DashboardState) {
        if [.activate, .left, .right, .pickPreset].contains(action), state.selectedSpecTarget == .mentor,
           let reason = state.mentorFixedReason {
            state.status = reason
            return
        }
        switch action {
        case .up: state.architectureRow = max(0, state.architectureRow - 1)
        case .down: state.architectureRow = min(state.architectureRowCount - 1, state.architectureRow + 1)
        case .activate: activate(&state)
        case .left, .right: change(&state, forward: action == .right)
        case .pickPreset: pickPreset(&state)
        case .addStudent: FieldEditorReducer.open(.newStudent, text: "", &state)
        case .removeStudent: removeStudent(&state)
        case .moveStudentUp, .moveStudentDown: moveStudent(&state, up: action == .moveStudentUp)
        case .toggleBaselines: state.next.baselines.toggle()
        default: break
        }
    }

    /// Enter: types a spec or the temperature; the other settings step forward.
    static func activate(_ state: inout DashboardState) {
        if let target = state.selectedSpecTarget {
            FieldEditorReducer.open(target, text: spec(of: target, in: state), &state)
            return
        }
        switch state.selectedSetting {
        case .loss?: state.next.loss = state.next.loss.cycled()
        case .temperature?:
            FieldEditorReducer.open(.temperature, text: Formatting.plain(Double(state.next.temperature)), &state)
        case .augmentation?: stepAugmentation(&state, forward: true)
        case .baselines?: state.next.baselines.toggle()
        case nil: break
        }
    }

    /// ←/→: the previous or next preset of a model, or value of a setting.
    static func change(_ state: inout DashboardState, forward: Bool) {
        if let target = state.selectedSpecTarget {
            let names = ArchitectureSpec.presets.map(\.name)
            let current = names.firstIndex(of: spec(of: target, in: state))
            let next = current.map { (forward ? $0 + 1 : $0 + names.count - 1) % names.count } ?? 0
            setSpec(names[next], for: target, &state)
            return
        }
        switch state.selectedSetting {
        case .loss?:
            state.next.loss = forward ? state.next.loss.cycled() : state.next.loss.cycledBack()
        case .temperature?:
            state.next.temperature = ValueStepping.step(state.next.temperature, through: temperatureSteps, up: forward)
        case .augmentation?: stepAugmentation(&state, forward: forward)
        case .baselines?: state.next.baselines.toggle()
        case nil: break
        }
    }

    static func pickPreset(_ state: inout DashboardState) {
        guard let target = state.selectedSpecTarget else {
            state.status = "Select the mentor or a student to choose a preset for it."
            return
        }
        let names = ArchitectureSpec.presets.map(\.name)
        state.picker = PresetPicker(target: target, index: names.firstIndex(of: spec(of: target, in: state)) ?? 0)
    }

    static func removeStudent(_ state: inout DashboardState) {
        guard case .student(let k)? = state.selectedSpecTarget else {
            state.status = "Select a student to remove it."
            return
        }
        guard state.studentCount > 1 else {
            state.status = "A run needs at least one student; change this one instead."
            return
        }
        state.next.students.remove(at: k)
        state.refreshArchitectures()
    }

    static func moveStudent(_ state: inout DashboardState, up: Bool) {
        guard case .student(let k)? = state.selectedSpecTarget else {
            state.status = "Select a student to move it."
            return
        }
        let to = up ? k - 1 : k + 1
        guard state.next.students.indices.contains(to) else { return }
        state.next.students.swapAt(k, to)
        state.architectureRow = to + 1
        state.refreshArchitectures()
    }

    static let temperatureSteps: [Float] = [1, 2, 3, 4, 5, 8, 10, 20]

    /// What ←/→ step through for the labeled images' augmentation (nil: none); another
    /// value given with --augment steps to the first of these.
    static let augmentationSteps: [Augmentation?] = [
        nil, Augmentation(shift: 0, flip: true), Augmentation(shift: 1, flip: false),
        Augmentation(shift: 1, flip: true), Augmentation(shift: 2, flip: true),
        // The CIFAR recipe's RandomCrop(padding=4) and flip, for the residual networks.
        Augmentation(crop: 4, flip: true),
    ]

    static func stepAugmentation(_ state: inout DashboardState, forward: Bool) {
        let steps = augmentationSteps
        let current = steps.firstIndex(of: state.next.augmentation)
        let next = current.map { (forward ? $0 + 1 : $0 + steps.count - 1) % steps.count } ?? 0
        state.next.augmentation = steps[next]
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
}
