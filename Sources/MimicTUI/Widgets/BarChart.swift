/// Small vertical bars, one per value, scaled to the largest; the top of each bar is
/// drawn in eighths (or ASCII steps) so close counts still differ.
struct BarChart {
    var values: [Int]
    var style: CellStyle = .good

    /// Columns each bar takes, gap included, for `width` cells.
    static func barPitch(count: Int, width: Int) -> Int {
        guard count > 0 else { return 1 }
        return max(1, min(3, width / count))
    }

    func draw(into grid: inout CellGrid, rect: Rect, glyphs: GlyphSet) {
        guard rect.height > 0, !values.isEmpty else { return }
        let top = max(values.max() ?? 1, 1)
        let pitch = Self.barPitch(count: values.count, width: rect.width)
        let steps = glyphs.barSteps.count - 1
        for (index, value) in values.enumerated() {
            let x = rect.x + index * pitch
            guard x < rect.maxX else { break }
            // Heights in sub-steps, at least one for a non-zero count so it never vanishes.
            var units = Int((Double(value) / Double(top) * Double(rect.height * steps)).rounded())
            if value > 0 { units = max(units, 1) }
            for row in 0..<rect.height {
                let fromBottom = row * steps
                let fill = min(max(units - fromBottom, 0), steps)
                let character = glyphs.barSteps[fill]
                for dx in 0..<max(1, pitch - 1) where x + dx < rect.maxX {
                    grid.put(character, x: x + dx, y: rect.maxY - 1 - row, style: style)
                }
            }
        }
    }
}
