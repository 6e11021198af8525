/// The data split pane: the labeled and validation fractions and the seed of the next run.
enum SplitPaneReducer {
    static let labeledSteps: [Double] = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 0.9]
    static let validationSteps: [Double] = [0, 0.05, 0.1, 0.2, 0.5]

    static func perform(_ action: DashboardAction, _ state: inout DashboardState) {
        let fields = DashboardState.SplitField.allCases
        switch action {
        case .up: state.splitField = fields[max(0, state.splitField.rawValue - 1)]
        case .down: state.splitField = fields[min(fields.count - 1, state.splitField.rawValue + 1)]
        case .left, .right:
            let up = action == .right
            switch state.splitField {
            case .labeled:
                // All of the training set may be labeled when images without a class feed the students.
                let steps = state.dataSet?.unlabeled == nil ? labeledSteps : labeledSteps + [1]
                state.next.labeledFraction = ValueStepping.step(state.next.labeledFraction, through: steps, up: up)
            case .validation:
                state.next.validationFraction = ValueStepping.step(state.next.validationFraction, through: validationSteps,
                                                                   up: up)
            case .seed: state.next.seed = up ? state.next.seed &+ 1 : (state.next.seed == 0 ? 0 : state.next.seed - 1)
            }
            state.refreshSplit()
        case .activate:
            switch state.splitField {
            case .labeled:
                FieldEditorReducer.open(.labeledPercent, text: Formatting.plain(state.next.labeledFraction * 100), &state)
            case .validation:
                FieldEditorReducer.open(.validationPercent, text: Formatting.plain(state.next.validationFraction * 100), &state)
            case .seed: FieldEditorReducer.open(.seed, text: String(state.next.seed), &state)
            }
        default: break
        }
    }
}
