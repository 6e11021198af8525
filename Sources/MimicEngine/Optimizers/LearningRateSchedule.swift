import Foundation

/// How the learning rate moves over a run. Written as it is typed: "constant",
/// "cosine", or "step:150/180/210".
///
/// The rate is a function of the step alone (and of the steps an epoch has), never of
/// a value carried from step to step, so a resumed run takes the rates the
/// uninterrupted one took with nothing more in its epoch checkpoint.
public enum LearningRateSchedule: Sendable, Hashable, CustomStringConvertible {
    /// The base rate throughout.
    case constant
    /// Half a cosine from the base rate down to 0 at the last step, as
    /// torch.optim.lr_scheduler.CosineAnnealingLR with eta_min 0 and T_max = totalSteps.
    case cosine
    /// The base rate, a tenth of it after the first of these epochs, a hundredth after
    /// the second, and so on, as torch.optim.lr_scheduler.MultiStepLR(milestones:
    /// epochs, gamma: 0.1) stepped once an epoch (RepDistiller's 150, 180, 210 of 240).
    /// Increasing, from 1.
    case step(epochs: [Int])

    /// The kinds, as --help lists them.
    public static let kinds = ["constant", "cosine", "step:E1/E2/..."]

    /// What the rate falls by at each of a step schedule's epochs (MultiStepLR's gamma).
    public static let stepFactor = 0.1

    /// One line for --help and the report.
    public var summary: String {
        switch self {
        case .constant: "the base learning rate throughout"
        case .cosine: "half a cosine from the base rate to 0 (CosineAnnealingLR)"
        case .step(let epochs): "the base rate, a tenth of it after each of epochs \(epochs.map(String.init).joined(separator: ", ")) (MultiStepLR)"
        }
    }

    /// The text `parse` reads back.
    public var description: String {
        switch self {
        case .constant: "constant"
        case .cosine: "cosine"
        case .step(let epochs): "step:" + epochs.map(String.init).joined(separator: "/")
        }
    }

    /// Reads "constant", "cosine" or "step:E1/E2/..." (epochs separated by slashes, not
    /// commas, which a sweep's grid reads as separate values); one sentence for anything else.
    public static func parse(_ text: String) throws(ConfigError) -> LearningRateSchedule {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let example = "e.g. --schedule step:150/180/210"
        switch trimmed {
        case "constant": return .constant
        case "cosine": return .cosine
        default: break
        }
        guard trimmed != "step" else {
            throw ConfigError(message: "--schedule '\(text)' names no epochs; put the epochs after which the rate falls tenfold after a colon, \(example).")
        }
        guard trimmed.hasPrefix("step:") else {
            throw ConfigError(message: "--schedule '\(text)' is not constant, cosine or step:E1/E2/...; pass one of them, \(example).")
        }
        let list = trimmed.dropFirst(5)
        guard !list.contains(",") else {
            throw ConfigError(message: "--schedule '\(text)' separates its epochs with commas, which a sweep reads as separate values; separate them with slashes, \(example).")
        }
        guard !list.isEmpty else {
            throw ConfigError(message: "--schedule '\(text)' names no epochs; give the epochs after which the rate falls tenfold, \(example).")
        }
        var epochs: [Int] = []
        for field in list.split(separator: "/", omittingEmptySubsequences: false) {
            guard let epoch = Int(field), field.allSatisfy(\.isNumber) else {
                throw ConfigError(message: "--schedule '\(text)' has '\(field)' where an epoch should be; give whole numbers of epochs, \(example).")
            }
            guard epoch >= 1 else {
                throw ConfigError(message: "--schedule '\(text)' has epoch 0; the rate can fall after epoch 1 at the earliest, \(example).")
            }
            guard epochs.last.map({ $0 < epoch }) ?? true else {
                throw ConfigError(message: "--schedule '\(text)' does not list its epochs in increasing order; give each once, from the first, \(example).")
            }
            epochs.append(epoch)
        }
        return .step(epochs: epochs)
    }

    /// The rate for `step` (0 is the first) of `totalSteps`, `stepsPerEpoch` to an epoch.
    /// Steps past the end keep the final rate rather than climbing back up the cosine.
    public func rate(base: Float, step: Int, totalSteps: Int, stepsPerEpoch: Int) -> Float {
        switch self {
        case .constant:
            return base
        case .cosine:
            guard totalSteps > 0 else { return base }
            let progress = Double(min(max(step, 0), totalSteps)) / Double(totalSteps)
            return Float(Double(base) * (1 + cos(Double.pi * progress)) / 2)
        case .step(let epochs):
            // The epochs done before this step's epoch, as MultiStepLR's last_epoch.
            let done = max(step, 0) / max(stepsPerEpoch, 1)
            let falls = epochs.prefix { $0 <= done }.count
            guard falls > 0 else { return base }
            // PyTorch multiplies the Python float of the rate as typed by 0.1 once per
            // milestone, in double precision, and the optimizer rounds the product to
            // float32. `base.description` is the shortest text that reads back as `base`,
            // the text typed, so Double of it is that Python float (Double(base) is not:
            // 0.05 as a Float is 0.0500000007..., and a thousandth of it would round to
            // another float32 than PyTorch's). At most 15 characters: a small string,
            // not allocated.
            var rate = Double(base.description) ?? Double(base)
            for _ in 0..<falls { rate *= Self.stepFactor }
            return Float(rate)
        }
    }
}

extension LearningRateSchedule: Codable {
    /// Kept as its text ("cosine", "step:150/180/210") in stored configs, as it is typed.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            self = try Self.parse(text)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.message))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
