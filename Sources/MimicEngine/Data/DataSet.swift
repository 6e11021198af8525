/// A labeled training set and test set with their class names, as read from disk or
/// built in memory. The initializer checks what the rest of the engine relies on
/// (one label per image, every label a known class, one image shape), so a `DataSet`
/// that exists is consistent.
public struct DataSet: Sendable {
    public let name: String
    public let classNames: [String]
    public let train: ImageTable
    public let trainLabels: [UInt8]
    public let test: ImageTable
    public let testLabels: [UInt8]

    public var classCount: Int { classNames.count }

    public init(
        name: String, classNames: [String],
        train: ImageTable, trainLabels: [UInt8],
        test: ImageTable, testLabels: [UInt8]
    ) throws {
        // One class is no classification: a model would be "100%" right, and no
        // checkpoint of it could be loaded (a network needs two outputs).
        guard (2...256).contains(classNames.count) else {
            throw DataError.badClassNames(count: classNames.count)
        }
        guard train.count == trainLabels.count else {
            throw DataError.countMismatch(imageSource: "The training image table", imageCount: train.count,
                                          labelSource: "the training label array", labelCount: trainLabels.count)
        }
        guard test.count == testLabels.count else {
            throw DataError.countMismatch(imageSource: "The test image table", imageCount: test.count,
                                          labelSource: "the test label array", labelCount: testLabels.count)
        }
        // Without images every model would report 0% and loss 0, as if it had been measured.
        guard train.count > 0 else { throw DataError.noImages(source: "The training image table", test: false) }
        guard test.count > 0 else { throw DataError.noImages(source: "The test image table", test: true) }
        guard train.shape == test.shape else {
            throw DataError.shapeMismatch(trainSource: "The training set", train: train.shape,
                                          testSource: "the test set", test: test.shape)
        }
        try Self.checkLabels(trainLabels, classCount: classNames.count, source: "The training label array")
        try Self.checkLabels(testLabels, classCount: classNames.count, source: "The test label array")
        self.name = name
        self.classNames = classNames
        self.train = train
        self.trainLabels = trainLabels
        self.test = test
        self.testLabels = testLabels
    }

    /// The first `trainCount` training and `testCount` test examples: a quick run or a
    /// test needs a small set with the same classes.
    public func subset(trainCount: Int, testCount: Int) -> DataSet {
        let train = self.train.prefix(trainCount)
        let test = self.test.prefix(testCount)
        // Every invariant the initializer checks survives taking a prefix.
        return try! DataSet(
            name: name, classNames: classNames,
            train: train, trainLabels: Array(trainLabels.prefix(train.count)),
            test: test, testLabels: Array(testLabels.prefix(test.count)))
    }

    /// The whole test set as a labeled subset, for evaluation.
    public var testSubset: LabeledSubset { LabeledSubset(images: test, labels: testLabels) }

    /// Throws for the first label that names no class; `source` names the file or array.
    static func checkLabels(_ labels: [UInt8], classCount: Int, source: String) throws {
        guard classCount < 256 else { return }
        if let index = labels.firstIndex(where: { Int($0) >= classCount }) {
            throw DataError.labelOutOfRange(source: source, index: index, label: labels[index], classCount: classCount)
        }
    }
}
