import MimicEngine
import MimicSweep

/// The sweep view: `w` opens it (reading the sweep first) and closes it; in it the
/// keys move the cursor, change what the grid shows, and Enter lays the cell's runs
/// over the curves pane.
enum SweepViewReducer {
    static func toggle(_ state: inout DashboardState) -> [DashboardEffect] {
        if state.showingSweep {
            state.showingSweep = false
            return []
        }
        state.showingSweep = true
        // Shown at once if read before; read again either way, for what is new.
        return [.readSweep]
    }

    static func read(_ id: Int64, name: String?, results: SweepResults, _ state: inout DashboardState) {
        if var board = state.sweep, board.sweepID == id {
            board.update(results)
            state.sweep = board
        } else {
            state.sweep = SweepBoard(sweepID: id, name: name, results: results)
        }
    }

    static func perform(_ action: DashboardAction, _ state: inout DashboardState) -> [DashboardEffect] {
        guard var board = state.sweep else { return [] }
        defer { state.sweep = board }
        switch action {
        case .up: board.move(rows: -1)
        case .down: board.move(rows: 1)
        case .left: board.move(columns: -1)
        case .right: board.move(columns: 1)
        case .cycleMetric: board.metric = board.metric.next
        case .cycleXAxis:
            guard board.results.dimensions.count > 1 else {
                state.status = "Sweep \(board.sweepID) varies only the model: there is no other dimension to put across."
                return []
            }
            board.nextColumnDimension()
        case .cycleYAxis:
            guard board.results.dimensions.count > 2 else {
                state.status = "Sweep \(board.sweepID) has two dimensions, both on screen; x swaps what runs across."
                return []
            }
            board.nextRowDimension()
        case .cycleHeldValues:
            if !board.nextHeldCombination() {
                state.status = "Nothing is held fixed: every dimension of sweep \(board.sweepID) is on screen."
            }
        case .cancel: state.showingSweep = false
        case .activate: return overlay(board.selectedCell, board: board, &state)
        default: break
        }
        return []
    }

    /// Enter: the cell's runs (its seeds) become the overlays, with the cell's model in
    /// colour in each, and the curves pane comes up to show them.
    static func overlay(_ cell: SweepCell, board: SweepBoard, _ state: inout DashboardState) -> [DashboardEffect] {
        guard let model = cell.model, !cell.runIDs.isEmpty else {
            state.status = cell.planned == 0 ? "This cell is not part of sweep \(board.sweepID)'s grid."
                : "No run of this cell has started yet; its curves come once one does."
            return []
        }
        let ids = cell.runIDs.filter { $0 != state.recordedRunID }
        state.overlays = []
        var effects: [DashboardEffect] = []
        for id in ids {
            var overlay = RunOverlay(id: id)
            let status = state.pastRuns.first { $0.id == id }?.status ?? .running
            effects.append(PastRunsReducer.askToRead(&overlay, listed: status, &state.nextOverlayRead))
            state.overlays.append(overlay)
        }
        state.selectedModel = model
        state.selectedOverlay = nil
        state.selectedInRuns = Set(cell.runIDs)
        state.showingSweep = false
        state.focus = .curves
        let runs = cell.runIDs.map { "#\($0)" }.joined(separator: ", ")
        state.status = "Runs \(runs): \(model.role.rawValue) \(model.spec), each seed's curves; w goes back to the sweep."
        return effects
    }
}
