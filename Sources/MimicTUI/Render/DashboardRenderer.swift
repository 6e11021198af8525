import MimicEngine

/// state -> grid of cells. Pure, so every screen is a value a test can read as text.
public struct DashboardRenderer: Sendable {
    public let glyphs: GlyphSet

    public init(glyphs: GlyphSet) { self.glyphs = glyphs }

    public func render(_ state: DashboardState) -> CellGrid {
        var grid = CellGrid(width: state.width, height: state.height)
        guard DashboardLayout.fits(width: state.width, height: state.height) else {
            drawTooSmall(state, into: &grid)
            return grid
        }
        if state.showingSweep, let board = state.sweep {
            drawSweepView(state, board: board, into: &grid)
            return grid
        }
        let layout = Self.layout(state)
        HeaderLine.draw(state, rect: layout.header, glyphs: glyphs, into: &grid)
        CurvesPane.draw(state, rect: layout.curves, glyphs: glyphs, into: &grid)
        ArchitecturesPane.draw(state, rect: layout.architectures, glyphs: glyphs, into: &grid)
        SplitPane.draw(state, rect: layout.split, glyphs: glyphs, into: &grid)
        if state.focus == .runs {
            RunsPane.draw(state, rect: layout.comparison, glyphs: glyphs, into: &grid)
        } else {
            ComparisonPane.draw(state, rect: layout.comparison, glyphs: glyphs, into: &grid)
        }
        FooterLine.draw(state, rect: layout.footer, glyphs: glyphs, into: &grid)
        drawDialogs(state, into: &grid)
        return grid
    }

    /// Where the panes go for `state`: its size, and the rows its lists need.
    static func layout(_ state: DashboardState) -> DashboardLayout {
        let planned = state.run?.plan?.models.count ?? (1 + state.studentCount * (state.next.baselines ? 2 : 1))
        let tableRows = planned + state.loadedOverlays.reduce(0) { $0 + ($1.run.plan?.models.count ?? 0) }
        return DashboardLayout(width: state.width, height: state.height, tableRows: tableRows,
                               architectureRows: state.architectureRowCount,
                               runRows: state.focus == .runs ? state.pastRuns.count : nil)
    }

    /// The sweep view takes the screen between the header and the footer: the grid
    /// gets the rows it needs, up to half, and the chart the rest.
    func drawSweepView(_ state: DashboardState, board: SweepBoard, into grid: inout CellGrid) {
        let screen = Rect(x: 0, y: 0, width: state.width, height: state.height)
        let (header, belowHeader) = screen.splitTop(1)
        let (body, footer) = belowHeader.splitTop(belowHeader.height - 1)
        let (gridRect, chartRect) = body.splitTop(min(SweepGridPane.height(board), body.height / 2))
        HeaderLine.draw(state, rect: header, glyphs: glyphs, into: &grid)
        SweepGridPane.draw(board, rect: gridRect, glyphs: glyphs, into: &grid)
        SweepChartPane.draw(board, rect: chartRect, glyphs: glyphs, into: &grid)
        FooterLine.draw(state, rect: footer, glyphs: glyphs, into: &grid)
        drawDialogs(state, into: &grid)
    }

    func drawDialogs(_ state: DashboardState, into grid: inout CellGrid) {
        if let picker = state.picker {
            let items = ArchitectureSpec.presets.map { preset in
                TextWrap.padRight(preset.name, 11)
                    // The deep ResNets' specs run to hundreds of characters: their start says enough.
                    + (preset.spec.isEmpty ? "softmax regression" : TextWrap.truncate(preset.spec, width: 48, ellipsis: glyphs.ellipsis))
            }
            Dialog.list("Presets", items: items, selected: picker.index, into: &grid, glyphs: glyphs)
        }
        switch state.dialog {
        case .help(let scroll)?: HelpDialog(scroll: scroll, keys: state.mode.keyTable).draw(into: &grid, glyphs: glyphs)
        case .confirmQuit?: Dialog.question("Stop training and quit? y/n", into: &grid, glyphs: glyphs)
        case nil: break
        }
    }

    /// Below the minimum nothing is laid out, but the message says what is needed and
    /// q still quits (keys go through the reducer as usual).
    func drawTooSmall(_ state: DashboardState, into grid: inout CellGrid) {
        let lines = [
            "terminal too small (need \(DashboardLayout.minimumWidth)x\(DashboardLayout.minimumHeight))",
            "now \(state.width)x\(state.height); q quits",
        ]
        let top = max(0, (state.height - lines.count) / 2)
        for (n, line) in lines.enumerated() {
            let text = TextWrap.truncate(line, width: state.width, ellipsis: glyphs.ellipsis)
            grid.write(text, x: max(0, (state.width - text.count) / 2), y: top + n, style: n == 0 ? .warning : .dim)
        }
    }
}
