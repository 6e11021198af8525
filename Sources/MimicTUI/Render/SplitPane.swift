import MimicEngine

/// The labeled fraction, validation part and seed of the next run, with the counts
/// they give and the labeled part per class as bars.
enum SplitPane {
    static func differsFromRunning(_ state: DashboardState) -> Bool {
        guard let run = state.run, run.isActive else { return false }
        let a = run.config, b = state.next
        return a.labeledFraction != b.labeledFraction || a.validationFraction != b.validationFraction || a.seed != b.seed
    }

    static func draw(_ state: DashboardState, rect: Rect, glyphs: GlyphSet, into grid: inout CellGrid) {
        // The data set by name, so the pane says what it splits; last, as the first to be cut.
        let source = state.dataSet.map { " \(glyphs.middleDot) " + glyphs.displayable($0.name) } ?? ""
        let title = "3 Data split" + (differsFromRunning(state) ? " \(glyphs.middleDot) next run" : "") + source
        let inside = BoxFrame.draw(rect, title: title, focused: state.focus == .split, glyphs: glyphs, into: &grid)
        guard inside.height > 0 else { return }
        let area = Rect(x: inside.x + 1, y: inside.y, width: inside.width - 2, height: inside.height)
        var counts: SplitCounts?
        if case .counts(let c) = state.splitPreview { counts = c }
        // A watched run's data set is not loaded here; its recorded split has the counts.
        if counts == nil, state.mode.isWatching, let split = state.run?.plan?.split {
            counts = SplitCounts(labeled: split.labeled, validation: split.validation, unlabeled: split.unlabeled,
                                 test: split.test, labeledPerClass: [], classNames: [])
        }
        let unknown = glyphs.ellipsis

        let fields: [(DashboardState.SplitField, String, String, String)] = [
            (.labeled, "labeled", Formatting.percent(state.next.labeledFraction), counts.map { Formatting.count($0.labeled) } ?? unknown),
            (.validation, "validation", Formatting.percent(state.next.validationFraction),
             counts.map { Formatting.count($0.validation) } ?? unknown),
            (.seed, "seed", String(state.next.seed), ""),
        ]
        let focused = state.focus == .split
        for (row, (field, name, value, count)) in fields.enumerated() where row < area.height {
            let y = area.y + row
            let isSelected = focused && field == state.splitField
            let shown = isSelected ? "\(glyphs.leftArrow) \(value) \(glyphs.rightArrow)" : "  \(value)  "
            let text = TextWrap.padRight(name, 11) + TextWrap.padRight(shown, 10)
                + TextWrap.padLeft(count, max(0, area.width - 21))
            if isSelected { grid.fill(Rect(x: inside.x, y: y, width: inside.width, height: 1), style: .selection) }
            grid.write(text, x: area.x, y: y, style: isSelected ? .selection : .text, limit: area.maxX)
        }
        if let editor = state.editor, let row = editorRow(editor.target) {
            LineEditorView(editor: editor).draw(
                into: &grid, rect: Rect(x: inside.x, y: area.y + row, width: inside.width, height: area.height - row),
                glyphs: glyphs)
            return
        }
        let below = Rect(x: area.x, y: area.y + 3, width: area.width, height: area.height - 3)
        guard below.height > 0 else { return }
        if let counts, state.mode.isWatching, counts.labeledPerClass.isEmpty {
            let text = "unlabeled \(Formatting.count(counts.unlabeled))  test \(Formatting.count(counts.test))"
            grid.write(text, x: below.x, y: below.y, style: .text, limit: below.maxX)
            return
        }
        switch state.splitPreview {
        case .pending:
            grid.write("counts once the data set is loaded", x: below.x, y: below.y, style: .dim, limit: below.maxX)
        case .invalid(let message):
            for (n, line) in TextWrap.lines(glyphs.displayable(message), width: below.width).prefix(below.height).enumerated() {
                grid.write(line, x: below.x, y: below.y + n, style: .bad, limit: below.maxX)
            }
        case .counts(let counts):
            let lines = summary(counts, glyphs: glyphs)
            for (n, (text, style)) in lines.prefix(below.height).enumerated() {
                grid.write(text, x: below.x, y: below.y + n, style: style, limit: below.maxX)
            }
            drawPerClass(counts, rect: Rect(x: below.x, y: below.y + lines.count, width: below.width,
                                            height: below.height - lines.count),
                         glyphs: glyphs, into: &grid)
        }
    }

    /// The pool and test sizes, and the pool's two parts when images without a class join it.
    static func summary(_ counts: SplitCounts, glyphs: GlyphSet) -> [(String, CellStyle)] {
        var lines: [(String, CellStyle)] = []
        lines.append(("unlabeled \(Formatting.count(counts.unlabeled))  test \(Formatting.count(counts.test))", .text))
        if counts.unlabeledFromElsewhere > 0 {
            let fromTraining = counts.unlabeled - counts.unlabeledFromElsewhere
            let name = glyphs.displayable(counts.elsewhereName ?? "elsewhere")
            lines.append(("  \(Formatting.count(fromTraining)) train + \(Formatting.count(counts.unlabeledFromElsewhere)) \(name)", .dim))
        }
        return lines
    }

    /// One row per class with its name when there is room, else a strip of small bars.
    static func drawPerClass(_ counts: SplitCounts, rect: Rect, glyphs: GlyphSet, into grid: inout CellGrid) {
        guard rect.height > 0 else { return }
        let values = counts.labeledPerClass
        if rect.height >= values.count + 1 {
            grid.write("labeled per class", x: rect.x, y: rect.y, style: .dim, limit: rect.maxX)
            let nameWidth = min(12, counts.classNames.map(\.count).max() ?? 0)
            let numberWidth = Formatting.count(values.max() ?? 0).count
            let barRoom = max(1, rect.width - nameWidth - numberWidth - 2)
            let top = max(values.max() ?? 1, 1)
            for (index, value) in values.enumerated() {
                let y = rect.y + 1 + index
                let name = TextWrap.truncate(glyphs.displayable(counts.classNames[index]), width: nameWidth,
                                             ellipsis: glyphs.ellipsis)
                var x = grid.write(TextWrap.padRight(name, nameWidth) + " ", x: rect.x, y: y, style: .text, limit: rect.maxX)
                let length = max(value > 0 ? 1 : 0, Int((Double(value) / Double(top) * Double(barRoom)).rounded()))
                let full = glyphs.barSteps.last!
                x = grid.write(String(repeating: full, count: length), x: x, y: y, style: .good, limit: rect.maxX - numberWidth - 1)
                grid.write(TextWrap.padLeft(Formatting.count(value), numberWidth), x: rect.maxX - numberWidth, y: y,
                           style: .dim, limit: rect.maxX)
            }
            return
        }
        let label = "per class \(Formatting.count(values.min() ?? 0))-\(Formatting.count(values.max() ?? 0))"
        let pitch = BarChart.barPitch(count: values.count, width: rect.width - label.count - 1)
        let barsWidth = pitch * values.count
        BarChart(values: values).draw(into: &grid, rect: Rect(x: rect.x, y: rect.y, width: barsWidth, height: rect.height),
                                      glyphs: glyphs)
        grid.write(label, x: rect.x + barsWidth + 1, y: rect.maxY - 1, style: .dim, limit: rect.maxX)
    }

    static func editorRow(_ target: EditTarget) -> Int? {
        switch target {
        case .labeledPercent: 0
        case .validationPercent: 1
        case .seed: 2
        default: nil
        }
    }
}
