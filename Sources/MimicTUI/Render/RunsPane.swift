/// The runs of the store, newest first: Enter puts a run's curves over the current
/// ones and its models into the comparison. It takes the bottom of the screen while
/// it has the focus.
enum RunsPane {
    static let columns: [TableView.Column] = [
        .init(title: "run", rightAligned: false), .init(title: "started", rightAligned: false),
        .init(title: "status", rightAligned: false), .init(title: "data set", rightAligned: false),
        .init(title: "mentor", rightAligned: false), .init(title: "students", rightAligned: false),
        .init(title: "best student", rightAligned: false),
    ]

    static func cells(_ run: PastRun, overlaid: Bool, onScreen: Bool) -> [String] {
        let mark = onScreen ? "=" : overlaid ? "x" : " "
        let best = run.bestStudentAccuracy.map { String(format: "%.2f%% ", $0 * 100) + (run.bestStudent ?? "") } ?? "-"
        return ["[\(mark)] #\(run.id)", run.started, run.status.rawValue, run.dataSet, run.mentor,
                run.students.joined(separator: ","), best]
    }

    static func draw(_ state: DashboardState, rect: Rect, glyphs: GlyphSet, into grid: inout CellGrid) {
        let overlaid = Set(state.overlays.map(\.id))
        var title = "5 Runs \(glyphs.middleDot) Enter overlays"
        if !overlaid.isEmpty { title += " \(glyphs.middleDot) \(overlaid.count) overlaid" }
        let inside = BoxFrame.draw(rect, title: glyphs.displayable(title), focused: state.focus == .runs,
                                   glyphs: glyphs, into: &grid)
        guard !state.pastRuns.isEmpty else {
            CurvesPane.drawMessage("No runs are recorded yet. Every run trained here or with 'mimic train' is listed, "
                                   + "newest first; Enter draws a run's curves over the current ones.",
                                   in: inside, glyphs: glyphs, into: &grid)
            return
        }
        let table = TableView(
            columns: columns,
            rows: state.pastRuns.map { cells($0, overlaid: overlaid.contains($0.id), onScreen: $0.id == state.recordedRunID) },
            markers: state.pastRuns.map { overlaid.contains($0.id) ? .key : .text },
            selectedRow: state.focus == .runs ? state.runsRow : nil,
            sortColumn: nil)
        table.draw(into: &grid, rect: Rect(x: inside.x + 1, y: inside.y, width: inside.width - 2, height: inside.height),
                   glyphs: glyphs)
    }
}
