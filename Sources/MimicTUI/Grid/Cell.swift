/// One character cell of the screen.
public struct Cell: Equatable, Sendable {
    public var character: Character
    public var style: CellStyle

    public init(_ character: Character = " ", style: CellStyle = .text) {
        self.character = character
        self.style = style
    }
}
