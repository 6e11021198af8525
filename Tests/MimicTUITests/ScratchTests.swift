import Testing
import MimicTUI

@Test func scratchPrint() {
    let s = RecordedRun.state()
    print(DashboardRenderer(glyphs: .unicode).render(s).text)
    var s2 = RecordedRun.state(width: 80, height: 24, events: 30)
    s2.focus = .architectures
    print(DashboardRenderer(glyphs: .unicode).render(s2).text)
    print(DashboardRenderer(glyphs: .ascii).render(s2).text)
}
