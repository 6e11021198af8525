/// The one-line editor on screen: prompt, text with its cursor, the offending part
/// underlined in the bad colour, and the error wrapped on the lines below.
struct LineEditorView {
    var editor: FieldEditor

    /// Draws the field on `rect`'s first row and the error on the rows after it.
    func draw(into grid: inout CellGrid, rect: Rect, glyphs: GlyphSet) {
        guard rect.height > 0, rect.width > 0 else { return }
        grid.fill(rect.row(0), style: .selection)
        let prompt = editor.target.prompt
        let start = grid.write(prompt, x: rect.x, y: rect.y, style: .selection, limit: rect.maxX)
        let room = rect.maxX - start - 1
        guard room > 0 else { return }
        let text = Array(editor.line.text)
        // Scroll so the cursor stays inside the field.
        let offset = max(0, editor.line.cursor - room)
        for (column, index) in (offset..<min(text.count, offset + room)).enumerated() {
            let bad = editor.errorRange?.contains(index) ?? false
            grid.put(text[index].isASCII || glyphs.isUnicode ? text[index] : "?", x: start + column, y: rect.y,
                     style: bad ? .bad : .selection)
        }
        let cursorX = start + editor.line.cursor - offset
        let under = editor.line.cursor < text.count ? text[editor.line.cursor] : " "
        grid.put(under, x: cursorX, y: rect.y, style: .cursor)
        guard let error = editor.error, rect.height > 1 else { return }
        let lines = TextWrap.lines(glyphs.displayable(error), width: rect.width)
        for (n, line) in lines.prefix(rect.height - 1).enumerated() {
            grid.fill(rect.row(n + 1))
            grid.write(line, x: rect.x, y: rect.y + 1 + n, style: .bad, limit: rect.maxX)
        }
    }
}
