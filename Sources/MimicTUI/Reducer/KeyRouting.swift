/// Where a key goes: the mode picks the key table, the scope on top picks the binding,
/// the binding's scope picks the handler. Keys a watcher cannot use are explained, not
/// silently dropped.
extension DashboardReducer {
    /// The scope a key is looked up in: whatever is on top, else the focused pane.
    public static func scope(of state: DashboardState) -> KeyScope {
        switch state.dialog {
        case .confirmQuit: return .confirmQuit
        case .help: return .help
        case nil: break
        }
        if state.editor != nil { return .editor }
        if state.picker != nil { return .presetPicker }
        if state.showingSweep, state.sweep != nil { return .sweep }
        return .pane(state.focus)
    }

    static func press(_ key: Key, in state: inout DashboardState) -> [DashboardEffect] {
        let scope = scope(of: state)
        // The panes and the sweep view let global keys through; dialogs and editors take every key.
        let modal = switch scope {
        case .pane, .sweep: false
        default: true
        }
        let keys = state.mode.keyTable
        if let action = keys.action(for: key, in: scope) {
            state.status = nil
            return perform(action, in: scope, state: &state)
        }
        if !modal, let action = keys.action(for: key, in: .global) {
            state.status = nil
            return perform(action, in: .global, state: &state)
        }
        if WatchedRunReducer.explainReadOnly(key, in: scope, modal: modal, &state) { return [] }
        if scope == .editor, let character = key.typedCharacter {
            FieldEditorReducer.type(character, &state)
        }
        return []
    }

    static func perform(_ action: DashboardAction, in scope: KeyScope, state: inout DashboardState) -> [DashboardEffect] {
        switch scope {
        case .global: return GlobalKeysReducer.perform(action, &state)
        case .pane(.curves): CurvesPaneReducer.perform(action, &state)
        case .pane(.architectures): ArchitecturesPaneReducer.perform(action, &state)
        case .pane(.split): SplitPaneReducer.perform(action, &state)
        case .pane(.comparison): ComparisonPaneReducer.perform(action, &state)
        case .pane(.runs): return RunsPaneReducer.perform(action, &state)
        case .sweep: return SweepViewReducer.perform(action, &state)
        case .editor: FieldEditorReducer.perform(action, &state)
        case .presetPicker: PresetPickerReducer.perform(action, &state)
        case .help: HelpDialogReducer.perform(action, &state)
        case .confirmQuit: return ConfirmQuitReducer.perform(action, &state)
        }
        return []
    }
}
