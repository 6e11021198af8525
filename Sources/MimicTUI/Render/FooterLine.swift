/// The bottom line: the keys that matter where the focus is, or the status message
/// when there is one (the next key clears it).
enum FooterLine {
    static func draw(_ state: DashboardState, rect: Rect, glyphs: GlyphSet, into grid: inout CellGrid) {
        grid.fill(rect, style: .footer)
        if let status = state.status {
            let text = TextWrap.truncate(glyphs.displayable(status), width: rect.width - 1, ellipsis: glyphs.ellipsis)
            grid.write(text, x: rect.x + 1, y: rect.y, style: .warning, limit: rect.maxX)
            return
        }
        let scope = DashboardReducer.scope(of: state)
        let keys = state.mode.keyTable
        var bindings = keys.bindings(for: scope).filter { $0.footer != nil }
        switch scope {
        case .pane: bindings += keys.bindings(for: .global).filter { $0.footer != nil }
        // The sweep view is not a pane: of the global keys, only leaving it, help and quitting matter there.
        case .sweep: bindings += keys.bindings(for: .global).filter { [.toggleSweep, .showHelp, .quit].contains($0.action.first) }
        default: break
        }
        var x = rect.x + 1
        if state.mode.isWatching, case .pane(let pane) = scope, keys.bindings(for: scope).isEmpty {
            x = grid.write("\(pane.title.lowercased()) read-only while watching  ", x: x, y: rect.y, style: .dim, limit: rect.maxX)
        }
        for binding in bindings {
            let label = binding.label(unicode: glyphs.isUnicode)
            let summary = binding.footer ?? ""
            guard x + label.count + 1 + summary.count <= rect.maxX else { break }
            x = grid.write(label, x: x, y: rect.y, style: .key, limit: rect.maxX)
            x = grid.write(" " + summary + "  ", x: x, y: rect.y, style: .footer, limit: rect.maxX)
        }
    }
}
