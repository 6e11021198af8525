import Foundation
@testable import MimicEngine
import MimicTestSupport
import Testing

/// Images without a class (an `unlabeled/` folder beside train/, `--unlabeled DIR`, an
/// archive's `x_unlabeled`) join the students' pool after the held-out training images,
/// and every bad one is refused in one sentence.
@Suite struct UnlabeledImagesTests {
    /// The good folder with three images without a class: two loose, one a folder down.
    static func folderWithUnlabeled() throws -> ImageFolderFixture {
        let fixture = try ImageFolderFixture.good()
        try fixture.add(ImageFolderFixture.uniform(50), "unlabeled/b.png")
        try fixture.add(ImageFolderFixture.uniform(51), "unlabeled/a.png")
        try fixture.add(ImageFolderFixture.uniform(52), "unlabeled/more/c.png")
        try fixture.add(Array("notes".utf8), "unlabeled/.DS_Store")
        return fixture
    }

    /// The first pixel of each image of `pool`, in the pool's order.
    static func firstPixels(_ pool: UnlabeledPool) -> [UInt8] {
        pool.rows.map { pool.images.pixels[Int($0) * pool.images.shape.count] }
    }

    @Test func anUnlabeledFolderJoinsThePoolAfterTheHeldOutTrainingImages() throws {
        let fixture = try Self.folderWithUnlabeled()
        let data = try DataSet.load(from: fixture.path, imageCache: .disabled)
        #expect(data.train.count == 4 && data.test.count == 2)
        let unlabeled = try #require(data.unlabeled)
        #expect(unlabeled.name == "unlabeled/")
        // Sorted by their names relative to the folder: a.png, b.png, more/c.png.
        #expect((0..<3).map { unlabeled.images.pixels[$0 * 12] } == [51, 50, 52])

        let half = try DataSplit(dataSet: data, labeledFraction: 0.5, seed: 1)
        #expect(half.labeled.count == 2 && half.unlabeled.count == 5)
        #expect(half.unlabeledFromTraining == 2 && half.unlabeledFromElsewhere == 3)
        #expect(Array(Self.firstPixels(half.unlabeled).suffix(3)) == [51, 50, 52])
        // The held-out training images are the ones the labeled part left.
        let heldOut = Set(Self.firstPixels(half.unlabeled).prefix(2))
        let labeled = Set(half.labeled.rows.map { data.train.pixels[Int($0) * 12] })
        #expect(heldOut.isDisjoint(with: labeled) && heldOut.union(labeled) == [10, 11, 20, 21])

        // Every training image may keep its label: the pool is the images without a class.
        let all = try DataSplit(dataSet: data, labeledFraction: 1, seed: 1)
        #expect(all.labeled.count == 4 && all.unlabeledFromTraining == 0)
        #expect(Self.firstPixels(all.unlabeled) == [51, 50, 52])
    }

    @Test func everyImageLabeledWithNothingElseIsRefused() throws {
        let fixture = try ImageFolderFixture.good()
        let data = try DataSet.load(from: fixture.path, imageCache: .disabled)
        let error = try #require(throws: DataError.self) { try DataSplit(dataSet: data, labeledFraction: 1, seed: 1) }
        #expect(error == .noUnlabeledExamples(fraction: 1))
        expectSentence(error, mentions: ["leaves no unlabeled training example", "--unlabeled DIR"])
    }

    @Test func aFolderOfItsOwnJoinsTooAfterTheDataSetsOwn() throws {
        let fixture = try Self.folderWithUnlabeled()
        let elsewhere = try TemporaryFolder("street")
        try elsewhere.write(ImageFolderFixture.uniform(60), to: "x.png")
        let data = try DataSet.load(from: fixture.path, unlabeled: elsewhere.path, imageCache: .disabled)
        let unlabeled = try #require(data.unlabeled)
        #expect(unlabeled.images.count == 4 && unlabeled.images.pixels[36] == 60)
        #expect(unlabeled.name == "unlabeled/ + street/")
        #expect(try DataSplit(dataSet: data, labeledFraction: 1, seed: 1).unlabeled.count == 4)
    }

    @Test func aFolderOfAnotherSizeOrNoneIsNamed() throws {
        let fixture = try ImageFolderFixture.good()
        let larger = try TemporaryFolder("larger")
        try larger.write(ImageFolderFixture.uniform(1, width: 5, height: 5), to: "1.png")
        let error = try #require(throws: DataError.self) {
            try DataSet.load(from: fixture.path, unlabeled: larger.path, imageCache: .disabled)
        }
        #expect(error == .shapeMismatch(trainSource: "The training set", train: SampleShape(channels: 1, height: 3, width: 4),
                                        testSource: "folder " + larger.path, test: SampleShape(channels: 1, height: 5, width: 5)))
        expectSentence(error, mentions: ["folder \(larger.path) holds 1x5x5 images"])

        let missing = larger.file("nowhere")
        #expect(throws: DataError.folderMissing(path: missing)) {
            try DataSet.load(from: fixture.path, unlabeled: missing, imageCache: .disabled)
        }
        let empty = try TemporaryFolder("empty")
        let none = try #require(throws: DataError.self) {
            try DataSet.load(from: fixture.path, unlabeled: empty.path, imageCache: .disabled)
        }
        #expect(none == .noUnlabeledImages(source: "folder " + empty.path))
        expectSentence(none, mentions: ["Folder \(empty.path) holds no image without a class"])
    }

    @Test func badEntriesOfAnUnlabeledFolderAreNamed() throws {
        let odd = try ImageFolderFixture.good()
        try odd.add(ImageFolderFixture.uniform(1, width: 5, height: 3), "unlabeled/odd.png")
        #expect(try loadError(odd.path) == .imageShapeDiffers(
            path: odd.folder.file("unlabeled/odd.png"), found: "5x3 gray",
            firstPath: odd.folder.file("train/cat/1.png"), expected: "4x3 gray"))

        let colour = try ImageFolderFixture.good()
        try colour.add(ImageFile.rgbPNG([UInt8](repeating: 7, count: 36), width: 4, height: 3), "unlabeled/rgb.png")
        #expect(try loadError(colour.path) == .imageShapeDiffers(
            path: colour.folder.file("unlabeled/rgb.png"), found: "4x3 RGB",
            firstPath: colour.folder.file("train/cat/1.png"), expected: "4x3 gray"))

        let text = try ImageFolderFixture.good()
        try text.add(Array("not an image".utf8), "unlabeled/readme.txt")
        #expect(try loadError(text.path) == .notAnImage(path: text.folder.file("unlabeled/readme.txt")))

        let deep = try ImageFolderFixture.good()
        try deep.add(ImageFolderFixture.uniform(1), "unlabeled/a/b/1.png")
        let tooDeep = try loadError(deep.path)
        #expect(tooDeep == .folderTooDeepInUnlabeled(path: deep.folder.file("unlabeled/a/b"), folder: deep.folder.file("unlabeled")))
        expectSentence(tooDeep, mentions: ["two levels inside", "move its images up"])

        let empty = try ImageFolderFixture.good()
        try FileManager.default.createDirectory(atPath: empty.folder.file("unlabeled"), withIntermediateDirectories: true)
        #expect(try loadError(empty.path) == .noUnlabeledImages(source: "folder " + empty.folder.file("unlabeled")))

        // A folder that links back to the data folder is read one level down, never round.
        let loop = try ImageFolderFixture.good()
        try loop.add(ImageFolderFixture.uniform(1), "unlabeled/1.png")
        try FileManager.default.createSymbolicLink(atPath: loop.folder.file("unlabeled/zoo"), withDestinationPath: "..")
        #expect(try loadError(loop.path) == .folderTooDeepInUnlabeled(
            path: loop.folder.file("unlabeled/zoo/test"), folder: loop.folder.file("unlabeled")))

        let dangling = try ImageFolderFixture.good()
        let link = dangling.folder.file("unlabeled/gone.png")
        try FileManager.default.createDirectory(atPath: dangling.folder.file("unlabeled"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "/nowhere/at/all.png")
        #expect(try loadError(dangling.path) == .cannotOpen(path: link, reason: "No such file or directory"))
    }

    @Test func theCacheKeepsTheUnlabeledImagesAndNoticesAChange() throws {
        let fixture = try Self.folderWithUnlabeled()
        let elsewhere = try TemporaryFolder("street")
        try elsewhere.write(ImageFolderFixture.uniform(60), to: "x.png")
        let cacheFolder = try TemporaryFolder("cache")
        let cache = ImageFolderCache(folder: cacheFolder.path)
        let first = try DataSet.load(from: fixture.path, unlabeled: elsewhere.path, imageCache: cache)
        #expect(try cacheFolder.names().filter { $0.hasSuffix(".images") }.count == 2)
        let cached = try DataSet.load(from: fixture.path, unlabeled: elsewhere.path, imageCache: cache)
        #expect(cached.unlabeled == first.unlabeled && cached.train == first.train)

        // A file added to either folder is a new key: decoded again.
        try fixture.add(ImageFolderFixture.uniform(53), "unlabeled/d.png")
        try elsewhere.write(ImageFolderFixture.uniform(61), to: "y.png")
        let grown = try DataSet.load(from: fixture.path, unlabeled: elsewhere.path, imageCache: cache)
        #expect((0..<6).map { grown.unlabeled!.images.pixels[$0 * 12] } == [51, 50, 53, 52, 60, 61])
    }

    @Test func anArchivesUnlabeledArrayJoinsThePool() throws {
        let folder = try TemporaryFolder()
        var arrays = NPZDataTests.gray()
        arrays["x_unlabeled"] = NPZDataTests.npy("|u1", [2, 2, 3], (0..<12).map { UInt8(200 + $0) })
        let data = try DataSet.load(from: try NPZDataTests.npz(arrays, in: folder))
        #expect(data.unlabeled?.images.count == 2 && data.unlabeled?.name == "x_unlabeled")
        #expect(try DataSplit(dataSet: data, labeledFraction: 1, seed: 1).unlabeled.count == 2)

        arrays["x_unlabeled"] = NPZDataTests.npy("|u1", [2, 3, 3], [UInt8](repeating: 1, count: 18))
        let error = try #require(throws: DataError.self) {
            try DataSet.load(from: try NPZDataTests.npz(arrays, in: folder, name: "odd.npz"))
        }
        expectSentence(error, mentions: ["x_unlabeled.npy in", "holds 1x3x3 images"])
    }

    /// A run folder keeps the data's fingerprint: one without images without a class
    /// must read as it did before they existed, or no older run could be resumed.
    @Test func aFingerprintWithoutUnlabeledImagesIsUnchanged() throws {
        let plainFolder = try ImageFolderFixture.good()
        let plain = try DataSet.load(from: plainFolder.path, imageCache: .disabled)
        let json = String(decoding: try JSONEncoder().encode(DataFingerprint(plain)), as: UTF8.self)
        #expect(!json.contains("unlabeled"))
        let older = try JSONDecoder().decode(DataFingerprint.self, from: Data(json.utf8))
        #expect(older == DataFingerprint(plain))

        // A name is a label, not data: an IDX set once called "mnist" is the same data
        // under its folder's name, and a run folder started then still resumes.
        var renamed = DataFingerprint(plain)
        renamed.name = "mnist"
        #expect(renamed.sameData(as: DataFingerprint(plain)) && renamed != DataFingerprint(plain))
        renamed.contents = "0"
        #expect(!renamed.sameData(as: DataFingerprint(plain)))

        let moreFolder = try Self.folderWithUnlabeled()
        let more = try DataSet.load(from: moreFolder.path, imageCache: .disabled)
        #expect(DataFingerprint(more).unlabeledCount == 3)
        #expect(DataFingerprint(more).contents != DataFingerprint(plain).contents)
    }
}
