import MimicEngine

/// The preset list (p in the architectures pane): Enter puts the chosen preset in the
/// selected row.
enum PresetPickerReducer {
    static func perform(_ action: DashboardAction, _ state: inout DashboardState) {
        guard let picker = state.picker else { return }
        let names = ArchitectureSpec.presets.map(\.name)
        switch action {
        case .up: state.picker?.index = max(0, picker.index - 1)
        case .down: state.picker?.index = min(names.count - 1, picker.index + 1)
        case .activate:
            state.picker = nil
            ArchitecturesPaneReducer.setSpec(names[picker.index], for: picker.target, &state)
        case .cancel: state.picker = nil
        default: break
        }
    }
}
