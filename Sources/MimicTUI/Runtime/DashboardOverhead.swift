import Foundation
import MimicEngine

/// What attaching the dashboard costs a training: the same whole run (every model,
/// the annotation and the evaluations), timed without a listener and with an
/// `OffscreenDashboard` listening, alternately. A shared machine drifts, so each
/// round times both, in turn first, and the figure is the median over rounds.
public struct DashboardOverhead: Sendable {
    /// Median over rounds of the run's wall time with the dashboard over without it,
    /// minus one, in percent: the throughput the training loses.
    public var percent: Double
    /// The lowest and highest of the rounds' figures: how much the machine's noise moves it.
    public var percentRange: ClosedRange<Double>
    /// The dashboard thread's CPU time over the run's wall time, in percent of one core.
    public var cpuPercentOfOneCore: Double
    public var framesPerSecond: Double
    /// Median wall time of one run without and with the dashboard.
    public var secondsWithout: Double
    public var secondsWith: Double

    public static func measure(config: ExperimentConfig, dataSet: DataSet, rounds: Int) throws -> DashboardOverhead {
        let split = try DataSplit(dataSet: dataSet, labeledFraction: config.labeledFraction,
                                  validationFraction: config.validationFraction, seed: config.seed)
        func run(listener: (TrainingEvent) -> Void) throws -> Double {
            let experiment = try Experiment(config: config, dataSet: dataSet, split: split)
            let clock = ContinuousClock()
            let start = clock.now
            _ = experiment.run(listener: listener)
            return (clock.now - start).seconds
        }
        func withDashboard() throws -> (seconds: Double, usage: OffscreenDashboard.Usage) {
            let dashboard = OffscreenDashboard(config: config, dataSet: dataSet)
            dashboard.start()
            let seconds = try run(listener: dashboard.receive)
            return (seconds, dashboard.stop())
        }

        _ = try run { _ in }  // warm-up: buffers, caches, the engine's threads
        var ratios: [Double] = [], without: [Double] = [], with: [Double] = []
        var cpu = 0.0, frames = 0, dashboardWall = 0.0
        for round in 0..<max(1, rounds) {
            let plain: Double, attached: (seconds: Double, usage: OffscreenDashboard.Usage)
            // Rounds alternate which goes first (ABBA), so a drift affects both alike.
            if round % 2 == 0 {
                plain = try run { _ in }
                attached = try withDashboard()
            } else {
                attached = try withDashboard()
                plain = try run { _ in }
            }
            without.append(plain)
            with.append(attached.seconds)
            ratios.append(attached.seconds / plain)
            cpu += attached.usage.cpuSeconds
            frames += attached.usage.frames
            dashboardWall += attached.usage.wallSeconds
        }
        return DashboardOverhead(
            percent: 100 * (median(ratios) - 1),
            percentRange: 100 * (ratios.min()! - 1)...100 * (ratios.max()! - 1),
            cpuPercentOfOneCore: 100 * cpu / max(dashboardWall, 1e-9),
            framesPerSecond: Double(frames) / max(dashboardWall, 1e-9),
            secondsWithout: median(without), secondsWith: median(with))
    }

    private static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
