import MimicSweep

/// The sweep view: one sweep's grid as the store last had it, and how the user looks
/// at it: which dimension runs down and which across (by default models down and the
/// labeled fraction across), which value every other dimension is held at, the metric
/// in the cells and the cell under the cursor.
public struct SweepBoard: Sendable {
    public let sweepID: Int64
    public let name: String?
    public private(set) var results: SweepResults
    public private(set) var rowDimension = SweepResults.modelDimension
    public private(set) var columnDimension: Int
    /// The value held for each dimension that is neither down nor across, as the
    /// place of a combination among them all (`f` steps through them).
    public private(set) var heldCombination = 0
    public var metric: SweepMetric = .testAccuracy
    public private(set) var row = 0
    public private(set) var column = 0

    public init(sweepID: Int64, name: String?, results: SweepResults) {
        self.sweepID = sweepID
        self.name = name
        self.results = results
        let labeled = results.dimensions.firstIndex { $0.name == "labeled" }
        columnDimension = labeled ?? (results.dimensions.count > 1 ? 1 : SweepResults.modelDimension)
    }

    var dimensions: [SweepResults.Dimension] { results.dimensions }
    /// True when the sweep varies nothing but the model: one column, no across axis.
    var hasColumns: Bool { columnDimension != rowDimension }
    public var rowValues: [String] { dimensions[rowDimension].values }
    public var columnValues: [String] { hasColumns ? dimensions[columnDimension].values : ["all"] }

    /// The dimensions held at one value, in order.
    var heldDimensions: [Int] {
        dimensions.indices.filter { $0 != rowDimension && $0 != columnDimension }
    }

    var heldCombinationCount: Int {
        heldDimensions.reduce(1) { $0 * dimensions[$1].values.count }
    }

    /// The value index of each held dimension for the current combination.
    var heldValues: [Int: Int] {
        var rest = heldCombination
        var values: [Int: Int] = [:]
        for dimension in heldDimensions.reversed() {
            let count = dimensions[dimension].values.count
            values[dimension] = rest % count
            rest /= count
        }
        return values
    }

    /// "loss kd, temperature 4": what the held dimensions are held at.
    public var heldDescription: String? {
        let values = heldValues
        let parts = heldDimensions.map { "\(dimensions[$0].name) \(dimensions[$0].values[values[$0]!])" }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }

    /// The full coordinate of the cell at (`row`, `column`) of the view.
    func coordinate(row: Int, column: Int) -> [Int] {
        var coordinate = Array(repeating: 0, count: dimensions.count)
        for (dimension, value) in heldValues { coordinate[dimension] = value }
        coordinate[rowDimension] = row
        if hasColumns { coordinate[columnDimension] = column }
        return coordinate
    }

    public func cell(row: Int, column: Int, metric: SweepMetric? = nil) -> SweepCell {
        results.cell(coordinate(row: row, column: column), metric: metric ?? self.metric)
    }

    public var selectedCell: SweepCell { cell(row: row, column: column) }

    /// New figures from the store; the view stays as the user set it.
    mutating func update(_ results: SweepResults) {
        guard results.dimensions == self.results.dimensions else {
            self = SweepBoard(sweepID: sweepID, name: name, results: results)
            return
        }
        self.results = results
    }

    mutating func move(rows: Int = 0, columns: Int = 0) {
        row = max(0, min(rowValues.count - 1, row + rows))
        column = max(0, min(columnValues.count - 1, column + columns))
    }

    /// The next dimension across (`x`), skipping the one down; the held values start
    /// over. With two dimensions, the two trade places.
    mutating func nextColumnDimension() {
        guard dimensions.count > 1 else { return }
        if dimensions.count == 2 {
            swap(&rowDimension, &columnDimension)
            swap(&row, &column)
            return
        }
        repeat { columnDimension = (columnDimension + 1) % dimensions.count } while columnDimension == rowDimension
        heldCombination = 0
        move()
    }

    /// The next dimension down (`y`), skipping the one across.
    mutating func nextRowDimension() {
        guard dimensions.count > 1 else { return }
        repeat { rowDimension = (rowDimension + 1) % dimensions.count } while rowDimension == columnDimension
        heldCombination = 0
        move()
    }

    /// The next combination of held values (`f`); false when nothing is held.
    mutating func nextHeldCombination() -> Bool {
        guard heldCombinationCount > 1 else { return false }
        heldCombination = (heldCombination + 1) % heldCombinationCount
        return true
    }
}
