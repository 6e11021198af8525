import Foundation
import MimicEngine
import Testing

/// The error loading `path` gives; an image folder is decoded afresh, never cached.
func loadError(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> DataError {
    try #require(throws: DataError.self, sourceLocation: sourceLocation) { try DataSet.load(from: path, imageCache: .disabled) }
}

/// `error` is one sentence, ending in a full stop, that mentions each of `fragments`.
func expectSentence(_ error: DataError, mentions fragments: [String], sourceLocation: SourceLocation = #_sourceLocation) {
    let text = error.description
    for fragment in fragments {
        #expect(text.contains(fragment), "\"\(text)\" should mention \(fragment)", sourceLocation: sourceLocation)
    }
    #expect(text.hasSuffix("."), sourceLocation: sourceLocation)
    #expect(!text.dropLast().contains(". "), "one sentence: \(text)", sourceLocation: sourceLocation)
}

/// Pixels that differ from image to image and position to position, so a reader that
/// swaps, shifts or drops bytes cannot pass a round trip.
func patternPixels(images: Int, size: Int, salt: Int = 0) -> [UInt8] {
    (0..<(images * size)).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ ($0 / size) &* 11 &+ salt) }
}

/// A data set whose class `c` has `classSizes[c]` training examples, interleaved rather
/// than grouped, and `testCount` test examples cycling through the classes.
func makeDataSet(classSizes: [Int], testCount: Int = 20, shape: SampleShape = .init(channels: 1, height: 4, width: 3),
                 name: String = "tiny") throws -> DataSet {
    var remaining = classSizes
    var trainLabels: [UInt8] = []
    while remaining.contains(where: { $0 > 0 }) {
        for c in remaining.indices where remaining[c] > 0 {
            trainLabels.append(UInt8(c))
            remaining[c] -= 1
        }
    }
    let testLabels = (0..<testCount).map { UInt8($0 % classSizes.count) }
    return try DataSet(
        name: name, classNames: classSizes.indices.map { "class\($0)" },
        train: ImageTable(shape: shape, pixels: patternPixels(images: trainLabels.count, size: shape.count)),
        trainLabels: trainLabels,
        test: ImageTable(shape: shape, pixels: patternPixels(images: testCount, size: shape.count, salt: 5)),
        testLabels: testLabels)
}

let realFashionMNISTIsInstalled =
    FileManager.default.fileExists(atPath: DataSet.defaultDirectory + "/train-images-idx3-ubyte.gz")
    || FileManager.default.fileExists(atPath: DataSet.defaultDirectory + "/train-images-idx3-ubyte")
