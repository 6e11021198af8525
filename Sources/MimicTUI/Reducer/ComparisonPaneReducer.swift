/// The comparison table: its order, and the row whose curves stand out (a model of
/// the run on screen or of an overlaid past run).
enum ComparisonPaneReducer {
    static func perform(_ action: DashboardAction, _ state: inout DashboardState) {
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
}
