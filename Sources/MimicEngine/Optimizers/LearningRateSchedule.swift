import Foundation

/// How the learning rate moves over a run.
public enum LearningRateSchedule: String, CaseIterable, Sendable {
    /// The base rate throughout.
    case constant
    /// Half a cosine from the base rate down to 0 at the last step, as
    /// torch.optim.lr_scheduler.CosineAnnealingLR with eta_min 0 and T_max = totalSteps.
    case cosine

    /// One line for --help and the report.
    public var summary: String {
        switch self {
        case .constant: "the base learning rate throughout"
        case .cosine: "half a cosine from the base rate to 0 (CosineAnnealingLR)"
        }
    }

    /// The rate for `step` (0 is the first) of `totalSteps`. Steps past the end keep the
    /// final rate rather than climbing back up the cosine.
    public func rate(base: Float, step: Int, totalSteps: Int) -> Float {
        switch self {
        case .constant:
            return base
        case .cosine:
            guard totalSteps > 0 else { return base }
            let progress = Double(min(max(step, 0), totalSteps)) / Double(totalSteps)
            return Float(Double(base) * (1 + cos(Double.pi * progress)) / 2)
        }
    }
}
