/// Every key, by scope, in a box over the screen; built from the key table only, so
/// it cannot list a key that does nothing or miss one that does something.
struct HelpDialog {
    var scroll: Int
    /// The table of the dashboard's mode: watching a run (`mimic watch`) has keys of its own.
    var keys: KeyTable = .local

    static func lines(unicode: Bool, keys: KeyTable = .local) -> [(label: String, summary: String, isHeading: Bool)] {
        var lines: [(String, String, Bool)] = []
        for scope in keys.scopes {
            if !lines.isEmpty { lines.append(("", "", false)) }
            lines.append((scope.title, "", true))
            for binding in keys.bindings(for: scope) {
                lines.append((binding.label(unicode: unicode), binding.summary, false))
            }
            for note in keys.notes(for: scope) {
                lines.append((note.label, note.summary, false))
            }
        }
        return lines
    }

    func draw(into grid: inout CellGrid, glyphs: GlyphSet) {
        let lines = Self.lines(unicode: glyphs.isUnicode, keys: keys)
        // Headings stand on lines of their own: only keys' labels make the column.
        let labelWidth = min(14, lines.filter { !$0.isHeading }.map(\.label.count).max() ?? 0)
        let width = min(grid.width - 4, 64)
        let height = min(grid.height - 2, lines.count + 2)
        let box = Rect(x: (grid.width - width) / 2, y: (grid.height - height) / 2, width: width, height: height)
        let inside = BoxFrame.draw(box, title: "Keys (Esc closes)", focused: true, glyphs: glyphs, into: &grid)
        let first = min(scroll, max(0, lines.count - inside.height))
        for (row, line) in lines.dropFirst(first).prefix(inside.height).enumerated() {
            let y = inside.y + row
            if line.isHeading {
                grid.write(glyphs.displayable(line.label), x: inside.x + 1, y: y, style: .title, limit: inside.maxX)
                continue
            }
            grid.write(TextWrap.padRight(glyphs.displayable(line.label), labelWidth), x: inside.x + 2, y: y,
                       style: .key, limit: inside.maxX)
            grid.write(glyphs.displayable(line.summary), x: inside.x + 3 + labelWidth, y: y, style: .text,
                       limit: inside.maxX)
        }
    }
}
