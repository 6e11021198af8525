import MimicEngine
import MimicSweep
import Testing
@testable import MimicTUI

/// The sweep view: `w` opens it on the store's sweep, the keys choose what the grid
/// shows, Enter lays a cell's runs over the curves, and it reads at 80x24 in Unicode
/// and in ASCII.
@Suite struct SweepViewTests {
    static let specs = ["cnn-s", "mlp-256", "mlp-64"]
    static let fractions = [0.01, 0.05, 0.1, 0.2]

    /// Four fractions x three seeds, three students with baselines; the last
    /// training (0.2, seed 3) is still running. Accuracies follow a formula.
    static var results: SweepResults {
        var trainings: [ExperimentConfig] = []
        var outcomes: [Int: SweepResults.Outcome] = [:]
        for (f, labeled) in fractions.enumerated() {
            for seed in 1...3 {
                var config = ExperimentConfig()
                config.labeledFraction = labeled
                config.seed = UInt64(seed)
                config.mentor = "cnn-l"
                config.students = specs
                config.baselines = true
                let k = trainings.count
                trainings.append(config)
                let base = 0.80 + 0.03 * Double(f) + 0.002 * Double(seed)
                func model(_ role: ModelID.Role, _ index: Int, _ spec: String, _ accuracy: Double) -> ModelResult {
                    var result = ModelResult(id: ModelID(role: role, index: index, spec: spec), parameters: 1,
                                             forwardFLOPsPerSample: 1, status: .finished)
                    result.test = Evaluation(loss: 1.2 - accuracy, accuracy: accuracy, agreement: nil)
                    result.trainingTime = 10 * accuracy
                    return result
                }
                var models = [model(.mentor, 1, "cnn-l", base)]
                models += specs.enumerated().map { model(.student, $0.offset + 1, $0.element, base - 0.004 * Double($0.offset)) }
                models += specs.enumerated().map { model(.baseline, $0.offset + 1, $0.element, base - 0.02 - 0.02 * Double($0.offset)) }
                let running = k == 11
                outcomes[k] = SweepResults.Outcome(runID: Int64(k + 1), isRunning: running, models: running ? Array(models.prefix(1)) : models)
            }
        }
        return SweepResults(trainings: trainings, outcomes: outcomes)
    }

    /// The dashboard's state with the sweep read and its view on screen.
    static func showing(width: Int = 80, height: Int = 24) -> DashboardState {
        var state = Scene.state(width: width, height: height)
        let effects = DashboardReducer.reduce(&state, .key(.character("w")))
        #expect(effects == [.readSweep])
        _ = DashboardReducer.reduce(&state, .sweepRead(id: 4, name: "labeled fractions", results: results))
        return state
    }

    @Test func wOpensTheSweepViewAndAsksForTheSweep() {
        let state = Self.showing()
        #expect(state.showingSweep && DashboardReducer.scope(of: state) == .sweep)
        #expect(state.sweep?.rowValues.count == 7)
        #expect(state.sweep?.columnValues == ["0.01", "0.05", "0.1", "0.2"], "labeled runs across by default")
        var closed = state
        _ = DashboardReducer.reduce(&closed, .key(.character("w")))
        #expect(!closed.showingSweep && DashboardReducer.scope(of: closed) == .pane(.curves))
        var tabbed = state
        _ = DashboardReducer.reduce(&tabbed, .key(.tab))
        #expect(!tabbed.showingSweep && tabbed.focus == .curves, "Tab leaves the view for the pane that had the focus")
    }

    @Test func withoutASweepTheStatusLineSaysWhy() {
        var state = Scene.state(width: 80, height: 24)
        _ = DashboardReducer.reduce(&state, .key(.character("w")))
        _ = DashboardReducer.reduce(&state, .sweepUnavailable("No sweep is recorded in runs.sqlite yet; 'mimic sweep' runs one."))
        #expect(!state.showingSweep)
        #expect(state.status?.hasPrefix("No sweep is recorded") == true)
    }

    @Test func keysChooseTheCellTheMetricAndTheAxes() throws {
        var state = Self.showing()
        for key in [Key.down, .right, .right, .character("l"), .character("l")] { _ = DashboardReducer.reduce(&state, .key(key)) }
        var board = try #require(state.sweep)
        #expect(board.row == 1 && board.column == 3, "the cursor stops at the last column")
        #expect(abs(try #require(board.selectedCell.statistic.mean) - (0.89 + 0.003)) < 1e-9, "seeds 1 and 2 of 0.2: the third still trains")
        #expect(board.selectedCell.done == 2 && board.selectedCell.running == 1)
        _ = DashboardReducer.reduce(&state, .key(.character("m")))
        board = try #require(state.sweep)
        #expect(board.metric == .deltaBaseline)
        _ = DashboardReducer.reduce(&state, .key(.character("x")))
        board = try #require(state.sweep)
        #expect(board.columnValues.count == 7 && board.rowValues == ["0.01", "0.05", "0.1", "0.2"], "x swaps two dimensions")
        #expect(board.row == 3 && board.column == 1, "the cursor stays on its cell")
        _ = DashboardReducer.reduce(&state, .key(.character("y")))
        #expect(state.status?.contains("two dimensions") == true)
        _ = DashboardReducer.reduce(&state, .key(.character("f")))
        #expect(state.status?.hasPrefix("Nothing is held fixed") == true)
    }

    @Test func enterOverlaysTheCellsRunsWithItsModelHighlightedInEach() throws {
        var state = Self.showing()
        _ = DashboardReducer.reduce(&state, .key(.down))
        _ = DashboardReducer.reduce(&state, .key(.right))
        let effects = DashboardReducer.reduce(&state, .key(.enter))
        #expect(effects.count == 3)
        #expect(state.overlays.map(\.id) == [4, 5, 6], "labeled 0.05: the trainings of seeds 1, 2 and 3")
        #expect(!state.showingSweep && state.focus == .curves)
        let student = ModelID(role: .student, index: 1, spec: "cnn-s")
        #expect(state.selectedModel == student)
        #expect(state.isSelected(student, overlay: 5) && !state.isSelected(student, overlay: 7))
        #expect(!state.isSelected(ModelID(role: .mentor, index: 1, spec: "cnn-l"), overlay: 5))
        #expect(state.status?.contains("#4, #5, #6") == true)
        _ = DashboardReducer.reduce(&state, .key(.character("w")))
        #expect(state.showingSweep && state.sweep?.row == 1 && state.sweep?.column == 1, "w goes back to the same cell")
    }

    @Test func theSweepViewAt80x24() {
        var state = Self.showing()
        _ = DashboardReducer.reduce(&state, .key(.down))
        let text = DashboardRenderer(glyphs: .unicode).render(state).text
        Snapshot.check(text, named: "sweep-80x24")
        #expect(text.contains("sweep 4 \"labeled fractions\" │ 11/12 trainings done │ 1 training now"))
        #expect(text.contains("80.40±0.20"), "the mentor at 1%: seeds 0.802, 0.804, 0.806")
        #expect(text.contains(" 2/3"), "the cell still training says how many seeds are done")
        #expect(text.contains("1%") && text.contains("20%") && text.contains("(log)"))
    }

    @Test func theSweepViewInASCIIAt80x24() {
        var state = Self.showing()
        _ = DashboardReducer.reduce(&state, .key(.character("m")))
        let text = DashboardRenderer(glyphs: .ascii).render(state).text
        #expect(text.unicodeScalars.allSatisfy { $0.isASCII })
        Snapshot.check(text, named: "sweep-ascii-80x24")
        #expect(text.contains("d baseline (points)"))
        #expect(text.contains("+2.00"), "cnn-s over its baseline: 2 points at every seed")
    }

    /// Row labels shorter than the corner ("model ↓ labeled ▸", 17 characters) cut it
    /// to "model ↓ labele…" when the label column was as wide as the labels alone.
    @Test func theCornerNamingBothAxesIsWholeBesideShortRowLabels() {
        var trainings: [ExperimentConfig] = []
        var outcomes: [Int: SweepResults.Outcome] = [:]
        for (k, labeled) in [0.05, 0.1].enumerated() {
            var config = ExperimentConfig()
            config.labeledFraction = labeled
            config.mentor = "fc8"
            config.students = ["fc4"]
            trainings.append(config)
            func model(_ role: ModelID.Role, _ spec: String) -> ModelResult {
                var result = ModelResult(id: ModelID(role: role, index: 1, spec: spec), parameters: 1,
                                         forwardFLOPsPerSample: 1, status: .finished)
                result.test = Evaluation(loss: 0.5, accuracy: 0.8, agreement: nil)
                return result
            }
            outcomes[k] = SweepResults.Outcome(runID: Int64(k + 1), isRunning: false,
                                               models: [model(.mentor, "fc8"), model(.student, "fc4")])
        }
        var state = Scene.state(width: 80, height: 24)
        _ = DashboardReducer.reduce(&state, .key(.character("w")))
        _ = DashboardReducer.reduce(&state, .sweepRead(id: 1, name: nil, results: SweepResults(trainings: trainings, outcomes: outcomes)))
        #expect(DashboardRenderer(glyphs: .unicode).render(state).text.contains("model ↓ labeled ▸"))
        #expect(DashboardRenderer(glyphs: .ascii).render(state).text.contains("model v labeled >"))
    }
}
