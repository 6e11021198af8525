/// A table with a header, right-aligned number columns, a selected row and a sort
/// marker. Columns that do not fit are left out from the right, except that the
/// sorted column is always brought into view.
struct TableView {
    struct Column {
        var title: String
        var rightAligned: Bool
    }

    var columns: [Column]
    var rows: [[String]]
    /// The style of each row's first cell (a model's series colour).
    var markers: [CellStyle]
    var selectedRow: Int?
    var sortColumn: Int?
    var descending = false
    /// A cell's own style where it differs from its row's (a good or bad delta).
    var cellStyles: [[CellStyle?]] = []

    func draw(into grid: inout CellGrid, rect: Rect, glyphs: GlyphSet) {
        guard rect.width > 0, rect.height > 0 else { return }
        let sortMark = descending ? glyphs.descending : glyphs.ascending
        let titles = columns.enumerated().map { index, column in
            glyphs.displayable(column.title) + (index == sortColumn ? String(sortMark) : "")
        }
        let widths = columns.indices.map { column in
            ([titles[column]] + rows.map { $0[column] }).map(\.count).max() ?? 0
        }
        let visible = visibleColumns(widths: widths, width: rect.width)

        func drawRow(_ cells: [String], y: Int, style: CellStyle, marker: CellStyle?, own: [CellStyle?] = []) {
            var x = rect.x
            for (n, column) in visible.enumerated() {
                if n > 0 { x += 2 }
                let text = glyphs.displayable(cells[column])
                let padded = columns[column].rightAligned ? TextWrap.padLeft(text, widths[column])
                                                          : TextWrap.padRight(text, widths[column])
                let cellStyle = (n == 0 ? marker : nil) ?? (column < own.count ? own[column] : nil) ?? style
                x = grid.write(padded, x: x, y: y, style: cellStyle, limit: rect.maxX)
            }
        }
        drawRow(titles, y: rect.y, style: .header, marker: nil)
        if let sortColumn, let n = visible.firstIndex(of: sortColumn) {
            let start = rect.x + visible[..<n].reduce(0) { $0 + widths[$1] + 2 }
            grid.restyle(Rect(x: start, y: rect.y, width: widths[sortColumn], height: 1), to: .key)
        }
        let bodyRows = rect.height - 1
        guard bodyRows > 0 else { return }
        // Scroll so the selected row stays in view.
        let first = max(0, min((selectedRow ?? 0) - bodyRows + 1, rows.count - bodyRows))
        for (offset, index) in (first..<min(rows.count, first + bodyRows)).enumerated() {
            let y = rect.y + 1 + offset
            let selected = index == selectedRow
            drawRow(rows[index], y: y, style: selected ? .selection : .text, marker: selected ? nil : markers[index],
                    own: index < cellStyles.count ? cellStyles[index] : [])
            if selected { grid.restyle(Rect(x: rect.x, y: y, width: rect.width, height: 1), to: .selection) }
        }
    }

    /// Column 0 always, then as many as fit starting far enough right that the sorted
    /// column is among them.
    func visibleColumns(widths: [Int], width: Int) -> [Int] {
        func fitting(from start: Int) -> [Int] {
            var chosen = [0]
            var used = widths[0]
            for column in max(start, 1)..<max(widths.count, 1) where column < widths.count {
                guard used + 2 + widths[column] <= width else { break }
                chosen.append(column)
                used += 2 + widths[column]
            }
            return chosen
        }
        var start = 1
        var chosen = fitting(from: start)
        if let sortColumn {
            while !chosen.contains(sortColumn) && start < widths.count {
                start += 1
                chosen = fitting(from: start)
            }
        }
        return chosen
    }
}
