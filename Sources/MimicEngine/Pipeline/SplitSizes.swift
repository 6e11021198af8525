/// How many images each part of a run's split holds, and the labeled ones per class:
/// what a listener shows before the first step.
public struct SplitSizes: Sendable, Equatable {
    public let labeled: Int
    public let validation: Int
    public let unlabeled: Int
    public let test: Int
    public let labeledPerClass: [Int]
    /// How many of `unlabeled` are images without a class, and what holds them
    /// ("unlabeled/"); 0 and nil when the pool is all held-out training images.
    public let unlabeledFromElsewhere: Int
    public let elsewhereName: String?

    public init(labeled: Int, validation: Int, unlabeled: Int, test: Int, labeledPerClass: [Int],
                unlabeledFromElsewhere: Int = 0, elsewhereName: String? = nil) {
        self.labeled = labeled
        self.validation = validation
        self.unlabeled = unlabeled
        self.test = test
        self.labeledPerClass = labeledPerClass
        self.unlabeledFromElsewhere = unlabeledFromElsewhere
        self.elsewhereName = elsewhereName
    }

    /// "54000 unlabeled" or "59400 unlabeled (5400 from training, 54000 from unlabeled/)".
    public var unlabeledText: String {
        guard unlabeledFromElsewhere > 0 else { return "\(unlabeled) unlabeled" }
        return "\(unlabeled) unlabeled (\(unlabeled - unlabeledFromElsewhere) from training, "
            + "\(unlabeledFromElsewhere) from \(elsewhereName ?? "elsewhere"))"
    }
}
