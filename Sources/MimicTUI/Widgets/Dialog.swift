/// A small centred box with a question or a short list, over whatever is below.
enum Dialog {
    static func question(_ text: String, into grid: inout CellGrid, glyphs: GlyphSet) {
        let width = min(grid.width - 4, text.count + 6)
        let box = Rect(x: (grid.width - width) / 2, y: grid.height / 2 - 2, width: width, height: 3)
        let inside = BoxFrame.draw(box, title: "Quit", focused: true, glyphs: glyphs, into: &grid)
        grid.write(text, x: inside.x + 2, y: inside.y, style: .warning, limit: inside.maxX)
    }

    /// A list box of `items` titled `title`, returning nothing: the selection is drawn.
    static func list(_ title: String, items: [String], selected: Int, into grid: inout CellGrid, glyphs: GlyphSet) {
        let width = min(grid.width - 4, (items.map(\.count).max() ?? 0) + 4)
        let height = min(grid.height - 2, items.count + 2)
        let box = Rect(x: (grid.width - width) / 2, y: (grid.height - height) / 2, width: width, height: height)
        let inside = BoxFrame.draw(box, title: title, focused: true, glyphs: glyphs, into: &grid)
        ListView(items: items.map { " " + $0 }, selected: selected).draw(into: &grid, rect: inside, glyphs: glyphs)
    }
}
