/// A labeled training set and test set with their class names, as read from disk or
/// built in memory, and any images without a class that came with them. The
/// initializer checks what the rest of the engine relies on (one label per image,
/// every label a known class, one image shape), so a `DataSet` that exists is
/// consistent.
public struct DataSet: Sendable {
    public let name: String
    public let classNames: [String]
    public let train: ImageTable
    public let trainLabels: [UInt8]
    public let test: ImageTable
    public let testLabels: [UInt8]
    /// Images with no class from elsewhere (an `unlabeled/` folder, `--unlabeled DIR`, an
    /// archive's `x_unlabeled`): they join the students' pool whole, and no model ever
    /// sees a label for them, because there is none.
    public let unlabeled: UnlabeledImages?
    /// The training images followed by the unlabeled ones: the table the pool's rows
    /// index. The training table itself when there are no unlabeled images.
    public let poolImages: ImageTable

    /// Images without a class and where they came from, for the split pane and errors.
    public struct UnlabeledImages: Sendable, Equatable {
        public let images: ImageTable
        /// Where they came from, as a phrase that can stand in a sentence: "folder
        /// /data/unlabeled", "x_unlabeled.npy in /data/set.npz".
        public let source: String
        /// A short name for the split pane: "unlabeled/", "x_unlabeled".
        public let name: String

        public init(images: ImageTable, source: String, name: String) {
            self.images = images
            self.source = source
            self.name = name
        }
    }

    public var classCount: Int { classNames.count }

    public init(
        name: String, classNames: [String],
        train: ImageTable, trainLabels: [UInt8],
        test: ImageTable, testLabels: [UInt8],
        unlabeled: UnlabeledImages? = nil
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
        if let unlabeled {
            guard unlabeled.images.count > 0 else {
                throw DataError.noUnlabeledImages(source: unlabeled.source)
            }
            guard unlabeled.images.shape == train.shape else {
                throw DataError.shapeMismatch(trainSource: "The training set", train: train.shape,
                                              testSource: unlabeled.source,
                                              test: unlabeled.images.shape)
            }
        }
        self.name = name
        self.classNames = classNames
        self.train = train
        self.trainLabels = trainLabels
        self.test = test
        self.testLabels = testLabels
        self.unlabeled = unlabeled
        self.poolImages = unlabeled.map { ImageTable(shape: train.shape, pixels: train.pixels + $0.images.pixels) } ?? train
    }

    /// This data set with `more` images without a class added after those it has, if any.
    public func adding(unlabeled more: UnlabeledImages) throws -> DataSet {
        guard more.images.shape == train.shape else {
            throw DataError.shapeMismatch(trainSource: "The training set", train: train.shape,
                                          testSource: more.source, test: more.images.shape)
        }
        let joined = unlabeled.map { mine in
            UnlabeledImages(images: ImageTable(shape: mine.images.shape, pixels: mine.images.pixels + more.images.pixels),
                            source: mine.source + " and " + more.source, name: mine.name + " + " + more.name)
        } ?? more
        return try DataSet(name: name, classNames: classNames, train: train, trainLabels: trainLabels,
                           test: test, testLabels: testLabels, unlabeled: joined)
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
            test: test, testLabels: Array(testLabels.prefix(test.count)), unlabeled: unlabeled)
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
