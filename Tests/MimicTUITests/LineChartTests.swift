@testable import MimicTUI
import Testing

/// The pure rules of the y-range.
@Suite struct ChartRangeTests {
    @Test func percentilesInterpolateBetweenRanks() {
        #expect(ChartRange.percentile([5, 1, 4, 2, 3], 0.5) == 3)
        #expect(abs(ChartRange.percentile([1, 2, 3, 4, 5], 0.05)! - 1.2) < 1e-12)
        #expect(abs(ChartRange.percentile([1, 2, 3, 4, 5], 0.95)! - 4.8) < 1e-12)
        #expect(ChartRange.percentile([7], 0.05) == 7)
        #expect(ChartRange.percentile([], 0.5) == nil)
        #expect(ChartRange.percentile([.nan, 1, .infinity, 3], 1) == 3, "non-finite values are left out")
    }

    @Test func theRobustRangeLeavesSpikesOutButKeepsWhatMustBeSeen() throws {
        // Twenty losses near 0.35 and a first-epoch spike of 6.93.
        let losses = (0..<20).map { 0.30 + Double($0) * 0.005 } + [6.93]
        let range = try #require(ChartRange.robust(pooled: losses, kept: []))
        #expect(range.upperBound < 0.5 && range.lowerBound > 0.30)
        let kept = try #require(ChartRange.robust(pooled: losses, kept: [0.2, 0.45]))
        #expect(kept.lowerBound == 0.2 && kept.upperBound == 0.45, "final values are always inside")
        #expect(ChartRange.robust(pooled: [], kept: [0.4]) == 0.4...0.4)
        #expect(ChartRange.robust(pooled: [], kept: []) == nil)
        #expect(ChartRange.full(losses) == 0.30...6.93)
    }

    @Test func theConvergedPartStartsAfterTheFirstEpoch() {
        #expect(ChartRange.convergedStart(epochs: [0.25, 0.5, 0.75, 1, 1.25, 1.5]) == 4)
        #expect(ChartRange.convergedStart(epochs: [0.25, 0.5, 0.75, 1]) == 2, "still in its first epoch: the later half")
        #expect(ChartRange.convergedStart(epochs: []) == 0)
        #expect(ChartRange.endWindow(0, 15) == 10...15)
    }
}

/// Drawing what the range leaves out, and values that are not numbers.
@Suite struct LineChartClippingTests {
    @Test func aSegmentIsCutAtTheEdgesOfTheRange() throws {
        let cut = try #require(LineChart.clip((0, -1e12), (10, 5), x: 0...10, y: 0...10))
        #expect(cut.from.y == 0 && abs(cut.from.x - 10) < 1e-6 && cut.to == (10, 5))
        #expect(LineChart.clip((0, 20), (10, 30), x: 0...10, y: 0...10) == nil, "wholly above")
        #expect(LineChart.clip((0, .nan), (10, 5), x: 0...10, y: 0...10) == nil)
        let inside = try #require(LineChart.clip((1, 2), (3, 4), x: 0...10, y: 0...10))
        #expect(inside.from == (1, 2) && inside.to == (3, 4))
    }

    /// A spike far above a robust range drew a line of dots out to it; a value that is
    /// not a number trapped converting its position to an integer.
    @Test func spikesAndNonNumbersDrawWithinTheFrame() {
        var chart = LineChart(title: "loss")
        chart.scale = .robust
        var spiky: [(x: Double, y: Double)] = [(0, 1e300)]
        for step in 1...40 { spiky.append((Double(step), 0.3 + Double(step % 5) * 0.01)) }
        chart.series = [.init(points: spiky, style: .text, countsFrom: 1),
                        .init(points: [(1, 0.4), (2, .nan), (3, 0.35)], style: .text, keepsLast: true)]
        var grid = CellGrid(width: 40, height: 10)
        chart.draw(into: &grid, rect: Rect(x: 0, y: 0, width: 40, height: 10), glyphs: .unicode)
        let (_, high) = try! #require(chart.yRange())
        #expect(high < 0.4, "the range is the values', not the spike's")
        let dots = grid.text.unicodeScalars.filter { (0x2801...0x28FF).contains($0.value) }.count
        #expect(dots > 40, "the lines are drawn:\n\(grid.text)")
    }

    @Test func marksBeforeAZoomedRangeAreLeftOut() {
        var chart = LineChart(title: "accuracy")
        chart.scale = .end
        chart.series = [.init(points: (0...9).map { (Double($0), 0.5 + Double($0) * 0.04) }, style: .text)]
        chart.marks = [.init(x: 5.5, style: .text), .init(x: 8, style: .text)]
        var grid = CellGrid(width: 40, height: 10)
        chart.draw(into: &grid, rect: Rect(x: 0, y: 0, width: 40, height: 10), glyphs: .ascii)
        let axisRow = grid.text.split(separator: "\n")[8]
        #expect(axisRow.filter { $0 == "^" }.count == 1, "only the mark at 8 is in 6...9, not the one at 5.5:\n\(grid.text)")
        #expect(axisRow.firstIndex(of: "^")! > axisRow.firstIndex(of: "+")!, "right of the axis corner")
    }

    /// A fitted range puts a rising curve's last values in the top right corner, where
    /// the title hid them; the title moves to the bottom corner when that one is freer.
    @Test func theTitleTakesTheRightCornerTheCurvesLeaveFree() {
        func titleRow(rising: Bool) -> Int? {
            var chart = LineChart(title: "accuracy")
            chart.series = [.init(points: (0...9).map { (Double($0), rising ? Double($0) : 9 - Double($0)) }, style: .text)]
            var grid = CellGrid(width: 40, height: 10)
            chart.draw(into: &grid, rect: Rect(x: 0, y: 0, width: 40, height: 10), glyphs: .ascii)
            return grid.text.split(separator: "\n").firstIndex { $0.contains("accuracy") }
        }
        #expect(titleRow(rising: true) == 7, "bottom row of the plot")
        #expect(titleRow(rising: false) == 0)
    }

    @Test func tickLabelsTellNeighboursApartOnANarrowRange() {
        #expect(Formatting.tick(0.8643) == "0.86")
        #expect(Formatting.tick(0.8643, width: 5, step: 0.002) == "0.864")
        #expect(Formatting.tick(0.8643, width: 5, step: 0.0002) == "0.864", "as many decimals as fit")
        #expect(Formatting.tick(12.3456, width: 5, step: 0.002) == "12.35")
        #expect(Formatting.tick(0.5, width: 5, step: 0.05) == "0.5")
    }
}
