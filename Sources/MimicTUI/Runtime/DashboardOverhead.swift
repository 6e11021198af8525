import Foundation
import MimicEngine

/// What attaching the dashboard costs a training, measured on one training with the
/// dashboard on and off epoch by epoch.
///
/// Timing whole runs with and without it, even alternately, read anything from -30%
/// to +70% per pair on the shared development machine: other work there comes and
/// goes on the scale of seconds. Here one mentor trains on the same samples epoch
/// after epoch, an `OffscreenDashboard` fed every event throughout; it draws during
/// one epoch of each pair and is suspended during the other (which goes first
/// alternates from pair to pair), so the two epochs of a pair do the same work
/// seconds apart. An epoch's time includes its evaluation on the test set.
public struct DashboardOverhead: Sendable {
    /// Median over pairs of the epoch's time with the dashboard drawing over without,
    /// minus one, in percent: the throughput the training loses.
    public var percent: Double
    /// The lowest and highest of the pairs' figures: how much the machine's noise moves them.
    public var percentRange: ClosedRange<Double>
    public var pairs: Int
    /// The dashboard thread's CPU time over the time it was drawing, in percent of one core.
    public var cpuPercentOfOneCore: Double
    public var framesPerSecond: Double
    /// Median time of an epoch without and with the dashboard drawing.
    public var epochSecondsWithout: Double
    public var epochSecondsWith: Double

    /// Trains `config`'s mentor for 1 + 2 x `pairs` epochs (the first warms up and is
    /// not counted) on `dataSet`, then stops the run.
    public static func measure(config: ExperimentConfig, dataSet: DataSet, pairs: Int) throws -> DashboardOverhead {
        let pairs = max(1, pairs)
        var config = config
        config.epochs = 1 + 2 * pairs
        let experiment = try Experiment(config: config, dataSet: dataSet)
        let dashboard = OffscreenDashboard(config: config, dataSet: dataSet)
        let control = TrainingControl()
        /// Pairs go on-off, off-on, on-off, ...
        func drawing(inEpoch epoch: Int) -> Bool {
            guard epoch >= 2 else { return false }
            let pair = (epoch - 2) / 2, first = (epoch - 2) % 2 == 0
            return pair % 2 == 0 ? first : !first
        }
        var with = [Double](), without = [Double]()
        var drawingSeconds = 0.0
        let clock = ContinuousClock()
        var epochStart = clock.now
        dashboard.suspend()
        dashboard.start()
        _ = experiment.run(control: control) { event in
            dashboard.receive(event)
            guard case .progress(let point) = event, point.model.role == .mentor, point.isEpochEnd else { return }
            let seconds = (clock.now - epochStart).seconds
            if point.epoch >= 2 {
                if drawing(inEpoch: point.epoch) {
                    with.append(seconds)
                    drawingSeconds += seconds
                } else {
                    without.append(seconds)
                }
            }
            if point.epoch >= config.epochs {
                dashboard.suspend()
                control.stop()
            } else if drawing(inEpoch: point.epoch + 1) {
                dashboard.resume()
            } else {
                dashboard.suspend()
            }
            epochStart = clock.now
        }
        let usage = dashboard.stop()
        guard with.count == pairs, without.count == pairs else {
            throw MeasurementFailed(description: "The mentor stopped after \(with.count + without.count + 1) of \(config.epochs) epochs; the dashboard's cost was not measured.")
        }
        let ratios = zip(with, without).map { $0 / $1 }
        return DashboardOverhead(
            percent: 100 * (median(ratios) - 1),
            percentRange: 100 * (ratios.min()! - 1)...100 * (ratios.max()! - 1),
            pairs: pairs,
            cpuPercentOfOneCore: 100 * usage.cpuSeconds / max(drawingSeconds, 1e-9),
            framesPerSecond: Double(usage.frames) / max(drawingSeconds, 1e-9),
            epochSecondsWithout: median(without), epochSecondsWith: median(with))
    }

    public struct MeasurementFailed: Error, CustomStringConvertible {
        public let description: String
    }

    private static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
