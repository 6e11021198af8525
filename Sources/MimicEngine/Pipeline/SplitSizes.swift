/// How many images each part of a run's split holds, and the labeled ones per class:
/// what a listener shows before the first step.
public struct SplitSizes: Sendable, Equatable {
    public let labeled: Int
    public let validation: Int
    public let unlabeled: Int
    public let test: Int
    public let labeledPerClass: [Int]

    public init(labeled: Int, validation: Int, unlabeled: Int, test: Int, labeledPerClass: [Int]) {
        self.labeled = labeled
        self.validation = validation
        self.unlabeled = unlabeled
        self.test = test
        self.labeledPerClass = labeledPerClass
    }
}
