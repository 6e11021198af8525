import Foundation

/// Reads an image folder (train/<class>/*, test/<class>/*, and unlabeled/* if it is
/// there; see `ImageFolderListing`) into a data set named after the folder. The first training image fixes the size and
/// the channels (1 when gray, 3 when colour) every other image must have. Images are
/// decoded on all the engine's threads straight into the table, and the result is kept
/// in an `ImageFolderCache` for the next run.
enum ImageFolderReader {
    static func read(from directory: String, cache: ImageFolderCache) throws -> DataSet {
        let listing = try ImageFolderListing.list(directory)
        let name = URL(fileURLWithPath: directory).standardizedFileURL.lastPathComponent
        let entry = try cache.load(for: directory, listing: listing) ?? decode(listing, of: directory, cache: cache)
        let unlabeled = listing.unlabeled.isEmpty ? nil : DataSet.UnlabeledImages(
            images: ImageTable(shape: entry.shape, pixels: entry.unlabeled),
            source: "folder " + directory + "/" + ImageFolderListing.unlabeledFolder,
            name: ImageFolderListing.unlabeledFolder + "/")
        return try DataSet(name: name, classNames: listing.classNames,
                           train: ImageTable(shape: entry.shape, pixels: entry.train), trainLabels: listing.train.map(\.label),
                           test: ImageTable(shape: entry.shape, pixels: entry.test), testLabels: listing.test.map(\.label),
                           unlabeled: unlabeled)
    }

    /// The images of a folder without classes (`--unlabeled DIR`): its files and those of
    /// its folders one level down, sized as its first image.
    static func readUnlabeled(from folder: String, cache: ImageFolderCache) throws -> DataSet.UnlabeledImages {
        let files = try ImageFolderListing.unlabeledFiles(in: folder, namedFrom: folder)
        let listing = ImageFolderListing(classNames: [], train: [], test: [], unlabeled: files)
        let entry = try cache.load(for: folder, listing: listing, unlabeledOnly: true)
            ?? decode(listing, of: folder, cache: cache, unlabeledOnly: true)
        return .init(images: ImageTable(shape: entry.shape, pixels: entry.unlabeled), source: "folder " + folder,
                     name: URL(fileURLWithPath: folder).standardizedFileURL.lastPathComponent + "/")
    }

    /// Decodes every file of `listing`, sized as its first, and keeps the result in `cache`.
    private static func decode(_ listing: ImageFolderListing, of directory: String, cache: ImageFolderCache,
                               unlabeledOnly: Bool = false) throws -> ImageFolderCache.Entry {
        let first = (listing.train + listing.unlabeled)[0]
        let header = try readHeader(of: first.path)
        let count = listing.train.count + listing.test.count + listing.unlabeled.count
        let budget = TrainingMemory.Budget.current()
        guard let bytes = checkedProduct(count, header.shape.count), bytes <= budget.bytes else {
            throw DataError.imagesNeedMoreMemory(folder: directory, count: count, image: header.description,
                                                 budget: budget.bytes, source: budget.source)
        }
        let expected = Expected(header: header, firstPath: first.path)
        let entry = ImageFolderCache.Entry(shape: header.shape, train: try decode(listing.train, expected),
                                           test: try decode(listing.test, expected),
                                           unlabeled: try decode(listing.unlabeled, expected))
        cache.store(entry, for: directory, listing: listing, unlabeledOnly: unlabeledOnly)
        return entry
    }

    /// What every image must be: the first training image's size and channels.
    struct Expected {
        var header: ImageDecoder.Header
        var firstPath: String
    }

    private static func readHeader(of path: String) throws(DataError) -> ImageDecoder.Header {
        let bytes = try load(path)
        let outcome = bytes.withUnsafeBytes { ImageDecoder.decode($0, into: nil) }
        switch outcome {
        case .failed(let problem): throw error(problem, path)
        case .decoded(let header), .headerOnly(let header): return header
        }
    }

    /// The images of `files`, in order, one after another, channel-major. Each thread
    /// decodes a run of files; the error reported is that of the first bad file in the
    /// listing's order, whichever thread met it first.
    private static func decode(_ files: [ImageFolderListing.File], _ expected: Expected) throws(DataError) -> [UInt8] {
        let size = expected.header.shape.count
        let parts = Parallel.partCount(files.count)
        var failures = [(index: Int, error: DataError)?](repeating: nil, count: parts)
        let pixels = [UInt8](unsafeUninitializedCapacity: files.count * size) { buffer, initialized in
            let base = buffer.baseAddress!
            failures.withUnsafeMutableBufferPointer { failures in
                Parallel.split(files.count) { part, range in
                    // Colour arrives interleaved and is spread into planes from here.
                    let scratch = expected.header.channels == 1 ? nil
                        : UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
                    defer { scratch?.deallocate() }
                    for index in range {
                        if let failure = decode(files[index], into: base + index * size, scratch: scratch, expected) {
                            failures[part] = (index, failure)
                            return
                        }
                    }
                }
            }
            // Unfilled when a file failed, but then the table is thrown away unread.
            initialized = files.count * size
        }
        if let first = failures.compactMap({ $0 }).min(by: { $0.index < $1.index }) { throw first.error }
        return pixels
    }

    /// Decodes one file into `destination` (`expected.header.shape.count` bytes); the
    /// error, if it fails or differs from the first image.
    private static func decode(_ file: ImageFolderListing.File, into destination: UnsafeMutablePointer<UInt8>,
                               scratch: UnsafeMutableRawBufferPointer?, _ expected: Expected) -> DataError? {
        let bytes: [UInt8]
        do { bytes = try load(file.path) } catch { return error }
        let header = expected.header
        let target = scratch ?? UnsafeMutableRawBufferPointer(start: destination, count: header.shape.count)
        let outcome = bytes.withUnsafeBytes { ImageDecoder.decode($0, into: target) }
        switch outcome {
        case .failed(let problem):
            return error(problem, file.path)
        case .headerOnly(let found):
            return .imageShapeDiffers(path: file.path, found: found.description,
                                      firstPath: expected.firstPath, expected: header.description)
        case .decoded(let found) where found != header:
            return .imageShapeDiffers(path: file.path, found: found.description,
                                      firstPath: expected.firstPath, expected: header.description)
        case .decoded:
            if let scratch {
                ImageDecoder.toChannelMajor(scratch.baseAddress!.assumingMemoryBound(to: UInt8.self), destination,
                                            pixels: header.width * header.height, channels: header.channels)
            }
            return nil
        }
    }

    private static func load(_ path: String) throws(DataError) -> [UInt8] {
        do {
            return try FileBytes.load(path)
        } catch {
            throw DataError(reading: path, error)
        }
    }

    private static func error(_ problem: ImageDecoder.Problem, _ path: String) -> DataError {
        switch problem {
        case .notAnImage:
            return .notAnImage(path: path)
        case .damaged(let format, let reason):
            return .damagedImage(path: path, format: format.rawValue, reason: reason)
        case .unsupported(let format, let reason):
            return .unsupportedImage(path: path, format: format.rawValue, reason: reason)
        case .tooLarge(let format, let header, let limit):
            return .imageTooLarge(path: path, format: format.rawValue, width: header.width, height: header.height,
                                  channels: header.channels, limit: limit)
        }
    }
}

extension DataSet {
    /// The file names of an image folder's images, relative to it, in the order the data
    /// set holds them; nil for a data set of another kind, whose images have no names.
    /// `unlabeledFolder`'s names are relative to that folder and prefixed with its path.
    public static func imageNames(in directory: String, unlabeled unlabeledFolder: String?) throws
        -> (train: [String], test: [String], unlabeled: [String])? {
        guard readsAsImageFolder(directory) else { return nil }
        let listing = try ImageFolderListing.list(directory)
        var unlabeled = listing.unlabeled.map(\.name)
        if let unlabeledFolder {
            unlabeled += try ImageFolderListing.unlabeledFiles(in: unlabeledFolder, namedFrom: unlabeledFolder)
                .map { unlabeledFolder + "/" + $0.name }
        }
        return (listing.train.map(\.name), listing.test.map(\.name), unlabeled)
    }
}
