import Foundation
import MimicEngine
import MimicTestSupport
import Testing

@Suite struct DataReaderTests {
    // MARK: Round trips

    @Test(arguments: [false, true])
    func idxRoundTrip(compressed: Bool) throws {
        let folder = try TemporaryFolder("fashion-small")
        let original = try makeDataSet(classSizes: Array(repeating: 3, count: 10), testCount: 7)
        try IDXWriter.write(original, to: folder.path, compressed: compressed)

        let loaded = try DataSet.load(from: folder.path)
        #expect(loaded.name == "fashion-small", "named after its folder")
        #expect(loaded.classNames == DataSet.fashionMNISTClassNames, "a folder named fashion gets Fashion-MNIST's classes")
        #expect(loaded.train == original.train)
        #expect(loaded.trainLabels == original.trainLabels)
        #expect(loaded.test == original.test)
        #expect(loaded.testLabels == original.testLabels)
        if compressed {
            // A real gzip stream, not the plain bytes under a .gz name.
            #expect(try folder.read("train-images-idx3-ubyte.gz").prefix(2) == [0x1f, 0x8b])
        }
    }

    @Test func dottedAndMixedNamesAreFound() throws {
        let folder = try TemporaryFolder("digits")
        let data = try makeDataSet(classSizes: [2, 2, 2], testCount: 3)
        try IDXWriter.write(images: data.train, to: folder.file("train-images.idx3-ubyte"))
        try IDXWriter.write(labels: data.trainLabels, to: folder.file("train-labels.idx1-ubyte.gz"))
        try IDXWriter.write(images: data.test, to: folder.file("t10k-images-idx3-ubyte.gz"))
        try IDXWriter.write(labels: data.testLabels, to: folder.file("t10k-labels-idx1-ubyte"))

        let loaded = try DataSet.load(from: folder.path)
        #expect(loaded.name == "digits", "named after its folder")
        #expect(loaded.classNames == DataSet.mnistClassNames)
        #expect(loaded.train == data.train)
        #expect(loaded.testLabels == data.testLabels)
    }

    @Test func cifarRoundTripWithMetaFile() throws {
        let folder = try TemporaryFolder()
        let batches = [(4, 1), (3, 2), (5, 3)]  // (records, salt) for data_batch_1, data_batch_2, test_batch
        let files = ["data_batch_1.bin", "data_batch_2.bin", "test_batch.bin"]
        for ((records, salt), name) in zip(batches, files) {
            try folder.write(cifarRecords(records, salt: salt), to: name)
        }
        try folder.write(Array("alpha\nbeta\ngamma\n\n".utf8), to: "batches.meta.txt")

        let loaded = try DataSet.load(from: folder.path)
        #expect(loaded.name == "cifar-10")
        #expect(loaded.classNames == ["alpha", "beta", "gamma"])
        #expect(loaded.train.shape == SampleShape(channels: 3, height: 32, width: 32))
        #expect(loaded.train.count == 7)
        #expect(loaded.test.count == 5)
        #expect(loaded.trainLabels == [0, 1, 2, 0, 0, 1, 2])
        let expectedTrain = try folder.read("data_batch_1.bin") + (try folder.read("data_batch_2.bin"))
        #expect(loaded.train.pixels == pixelsOnly(expectedTrain))
        #expect(loaded.test.pixels == pixelsOnly(try folder.read("test_batch.bin")))
    }

    @Test func cifarInSubfolderGetsStandardNames() throws {
        let folder = try TemporaryFolder()
        try folder.write(cifarRecords(2, salt: 0), to: "cifar-10-batches-bin/data_batch_3.bin")
        try folder.write(cifarRecords(1, salt: 0), to: "cifar-10-batches-bin/test_batch.bin")
        let loaded = try DataSet.load(from: folder.path)
        #expect(loaded.classNames == DataSet.cifar10ClassNames)
        #expect(loaded.train.count == 2)
    }

    // MARK: In memory

    @Test func fillScalesChosenRowsInOrder() throws {
        let shape = SampleShape(channels: 1, height: 1, width: 3)
        let table = ImageTable(shape: shape, pixels: [0, 51, 255, 10, 20, 30, 1, 2, 3])
        #expect(table.count == 3)
        let rows: [Int32] = [2, 0, 2]
        var out = [Float](repeating: -1, count: 9)
        out.withUnsafeMutableBufferPointer { table.fill($0.baseAddress!, rows: rows[...]) }
        let expected: [Float] = [1, 2, 3, 0, 51, 255, 1, 2, 3].map { Float($0) / 255 }
        for (a, b) in zip(out, expected) { #expect(abs(a - b) < 1e-7) }
    }

    @Test func subsetKeepsTheFirstExamples() throws {
        let data = try makeDataSet(classSizes: [5, 5], testCount: 6)
        let small = data.subset(trainCount: 3, testCount: 100)
        #expect(small.train.count == 3)
        #expect(small.trainLabels == Array(data.trainLabels.prefix(3)))
        #expect(small.train.pixels == Array(data.train.pixels.prefix(3 * data.train.shape.count)))
        #expect(small.test.count == 6)
        #expect(small.classNames == data.classNames)
    }

    @Test func inMemoryDataSetIsChecked() throws {
        let table = ImageTable(shape: .init(channels: 1, height: 2, width: 2), pixels: [UInt8](repeating: 0, count: 12))
        #expect(throws: DataError.self) {
            try DataSet(name: "x", classNames: ["a", "b"], train: table, trainLabels: [0, 1],
                        test: table, testLabels: [0, 1, 0])
        }
        let error = #expect(throws: DataError.self) {
            try DataSet(name: "x", classNames: ["a", "b"], train: table, trainLabels: [0, 1, 2],
                        test: table, testLabels: [0, 1, 0])
        }
        #expect(error == .labelOutOfRange(source: "The training label array", index: 2, label: 2, classCount: 2))
    }

    // MARK: Broken folders and files

    /// A set with no test image reported 0.00% and loss 0.0000 for every model; one with
    /// no training image advised a smaller --labeled. Both are refused, naming the file.
    @Test(arguments: [false, true])
    func anIDXSetWithoutImagesIsRefused(emptyTest: Bool) throws {
        let folder = try writeGoodIDX(compressed: false)
        let images = emptyTest ? "t10k-images-idx3-ubyte" : "train-images-idx3-ubyte"
        let labels = emptyTest ? "t10k-labels-idx1-ubyte" : "train-labels-idx1-ubyte"
        try IDXWriter.write(images: ImageTable(shape: .init(channels: 1, height: 4, width: 3), pixels: []), to: folder.file(images))
        try IDXWriter.write(labels: [], to: folder.file(labels))
        let error = try loadError(folder.path)
        #expect(error == .noImages(source: "IDX file \(folder.file(images))", test: emptyTest))
        expectSentence(error, mentions: [folder.file(images), emptyTest ? "no test image" : "no training image", "replace it"])
    }

    @Test func aCIFARSetWithoutImagesIsRefused() throws {
        let folder = try TemporaryFolder()
        try folder.write(cifarRecords(3, salt: 0), to: "data_batch_1.bin")
        try folder.write([], to: "test_batch.bin")
        #expect(try loadError(folder.path) == .noImages(source: "CIFAR-10 file \(folder.file("test_batch.bin"))", test: true))
        try folder.write([], to: "data_batch_1.bin")
        try folder.write(cifarRecords(3, salt: 0), to: "test_batch.bin")
        #expect(try loadError(folder.path) == .noImages(source: "CIFAR-10 file \(folder.file("data_batch_1.bin"))", test: false))
    }

    /// One class name made a one-class classifier that trained "at 100%" and whose
    /// checkpoint mimic then refused to load.
    @Test func aCIFARClassListOfOneNameIsRefused() throws {
        let folder = try TemporaryFolder()
        try folder.write(cifarRecords(3, salt: 0).enumerated().map { $0.offset % 3073 == 0 ? 0 : $0.element }, to: "data_batch_1.bin")
        try folder.write(cifarRecords(1, salt: 0), to: "test_batch.bin")
        try folder.write(Array("only\n".utf8), to: "batches.meta.txt")
        let error = try loadError(folder.path)
        #expect(error == .tooFewClasses(source: "CIFAR-10 class list \(folder.file("batches.meta.txt"))", count: 1))
        expectSentence(error, mentions: [folder.file("batches.meta.txt"), "only 1 class", "at least 2"])
    }

    @Test func anInMemorySetNeedsTwoClassesAndImages() throws {
        let table = ImageTable(shape: .init(channels: 1, height: 2, width: 2), pixels: [UInt8](repeating: 0, count: 8))
        let none = ImageTable(shape: .init(channels: 1, height: 2, width: 2), pixels: [])
        #expect(throws: DataError.badClassNames(count: 1)) {
            try DataSet(name: "x", classNames: ["a"], train: table, trainLabels: [0, 0], test: table, testLabels: [0, 0])
        }
        #expect(throws: DataError.noImages(source: "The training image table", test: false)) {
            try DataSet(name: "x", classNames: ["a", "b"], train: none, trainLabels: [], test: table, testLabels: [0, 1])
        }
        #expect(throws: DataError.noImages(source: "The test image table", test: true)) {
            try DataSet(name: "x", classNames: ["a", "b"], train: table, trainLabels: [0, 1], test: none, testLabels: [])
        }
    }

    /// A FIFO where a data file should be hung mimic forever, silently.
    @Test func aNamedPipeAsADataFileIsRefused() throws {
        let folder = try writeGoodIDX(compressed: false)
        let path = folder.file("t10k-labels-idx1-ubyte")
        try FileManager.default.removeItem(atPath: path)
        let pipe = try NamedPipe(at: path)
        let error = try loadError(folder.path)
        #expect(error == .notARegularFile(path: pipe.path, kind: "a named pipe (FIFO)"))
        expectSentence(error, mentions: [path, "is a named pipe (FIFO), not a regular file"])
    }

    @Test func missingFolderNamesThePackage() throws {
        let folder = try TemporaryFolder()
        let missing = folder.file("nowhere")
        let error = try loadError(missing)
        #expect(error == .folderMissing(path: missing))
        expectSentence(error, mentions: [missing, "dataset-fashion-mnist", DataSet.defaultDirectory, "--data"])
    }

    @Test func folderWithoutDataListsWhatWasLookedFor() throws {
        let folder = try TemporaryFolder()
        try folder.write([1, 2, 3], to: "README")
        let error = try loadError(folder.path)
        #expect(error == .noDataFound(folder: folder.path))
        expectSentence(error, mentions: [folder.path, "train-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
                                         "data_batch_1.bin", "test_batch.bin", "cifar-10-batches-bin", "--data"])
    }

    @Test func incompleteIDXSetNamesTheMissingFile() throws {
        let folder = try writeGoodIDX(compressed: false)
        try FileManager.default.removeItem(atPath: folder.file("t10k-labels-idx1-ubyte"))
        let error = try loadError(folder.path)
        guard case .missingFiles(_, let names) = error else { Issue.record("\(error)"); return }
        #expect(names == ["t10k-labels-idx1-ubyte[.gz]"])
        expectSentence(error, mentions: [folder.path, "t10k-labels-idx1-ubyte", "copy"])
    }

    @Test func badMagicNumber() throws {
        let folder = try writeGoodIDX(compressed: true)
        // A label file where the images should be.
        try IDXWriter.write(labels: [0, 1], to: folder.file("train-images-idx3-ubyte.gz"))
        let path = folder.file("train-images-idx3-ubyte.gz")
        let error = try loadError(folder.path)
        #expect(error == .badMagic(path: path, found: 0x801, expected: 0x803))
        expectSentence(error, mentions: [path, "0x00000801", "0x00000803", "replace"])
    }

    @Test func truncatedBody() throws {
        let folder = try writeGoodIDX(compressed: false)
        let name = "train-images-idx3-ubyte"
        let bytes = try folder.read(name)
        try folder.write(Array(bytes.dropLast(5)), to: name)
        let error = try loadError(folder.path)
        #expect(error == .truncated(path: folder.file(name), expectedBytes: bytes.count, actualBytes: bytes.count - 5))
        expectSentence(error, mentions: [folder.file(name), "truncated", "again"])
    }

    @Test func truncatedHeader() throws {
        let folder = try writeGoodIDX(compressed: false)
        let name = "t10k-labels-idx1-ubyte"
        try folder.write(Array(try folder.read(name).prefix(6)), to: name)
        #expect(try loadError(folder.path) == .truncated(path: folder.file(name), expectedBytes: 8, actualBytes: 6))
    }

    @Test func zeroLengthFile() throws {
        let folder = try writeGoodIDX(compressed: false)
        let name = "train-labels-idx1-ubyte"
        try folder.write([], to: name)
        #expect(try loadError(folder.path) == .truncated(path: folder.file(name), expectedBytes: 8, actualBytes: 0))
    }

    /// 16 million images of 28x28 (13 GB), then four billion images of 65535x65535, a
    /// byte count that overflows Int. (An image too large to count on its own is refused
    /// as a bad image size: emptyFileOfImpossiblyLargeImagesIsRejected.)
    @Test(arguments: [[0, 0xff, 0xff, 0xff, 0, 0, 0, 28, 0, 0, 0, 28] as [UInt8],
                      [0xff, 0xff, 0xff, 0xff, 0, 0, 0xff, 0xff, 0, 0, 0xff, 0xff]])
    func headerPromisingTooMuchFailsWithoutAllocatingIt(dimensions: [UInt8]) throws {
        let folder = try writeGoodIDX(compressed: false)
        let name = "train-images-idx3-ubyte"
        var bytes = try folder.read(name)
        bytes.replaceSubrange(4..<16, with: dimensions)
        try folder.write(bytes, to: name)
        guard case .truncated(let path, let expected, let actual) = try loadError(folder.path) else {
            Issue.record("expected a truncation error"); return
        }
        #expect(path == folder.file(name))
        #expect(actual == bytes.count)
        #expect(expected > actual)
    }

    /// Found by Fuzz/FuzzIDXGzip: no image, so no body to be short of, but images whose
    /// pixel count overflows Int, which trapped when the table measured one image.
    @Test func emptyFileOfImpossiblyLargeImagesIsRejected() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("train-images-idx3-ubyte")
        try folder.write([0, 0, 8, 3, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], to: "train-images-idx3-ubyte")
        let error = try #require(throws: DataError.self) { try IDXReader.readImages(from: path) }
        #expect(error == .badImageSize(path: path, rows: 0xffff_ffff, columns: 0xffff_ffff))
        expectSentence(error, mentions: [path, "4294967295x4294967295", "replace"])
    }

    @Test func trailingBytesAreRejected() throws {
        let folder = try writeGoodIDX(compressed: false)
        let name = "t10k-images-idx3-ubyte"
        let bytes = try folder.read(name)
        try folder.write(bytes + [9, 9, 9], to: name)
        let error = try loadError(folder.path)
        #expect(error == .trailingBytes(path: folder.file(name), expectedBytes: bytes.count, extraBytes: 3))
        expectSentence(error, mentions: [folder.file(name), "replace"])
    }

    @Test func imageAndLabelCountsMustAgree() throws {
        let folder = try writeGoodIDX(compressed: true)
        let labels = folder.file("train-labels-idx1-ubyte.gz")
        try IDXWriter.write(labels: [0, 1, 2], to: labels)
        let error = try loadError(folder.path)
        guard case .countMismatch(_, let images, _, 3) = error else { Issue.record("\(error)"); return }
        #expect(images == 30)
        expectSentence(error, mentions: [labels, folder.file("train-images-idx3-ubyte.gz"), "matching pair"])
    }

    @Test func labelBeyondTheClassesIsRejected() throws {
        let folder = try writeGoodIDX(compressed: false)
        let labels = folder.file("t10k-labels-idx1-ubyte")
        try IDXWriter.write(labels: [0, 1, 2, 3, 10, 5, 6], to: labels)
        let error = try loadError(folder.path)
        #expect(error == .labelOutOfRange(source: "Label file \(labels)", index: 4, label: 10, classCount: 10))
        expectSentence(error, mentions: [labels, "replace"])
    }

    @Test func corruptGzipReportsZlib() throws {
        let folder = try writeGoodIDX(compressed: true)
        let name = "train-images-idx3-ubyte.gz"
        // A valid gzip header (magic, deflate, no flags, mtime, xfl, OS) and then garbage.
        let header: [UInt8] = [0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03]
        try folder.write(header + [UInt8](repeating: 0xff, count: 64), to: name)
        let error = try loadError(folder.path)
        guard case .corruptGzip(let path, let message) = error else { Issue.record("\(error)"); return }
        #expect(path == folder.file(name))
        #expect(!message.isEmpty)
        #expect(!message.contains(path), "the sentence names the file once")
        expectSentence(error, mentions: [folder.file(name), "zlib", "again"])
    }

    @Test func truncatedGzipIsReported() throws {
        let folder = try writeGoodIDX(compressed: true)
        let name = "train-images-idx3-ubyte.gz"
        let bytes = try folder.read(name)
        try folder.write(Array(bytes.prefix(bytes.count / 2)), to: name)
        let error = try loadError(folder.path)
        guard case .corruptGzip(let path, let message) = error else { Issue.record("\(error)"); return }
        #expect(path == folder.file(name))
        #expect(message.contains("unexpected end of file"))
    }

    @Test func cifarFileOfWrongSize() throws {
        let folder = try TemporaryFolder()
        try folder.write(cifarRecords(2, salt: 0), to: "data_batch_1.bin")
        try folder.write(cifarRecords(2, salt: 0) + [7], to: "test_batch.bin")
        let error = try loadError(folder.path)
        #expect(error == .cifarSize(path: folder.file("test_batch.bin"), bytes: 2 * 3073 + 1))
        expectSentence(error, mentions: [folder.file("test_batch.bin"), "3073", "download"])
    }

    @Test func cifarNeedsADataBatch() throws {
        let folder = try TemporaryFolder()
        try folder.write(cifarRecords(2, salt: 0), to: "test_batch.bin")
        let error = try loadError(folder.path)
        guard case .missingFiles(let missingIn, let names) = error else { Issue.record("\(error)"); return }
        #expect(missingIn == folder.path)
        #expect(names.first?.contains("data_batch_1.bin") == true)
    }

    @Test func cifarLabelBeyondTheClasses() throws {
        let folder = try TemporaryFolder()
        var records = cifarRecords(3, salt: 0)
        records[2 * 3073] = 10
        try folder.write(records, to: "data_batch_2.bin")
        try folder.write(cifarRecords(1, salt: 0), to: "test_batch.bin")
        let error = try loadError(folder.path)
        #expect(error == .labelOutOfRange(source: "CIFAR-10 file \(folder.file("data_batch_2.bin"))",
                                          index: 2, label: 10, classCount: 10))
    }

    // MARK: The real data set

    @Test(.enabled(if: realFashionMNISTIsInstalled, "Fashion-MNIST is not installed"))
    func loadsRealFashionMNIST() throws {
        let data = try DataSet.load(from: DataSet.defaultDirectory)
        #expect(data.name == "fashion-mnist")
        #expect(data.train.count == 60000)
        #expect(data.test.count == 10000)
        #expect(data.train.shape == SampleShape(channels: 1, height: 28, width: 28))
        #expect(data.classCount == 10)
        // Fashion-MNIST is balanced: 6000 training and 1000 test images per class.
        var trainPerClass = [Int](repeating: 0, count: 10), testPerClass = trainPerClass
        for label in data.trainLabels { trainPerClass[Int(label)] += 1 }
        for label in data.testLabels { testPerClass[Int(label)] += 1 }
        #expect(trainPerClass == Array(repeating: 6000, count: 10))
        #expect(testPerClass == Array(repeating: 1000, count: 10))
    }

    // MARK: Helpers

    private func writeGoodIDX(compressed: Bool) throws -> TemporaryFolder {
        let folder = try TemporaryFolder()
        try IDXWriter.write(try makeDataSet(classSizes: Array(repeating: 3, count: 10), testCount: 7),
                            to: folder.path, compressed: compressed)
        return folder
    }

    /// CIFAR records cycling labels 0, 1, 2 with patterned pixels.
    private func cifarRecords(_ count: Int, salt: Int) -> [UInt8] {
        let pixels = patternPixels(images: count, size: 3072, salt: salt)
        var records: [UInt8] = []
        for record in 0..<count {
            records.append(UInt8(record % 3))
            records += pixels[(record * 3072)..<((record + 1) * 3072)]
        }
        return records
    }

    private func pixelsOnly(_ records: [UInt8]) -> [UInt8] {
        stride(from: 0, to: records.count, by: 3073).flatMap { records[($0 + 1)..<($0 + 3073)] }
    }
}
