import Foundation
import MimicEngine
import MimicTestSupport
import MimicTUI
import Testing

/// The off-screen dashboard `mimic bench` times must be the real machinery at work:
/// fed a real run's events, its last frame shows that run finished.
@Suite struct OffscreenDashboardTests {
    @Test func drawsTheRunItIsFed() throws {
        let data = SyntheticData.make(train: 600, test: 200, classes: 4)
        var config = ExperimentConfig()
        config.mentor = "fc32"
        config.students = ["fc16"]
        config.labeledFraction = 0.2
        config.epochs = 2
        config.studentEpochs = 1
        config.batchSize = 32
        let dashboard = OffscreenDashboard(config: config, dataSet: data)
        dashboard.start()
        _ = try Experiment(config: config, dataSet: data).run(listener: dashboard.receive)
        let usage = dashboard.stop()
        let screen = usage.lastFrame.text
        #expect(usage.frames >= 1)
        #expect(usage.cpuSeconds > 0 && usage.cpuSeconds <= usage.wallSeconds + 0.1)
        #expect(screen.contains(" done "), "the run is not shown finished:\n\(screen)")
        #expect(screen.contains("student 1  fc16"), "the comparison table lacks the student:\n\(screen)")
    }

    /// The measurement `mimic bench` reports: every pair timed, the dashboard drawing
    /// in half the epochs, and a stop while it is suspended still returns.
    @Test func overheadTimesEveryPair() throws {
        var config = ExperimentConfig()
        config.mentor = "fc32"
        config.students = ["fc16"]
        config.labeledFraction = 0.5
        config.batchSize = 32
        let overhead = try DashboardOverhead.measure(config: config, dataSet: SyntheticData.make(train: 600, test: 200, classes: 4), pairs: 2)
        #expect(overhead.pairs == 2)
        #expect(overhead.epochSecondsWith > 0 && overhead.epochSecondsWithout > 0)
        #expect(overhead.percentRange.contains(overhead.percent))
        #expect(overhead.framesPerSecond > 0)
    }
}
