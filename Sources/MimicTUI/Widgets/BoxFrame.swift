/// A pane's border with its title; the focused pane's border takes the focus colour,
/// so focus shows even without colour (the title turns into [brackets] then).
enum BoxFrame {
    /// Draws the frame and returns the inside.
    @discardableResult
    static func draw(_ rect: Rect, title: String, focused: Bool, glyphs: GlyphSet, into grid: inout CellGrid) -> Rect {
        guard rect.width >= 2, rect.height >= 2 else { return Rect(x: rect.x, y: rect.y, width: 0, height: 0) }
        let style: CellStyle = focused ? .focus : .border
        grid.fill(rect)
        for x in rect.x..<rect.maxX {
            grid.put(glyphs.horizontal, x: x, y: rect.y, style: style)
            grid.put(glyphs.horizontal, x: x, y: rect.maxY - 1, style: style)
        }
        for y in rect.y..<rect.maxY {
            grid.put(glyphs.vertical, x: rect.x, y: y, style: style)
            grid.put(glyphs.vertical, x: rect.maxX - 1, y: y, style: style)
        }
        grid.put(glyphs.topLeft, x: rect.x, y: rect.y, style: style)
        grid.put(glyphs.topRight, x: rect.maxX - 1, y: rect.y, style: style)
        grid.put(glyphs.bottomLeft, x: rect.x, y: rect.maxY - 1, style: style)
        grid.put(glyphs.bottomRight, x: rect.maxX - 1, y: rect.maxY - 1, style: style)
        let decorated = focused ? "[\(title)]" : " \(title) "
        grid.write(glyphs.displayable(decorated), x: rect.x + 1, y: rect.y, style: focused ? .focus : .title,
                   limit: rect.maxX - 1)
        return rect.inset(by: 1)
    }
}
