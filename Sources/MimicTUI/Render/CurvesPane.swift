import MimicEngine

/// Loss and accuracy over training for every model of the run: test solid, train
/// dotted and smoothed, the mentor's final test value as a reference line, and a mark
/// where each student reached the mentor's accuracy.
enum CurvesPane {
    static func title(_ chart: ChartSettings, glyphs: GlyphSet) -> String {
        var parts = ["1 Curves", chart.metric.name, chart.xAxis.name]
        if chart.logLoss && chart.metric != .accuracy { parts.append("log") }
        if chart.smoothing > 0 { parts.append("EMA " + Formatting.plain(chart.smoothing)) }
        return parts.joined(separator: " \(glyphs.middleDot) ")
    }

    static func draw(_ state: DashboardState, rect: Rect, glyphs: GlyphSet, into grid: inout CellGrid) {
        let inside = BoxFrame.draw(rect, title: title(state.chart, glyphs: glyphs), focused: state.focus == .curves,
                                   glyphs: glyphs, into: &grid)
        guard inside.height > 0 else { return }
        let overlays = state.loadedOverlays
        let run = state.run
        guard !(run?.curves.isEmpty ?? true) || overlays.contains(where: { !$0.run.curves.isEmpty }) else {
            drawMessage(placeholder(state), in: inside, glyphs: glyphs, into: &grid)
            return
        }
        let (legendRow, charts) = inside.splitTop(1)
        drawLegend(state, rect: legendRow, glyphs: glyphs, into: &grid)
        switch state.chart.metric {
        case .loss: chart(run, state, accuracy: false).draw(into: &grid, rect: charts, glyphs: glyphs)
        case .accuracy: chart(run, state, accuracy: true).draw(into: &grid, rect: charts, glyphs: glyphs)
        case .both:
            let (top, bottom) = charts.splitTop(charts.height / 2)
            chart(run, state, accuracy: false).draw(into: &grid, rect: top, glyphs: glyphs)
            chart(run, state, accuracy: true).draw(into: &grid, rect: bottom, glyphs: glyphs)
        }
    }

    static func placeholder(_ state: DashboardState) -> String {
        if let watched = state.watchedRun {
            return watched.isTraining
                ? "Waiting for run \(watched.id)'s first points: its process may still be loading the data set."
                : "Run \(watched.id) recorded no points before it ended."
        }
        switch state.data {
        case .loading: return "Loading the data set from \(state.next.dataDirectory)..."
        case .failed(let message): return message
        case .ready:
            if state.run != nil { return "Starting: the mentor's first points appear after a few steps." }
            return "Space starts a run: the mentor \(state.next.mentor) learns from the labeled part, then "
                + "\(state.next.students.count == 1 ? "the student learns" : "\(state.next.students.count) students learn") "
                + "from its outputs on the unlabeled rest. Tab moves between panes; ? lists every key."
        }
    }

    static func drawMessage(_ text: String, in rect: Rect, glyphs: GlyphSet, into grid: inout CellGrid) {
        for (n, line) in TextWrap.lines(glyphs.displayable(text), width: rect.width - 2).prefix(rect.height).enumerated() {
            grid.write(line, x: rect.x + 1, y: rect.y + n, style: .dim, limit: rect.maxX)
        }
    }

    static func shortName(_ id: ModelID) -> String {
        switch id.role {
        case .mentor: "mentor"
        case .student: "s\(id.index)"
        case .baseline: "b\(id.index)"
        }
    }

    static func drawLegend(_ state: DashboardState, rect: Rect, glyphs: GlyphSet, into grid: inout CellGrid) {
        var x = rect.x + 1
        // The run on screen by name and spec; past runs as "#id model", dim unless chosen.
        var entries: [(text: String, style: CellStyle)] = []
        for curves in state.run?.curves ?? [] {
            let name = shortName(curves.id) + " " + curves.id.spec
            let style = state.isHighlighted(curves.id) ? CellStyle.series(for: curves.id) : .dim
            entries.append((state.isSelected(curves.id) ? "[\(name)]" : name, style))
        }
        for (id, past) in state.loadedOverlays {
            for curves in past.curves {
                let name = "#\(id) \(shortName(curves.id))"
                let selected = state.isSelected(curves.id, overlay: id)
                entries.append((selected ? "[\(name)]" : name, selected ? .series(for: curves.id) : .dim))
            }
        }
        for (text, style) in entries {
            guard x + text.count < rect.maxX else { break }
            x = grid.write(glyphs.displayable(text), x: x, y: rect.y, style: style, limit: rect.maxX) + 1
        }
        let key = "solid test, dotted train"
        if x + key.count + 1 < rect.maxX {
            grid.write(key, x: rect.maxX - key.count - 1, y: rect.y, style: .dim, limit: rect.maxX)
        }
    }

    /// Exponential moving average, started at the first value so the curve does not
    /// rise from zero.
    static func smoothed(_ values: [Double], weight: Double) -> [Double] {
        guard weight > 0, var last = values.first else { return values }
        return values.map { value in
            last = weight * last + (1 - weight) * value
            return last
        }
    }

    static func chart(_ run: RunState?, _ state: DashboardState, accuracy: Bool) -> LineChart {
        let axis = state.chart.xAxis
        var chart = LineChart(title: accuracy ? "accuracy" : "loss")
        chart.unitInterval = accuracy
        chart.logY = !accuracy && state.chart.logLoss
        chart.xLabels = axis == .time ? .duration : axis == .samples ? .count : .plain
        func value(_ point: CurvePoint) -> Double { accuracy ? point.accuracy : point.loss }

        // Past runs first, test curves only and dim unless chosen: under the run on screen.
        for (id, past) in state.loadedOverlays {
            for curves in past.curves {
                let style: CellStyle = state.isSelected(curves.id, overlay: id) ? .series(for: curves.id) : .dim
                chart.series.append(.init(points: curves.test.map { ($0.x(axis), value($0)) }, style: style))
            }
        }
        guard let run else { return chart }
        // The highlighted model is drawn last, so it sits on top of the dimmed rest.
        let ordered = run.curves.sorted { a, _ in !state.isSelected(a.id) }
        for curves in ordered {
            let style: CellStyle = state.isHighlighted(curves.id) ? .series(for: curves.id) : .dim
            let train = curves.train
            let smooth = smoothed(train.map(value), weight: state.chart.smoothing)
            chart.series.append(.init(points: zip(train, smooth).map { ($0.x(axis), $1) }, style: style, dotted: true))
            chart.series.append(.init(points: curves.test.map { ($0.x(axis), value($0)) }, style: style))
        }
        if let target = run.mentorTarget {
            chart.references.append(.init(y: accuracy ? target.accuracy : target.loss, style: .reference))
            for curves in run.curves where curves.id.role != .mentor {
                if let point = curves.parityPoint(target: target.accuracy) {
                    chart.marks.append(.init(x: point.x(axis), style: .series(for: curves.id)))
                }
            }
        }
        return chart
    }
}
