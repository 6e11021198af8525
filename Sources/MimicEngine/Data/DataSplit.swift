import Foundation

/// The training set cut in two for a DeepMimic experiment: a small labeled part for
/// the mentor (itself cut into training and validation) and the unlabeled rest for
/// the students, plus the whole test set. The data set's images without a class, if
/// it has any, join the unlabeled rest whole, after it; then the labeled part may be
/// the whole training set (a fraction of 1).
///
/// The cut is stratified: each class gives `round(labeledFraction * classSize)` of its
/// training examples (halves round away from zero), so a 1% split of a balanced set is
/// still balanced. Validation then takes `round(validationFraction * labeledInClass)` of
/// each class's labeled examples. Which examples is decided by one seeded shuffle per
/// class, so the labeled part for a seed and fraction does not depend on the validation
/// fraction. Rows in every part are sorted ascending: the order carries no information,
/// and trainers shuffle for themselves.
public struct DataSplit: Sendable {
    public let classNames: [String]
    public let labeledFraction: Double
    public let validationFraction: Double
    public let seed: UInt64
    /// The mentor's training examples (the labeled fraction minus validation).
    public let labeled: LabeledSubset
    /// Held out of the labeled fraction; empty when `validationFraction` is 0.
    public let validation: LabeledSubset
    /// The rest of the training set, without labels, then the images without a class.
    public let unlabeled: UnlabeledPool
    /// How many of `unlabeled` are training images whose labels were left out.
    public let unlabeledFromTraining: Int
    /// How many of `unlabeled` are images without a class (`DataSet.unlabeled`).
    public var unlabeledFromElsewhere: Int { unlabeled.count - unlabeledFromTraining }
    /// The whole test set.
    public let test: LabeledSubset
    /// Examples per class in `labeled`, for the dashboard's bar chart.
    public let labeledCountsPerClass: [Int]
    /// Examples per class in `validation`.
    public let validationCountsPerClass: [Int]

    public var classCount: Int { classNames.count }

    /// `needsPool` false allows a split with no unlabeled image: a run with no student,
    /// which trains its mentor on every label as a supervised reference.
    public init(dataSet: DataSet, labeledFraction: Double, validationFraction: Double = 0, seed: UInt64,
                needsPool: Bool = true) throws {
        let elsewhere = dataSet.unlabeled?.images.count ?? 0
        guard labeledFraction > 0 && labeledFraction <= 1 else {
            throw DataError.labeledFractionOutOfRange(labeledFraction)
        }
        guard validationFraction >= 0 && validationFraction < 1 else {
            throw DataError.validationFractionOutOfRange(validationFraction)
        }
        let classCount = dataSet.classCount
        var byClass = [[Int32]](repeating: [], count: classCount)
        for (row, label) in dataSet.trainLabels.enumerated() {
            byClass[Int(label)].append(Int32(row))
        }
        let labeledPerClass = byClass.map { Self.share(labeledFraction, of: $0.count) }
        let validationPerClass = labeledPerClass.map { Self.share(validationFraction, of: $0) }

        // Rounding grows with class size, so the smallest class is the first to fail.
        if let smallest = Self.smallestNonEmpty(byClass.map(\.count)) {
            let size = byClass[smallest].count
            if labeledPerClass[smallest] == 0 {
                throw DataError.labeledFractionTooSmall(
                    fraction: labeledFraction, className: dataSet.classNames[smallest],
                    classSize: size, smallestWorking: Self.smallestFraction(selectingOneOf: size))
            }
        }
        if let smallest = Self.smallestNonEmpty(labeledPerClass),
           validationPerClass[smallest] >= labeledPerClass[smallest] {
            let labeledCount = labeledPerClass[smallest]
            throw DataError.validationTooLarge(
                fraction: validationFraction, className: dataSet.classNames[smallest],
                labeledInClass: labeledCount, limit: Self.validationLimit(labeledInClass: labeledCount))
        }
        guard labeledPerClass.reduce(0, +) < dataSet.train.count || elsewhere > 0 || !needsPool else {
            throw DataError.noUnlabeledExamples(fraction: labeledFraction)
        }

        var random = SeededRandom(seed: seed, stream: "split")
        var trainRows: [Int32] = [], validationRows: [Int32] = [], poolRows: [Int32] = []
        for c in 0..<classCount {
            var rows = byClass[c]
            Self.shuffle(&rows, using: &random)
            let held = validationPerClass[c], labeled = labeledPerClass[c]
            validationRows += rows[0..<held]
            trainRows += rows[held..<labeled]
            poolRows += rows[labeled...]
        }
        trainRows.sort()
        validationRows.sort()
        poolRows.sort()

        let labels = dataSet.trainLabels
        self.classNames = dataSet.classNames
        self.labeledFraction = labeledFraction
        self.validationFraction = validationFraction
        self.seed = seed
        self.labeled = LabeledSubset(images: dataSet.train, rows: trainRows, labels: trainRows.map { labels[Int($0)] })
        self.validation = LabeledSubset(
            images: dataSet.train, rows: validationRows, labels: validationRows.map { labels[Int($0)] })
        self.unlabeledFromTraining = poolRows.count
        let firstElsewhere = Int32(dataSet.train.count)
        self.unlabeled = UnlabeledPool(images: dataSet.poolImages,
                                       rows: poolRows + (0..<Int32(elsewhere)).map { firstElsewhere + $0 })
        self.test = dataSet.testSubset
        self.labeledCountsPerClass = zip(labeledPerClass, validationPerClass).map { $0 - $1 }
        self.validationCountsPerClass = validationPerClass
    }

    static func share(_ fraction: Double, of count: Int) -> Int {
        Int((fraction * Double(count)).rounded(.toNearestOrAwayFromZero))
    }

    private static func smallestNonEmpty(_ counts: [Int]) -> Int? {
        counts.indices.filter { counts[$0] > 0 }.min { counts[$0] < counts[$1] }
    }

    /// The smallest one-significant-digit fraction that rounds to at least one example of
    /// `size`: a number a person can type, and not much more than needed.
    private static func smallestFraction(selectingOneOf size: Int) -> Double {
        let exact = 0.5 / Double(size)
        let step = pow(10, floor(log10(exact)))
        var fraction = (exact / step).rounded(.up) * step
        while share(fraction, of: size) < 1 { fraction += step }
        return fraction
    }

    /// A two-decimal bound below which validation leaves a class with `labeledInClass`
    /// labeled examples at least one for training: round(v * k) <= k - 1 iff v < 1 - 1/(2k).
    private static func validationLimit(labeledInClass k: Int) -> Double {
        ((1 - 0.5 / Double(k)) * 100).rounded(.down) / 100
    }

    /// Fisher-Yates written out rather than `shuffle(using:)`, whose algorithm the
    /// standard library does not promise to keep: a seed must name the same split on
    /// every toolchain.
    private static func shuffle(_ rows: inout [Int32], using random: inout SeededRandom) {
        guard rows.count > 1 else { return }
        for i in stride(from: rows.count - 1, to: 0, by: -1) {
            let j = Int(random.next().multipliedFullWidth(by: UInt64(i + 1)).high)
            rows.swapAt(i, j)
        }
    }
}
