/// A vertical list with one selected item, scrolled to keep it in view.
struct ListView {
    var items: [String]
    var selected: Int?

    func draw(into grid: inout CellGrid, rect: Rect, glyphs: GlyphSet) {
        guard rect.height > 0 else { return }
        let first = max(0, min((selected ?? 0) - rect.height + 1, items.count - rect.height))
        for (offset, index) in (first..<min(items.count, first + rect.height)).enumerated() {
            let y = rect.y + offset
            let isSelected = index == selected
            grid.write(glyphs.displayable(items[index]), x: rect.x, y: y, style: isSelected ? .selection : .text,
                       limit: rect.maxX)
            if isSelected { grid.restyle(Rect(x: rect.x, y: y, width: rect.width, height: 1), to: .selection) }
        }
    }
}
