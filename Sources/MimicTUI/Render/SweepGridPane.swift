import MimicEngine
import MimicSweep

/// The sweep's grid: one dimension down, one across, each cell the mean ± sd over the
/// seeds of the chosen metric, coloured by how good it is, with the seeds still to
/// come ("2/3"). The row labels take their model's colour, so they are the chart's
/// legend too.
enum SweepGridPane {
    static func title(_ board: SweepBoard, glyphs: GlyphSet) -> String {
        var parts = ["Sweep \(board.sweepID)" + (board.name.map { " \"\($0)\"" } ?? ""), metricTitle(board.metric, glyphs: glyphs)]
        if let held = board.heldDescription { parts.append(held) }
        return glyphs.displayable(parts.joined(separator: " \(glyphs.middleDot) "))
    }

    static func metricTitle(_ metric: SweepMetric, glyphs: GlyphSet) -> String {
        let name = metric.rawValue.replacingOccurrences(of: "Δ", with: glyphs.delta)
        switch metric {
        case .testAccuracy: return name + " %"
        case .deltaBaseline, .deltaMentor: return name + " (points)"
        case .testLoss, .trainingTime: return name
        }
    }

    /// Rows the pane needs: its frame, the column titles, and one per row value.
    static func height(_ board: SweepBoard) -> Int { board.rowValues.count + 3 }

    static func draw(_ board: SweepBoard, rect: Rect, glyphs: GlyphSet, into grid: inout CellGrid) {
        let inside = BoxFrame.draw(rect, title: title(board, glyphs: glyphs), focused: true, glyphs: glyphs, into: &grid)
        guard inside.height >= 2, inside.width > 10 else { return }
        let rows = board.rowValues
        let percent = board.hasColumns && board.dimensions[board.columnDimension].name == "labeled"
        let columns = board.columnValues.map { SweepChartPane.label($0, asPercent: percent) }
        let texts = rows.indices.map { row in columns.indices.map { column in cellText(board.cell(row: row, column: column), board.metric, glyphs) } }
        let corner = board.hasColumns
            ? "\(board.dimensions[board.rowDimension].name) \(glyphs.isUnicode ? "↓" : "v") \(board.dimensions[board.columnDimension].name) \(glyphs.rightArrow)"
            : board.dimensions[board.rowDimension].name
        let cellWidth = max(columns.map(\.count).max() ?? 0, texts.joined().map(\.count).max() ?? 0) + 1
        let rowLabelWidth = min(max(rows.map(\.count).max() ?? 0, board.dimensions[board.rowDimension].name.count) + 1, inside.width / 3)
        // Wider, for the whole corner that names both axes, only with room to spare
        // once every column fits: a column is worth more than the corner's last letters.
        let spare = max(0, inside.width - 1 - rowLabelWidth - columns.count * cellWidth)
        let labelWidth = min(max(rowLabelWidth, corner.count + 1), rowLabelWidth + spare)
        // Columns scroll so the cursor's stays in view.
        let fitting = max(1, (inside.width - labelWidth - 1) / cellWidth)
        let firstColumn = max(0, min(board.column - fitting + 1, columns.count - fitting))
        let visibleColumns = firstColumn..<min(columns.count, firstColumn + fitting)
        let fittingRows = inside.height - 1
        let firstRow = max(0, min(board.row - fittingRows + 1, rows.count - fittingRows))

        let x0 = inside.x + 1
        grid.write(glyphs.displayable(TextWrap.truncate(corner, width: labelWidth, ellipsis: glyphs.ellipsis)),
                   x: x0, y: inside.y, style: .dim, limit: inside.maxX)
        for (n, column) in visibleColumns.enumerated() {
            let text = TextWrap.padLeft(TextWrap.truncate(columns[column], width: cellWidth - 1, ellipsis: glyphs.ellipsis), cellWidth - 1)
            grid.write(glyphs.displayable(text), x: x0 + labelWidth + n * cellWidth, y: inside.y,
                       style: column == board.column ? .key : .header, limit: inside.maxX)
        }
        let ranks = ValueRanks(board: board, visibleRows: Array(rows.indices), columns: Array(columns.indices))
        for (offset, row) in (firstRow..<min(rows.count, firstRow + fittingRows)).enumerated() {
            let y = inside.y + 1 + offset
            let label = TextWrap.truncate(rows[row], width: labelWidth - 1, ellipsis: glyphs.ellipsis)
            grid.write(glyphs.displayable(label), x: x0, y: y, style: SweepChartPane.style(board, row: row), limit: inside.maxX)
            for (n, column) in visibleColumns.enumerated() {
                let cell = board.cell(row: row, column: column)
                let text = TextWrap.padLeft(texts[row][column], cellWidth - 1)
                let x = x0 + labelWidth + n * cellWidth
                let selected = row == board.row && column == board.column
                grid.write(glyphs.displayable(text), x: x, y: y,
                           style: selected ? .selection : style(of: cell, metric: board.metric, ranks: ranks), limit: inside.maxX)
            }
        }
    }

    /// "89.40±0.12", with the seeds still to come ("89.40 2/3"); "training" or "-"
    /// before any seed is done, blank where the sweep has no such combination.
    static func cellText(_ cell: SweepCell, _ metric: SweepMetric, _ glyphs: GlyphSet) -> String {
        guard cell.planned > 0 else { return "" }
        let progress = cell.done < cell.planned ? " \(cell.done)/\(cell.planned)" : ""
        if let value = metric.format(cell.statistic, plusMinus: glyphs.plusMinus) { return value + progress }
        if cell.done > 0 { return String(glyphs.middleDot) + progress }  // Δ mentor of a mentor, Δ baseline of a baseline
        return (cell.running > 0 ? "training" : "-") + progress
    }

    /// Good, middling or bad. A difference is judged against zero with its spread
    /// (the claims' test: mean - sd above zero); Δ mentor against the 0.3 points a
    /// student may lose and still match its mentor. Other metrics are ranked against
    /// the cells on screen: top third good, bottom third bad.
    static func style(of cell: SweepCell, metric: SweepMetric, ranks: ValueRanks) -> CellStyle {
        guard let mean = cell.statistic.mean else { return .dim }
        let sd = cell.statistic.standardDeviation ?? 0
        switch metric {
        case .deltaBaseline:
            return mean - sd > 0 ? .good : mean + sd < 0 ? .bad : .warning
        case .deltaMentor:
            return mean >= -0.003 ? .good : mean >= -0.01 ? .warning : .bad
        case .testAccuracy, .testLoss, .trainingTime:
            return ranks.style(of: mean, higherIsBetter: metric.higherIsBetter)
        }
    }

    /// Where a mean stands among the means on screen.
    struct ValueRanks {
        let sorted: [Double]

        init(board: SweepBoard, visibleRows: [Int], columns: [Int]) {
            sorted = visibleRows.flatMap { row in columns.compactMap { board.cell(row: row, column: $0).statistic.mean } }.sorted()
        }

        func style(of value: Double, higherIsBetter: Bool) -> CellStyle {
            guard sorted.count >= 3 else { return .text }
            let below = Double(sorted.filter { $0 < value }.count) / Double(sorted.count - 1)
            let standing = higherIsBetter ? below : 1 - below
            return standing >= 2.0 / 3 ? .good : standing <= 1.0 / 3 ? .bad : .text
        }
    }
}
