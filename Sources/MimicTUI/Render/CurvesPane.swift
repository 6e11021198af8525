import MimicEngine

/// Loss and accuracy over training for every model of the run: test solid, train
/// dotted and smoothed, the mentor's final test value as a reference line, and a mark
/// where each student reached the mentor's accuracy. Loss and accuracy are measured on
/// the true labels; a student's training objective, measured against the mentor's
/// outputs, is another quantity and has a view of its own (`mimic`).
enum CurvesPane {
    /// What one chart plots.
    enum Quantity {
        /// Cross-entropy and accuracy on the true labels.
        case loss, accuracy
        /// A student's training loss against the mentor's outputs (kd, mse or hard), and
        /// its agreement with the mentor's predictions on the unlabeled pool.
        case mimicLoss, agreement
    }

    /// The pane's title for a box `width` columns wide: the metric and the y-range
    /// always; the x-axis and smoothing while there is room.
    static func title(_ chart: ChartSettings, glyphs: GlyphSet, width: Int = .max) -> String {
        var parts = ["1 Curves", chart.metric.name, chart.yRange.name]
        if chart.logLoss && chart.metric != .accuracy { parts.append("log") }
        let required = parts.count
        parts.append(chart.xAxis.name)
        if chart.smoothing > 0 { parts.append("EMA " + Formatting.plain(chart.smoothing)) }
        let separator = " \(glyphs.middleDot) "
        // The frame's corners and the title's two spaces or brackets.
        while parts.count > required, parts.joined(separator: separator).count > width - 4 { parts.removeLast() }
        return parts.joined(separator: separator)
    }

    static func draw(_ state: DashboardState, rect: Rect, glyphs: GlyphSet, into grid: inout CellGrid) {
        let inside = BoxFrame.draw(rect, title: title(state.chart, glyphs: glyphs, width: rect.width),
                                   focused: state.focus == .curves, glyphs: glyphs, into: &grid)
        guard inside.height > 0 else { return }
        let overlays = state.loadedOverlays
        let run = state.run
        guard !(run?.curves.isEmpty ?? true) || overlays.contains(where: { !$0.run.curves.isEmpty }) else {
            drawMessage(placeholder(state), in: inside, glyphs: glyphs, into: &grid)
            return
        }
        let (legendRow, charts) = inside.splitTop(1)
        drawLegend(state, rect: legendRow, glyphs: glyphs, into: &grid)
        if state.chart.metric == .mimic, !(run?.curves.contains { $0.id.role == .student && !$0.train.isEmpty } ?? false) {
            drawMessage(mimicPlaceholder(run?.config ?? state.next), in: charts, glyphs: glyphs, into: &grid)
            return
        }
        for (quantity, place) in layout(state.chart.metric, in: charts) {
            chart(run, state, quantity).draw(into: &grid, rect: place, glyphs: glyphs)
        }
    }

    /// The charts of `metric` and where each goes in `rect` (the pane's inside below
    /// the legend).
    static func layout(_ metric: ChartSettings.Metric, in rect: Rect) -> [(Quantity, Rect)] {
        let (top, bottom) = rect.splitTop(rect.height / 2)
        switch metric {
        case .loss: return [(.loss, rect)]
        case .accuracy: return [(.accuracy, rect)]
        case .both: return [(.loss, top), (.accuracy, bottom)]
        case .mimic: return [(.mimicLoss, top), (.agreement, bottom)]
        }
    }

    /// The pane's inside below the legend, for a state's layout.
    static func chartsRect(_ state: DashboardState) -> Rect {
        DashboardRenderer.layout(state).curves.inset(by: 1).splitTop(1).rest
    }

    /// The students' training loss by its name: "kd loss" is KL divergence times T²,
    /// not the cross-entropy the loss charts show.
    static func mimicLossName(_ config: ExperimentConfig) -> String {
        switch config.loss {
        case .kd: "kd train loss (T=\(Formatting.plain(Double(config.temperature))))"
        case .mse: "mse train loss"
        case .hard: "hard train loss"
        }
    }

    static func mimicPlaceholder(_ config: ExperimentConfig) -> String {
        "The students' training loss against the mentor's outputs (\(config.loss) loss) and their agreement with "
            + "its predictions show here once the first student trains; m shows loss and accuracy on the true labels."
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
            let mentor = state.next.mentorLogits != nil ? "the mentor's logits are read from a file"
                : state.next.mentorCheckpoint != nil ? "the mentor is loaded from a file"
                : "the mentor \(state.next.mentor) learns from the labeled part"
            return "Space starts a run: \(mentor), then "
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
        // The mimic view draws the run's students only: the legend names what is drawn.
        let mimic = state.chart.metric == .mimic
        for curves in state.run?.curves ?? [] where !mimic || curves.id.role == .student {
            let name = shortName(curves.id) + " " + curves.id.spec
            let style = state.isHighlighted(curves.id) ? CellStyle.series(for: curves.id) : .dim
            entries.append((state.isSelected(curves.id) ? "[\(name)]" : name, style))
        }
        for (id, past) in state.loadedOverlays where !mimic {
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
        let key = state.chart.metric == .mimic ? "students' train vs mentor" : "solid test, dotted train"
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

    /// One chart of `quantity`. The robust y-range pools the test curves and the train
    /// curves after their first epoch (`ChartRange`), and keeps every final test value in.
    static func chart(_ run: RunState?, _ state: DashboardState, _ quantity: Quantity) -> LineChart {
        let axis = state.chart.xAxis
        let accuracyLike = quantity == .accuracy || quantity == .agreement
        var chart = LineChart(title: chartTitle(quantity, run?.config ?? state.next))
        chart.unitInterval = accuracyLike
        chart.logY = !accuracyLike && state.chart.logLoss
        chart.scale = state.chart.yRange
        chart.xLabels = axis == .time ? .duration : axis == .samples ? .count : .plain
        func value(_ point: CurvePoint) -> Double { accuracyLike ? point.accuracy : point.loss }
        func train(_ curves: ModelCurves, style: CellStyle, dotted: Bool) -> LineChart.Series {
            let points = curves.train
            let smooth = smoothed(points.map(value), weight: state.chart.smoothing)
            return .init(points: zip(points, smooth).map { ($0.x(axis), $1) }, style: style, dotted: dotted,
                         countsFrom: ChartRange.convergedStart(epochs: points.map(\.epoch)))
        }

        if quantity == .mimicLoss || quantity == .agreement {
            // The students' own objective: nothing else is measured against the mentor's outputs.
            for curves in run?.curves ?? [] where curves.id.role == .student {
                let style: CellStyle = state.isHighlighted(curves.id) ? .series(for: curves.id) : .dim
                chart.series.append(train(curves, style: style, dotted: false))
                // Train points are taken within epochs: the axis still ends where the epochs do.
                if let end = curves.test.last?.x(axis) { chart.xReach = max(chart.xReach ?? end, end) }
            }
            return chart
        }
        // Past runs first, test curves only and dim unless chosen: under the run on screen.
        for (id, past) in state.loadedOverlays {
            for curves in past.curves {
                let style: CellStyle = state.isSelected(curves.id, overlay: id) ? .series(for: curves.id) : .dim
                chart.series.append(.init(points: curves.test.map { ($0.x(axis), value($0)) }, style: style, keepsLast: true))
            }
        }
        guard let run else { return chart }
        // The highlighted model is drawn last, so it sits on top of the dimmed rest.
        let ordered = run.curves.sorted { a, _ in !state.isSelected(a.id) }
        for curves in ordered {
            let style: CellStyle = state.isHighlighted(curves.id) ? .series(for: curves.id) : .dim
            // A student's train curve measures it against the mentor's outputs, not the labels.
            if curves.id.role != .student {
                chart.series.append(train(curves, style: style, dotted: true))
            }
            chart.series.append(.init(points: curves.test.map { ($0.x(axis), value($0)) }, style: style, keepsLast: true))
        }
        if let target = run.mentorTarget {
            chart.references.append(.init(y: quantity == .accuracy ? target.accuracy : target.loss, style: .reference))
            for curves in run.curves where curves.id.role != .mentor {
                if let point = curves.parityPoint(target: target.accuracy) {
                    chart.marks.append(.init(x: point.x(axis), style: .series(for: curves.id)))
                }
            }
        }
        return chart
    }

    static func chartTitle(_ quantity: Quantity, _ config: ExperimentConfig) -> String {
        switch quantity {
        case .loss: "loss"
        case .accuracy: "accuracy"
        case .mimicLoss: mimicLossName(config)
        case .agreement: "agreement with mentor"
        }
    }
}
