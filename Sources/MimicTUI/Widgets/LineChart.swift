import Foundation

/// A line chart drawn with a braille canvas: series as lines, horizontal reference
/// lines, marks on the x-axis, tick labels on both axes.
struct LineChart {
    struct Series {
        var points: [(x: Double, y: Double)]
        var style: CellStyle
        var dotted = false
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
    /// Accuracy-like values live in [0, 1]; the range is clamped there.
    var unitInterval = false
    var xLabels: XLabels = .plain
    static let axisWidth = 6

    private func transformed(_ y: Double) -> Double {
        logY ? log10(max(y, 1e-6)) : y
    }

    /// The y range covering every series and reference, padded so lines do not sit on
    /// the frame.
    func yRange() -> (Double, Double)? {
        let values = series.flatMap { $0.points.map { transformed($0.y) } } + references.map { transformed($0.y) }
            + spreads.flatMap { [transformed($0.low), transformed($0.high)] }
        guard var low = values.min(), var high = values.max() else { return nil }
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
        if !logY && !unitInterval && low < 0 && values.allSatisfy({ $0 >= 0 }) { low = 0 }
        return (low, high)
    }

    func xRange() -> (Double, Double)? {
        if let xTicks, let low = xTicks.map(\.x).min(), let high = xTicks.map(\.x).max() {
            // Half a step of room each side, so the first and last points are off the frame.
            let pad = high > low ? (high - low) * 0.04 : 1
            return (low - pad, high + pad)
        }
        let values = series.flatMap { $0.points.map(\.x) } + marks.map(\.x)
        guard let high = values.max() else { return nil }
        let low = min(0, values.min() ?? 0)
        return (low, high > low ? high : low + 1)
    }

    func draw(into grid: inout CellGrid, rect: Rect, glyphs: GlyphSet) {
        let showXLabels = rect.height >= 5
        let plot = Rect(x: rect.x + Self.axisWidth, y: rect.y, width: rect.width - Self.axisWidth,
                        height: rect.height - (showXLabels ? 2 : 1))
        guard plot.width >= 4, plot.height >= 1 else { return }
        // Axes.
        for y in plot.y..<plot.maxY { grid.put(glyphs.vertical, x: plot.x - 1, y: y, style: .axis) }
        for x in plot.x..<plot.maxX { grid.put(glyphs.horizontal, x: x, y: plot.maxY, style: .axis) }
        grid.put(glyphs.axisCorner, x: plot.x - 1, y: plot.maxY, style: .axis)

        guard let (yLow, yHigh) = yRange(), let (xLow, xHigh) = xRange() else {
            return
        }
        var canvas = BrailleCanvas(columns: plot.width, rows: plot.height)
        func dotX(_ x: Double) -> Int {
            Int(((x - xLow) / (xHigh - xLow) * Double(canvas.dotWidth - 1)).rounded())
        }
        func dotY(_ y: Double) -> Int {
            let t = (transformed(y) - yLow) / (yHigh - yLow)
            return Int(((1 - t) * Double(canvas.dotHeight - 1)).rounded())
        }
        for reference in references {
            let y = dotY(reference.y)
            for x in stride(from: 0, to: canvas.dotWidth, by: 3) { canvas.set(x: x, y: y, style: reference.style) }
        }
        for spread in spreads {
            let x = dotX(spread.x)
            canvas.line(from: (x, dotY(spread.low)), to: (x, dotY(spread.high)), style: spread.style)
        }
        for line in series {
            let dots = line.points.map { (x: dotX($0.x), y: dotY($0.y)) }
            if dots.count == 1 { canvas.set(x: dots[0].x, y: dots[0].y, style: line.style) }
            for (a, b) in zip(dots, dots.dropFirst()) {
                canvas.line(from: a, to: b, style: line.style, dotted: line.dotted)
            }
        }
        canvas.draw(into: &grid, x: plot.x, y: plot.y, glyphs: glyphs)
        // The title goes over the lines: naming the chart matters more than two dots.
        grid.write(glyphs.displayable(title), x: plot.maxX - title.count, y: plot.y, style: .dim, limit: plot.maxX)

        // Y ticks: top, middle and bottom.
        let yTicks = plot.height >= 3 ? [0, plot.height / 2, plot.height - 1] : [0, plot.height - 1]
        for row in Set(yTicks) {
            let t = 1 - Double(row) / Double(max(plot.height - 1, 1))
            let value = yLow + t * (yHigh - yLow)
            let label = Formatting.tick(logY ? pow(10, value) : value, width: Self.axisWidth - 1)
            grid.write(TextWrap.padLeft(label, Self.axisWidth - 1), x: rect.x, y: plot.y + row, style: .axis)
        }
        for mark in marks {
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
