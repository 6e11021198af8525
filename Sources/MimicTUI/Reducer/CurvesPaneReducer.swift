/// The curves pane: which model stands out, and how the chart draws.
enum CurvesPaneReducer {
    static func perform(_ action: DashboardAction, _ state: inout DashboardState) {
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
        case .cycleYRange:
            state.chart.cycleYRange()
            state.status = state.chart.yRange.explanation
        case .smoothMore: state.chart.smoothMore()
        case .smoothLess: state.chart.smoothLess()
        default: break
        }
    }
}
