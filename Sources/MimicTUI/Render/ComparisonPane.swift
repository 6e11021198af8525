import MimicEngine

/// Every model of the run side by side, sortable by any column; the selected row is
/// the model whose curves stand out.
enum ComparisonPane {
    static func cells(_ row: ComparisonRow, glyphs: GlyphSet) -> [String] {
        func percent(_ value: Double?) -> String { value.map { String(format: "%.2f%%", $0 * 100) } ?? "-" }
        func points(_ value: Double?) -> String { value.map { String(format: "%+.2f", $0 * 100) } ?? "-" }
        return [
            row.label, row.id.spec,
            row.parameters.map(Formatting.count) ?? "-",
            row.trainingTime.map(Formatting.duration) ?? "-",
            percent(row.accuracy),
            row.loss.map { String(format: "%.4f", $0) } ?? "-",
            percent(row.agreement),
            row.parity.map(Formatting.duration) ?? "-",
            points(row.deltaMentor), points(row.deltaBaseline),
            row.status,
        ]
    }

    static func draw(_ state: DashboardState, rect: Rect, glyphs: GlyphSet, into grid: inout CellGrid) {
        let title = "4 Comparison \(glyphs.middleDot) sorted by \(state.sortColumn.title)"
        let inside = BoxFrame.draw(rect, title: glyphs.displayable(title), focused: state.focus == .comparison,
                                   glyphs: glyphs, into: &grid)
        let rows = state.comparisonRows
        guard !rows.isEmpty else {
            CurvesPane.drawMessage("The table fills as a run trains: each model's parameters, training time, test "
                                   + "accuracy and loss, agreement with the mentor and time to reach it.",
                                   in: inside, glyphs: glyphs, into: &grid)
            return
        }
        var columns = ComparisonRow.Column.allCases.map {
            TableView.Column(title: $0.title.replacingOccurrences(of: "Δ", with: glyphs.delta),
                             rightAligned: $0.rawValue >= ComparisonRow.Column.params.rawValue)
        }
        columns.append(TableView.Column(title: "status", rightAligned: false))
        let deltaColumns = [ComparisonRow.Column.deltaMentor.rawValue, ComparisonRow.Column.deltaBaseline.rawValue]
        let table = TableView(
            columns: columns,
            rows: rows.map { cells($0, glyphs: glyphs) },
            // A past run's rows are dim, so the run on screen stays the one that stands out.
            markers: rows.map { $0.runID == nil ? CellStyle.series(for: $0.id) : .dim },
            selectedRow: state.selectedModel.flatMap { id in rows.firstIndex { $0.id == id && $0.runID == state.selectedOverlay } },
            sortColumn: state.sortColumn.rawValue,
            descending: state.sortDescending,
            cellStyles: rows.map { row in
                columns.indices.map { column -> CellStyle? in
                    guard deltaColumns.contains(column) else { return nil }
                    let value = column == deltaColumns[0] ? row.deltaMentor : row.deltaBaseline
                    guard let value else { return nil }
                    return value >= 0 ? .good : .bad
                }
            })
        table.draw(into: &grid, rect: Rect(x: inside.x + 1, y: inside.y, width: inside.width - 2, height: inside.height),
                   glyphs: glyphs)
    }
}
