import Foundation
import MimicEngine
import Testing

@Suite struct DataSplitTests {
    /// Unequal classes, so stratification is visible and rounding happens both ways.
    static let classSizes = [40, 55, 70, 85, 100, 115, 130, 145, 160, 175]

    private func data() throws -> DataSet {
        try makeDataSet(classSizes: Self.classSizes, testCount: 25)
    }

    @Test func partsAreDisjointSortedAndCoverTheTrainingSet() throws {
        let data = try data()
        let split = try DataSplit(dataSet: data, labeledFraction: 0.1, validationFraction: 0.25, seed: 1)
        let parts = [split.labeled.rows, split.validation.rows, split.unlabeled.rows]
        for rows in parts { #expect(rows == rows.sorted()) }
        let all = parts.flatMap { $0 }
        #expect(all.count == data.train.count)
        #expect(Set(all) == Set((0..<Int32(data.train.count))))
        #expect(split.validation.count > 0)
        #expect(split.unlabeled.count == data.train.count - split.labeled.count - split.validation.count)
        for subset in [split.labeled, split.validation] {
            #expect(subset.labels == subset.rows.map { data.trainLabels[Int($0)] })
            #expect(subset.images == data.train)
        }
        #expect(split.unlabeled.images == data.train)
        #expect(split.test.count == data.test.count)
        #expect(split.test.labels == data.testLabels)
    }

    @Test func stratifiedPerClass() throws {
        let split = try DataSplit(dataSet: try data(), labeledFraction: 0.1, validationFraction: 0.25, seed: 3)
        let labeledCounts = counts(split.labeled.labels), validationCounts = counts(split.validation.labels)
        for (c, size) in Self.classSizes.enumerated() {
            let labeled = Int((0.1 * Double(size)).rounded())
            let held = Int((0.25 * Double(labeled)).rounded())
            #expect(labeledCounts[c] + validationCounts[c] == labeled, "class \(c)")
            #expect(validationCounts[c] == held, "class \(c)")
        }
        #expect(split.labeledCountsPerClass == labeledCounts)
        #expect(split.validationCountsPerClass == validationCounts)
        #expect(labeledCounts == [3, 4, 5, 7, 7, 9, 10, 11, 12, 13])
    }

    @Test func seedDecidesTheSplit() throws {
        let data = try data()
        let a = try DataSplit(dataSet: data, labeledFraction: 0.2, validationFraction: 0.1, seed: 42)
        let b = try DataSplit(dataSet: data, labeledFraction: 0.2, validationFraction: 0.1, seed: 42)
        let c = try DataSplit(dataSet: data, labeledFraction: 0.2, validationFraction: 0.1, seed: 43)
        #expect(a.labeled.rows == b.labeled.rows)
        #expect(a.validation.rows == b.validation.rows)
        #expect(a.unlabeled.rows == b.unlabeled.rows)
        #expect(a.labeled.rows != c.labeled.rows)
        #expect(a.unlabeled.rows != c.unlabeled.rows)
        // Same sizes per class whatever the seed; only the choice of examples moves.
        #expect(a.labeledCountsPerClass == c.labeledCountsPerClass)
    }

    @Test func validationDoesNotChangeWhichExamplesAreLabeled() throws {
        let data = try data()
        let plain = try DataSplit(dataSet: data, labeledFraction: 0.15, seed: 9)
        let held = try DataSplit(dataSet: data, labeledFraction: 0.15, validationFraction: 0.3, seed: 9)
        #expect(plain.validation.count == 0)
        #expect(Set(plain.labeled.rows) == Set(held.labeled.rows + held.validation.rows))
        #expect(plain.unlabeled.rows == held.unlabeled.rows)
    }

    @Test func unlabeledPoolHoldsNoLabels() throws {
        let split = try DataSplit(dataSet: try data(), labeledFraction: 0.1, seed: 5)
        let pool = split.unlabeled
        let top = Mirror(reflecting: pool).children.map { $0.label ?? "?" }
        #expect(top == ["images", "rows"])
        let rows = Mirror(reflecting: pool).children.first { $0.label == "rows" }?.value
        #expect(rows is [Int32])

        let fields = storedFields(of: pool)
        #expect(!fields.isEmpty)
        for field in fields {
            #expect(!field.path.lowercased().contains("label"), "\(field.path)")
            #expect(!(field.value is LabeledSubset) && !(field.value is DataSet) && !(field.value is DataSplit))
            if field.value is [UInt8] {
                #expect(field.path == "images.pixels", "a byte array other than the pixels: \(field.path)")
            }
        }
        #expect(fields.contains { $0.path == "images.pixels" })
    }

    @Test func fractionsOutOfRangeAreRejected() throws {
        let data = try data()
        for fraction in [0, 1, -0.1, 1.5, .nan] {
            let error = #expect(throws: DataError.self) {
                try DataSplit(dataSet: data, labeledFraction: fraction, seed: 0)
            }
            #expect(error?.description.contains("--labeled") == true)
        }
        for fraction in [1, -0.1, 2, .nan] {
            let error = #expect(throws: DataError.self) {
                try DataSplit(dataSet: data, labeledFraction: 0.5, validationFraction: fraction, seed: 0)
            }
            #expect(error?.description.contains("--validation") == true)
        }
    }

    @Test func tooSmallFractionSaysWhatWouldWork() throws {
        let data = try data()
        // The smallest class (40 examples) needs 0.5 / 40 = 0.0125, so 0.02 at one digit.
        let error = try #require(throws: DataError.self) {
            try DataSplit(dataSet: data, labeledFraction: 0.01, seed: 0)
        }
        #expect(error == .labeledFractionTooSmall(fraction: 0.01, className: "class0", classSize: 40, smallestWorking: 0.02))
        #expect(error.description.contains("class0"))
        #expect(error.description.contains("use --labeled 0.02 or more"))
        let split = try DataSplit(dataSet: data, labeledFraction: 0.02, seed: 0)
        #expect(split.labeledCountsPerClass.allSatisfy { $0 >= 1 })
    }

    @Test func validationMustLeaveTrainingExamples() throws {
        // One labeled example per class: any validation that takes it is too much.
        let data = try makeDataSet(classSizes: [10, 12, 14])
        let error = try #require(throws: DataError.self) {
            try DataSplit(dataSet: data, labeledFraction: 0.1, validationFraction: 0.5, seed: 0)
        }
        #expect(error == .validationTooLarge(fraction: 0.5, className: "class0", labeledInClass: 1, limit: 0.5))
        #expect(error.description.contains("--validation below 0.5"))
        let split = try DataSplit(dataSet: data, labeledFraction: 0.1, validationFraction: 0.49, seed: 0)
        #expect(split.validation.count == 0)
        #expect(split.labeledCountsPerClass == [1, 1, 1])
    }

    @Test func labeledFractionMustLeaveAPool() throws {
        let data = try makeDataSet(classSizes: [1, 1, 1])
        let error = try #require(throws: DataError.self) {
            try DataSplit(dataSet: data, labeledFraction: 0.9, seed: 0)
        }
        #expect(error == .noUnlabeledExamples(fraction: 0.9))
        #expect(error.description.contains("--labeled"))
    }

    @Test(.enabled(if: realFashionMNISTIsInstalled, "Fashion-MNIST is not installed"))
    func splitsRealFashionMNIST() throws {
        let data = try DataSet.load(from: DataSet.defaultDirectory)
        let split = try DataSplit(dataSet: data, labeledFraction: 0.01, validationFraction: 0.1, seed: 7)
        #expect(split.labeledCountsPerClass == Array(repeating: 54, count: 10))
        #expect(split.validationCountsPerClass == Array(repeating: 6, count: 10))
        #expect(split.unlabeled.count == 60000 - 600)
        #expect(throws: DataError.self) { try DataSplit(dataSet: data, labeledFraction: 0.00005, seed: 7) }
    }

    private func counts(_ labels: [UInt8]) -> [Int] {
        var result = [Int](repeating: 0, count: Self.classSizes.count)
        for label in labels { result[Int(label)] += 1 }
        return result
    }

    /// Every stored property reachable from `value`, by dotted path. Collections are
    /// leaves: their elements are data, not fields.
    private func storedFields(of value: Any, path: String = "") -> [(path: String, value: Any)] {
        let mirror = Mirror(reflecting: value)
        var fields: [(path: String, value: Any)] = []
        for child in mirror.children {
            let childPath = path.isEmpty ? (child.label ?? "?") : path + "." + (child.label ?? "?")
            fields.append((childPath, child.value))
            switch Mirror(reflecting: child.value).displayStyle {
            case .collection, .dictionary, .set: continue
            default: fields += storedFields(of: child.value, path: childPath)
            }
        }
        return fields
    }
}
