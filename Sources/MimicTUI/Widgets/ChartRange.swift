/// How a chart's y-range is chosen from the values it draws; pure, so each rule can be
/// tested on its own.
///
/// The robust range follows TensorBoard's "ignore outliers in chart scaling" (the 5th
/// to 95th percentile of the values pooled), with two differences: only the values
/// worth comparing are pooled (a series' first points, where a loss starts many times
/// higher, can be left out), and the values that must be seen (the last point of each
/// test curve, reference lines) are always inside, so no model's result is ever cut off.
enum ChartRange {
    static let lowerPercentile = 0.05
    static let upperPercentile = 0.95

    /// The `p`-th quantile (0...1) of `values`, interpolating linearly between the two
    /// nearest ranks; nil when there are none.
    static func percentile(_ values: [Double], _ p: Double) -> Double? {
        let sorted = values.filter(\.isFinite).sorted()
        guard let first = sorted.first else { return nil }
        guard sorted.count > 1 else { return first }
        let rank = min(max(p, 0), 1) * Double(sorted.count - 1)
        let below = Int(rank.rounded(.down))
        let above = min(below + 1, sorted.count - 1)
        let weight = rank - Double(below)
        return sorted[below] * (1 - weight) + sorted[above] * weight
    }

    /// The 5th to 95th percentile of `pooled`, widened to hold every value of `kept`;
    /// nil when both are empty. Non-finite values are left out.
    static func robust(pooled: [Double], kept: [Double]) -> ClosedRange<Double>? {
        let kept = kept.filter(\.isFinite)
        var low = percentile(pooled, lowerPercentile)
        var high = percentile(pooled, upperPercentile)
        for value in kept {
            low = min(low ?? value, value)
            high = max(high ?? value, value)
        }
        guard let low, let high else { return nil }
        return low...high
    }

    /// Every finite value, low to high; nil when there is none.
    static func full(_ values: [Double]) -> ClosedRange<Double>? {
        let finite = values.filter(\.isFinite)
        guard let low = finite.min(), let high = finite.max() else { return nil }
        return low...high
    }

    /// Where a train series stops being dominated by its start: the index of its first
    /// point past the end of its first epoch (`epochs[i]` is the fractional epoch of
    /// point i). A loss in the first epoch starts many times higher than where it
    /// settles (a student's kd loss is scaled by T², 16 at the default temperature).
    /// A series still in its first epoch has nothing past it, so its later half counts.
    static func convergedStart(epochs: [Double]) -> Int {
        if let index = epochs.firstIndex(where: { $0 > 1 }) { return index }
        return epochs.count / 2
    }

    /// The share of the x-axis the "end" range shows: the last third of the run.
    static let endShare = 1.0 / 3

    /// The last `endShare` of `low...high`.
    static func endWindow(_ low: Double, _ high: Double) -> ClosedRange<Double> {
        (high - (high - low) * endShare)...high
    }
}
