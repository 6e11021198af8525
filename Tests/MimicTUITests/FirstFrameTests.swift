import Foundation
import MimicTUI
import Testing

/// `mimic bench` times the dashboard's first frame from a file the dashboard writes
/// when MIMIC_FIRST_FRAME_FILE names one.
@Suite(.serialized) struct FirstFrameTests {
    @Test(.enabled(if: DashboardEndToEndTests.tmux != nil, "tmux is not installed (apt-get install tmux)"),
          .enabled(if: DashboardEndToEndTests.binary != nil, "the mimic binary is not built next to the tests"))
    func dashboardRecordsItsFirstFrame() throws {
        let data = try DashboardEndToEndTests.makeDataSet()
        let record = NSTemporaryDirectory() + "mimic-first-frame-test-\(UUID().uuidString)"
        defer {
            try? FileManager.default.removeItem(atPath: data)
            unlink(record)
        }
        let launched = FirstFrameRecord.monotonicNanoseconds()
        // The run store goes into the data folder, never the user's: a store another
        // mimic wrote with a newer schema would stop this one before its first frame.
        let command = "env \(FirstFrameRecord.variable)=\(DashboardEndToEndTests.shellQuoted(record)) LANG=C.UTF-8 "
            + "XDG_DATA_HOME=\(DashboardEndToEndTests.shellQuoted(data)) "
            + "\(DashboardEndToEndTests.shellQuoted(DashboardEndToEndTests.binary!)) dashboard --data \(DashboardEndToEndTests.shellQuoted(data)); sleep 60"
        let terminal = try DashboardEndToEndTests.Terminal(tmux: DashboardEndToEndTests.tmux!, width: 80, height: 24, command: command)
        let (drawn, screen) = terminal.wait(seconds: 30) { _ in FirstFrameRecord.read(from: record) != nil }
        #expect(drawn, "no first frame was recorded:\n\(screen)")
        let frame = try #require(FirstFrameRecord.read(from: record))
        #expect(frame > launched && frame <= FirstFrameRecord.monotonicNanoseconds())
        #expect(terminal.wait(seconds: 30) { $0.contains("Comparison") }.0, "the dashboard is not on screen")
        try terminal.press("q")
    }
}
