/// The runs of the store, newest first: Enter puts a run's curves over the current
/// ones and its models into the comparison. It takes the bottom of the screen while
/// it has the focus.
enum RunsPane {
    /// Widest first to go: the models, last, are cut to fit rather than dropped.
    static let columns: [TableView.Column] = [
        .init(title: "run", rightAligned: false), .init(title: "started", rightAligned: false),
        .init(title: "status", rightAligned: false), .init(title: "best", rightAligned: true),
        .init(title: "data set", rightAligned: false), .init(title: "mentor > students", rightAligned: false),
    ]

    /// `x` marks an overlaid run, `=` the run on screen; best is the best student's test accuracy.
    static func cells(_ run: PastRun, overlaid: Bool, onScreen: Bool) -> [String] {
        let mark = onScreen ? "=" : overlaid ? "x" : " "
        let best = run.bestStudentAccuracy.map { String(format: "%.2f%%", $0 * 100) } ?? "-"
        let models = "\(run.mentor) > " + run.students.joined(separator: ",")
        return ["\(mark) #\(run.id)", run.started, run.status.rawValue, best, run.dataSet, models]
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
        let area = Rect(x: inside.x + 1, y: inside.y, width: inside.width - 2, height: inside.height)
        var rows = state.pastRuns.map {
            cells($0, overlaid: overlaid.contains($0.id), onScreen: $0.id == state.recordedRunID)
        }
        // The room left for the models once the other columns have theirs.
        let others = (0..<columns.count - 1).reduce(0) { sum, column in
            sum + 2 + ([columns[column].title] + rows.map { $0[column] }).map(\.count).max()!
        }
        let modelsWidth = area.width - others
        rows = rows.map { row in
            var row = row
            row[columns.count - 1] = TextWrap.truncate(row[columns.count - 1], width: max(modelsWidth, 8), ellipsis: glyphs.ellipsis)
            return row
        }
        let table = TableView(
            columns: columns,
            rows: rows,
            markers: state.pastRuns.map { overlaid.contains($0.id) ? .key : .text },
            selectedRow: state.focus == .runs ? state.runsRow : nil,
            sortColumn: nil)
        table.draw(into: &grid, rect: area, glyphs: glyphs)
    }
}
