import Foundation

/// A line chart drawn with a braille canvas: series as lines, horizontal reference
/// lines, marks on the x-axis, tick labels on both axes.
struct LineChart {
    struct Series {
        var points: [(x: Double, y: Double)]
        var style: CellStyle
        var dotted = false
        /// The first point the robust y-range pools: a train series' points after its
        /// first epoch (`ChartRange.convergedStart`).
        var countsFrom = 0
        /// Whether the last point must stay inside the y-range whatever the range: a
        /// test curve's final value is what the chart is for.
        var keepsLast = false
    }

    struct Reference {
        var y: Double
        var style: CellStyle
    }

    struct Mark {
        var x: Double
        var style: CellStyle
    }

    /// A vertical bar from `low` to `high` at `x`: the spread of the values a point
    /// of a series is the mean of.
    struct Spread {
        var x: Double
        var low: Double
        var high: Double
        var style: CellStyle
    }

    /// A labelled place on the x-axis, for axes whose values are few and named.
    struct Tick {
        var x: Double
        var label: String
    }

    enum XLabels {
        case plain, count, duration
    }

    var title: String
    var series: [Series] = []
    var references: [Reference] = []
    var marks: [Mark] = []
    var spreads: [Spread] = []
    /// When given, the x-axis is labelled at these places only, and spans them.
    var xTicks: [Tick]?
    var logY = false
    /// An x the axis reaches at least: the end of the last epoch, for series of points
    /// taken within epochs.
    var xReach: Double?
    /// Which values set the y-range (and, for `.end`, the x-range); `.full` spans all.
    var scale: ChartSettings.YRange = .full
    /// Accuracy-like values live in [0, 1]; the range is clamped there.
    var unitInterval = false
    var xLabels: XLabels = .plain
    static let axisWidth = 6

    private func transformed(_ y: Double) -> Double {
        logY ? log10(max(y, 1e-6)) : y
    }

    /// Every value drawn, as plotted (log10 on a log scale).
    private var allValues: [Double] {
        series.flatMap { $0.points.map { transformed($0.y) } } + references.map { transformed($0.y) }
            + spreads.flatMap { [transformed($0.low), transformed($0.high)] }
    }

    /// The y range `scale` chooses (`ChartRange`), in plotted units, padded so lines do
    /// not sit on the frame.
    func yRange() -> (Double, Double)? {
        let all = allValues
        var extent = ChartRange.full(all)
        if scale != .full {
            let window = scale == .end ? xRange().map { $0.0...$0.1 } : nil
            var pooled = spreads.flatMap { [transformed($0.low), transformed($0.high)] }
            var kept = references.map { transformed($0.y) }
            for line in series {
                let counted = line.points.dropFirst(line.countsFrom).filter { window?.contains($0.x) ?? true }
                pooled += counted.map { transformed($0.y) }
                if line.keepsLast, let last = line.points.last, window?.contains(last.x) ?? true {
                    kept.append(transformed(last.y))
                }
            }
            extent = ChartRange.robust(pooled: pooled, kept: kept) ?? extent
        }
        guard var low = extent?.lowerBound, var high = extent?.upperBound else { return nil }
        if high - low < 1e-9 {
            let pad = logY ? 0.5 : max(abs(high) * 0.1, 0.01)
            low -= pad
            high += pad
        } else {
            let pad = (high - low) * 0.05
            low -= pad
            high += pad
        }
        if unitInterval { low = max(0, low); high = min(1, high) }
        if !logY && !unitInterval && low < 0 && all.allSatisfy({ !$0.isFinite || $0 >= 0 }) { low = 0 }
        return (low, high)
    }

    /// The x range: every x, or for `.end` the last third of it.
    func xRange() -> (Double, Double)? {
        if let xTicks, let low = xTicks.map(\.x).min(), let high = xTicks.map(\.x).max() {
            // Half a step of room each side, so the first and last points are off the frame.
            let pad = high > low ? (high - low) * 0.04 : 1
            return (low - pad, high + pad)
        }
        let values = (series.flatMap { $0.points.map(\.x) } + marks.map(\.x) + [xReach].compactMap { $0 }).filter(\.isFinite)
        guard let high = values.max() else { return nil }
        let low = min(0, values.min() ?? 0)
        guard high > low else { return (low, low + 1) }
        if scale == .end {
            let window = ChartRange.endWindow(low, high)
            return (window.lowerBound, window.upperBound)
        }
        return (low, high)
    }

    /// The part of the segment from `a` to `b` inside `low...high` on both axes
    /// (Liang-Barsky), or nil when none is: a range that leaves spikes out must not
    /// draw them, nor walk a line of dots out to a value a million rows away.
    static func clip(_ a: (x: Double, y: Double), _ b: (x: Double, y: Double),
                     x xBounds: ClosedRange<Double>, y yBounds: ClosedRange<Double>)
        -> (from: (x: Double, y: Double), to: (x: Double, y: Double))? {
        guard a.x.isFinite, a.y.isFinite, b.x.isFinite, b.y.isFinite else { return nil }
        let dx = b.x - a.x, dy = b.y - a.y
        var enter = 0.0, leave = 1.0
        for (p, q) in [(-dx, a.x - xBounds.lowerBound), (dx, xBounds.upperBound - a.x),
                       (-dy, a.y - yBounds.lowerBound), (dy, yBounds.upperBound - a.y)] {
            if p == 0 {
                if q < 0 { return nil }
                continue
            }
            let t = q / p
            if p < 0 { enter = max(enter, t) } else { leave = min(leave, t) }
            if enter > leave { return nil }
        }
        return ((a.x + enter * dx, a.y + enter * dy), (a.x + leave * dx, a.y + leave * dy))
    }

    /// The row of the plot for a title `width` wide at the right: the top, or the bottom
    /// when fewer cells there have dots.
    static func titleRow(_ canvas: BrailleCanvas, width: Int) -> Int {
        func used(_ row: Int) -> Int {
            (max(0, canvas.columns - width)..<canvas.columns).filter { canvas.isUsed(column: $0, row: row) }.count
        }
        let bottom = canvas.rows - 1
        return bottom > 0 && used(bottom) < used(0) ? bottom : 0
    }

    /// Where the dots go in `rect`: right of the y labels, above the x-axis and its labels.
    static func plot(in rect: Rect) -> Rect {
        Rect(x: rect.x + axisWidth, y: rect.y, width: rect.width - axisWidth, height: rect.height - (rect.height >= 5 ? 2 : 1))
    }

    /// The row of dots, counted from the top, on which `y` is drawn in a plot `rows`
    /// characters high (four dots each); nil when it is off the range or nothing is drawn.
    func dotRow(_ y: Double, plotRows rows: Int) -> Int? {
        guard let (low, high) = yRange() else { return nil }
        let t = (transformed(y) - low) / (high - low)
        let row = ((1 - t) * Double(rows * 4 - 1)).rounded()
        guard row.isFinite, row >= 0, row < Double(rows * 4) else { return nil }
        return Int(row)
    }

    func draw(into grid: inout CellGrid, rect: Rect, glyphs: GlyphSet) {
        let showXLabels = rect.height >= 5
        let plot = Self.plot(in: rect)
        guard plot.width >= 4, plot.height >= 1 else { return }
        // Axes.
        for y in plot.y..<plot.maxY { grid.put(glyphs.vertical, x: plot.x - 1, y: y, style: .axis) }
        for x in plot.x..<plot.maxX { grid.put(glyphs.horizontal, x: x, y: plot.maxY, style: .axis) }
        grid.put(glyphs.axisCorner, x: plot.x - 1, y: plot.maxY, style: .axis)

        guard let (yLow, yHigh) = yRange(), let (xLow, xHigh) = xRange() else {
            return
        }
        var canvas = BrailleCanvas(columns: plot.width, rows: plot.height)
        // Positions in dots, unrounded; a value off the range lands off the canvas.
        func dotPosition(_ x: Double, _ y: Double) -> (x: Double, y: Double) {
            let t = (transformed(y) - yLow) / (yHigh - yLow)
            return ((x - xLow) / (xHigh - xLow) * Double(canvas.dotWidth - 1), (1 - t) * Double(canvas.dotHeight - 1))
        }
        func dotX(_ x: Double) -> Int {
            Int(((x - xLow) / (xHigh - xLow) * Double(canvas.dotWidth - 1)).rounded())
        }
        let inside = (x: -0.5...(Double(canvas.dotWidth) - 0.5), y: -0.5...(Double(canvas.dotHeight) - 0.5))
        func segment(_ a: (x: Double, y: Double), _ b: (x: Double, y: Double), style: CellStyle, dotted: Bool = false) {
            guard let (from, to) = Self.clip(dotPosition(a.x, a.y), dotPosition(b.x, b.y), x: inside.x, y: inside.y) else {
                return
            }
            canvas.line(from: (Int(from.x.rounded()), Int(from.y.rounded())), to: (Int(to.x.rounded()), Int(to.y.rounded())),
                        style: style, dotted: dotted)
        }
        for reference in references {
            let y = dotPosition(xLow, reference.y).y
            guard inside.y.contains(y) else { continue }
            for x in stride(from: 0, to: canvas.dotWidth, by: 3) { canvas.set(x: x, y: Int(y.rounded()), style: reference.style) }
        }
        for spread in spreads {
            segment((spread.x, spread.low), (spread.x, spread.high), style: spread.style)
        }
        for line in series {
            if line.points.count == 1 { segment(line.points[0], line.points[0], style: line.style) }
            for (a, b) in zip(line.points, line.points.dropFirst()) {
                segment(a, b, style: line.style, dotted: line.dotted)
            }
        }
        canvas.draw(into: &grid, x: plot.x, y: plot.y, glyphs: glyphs)
        // The title goes over the lines, in the right-hand corner they cross less: a
        // range fitted to the values puts the last ones in a corner (accuracy at the top),
        // and the end of the curves is what the chart is for.
        grid.write(glyphs.displayable(title), x: plot.maxX - title.count,
                   y: plot.y + Self.titleRow(canvas, width: title.count), style: .dim, limit: plot.maxX)

        // Y ticks: top, middle and bottom.
        let yTicks = plot.height >= 3 ? [0, plot.height / 2, plot.height - 1] : [0, plot.height - 1]
        for row in Set(yTicks) {
            let t = 1 - Double(row) / Double(max(plot.height - 1, 1))
            let value = yLow + t * (yHigh - yLow)
            let step = (yHigh - yLow) / Double(max(plot.height - 1, 1))
            let label = Formatting.tick(logY ? pow(10, value) : value, width: Self.axisWidth - 1, step: logY ? nil : step)
            grid.write(TextWrap.padLeft(label, Self.axisWidth - 1), x: rect.x, y: plot.y + row, style: .axis)
        }
        // A zoomed x-range leaves earlier marks out: drawn anyway, they landed on the y labels.
        for mark in marks where (xLow...xHigh).contains(mark.x) {
            let column = dotX(mark.x) / 2
            grid.put(glyphs.parityMark, x: plot.x + column, y: plot.maxY, style: mark.style)
        }
        guard showXLabels else { return }
        let labelRow = plot.maxY + 1
        if let xTicks {
            var free = plot.x
            for tick in xTicks {
                let label = glyphs.displayable(tick.label)
                let x = max(free, min(plot.x + dotX(tick.x) / 2 - label.count / 2, plot.maxX - label.count))
                guard x + label.count <= rect.maxX else { break }
                grid.put(glyphs.axisTick, x: plot.x + dotX(tick.x) / 2, y: plot.maxY, style: .axis)
                free = grid.write(label, x: x, y: labelRow, style: .axis, limit: rect.maxX) + 1
            }
            return
        }
        let left = xLabel(xLow), right = xLabel(xHigh), middle = xLabel((xLow + xHigh) / 2)
        grid.write(left, x: plot.x, y: labelRow, style: .axis, limit: rect.maxX)
        if plot.width >= left.count + middle.count + right.count + 6 {
            grid.write(middle, x: plot.x + (plot.width - middle.count) / 2, y: labelRow, style: .axis, limit: rect.maxX)
        }
        grid.write(right, x: plot.maxX - right.count, y: labelRow, style: .axis, limit: rect.maxX)
    }

    private func xLabel(_ value: Double) -> String {
        switch xLabels {
        case .plain: Formatting.tick(value, width: 6)
        case .count: Formatting.compact(Int(value.rounded()))
        case .duration: Formatting.duration(value)
        }
    }
}
