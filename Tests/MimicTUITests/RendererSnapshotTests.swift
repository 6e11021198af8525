import MimicEngine
import MimicTUI
import Testing

@Suite struct RendererSnapshotTests {
    let unicode = DashboardRenderer(glyphs: .unicode)
    let ascii = DashboardRenderer(glyphs: .ascii)

    @Test func idleAt80x24() {
        Snapshot.check(unicode.render(Scene.idle()).text, named: "idle-80x24")
    }

    @Test func midRunAt80x24() {
        // Through the mentor and into student 1.
        var state = Scene.state(width: 80, height: 24, events: 22)
        state.focus = .architectures
        Snapshot.check(unicode.render(state).text, named: "mid-run-80x24")
    }

    @Test func finishedRunAt120x40() {
        var state = Scene.state(width: 120, height: 40)
        state.focus = .comparison
        _ = DashboardReducer.reduce(&state, .key(.down))
        _ = DashboardReducer.reduce(&state, .key(.down))
        Snapshot.check(unicode.render(state).text, named: "finished-120x40")
    }

    @Test func finishedRunInASCIIAt120x40() {
        let text = ascii.render(Scene.state(width: 120, height: 40)).text
        let allASCII = text.unicodeScalars.allSatisfy { $0.isASCII }
        #expect(allASCII)
        Snapshot.check(text, named: "finished-ascii-120x40")
    }

    @Test func helpOverlayAt80x24() {
        var state = Scene.idle()
        _ = DashboardReducer.reduce(&state, .key(.character("?")))
        Snapshot.check(unicode.render(state).text, named: "help-80x24")
    }

    @Test func specErrorInPlaceAt80x24() {
        var state = Scene.idle()
        state.focus = .architectures
        _ = DashboardReducer.reduce(&state, .key(.enter))
        for character in "-conv8k9" { _ = DashboardReducer.reduce(&state, .key(.character(character))) }
        Snapshot.check(unicode.render(state).text, named: "spec-error-80x24")
    }

    @Test func runsPaneAt80x24() {
        var state = Scene.withPastRuns(Scene.state(width: 80, height: 24))
        state.focus = .runs
        _ = DashboardReducer.reduce(&state, .key(.down))
        let text = unicode.render(state).text
        Snapshot.check(text, named: "runs-80x24")
        #expect(text.contains("x #2") && text.contains("#2 mentor"), "the overlaid run is marked and in the legend")
    }

    @Test func overlaidRunAt120x40() {
        var state = Scene.withPastRuns(Scene.state(width: 120, height: 40))
        state.focus = .comparison
        let pastStudent = state.comparisonRows.firstIndex { $0.runID == 2 && $0.id.role == .student }!
        for _ in 0...pastStudent { _ = DashboardReducer.reduce(&state, .key(.down)) }
        let text = unicode.render(state).text
        Snapshot.check(text, named: "overlay-120x40")
        #expect(text.contains("#2 student 1") && text.contains("[#2 s1]"))
    }

    @Test func runsPaneAt120x40() {
        var state = Scene.withPastRuns(Scene.watching(width: 120, height: 40, events: 22))
        state.focus = .runs
        Snapshot.check(unicode.render(state).text, named: "runs-watching-120x40")
    }

    @Test func watchingAt80x24() {
        var state = Scene.watching(width: 80, height: 24, events: 22)
        _ = DashboardReducer.reduce(&state, .engine(.paused))
        state.focus = .architectures
        let text = unicode.render(state).text
        Snapshot.check(text, named: "watching-80x24")
        #expect(text.contains("watching run 3 (read-only)") && text.contains("paused"))
        #expect(text.contains("read-only while watching"), "the footer says the pane's keys do not apply")
    }

    @Test func tooSmall() {
        let text = unicode.render(Scene.idle(width: 60, height: 15)).text
        Snapshot.check(text, named: "too-small-60x15")
        #expect(text.contains("terminal too small (need 80x24)"))
    }

    @Test func resizeLaysOutAgain() {
        var state = Scene.idle()
        _ = DashboardReducer.reduce(&state, .resize(width: 100, height: 30))
        let grid = unicode.render(state)
        #expect(grid.width == 100 && grid.height == 30)
        #expect(grid.line(29).contains("Tab"))
    }
}
