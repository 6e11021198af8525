import Foundation
import MimicEngine
import MimicTestSupport
import Testing

/// Image folders (train/<class>/*, test/<class>/*) read as torchvision's ImageFolder
/// orders them, cached, and every kind of bad folder refused in one sentence.
@Suite struct ImageFolderTests {
    // MARK: Order, names, channels

    @Test func classesAndFilesAreInByteOrder() throws {
        let fixture = try ImageFolderFixture("my-shapes")
        // Python's sorted(): "B" < "a" < "a b" < "b" < "é"; "10.png" < "2.png".
        let classes = ["b", "é", "a b", "B", "a"]
        let expectedOrder = ["B", "a", "a b", "b", "é"]
        for (index, name) in classes.enumerated() {
            let value = UInt8(10 * (index + 1))
            try fixture.add(ImageFolderFixture.uniform(value + 2), "train/\(name)/2.png")
            try fixture.add(ImageFolderFixture.uniform(value + 1), "train/\(name)/10.png")
            try fixture.add(ImageFolderFixture.uniform(value), "test/\(name)/x.png")
        }
        try fixture.add(Array("Finder's notes".utf8), "train/a/.DS_Store")
        try fixture.add([0, 1, 2], "train/._b")

        let loaded = try DataSet.load(from: fixture.path, imageCache: .disabled)

        #expect(loaded.name == "my-shapes")
        #expect(loaded.classNames == expectedOrder)
        #expect(loaded.train.shape == SampleShape(channels: 1, height: 3, width: 4))
        let firstPixels = (0..<loaded.train.count).map { loaded.train.pixels[$0 * 12] }
        let valueOf = { (name: String) in UInt8(10 * (classes.firstIndex(of: name)! + 1)) }
        #expect(firstPixels == expectedOrder.flatMap { [valueOf($0) + 1, valueOf($0) + 2] })
        #expect(loaded.trainLabels == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4])
        #expect(loaded.testLabels == [0, 1, 2, 3, 4])
        #expect((0..<5).map { loaded.test.pixels[$0 * 12] } == expectedOrder.map(valueOf))
    }

    @Test func colourImagesBecomeThreePlanes() throws {
        let fixture = try ImageFolderFixture()
        // 2x1: a red pixel, then a blue one; a JPEG among the PNGs.
        let red = ImageFile.rgbPNG([255, 0, 0, 0, 0, 255], width: 2, height: 1)
        try fixture.add(red, "train/a/1.png")
        try fixture.add(red, "train/b/1.png")
        try fixture.add(red, "test/a/1.png")
        try fixture.add(ImageFile.jpeg([200, 100, 50, 200, 100, 50], width: 2, height: 1, components: 3, quality: 100),
                        "test/b/photo.jpg")
        let loaded = try DataSet.load(from: fixture.path, imageCache: .disabled)
        #expect(loaded.train.shape == SampleShape(channels: 3, height: 1, width: 2))
        #expect(Array(loaded.train.pixels[0..<6]) == [255, 0, 0, 0, 0, 255])
        let jpeg = loaded.test.pixels[6..<12].map(Int.init)
        for (got, want) in zip(jpeg, [200, 200, 100, 100, 50, 50]) { #expect(abs(got - want) <= 3, "\(jpeg)") }
    }

    // MARK: The cache

    @Test func theCacheServesTheSecondLoadUntilAFileChanges() throws {
        let fixture = try ImageFolderFixture.good()
        let cacheFolder = try TemporaryFolder("cache")
        let cache = ImageFolderCache(folder: cacheFolder.path)
        let first = try DataSet.load(from: fixture.path, imageCache: cache)
        #expect(try cacheFolder.names().filter { $0.hasSuffix(".images") }.count == 1)

        // New pixels, same size and time: only a cached load still sees the old ones.
        let file = fixture.folder.file("train/cat/1.png")
        var status = stat()
        #expect(stat(file, &status) == 0)
        try fixture.add(ImageFolderFixture.uniform(99), "train/cat/1.png")
        var times = [status.st_atim, status.st_mtim]  // to the nanosecond, as the key has it
        #expect(utimensat(AT_FDCWD, file, &times, 0) == 0)
        let cached = try DataSet.load(from: fixture.path, imageCache: cache)
        #expect(cached.train == first.train)
        #expect(cached.trainLabels == first.trainLabels && cached.classNames == first.classNames && cached.name == "pets")

        // A new time is a new key: decoded again.
        times[1].tv_sec += 5
        #expect(utimensat(AT_FDCWD, file, &times, 0) == 0)
        let fresh = try DataSet.load(from: fixture.path, imageCache: cache)
        #expect(fresh.train.pixels[0] == 99)
        #expect(try DataSet.load(from: fixture.path, imageCache: .disabled).train == fresh.train)
    }

    @Test(arguments: ["truncated", "flipped", "empty", "garbage"])
    func aBrokenCacheEntryIsIgnoredAndRewritten(_ damage: String) throws {
        let fixture = try ImageFolderFixture.good()
        let cacheFolder = try TemporaryFolder("cache")
        let cache = ImageFolderCache(folder: cacheFolder.path)
        let original = try DataSet.load(from: fixture.path, imageCache: cache)
        let entry = try #require(try cacheFolder.names().first { $0.hasSuffix(".images") })
        let good = try cacheFolder.read(entry)
        var broken = good
        switch damage {
        case "truncated": broken.removeLast(9)
        case "flipped": broken[good.count - 20] ^= 0x01  // a pixel: only the hash can tell
        case "empty": broken = []
        default: broken = Array(repeating: 0x4d, count: good.count)
        }
        try cacheFolder.write(broken, to: entry)
        // The pixel a flipped byte would have changed is one of the images: a trusted
        // entry would give another table.
        let loaded = try DataSet.load(from: fixture.path, imageCache: cache)
        #expect(loaded.train == original.train && loaded.test == original.test)
        #expect(try cacheFolder.read(entry) == good)
    }

    @Test func aCacheThatCannotBeWrittenCostsNothingButTime() throws {
        let fixture = try ImageFolderFixture.good()
        let blocker = try TemporaryFolder()
        try blocker.write([1], to: "file")  // a file where the cache's folder would go
        let loaded = try DataSet.load(from: fixture.path, imageCache: ImageFolderCache(folder: blocker.file("file/cache")))
        #expect(loaded.train.count == 4)
    }

    @Test func theStandardCacheFollowsXDG() {
        #expect(ImageFolderCache.standard(environment: ["XDG_CACHE_HOME": "/c", "HOME": "/h"]).folder == "/c/mimic/image-folders")
        #expect(ImageFolderCache.standard(environment: ["XDG_CACHE_HOME": "rel", "HOME": "/h"]).folder == "/h/.cache/mimic/image-folders")
        #expect(ImageFolderCache.standard(environment: [:]).folder == nil)
    }

    // MARK: Bad folders, one sentence each

    @Test func aDamagedPNGIsNamed() throws {
        let fixture = try ImageFolderFixture.good()
        let good = try fixture.folder.read("train/dog/2.png")
        try fixture.add(Array(good.prefix(good.count - 15)), "train/dog/2.png")
        let error = try loadError(fixture.path)
        let path = fixture.folder.file("train/dog/2.png")
        #expect(error == .damagedImage(path: path, format: "PNG", reason: "the file ends early: it is truncated"))
        expectSentence(error, mentions: ["PNG file \(path) is damaged", "libpng", "truncated", "replace it"])
    }

    @Test func aDamagedJPEGIsNamed() throws {
        let fixture = try ImageFolderFixture.good()
        let photo = ImageFile.jpeg([UInt8](repeating: 90, count: 12), width: 4, height: 3, components: 1)
        try fixture.add(Array(photo.prefix(photo.count / 2)), "test/dog/2.jpg")
        let error = try loadError(fixture.path)
        let path = fixture.folder.file("test/dog/2.jpg")
        #expect(error == .damagedImage(path: path, format: "JPEG", reason: "Premature end of JPEG file"))
        expectSentence(error, mentions: ["JPEG file \(path) is damaged (libjpeg: Premature end of JPEG file)"])
    }

    @Test func aCMYKJPEGIsRefusedAsUnsupported() throws {
        let fixture = try ImageFolderFixture.good()
        try fixture.add(ImageFile.jpeg([UInt8](repeating: 60, count: 48), width: 4, height: 3, components: 4), "train/dog/3.jpg")
        let error = try loadError(fixture.path)
        let path = fixture.folder.file("train/dog/3.jpg")
        #expect(error == .unsupportedImage(path: path, format: "JPEG", reason: "CMYK colour"))
        expectSentence(error, mentions: ["JPEG file \(path) uses CMYK colour", "convert it to RGB or grayscale"])
    }

    @Test func aNameThatIsNotUTF8IsRefused() throws {
        let fixture = try ImageFolderFixture.good()
        let name = Array(fixture.folder.file("train/dog/").utf8) + [0xff, 0xfe, 0x2e, 0x70, 0x6e, 0x67, 0]
        let descriptor = name.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_WRONLY | O_CREAT, 0o644) }
        }
        #expect(descriptor >= 0)
        close(descriptor)
        let error = try loadError(fixture.path)
        #expect(error == .nameNotUTF8(folder: fixture.folder.file("train/dog")))
        expectSentence(error, mentions: ["not UTF-8", "rename it"])
    }

    @Test func aFileOfNoImageIsRefusedButHiddenFilesAreSkipped() throws {
        let fixture = try ImageFolderFixture.good()
        try fixture.add(Array("labels".utf8), "train/dog/.hidden")
        #expect(try DataSet.load(from: fixture.path, imageCache: .disabled).train.count == 4)
        try fixture.add(Array("a note".utf8), "train/dog/readme.txt")
        let error = try loadError(fixture.path)
        let path = fixture.folder.file("train/dog/readme.txt")
        #expect(error == .notAnImage(path: path))
        expectSentence(error, mentions: [path, "neither a PNG nor a JPEG", "remove it"])
    }

    @Test func aClassFolderOfNoImageIsRefused() throws {
        let fixture = try ImageFolderFixture.good()
        try fixture.add([1], "train/eel/.DS_Store")
        try FileManager.default.createDirectory(atPath: fixture.folder.file("test/eel"), withIntermediateDirectories: true)
        let error = try loadError(fixture.path)
        #expect(error == .classFolderEmpty(path: fixture.folder.file("train/eel")))
        expectSentence(error, mentions: [fixture.folder.file("train/eel"), "holds no image"])
    }

    @Test func oneClassIsNoClassification() throws {
        let fixture = try ImageFolderFixture()
        try fixture.add(ImageFolderFixture.uniform(1), "train/only/1.png")
        try fixture.add(ImageFolderFixture.uniform(1), "test/only/1.png")
        let error = try loadError(fixture.path)
        #expect(error == .classFolderCount(folder: fixture.folder.file("train"), count: 1))
        expectSentence(error, mentions: ["1 class folder", "at least 2"])
    }

    @Test func imagesOfAnotherSizeAreRefusedNamingTheFirst() throws {
        let fixture = try ImageFolderFixture.good()
        try fixture.add(ImageFolderFixture.uniform(5, width: 5, height: 3), "train/dog/3.png")
        try fixture.add(ImageFolderFixture.uniform(5, width: 6, height: 3), "train/dog/4.png")
        let error = try loadError(fixture.path)
        let path = fixture.folder.file("train/dog/3.png")
        #expect(error == .imageShapeDiffers(path: path, found: "5x3 gray", firstPath: fixture.folder.file("train/cat/1.png"),
                                            expected: "4x3 gray"))
        expectSentence(error, mentions: ["Image \(path) is 5x3 gray", "is 4x3 gray", "one size and one channel count"])
    }

    @Test(arguments: [false, true])
    func grayAndColourMixedAreRefused(colourFirst: Bool) throws {
        let fixture = try ImageFolderFixture.good()
        let colour = ImageFile.rgbPNG([UInt8](repeating: 7, count: 36), width: 4, height: 3)
        try fixture.add(colour, colourFirst ? "train/cat/1.png" : "test/dog/1.png")
        let error = try loadError(fixture.path)
        let odd = fixture.folder.file(colourFirst ? "train/cat/2.png" : "test/dog/1.png")
        #expect(error == .imageShapeDiffers(path: odd, found: colourFirst ? "4x3 gray" : "4x3 RGB",
                                            firstPath: fixture.folder.file("train/cat/1.png"),
                                            expected: colourFirst ? "4x3 RGB" : "4x3 gray"))
    }

    /// Parts decoded on other threads may fail first; the listing's first bad file is named.
    @Test func theFirstBadFileInOrderIsNamed() throws {
        let fixture = try ImageFolderFixture()
        for index in 0..<200 {
            try fixture.add(ImageFolderFixture.uniform(1), "train/\(index < 100 ? "a" : "b")/\(1000 + index).png")
        }
        try fixture.add(ImageFolderFixture.uniform(1), "test/a/1.png")
        try fixture.add(ImageFolderFixture.uniform(1), "test/b/1.png")
        try fixture.add(Array("x".utf8), "train/b/1150.png")
        try fixture.add(Array("y".utf8), "train/b/1199.png")
        try fixture.add(Array("z".utf8), "train/a/1050.png")
        #expect(try loadError(fixture.path) == .notAnImage(path: fixture.folder.file("train/a/1050.png")))
    }

    @Test func aHugeHeaderIsRefusedBeforeAnyAllocation() throws {
        let fixture = try ImageFolderFixture.good()
        let huge = ImageFile.claimingSize(ImageFolderFixture.uniform(1), width: 100_000, height: 100_000)
        try fixture.add(huge, "train/cat/0.png")  // the first image: it would set the size
        let error = try loadError(fixture.path)
        let path = fixture.folder.file("train/cat/0.png")
        #expect(error == .imageTooLarge(path: path, format: "PNG", width: 100_000, height: 100_000, channels: 1,
                                        limit: ImageDecoder.maximumValues))
        expectSentence(error, mentions: [path, "100000x100000 pixels of 1 channel", "shrink the images"])
    }

    @Test(arguments: ["train", "test"])
    func classFoldersMustMatch(extraIn split: String) throws {
        let fixture = try ImageFolderFixture.good()
        try fixture.add(ImageFolderFixture.uniform(1), "\(split)/eel/1.png")
        let error = try loadError(fixture.path)
        let other = split == "train" ? "test" : "train"
        #expect(error == .classFoldersDiffer(folder: fixture.path, className: "eel", onlyIn: split, other: other))
        expectSentence(error, mentions: ["class 'eel' in \(split)/ but not in \(other)/", "add \(other)/eel/"])
    }

    @Test func aMissingTestFolderIsNamed() throws {
        let fixture = try ImageFolderFixture()
        try fixture.add(ImageFolderFixture.uniform(1), "train/a/1.png")
        let error = try loadError(fixture.path)
        #expect(error == .imageFolderLacksSplit(folder: fixture.path, missing: "test"))
        expectSentence(error, mentions: ["has train/ but no test/"])
    }

    @Test func aTrainFileWhereTheFolderShouldBeIsNamed() throws {
        let fixture = try ImageFolderFixture()
        try fixture.add([1], "train")
        try fixture.add(ImageFolderFixture.uniform(1), "test/a/1.png")
        #expect(try loadError(fixture.path) == .notAFolder(path: fixture.folder.file("train")))
    }

    @Test func filesAndFoldersOutOfPlaceAreRefused() throws {
        let loose = try ImageFolderFixture.good()
        try loose.add(ImageFolderFixture.uniform(1), "train/stray.png")
        #expect(try loadError(loose.path) == .notAClassFolder(path: loose.folder.file("train/stray.png")))

        let nested = try ImageFolderFixture.good()
        try nested.add(ImageFolderFixture.uniform(1), "train/cat/kittens/1.png")
        let error = try loadError(nested.path)
        #expect(error == .folderInClassFolder(path: nested.folder.file("train/cat/kittens")))
        expectSentence(error, mentions: ["is a folder", "holds only image files"])
    }

    @Test func loopsOfLinksEndInASentenceNotAHang() throws {
        let fileLoop = try ImageFolderFixture.good()
        let looping = fileLoop.folder.file("train/cat/3.png")
        try FileManager.default.createSymbolicLink(atPath: looping, withDestinationPath: looping)
        let error = try loadError(fileLoop.path)
        #expect(error == .cannotOpen(path: looping, reason: "a loop of symbolic links: a link on its path leads back to itself"))

        // A class folder that links back to the data folder: read one level deep, never followed round.
        let folderLoop = try ImageFolderFixture.good()
        try FileManager.default.createSymbolicLink(atPath: folderLoop.folder.file("train/zoo"), withDestinationPath: "..")
        try FileManager.default.createSymbolicLink(atPath: folderLoop.folder.file("test/zoo"), withDestinationPath: "..")
        #expect(try loadError(folderLoop.path) == .folderInClassFolder(path: folderLoop.folder.file("train/zoo/test")))
    }

    @Test func aDanglingLinkOrAPipeAmongImagesIsNamed() throws {
        let dangling = try ImageFolderFixture.good()
        let link = dangling.folder.file("train/cat/3.png")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "/nowhere/at/all.png")
        #expect(try loadError(dangling.path) == .cannotOpen(path: link, reason: "No such file or directory"))

        let piped = try ImageFolderFixture.good()
        let pipe = try NamedPipe(at: piped.folder.file("test/dog/2.png"))
        #expect(try loadError(piped.path) == .notARegularFile(path: pipe.path, kind: "a named pipe (FIFO)"))
    }

    /// Root reads every file whatever its mode, so this can only be seen by another user.
    @Test(.enabled(if: getuid() != 0, "root may read any file"))
    func anUnreadableImageIsNamed() throws {
        let fixture = try ImageFolderFixture.good()
        let path = fixture.folder.file("train/dog/2.png")
        chmod(path, 0)
        defer { chmod(path, 0o644) }
        let error = try loadError(fixture.path)
        #expect(error == .cannotOpen(path: path, reason: "permission denied"))
    }

    @Test func aFolderOfNothingKnownListsImageFoldersToo() throws {
        let folder = try TemporaryFolder()
        try folder.write([1], to: "something.bin")
        let error = try loadError(folder.path)
        expectSentence(error, mentions: ["train/<class>/ and test/<class>/"])
    }

    // MARK: Helpers

    private func loadError(_ path: String) throws -> DataError {
        try #require(throws: DataError.self) { try DataSet.load(from: path, imageCache: .disabled) }
    }

    private func expectSentence(_ error: DataError, mentions fragments: [String],
                                sourceLocation: SourceLocation = #_sourceLocation) {
        let text = error.description
        for fragment in fragments {
            #expect(text.contains(fragment), "\"\(text)\" should mention \(fragment)", sourceLocation: sourceLocation)
        }
        #expect(text.hasSuffix("."), sourceLocation: sourceLocation)
        #expect(!text.dropLast().contains(". "), "one sentence: \(text)", sourceLocation: sourceLocation)
    }
}
