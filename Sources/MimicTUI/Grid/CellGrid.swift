/// The whole screen as cells: what the renderer produces and the backend copies out.
/// Writes outside the grid are dropped, so widgets can be clipped by their rectangle
/// without each one checking bounds.
public struct CellGrid: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: Cell(), count: self.width * self.height)
    }

    public var bounds: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set {
            guard x >= 0, y >= 0, x < width, y < height else { return }
            cells[y * width + x] = newValue
        }
    }

    public mutating func put(_ character: Character, x: Int, y: Int, style: CellStyle) {
        self[x, y] = Cell(character, style: style)
    }

    /// Writes `text` from (x, y), cut at `limit` (the end of the clip rectangle). Returns
    /// the column after the last character written.
    @discardableResult
    public mutating func write(_ text: String, x: Int, y: Int, style: CellStyle, limit: Int? = nil) -> Int {
        let end = min(limit ?? width, width)
        var column = x
        for character in text {
            guard column < end else { break }
            put(character, x: column, y: y, style: style)
            column += 1
        }
        return column
    }

    public mutating func fill(_ rect: Rect, with character: Character = " ", style: CellStyle = .text) {
        for y in rect.y..<rect.maxY {
            for x in rect.x..<rect.maxX { put(character, x: x, y: y, style: style) }
        }
    }

    /// Restyles the cells of `rect`, keeping their characters (a highlighted row).
    public mutating func restyle(_ rect: Rect, to style: CellStyle) {
        for y in max(0, rect.y)..<min(height, rect.maxY) {
            for x in max(0, rect.x)..<min(width, rect.maxX) { cells[y * width + x].style = style }
        }
    }

    /// The characters only, one line per row, trailing spaces kept: what snapshot tests compare.
    public var text: String {
        (0..<height).map { y in String(cells[(y * width)..<((y + 1) * width)].map(\.character)) }
            .joined(separator: "\n")
    }

    /// One line of `text`, for assertions on a single row.
    public func line(_ y: Int) -> String {
        String(cells[(y * width)..<((y + 1) * width)].map(\.character))
    }
}
