import MimicTUI
import Testing

@Suite struct BrailleCanvasTests {
    func text(_ canvas: BrailleCanvas, _ glyphs: GlyphSet = .unicode) -> String {
        var grid = CellGrid(width: canvas.columns, height: canvas.rows)
        canvas.draw(into: &grid, x: 0, y: 0, glyphs: glyphs)
        return grid.text
    }

    @Test func eachDotHasItsBrailleBit() {
        // Dots 1,2,3,7 down the left column, 4,5,6,8 down the right: bits 0-7.
        let expected: [(x: Int, y: Int, character: Character)] = [
            (0, 0, "⠁"), (0, 1, "⠂"), (0, 2, "⠄"), (0, 3, "⡀"),
            (1, 0, "⠈"), (1, 1, "⠐"), (1, 2, "⠠"), (1, 3, "⢀"),
        ]
        for dot in expected {
            var canvas = BrailleCanvas(columns: 1, rows: 1)
            canvas.set(x: dot.x, y: dot.y, style: .mentor)
            #expect(text(canvas) == String(dot.character), "dot (\(dot.x), \(dot.y))")
        }
        var full = BrailleCanvas(columns: 1, rows: 1)
        for x in 0..<2 { for y in 0..<4 { full.set(x: x, y: y, style: .mentor) } }
        #expect(text(full) == "⣿")
    }

    @Test func steepLineByHand() {
        // Bresenham from (0,0) to (3,7) sets (0,0) (0,1) (1,2) (1,3) in the first cell
        // and (2,4) (2,5) (3,6) (3,7) in the cell diagonally below: dots 1, 2, 6, 8
        // in each, 0x01 + 0x02 + 0x20 + 0x80 = 0xA3, U+28A3.
        var canvas = BrailleCanvas(columns: 2, rows: 2)
        canvas.line(from: (0, 0), to: (3, 7), style: .student1)
        #expect(text(canvas) == "⢣ \n ⢣")
    }

    @Test func horizontalLineFillsTopRows() {
        var canvas = BrailleCanvas(columns: 3, rows: 1)
        canvas.line(from: (0, 0), to: (5, 0), style: .mentor)
        #expect(text(canvas) == "⠉⠉⠉")
        var dotted = BrailleCanvas(columns: 3, rows: 1)
        dotted.line(from: (0, 3), to: (5, 3), style: .mentor, dotted: true)
        // Every other dot of the bottom row: x = 0, 2, 4, each the left one of its cell.
        #expect(text(dotted) == "⡀⡀⡀")
    }

    @Test func dotsOutsideAreIgnored() {
        var canvas = BrailleCanvas(columns: 1, rows: 1)
        canvas.set(x: -1, y: 0, style: .mentor)
        canvas.set(x: 2, y: 4, style: .mentor)
        #expect(text(canvas) == " ")
        #expect(!canvas.isSet(x: 2, y: 4))
    }

    @Test func asciiFallbackPlacesMarksByHeight() {
        var top = BrailleCanvas(columns: 4, rows: 1)
        top.set(x: 0, y: 0, style: .mentor)
        top.set(x: 2, y: 1, style: .mentor)
        top.set(x: 2, y: 2, style: .mentor)
        top.set(x: 4, y: 3, style: .mentor)
        for y in 0..<4 { top.set(x: 6, y: y, style: .mentor) }
        #expect(text(top, .ascii) == "'-.|")
    }
}
