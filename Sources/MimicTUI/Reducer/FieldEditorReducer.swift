import MimicEngine

/// A field being typed into (a spec, a percentage, the seed, the temperature): checked
/// as it is typed, and put into the next run only when it is valid.
enum FieldEditorReducer {
    static func perform(_ action: DashboardAction, _ state: inout DashboardState) {
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
        if state.editor != nil, action != .activate { revalidate(&state) }
    }

    /// A typed character goes in at the cursor.
    static func type(_ character: Character, _ state: inout DashboardState) {
        state.editor?.line.insert(character)
        revalidate(&state)
    }

    static func open(_ target: EditTarget, text: String, _ state: inout DashboardState) {
        state.editor = FieldEditor(target: target, line: LineEditor(text), error: nil, errorRange: nil)
        revalidate(&state)
    }

    /// Checks the field as it is typed, so the error shows in place before Enter.
    static func revalidate(_ state: inout DashboardState) {
        guard let editor = state.editor else { return }
        let result = FieldValidation.check(editor.target, text: editor.line.text, state: state)
        state.editor?.error = result.error
        state.editor?.errorRange = result.range
    }

    static func commit(_ target: EditTarget, text: String, _ state: inout DashboardState) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        switch target {
        case .mentor, .student, .newStudent:
            ArchitecturesPaneReducer.setSpec(trimmed.isEmpty ? "linear" : trimmed.lowercased(), for: target, &state)
        case .temperature, .labeledPercent, .validationPercent, .seed:
            guard let config = target.reading(trimmed, into: state.next) else { return }
            state.next = config
            if target != .temperature { state.refreshSplit() }
        }
    }
}
