import MimicEngine

/// The next run's mentor and students with their size, then the mimic loss, its
/// temperature, the labeled images' augmentation and the baselines switch. While a run goes, the title says these are
/// for the next one when they differ from what is running.
enum ArchitecturesPane {
    static func differsFromRunning(_ state: DashboardState) -> Bool {
        guard let run = state.run, run.isActive else { return false }
        let a = run.config, b = state.next
        return a.mentor != b.mentor || a.students != b.students || a.loss != b.loss
            || a.temperature != b.temperature || a.augmentation != b.augmentation || a.baselines != b.baselines
    }

    static func draw(_ state: DashboardState, rect: Rect, glyphs: GlyphSet, into grid: inout CellGrid) {
        let title = "2 Architectures" + (differsFromRunning(state) ? " \(glyphs.middleDot) next run" : "")
        let inside = BoxFrame.draw(rect, title: title, focused: state.focus == .architectures, glyphs: glyphs, into: &grid)
        guard inside.height > 1 else { return }
        let area = Rect(x: inside.x + 1, y: inside.y, width: inside.width - 2, height: inside.height)
        let numberWidth = 5
        let roleWidth = 10
        let specWidth = max(4, area.width - roleWidth - 2 * (numberWidth + 1))

        func columns(_ role: String, _ spec: String, _ params: String, _ flops: String) -> String {
            TextWrap.padRight(role, roleWidth)
                + TextWrap.padRight(TextWrap.truncate(spec, width: specWidth - 1, ellipsis: glyphs.ellipsis), specWidth)
                + TextWrap.padLeft(params, numberWidth) + " " + TextWrap.padLeft(flops, numberWidth)
        }
        grid.write(columns("model", "spec", "params", "FLOPs"), x: area.x, y: area.y, style: .dim, limit: area.maxX)

        var lines: [(text: String, style: CellStyle)] = []
        for (index, entry) in state.architectures.enumerated() {
            let role = index == 0 ? "mentor" : "student \(index)"
            // A mentor from a file is marked, and dimmed: it does not train, and its row takes no edits.
            if index == 0, state.next.mentorLogits != nil {
                lines.append((columns(role, "outputs only", "-", "-"), .dim))
                continue
            }
            if index == 0, state.next.mentorCheckpoint != nil, case .valid(let size) = entry.check {
                lines.append((columns(role, "file: " + entry.spec, Formatting.compact(size.parameters),
                                      Formatting.compact(size.forwardFLOPsPerSample)), .dim))
                continue
            }
            switch entry.check {
            case .pending:
                lines.append((columns(role, entry.spec, glyphs.ellipsis, glyphs.ellipsis), .text))
            case .valid(let size):
                lines.append((columns(role, entry.spec, Formatting.compact(size.parameters),
                                      Formatting.compact(size.forwardFLOPsPerSample)), .text))
            case .invalid:
                lines.append((columns(role, entry.spec, "error", ""), .bad))
            }
        }
        let selected = state.selectedSetting
        func setting(_ name: String, _ value: String, _ row: DashboardState.SettingRow) -> String {
            let shown = selected == row && state.focus == .architectures
                ? "\(glyphs.leftArrow) \(value) \(glyphs.rightArrow)" : "  \(value)"
            return TextWrap.padRight(name, roleWidth + 2) + shown
        }
        lines.append((setting("mimic loss", state.next.loss.rawValue, .loss), .text))
        lines.append((setting("temperature", Formatting.plain(Double(state.next.temperature)), .temperature), .text))
        lines.append((setting("augment", (state.next.augmentation ?? .none).description, .augmentation), .text))
        lines.append((setting("baselines", state.next.baselines ? "on" : "off", .baselines), .text))

        let body = Rect(x: area.x, y: area.y + 1, width: area.width, height: area.height - 1)
        let selectedRow = state.focus == .architectures ? state.architectureRow : nil
        let first = max(0, min((selectedRow ?? 0) - body.height + 1, lines.count - body.height))
        for (offset, index) in (first..<min(lines.count, first + body.height)).enumerated() {
            let y = body.y + offset
            let isSelected = index == selectedRow
            if isSelected { grid.fill(Rect(x: inside.x, y: y, width: inside.width, height: 1), style: .selection) }
            let style = isSelected ? .selection : lines[index].style
            grid.write(glyphs.displayable(lines[index].text), x: body.x, y: y, style: style, limit: body.maxX)
            if index < state.architectures.count && !isSelected {
                let id = ModelID(role: index == 0 ? .mentor : .student, index: max(index, 1), spec: "")
                grid.restyle(Rect(x: body.x, y: y, width: min(roleWidth - 1, body.width), height: 1),
                             to: lines[index].style == .bad ? .bad : .series(for: id))
            }
        }

        if let editor = state.editor, let row = editorRow(editor.target, state: state) {
            let y = body.y + max(0, min(row - first, body.height - 1))
            LineEditorView(editor: editor).draw(
                into: &grid, rect: Rect(x: inside.x, y: y, width: inside.width, height: inside.maxY - y), glyphs: glyphs)
        }
    }

    /// The list row the editor for `target` sits on.
    static func editorRow(_ target: EditTarget, state: DashboardState) -> Int? {
        switch target {
        case .mentor: 0
        case .student(let k): k + 1
        case .newStudent: state.studentCount + 1
        case .temperature: state.studentCount + 1 + DashboardState.SettingRow.temperature.rawValue
        default: nil
        }
    }
}
