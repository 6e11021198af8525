import MimicEngine

/// The counts a split would give, computed from the loaded data set as the user
/// changes the fraction or seed, or the sentence that says why it cannot be made.
public enum SplitPreview: Equatable, Sendable {
    case pending
    case counts(SplitCounts)
    case invalid(String)

    public init(dataSet: DataSet?, labeledFraction: Double, validationFraction: Double, seed: UInt64) {
        guard let dataSet else {
            self = .pending
            return
        }
        do {
            let split = try DataSplit(dataSet: dataSet, labeledFraction: labeledFraction,
                                      validationFraction: validationFraction, seed: seed)
            self = .counts(SplitCounts(labeled: split.labeled.count, validation: split.validation.count,
                                       unlabeled: split.unlabeled.count, test: split.test.count,
                                       labeledPerClass: split.labeledCountsPerClass, classNames: split.classNames,
                                       unlabeledFromElsewhere: split.unlabeledFromElsewhere,
                                       elsewhereName: dataSet.unlabeled?.name))
        } catch {
            self = .invalid("\(error)")
        }
    }
}

/// The sizes of each part of a split, and the labeled part per class.
public struct SplitCounts: Equatable, Sendable {
    public let labeled: Int
    public let validation: Int
    public let unlabeled: Int
    public let test: Int
    public let labeledPerClass: [Int]
    public let classNames: [String]
    /// How many of `unlabeled` are images without a class, and what holds them.
    public var unlabeledFromElsewhere = 0
    public var elsewhereName: String?
}
