/// A drawing surface of dots, two wide and four high per character cell, shown as
/// braille characters (U+2800 + the dots' bits) or, on an ASCII terminal, as one of
/// a few characters chosen by where the cell's dots sit.
public struct BrailleCanvas: Sendable {
    public let columns: Int
    public let rows: Int
    private var bits: [UInt8]
    private var styles: [CellStyle?]

    public init(columns: Int, rows: Int) {
        self.columns = max(0, columns)
        self.rows = max(0, rows)
        bits = Array(repeating: 0, count: self.columns * self.rows)
        styles = Array(repeating: nil, count: self.columns * self.rows)
    }

    public var dotWidth: Int { columns * 2 }
    public var dotHeight: Int { rows * 4 }

    /// Braille numbers its dots down the left column (1, 2, 3, then 7 at the bottom)
    /// and down the right (4, 5, 6, 8); bit k is dot k+1.
    private static let dotBits: [[UInt8]] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]]

    /// Sets dot (x, y), y counted from the top; the cell takes the style of the last
    /// dot set in it.
    public mutating func set(x: Int, y: Int, style: CellStyle) {
        guard x >= 0, y >= 0, x < dotWidth, y < dotHeight else { return }
        let cell = (y / 4) * columns + x / 2
        bits[cell] |= Self.dotBits[x % 2][y % 4]
        styles[cell] = style
    }

    public func isSet(x: Int, y: Int) -> Bool {
        guard x >= 0, y >= 0, x < dotWidth, y < dotHeight else { return false }
        return bits[(y / 4) * columns + x / 2] & Self.dotBits[x % 2][y % 4] != 0
    }

    /// A straight line of dots (Bresenham); `dotted` keeps every other dot, which tells
    /// a train series from a test series in the same colour.
    public mutating func line(from start: (x: Int, y: Int), to end: (x: Int, y: Int), style: CellStyle, dotted: Bool = false) {
        var x = start.x, y = start.y
        let dx = abs(end.x - x), dy = -abs(end.y - y)
        let sx = x < end.x ? 1 : -1, sy = y < end.y ? 1 : -1
        var error = dx + dy
        var count = 0
        while true {
            if !dotted || count % 2 == 0 { set(x: x, y: y, style: style) }
            count += 1
            if x == end.x && y == end.y { break }
            let doubled = 2 * error
            if doubled >= dy { error += dy; x += sx }
            if doubled <= dx { error += dx; y += sy }
        }
    }

    /// Whether any dot of cell (column, row) is set.
    public func isUsed(column: Int, row: Int) -> Bool {
        guard column >= 0, row >= 0, column < columns, row < rows else { return false }
        return bits[row * columns + column] != 0
    }

    /// The character of cell (column, row), or nil when no dot is set there.
    public func character(column: Int, row: Int, glyphs: GlyphSet) -> Character? {
        let value = bits[row * columns + column]
        guard value != 0 else { return nil }
        if glyphs.isUnicode { return Character(Unicode.Scalar(0x2800 + UInt32(value))!) }
        var occupied: [Int] = []
        for dotRow in 0..<4 where value & (Self.dotBits[0][dotRow] | Self.dotBits[1][dotRow]) != 0 {
            occupied.append(dotRow)
        }
        if occupied.count >= 3 { return "|" }
        let mean = Double(occupied.reduce(0, +)) / Double(occupied.count)
        return mean < 1 ? "'" : mean < 2.5 ? "-" : "."
    }

    /// Copies the set cells into `grid` at (x, y); empty cells keep what is there.
    public func draw(into grid: inout CellGrid, x: Int, y: Int, glyphs: GlyphSet) {
        for row in 0..<rows {
            for column in 0..<columns {
                if let character = character(column: column, row: row, glyphs: glyphs) {
                    grid.put(character, x: x + column, y: y + row, style: styles[row * columns + column] ?? .text)
                }
            }
        }
    }
}
