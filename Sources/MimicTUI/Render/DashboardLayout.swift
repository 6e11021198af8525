/// Where each part of the screen goes for a terminal size. The curves take what is
/// left after the panes that hold lists get the rows their lists need.
public struct DashboardLayout: Equatable, Sendable {
    public static let minimumWidth = 80
    public static let minimumHeight = 24

    public let header: Rect
    public let footer: Rect
    public let curves: Rect
    public let architectures: Rect
    public let split: Rect
    public let comparison: Rect

    public static func fits(width: Int, height: Int) -> Bool {
        width >= minimumWidth && height >= minimumHeight
    }

    /// `tableRows` is the number of models in the comparison; `architectureRows` the
    /// rows of the architectures list. `runRows`, the number of recorded runs, is
    /// given while the runs pane has the bottom area: a list of runs earns up to half
    /// the screen, since picking among them is all one does there.
    public init(width: Int, height: Int, tableRows: Int, architectureRows: Int, runRows: Int? = nil) {
        let screen = Rect(x: 0, y: 0, width: width, height: height)
        let (header, belowHeader) = screen.splitTop(1)
        let (body, footer) = belowHeader.splitTop(belowHeader.height - 1)
        let tableHeight = runRows.map { min(max($0 + 3, 5), body.height / 2) } ?? min(max(tableRows + 3, 5), body.height / 3)
        let (top, comparison) = body.splitTop(body.height - tableHeight)
        let rightWidth = min(max(width * 2 / 5, 34), 56)
        let (curves, right) = top.splitLeft(width - rightWidth)
        // The split pane needs eight rows for its fields and a bar chart; the list of
        // architectures takes what it needs of the rest.
        let architecturesHeight = max(6, min(architectureRows + 3, right.height - 8))
        let (architectures, split) = right.splitTop(architecturesHeight)
        self.header = header
        self.footer = footer
        self.curves = curves
        self.architectures = architectures
        self.split = split
        self.comparison = comparison
    }
}
