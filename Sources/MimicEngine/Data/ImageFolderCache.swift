import Foundation

/// Decoded image folders kept on disk, so that a second run reads one file instead of
/// decoding tens of thousands of images. An entry is keyed by what the folder's listing
/// says of every file (its name, size and modification time) and the decoding rules'
/// version; an entry that does not match, or is damaged in any way, is ignored and
/// rewritten, never trusted.
///
/// One entry per data folder, `<cache>/<hash of the folder's absolute path>.images`
/// (a folder of images without a class has its own, under a hash of its path and a
/// word, with no training or test images):
///
/// ```
/// "MIMICIMG"  version: UInt32  key: UInt64  channels, height, width: UInt32 each
/// train count, test count, unlabeled count: UInt64 each
/// pixels: train, test, then unlabeled, channel-major
/// hash of every byte above: UInt64 (all little-endian)
/// ```
///
/// Labels and class names are not stored: the listing, which the key covers, gives them.
public struct ImageFolderCache: Sendable {
    /// Where entries go; nil keeps nothing.
    public let folder: String?

    public init(folder: String?) {
        self.folder = folder
    }

    public static let disabled = ImageFolderCache(folder: nil)

    /// `$XDG_CACHE_HOME/mimic/image-folders`, or `~/.cache/mimic/image-folders` when
    /// XDG_CACHE_HOME is unset, empty or relative (the XDG spec says to ignore it then).
    public static func standard(environment: [String: String] = ProcessInfo.processInfo.environment) -> ImageFolderCache {
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
            return ImageFolderCache(folder: xdg + "/mimic/image-folders")
        }
        guard let home = environment["HOME"], home.hasPrefix("/") else { return .disabled }
        return ImageFolderCache(folder: home + "/.cache/mimic/image-folders")
    }

    /// Raised whenever decoding changes what a file becomes, so old entries are not reused.
    static let formatVersion: UInt32 = 2
    private static let magic = Array("MIMICIMG".utf8)
    private static let headerSize = 8 + 4 + 8 + 12 + 24

    struct Entry {
        var shape: SampleShape
        var train: [UInt8]
        var test: [UInt8]
        var unlabeled: [UInt8] = []
    }

    /// What the entry must have been written for: every file's name, size and time.
    static func key(of listing: ImageFolderListing) -> UInt64 {
        var hash = ContentHash()
        withUnsafeBytes(of: formatVersion.littleEndian) { hash.add($0) }
        for file in listing.train + listing.test + listing.unlabeled {
            hash.add(Array(file.name.utf8))
            for number in [Int64(file.size), file.modified, file.modifiedNanoseconds] {
                withUnsafeBytes(of: number.littleEndian) { hash.add($0) }
            }
        }
        return hash.value
    }

    /// The entry's file for the data folder `directory`, or for a folder of images
    /// without a class when `unlabeledOnly`.
    func entryPath(for directory: String, unlabeledOnly: Bool = false) -> String? {
        guard let folder else { return nil }
        var hash = ContentHash()
        hash.add(Array(URL(fileURLWithPath: directory).standardizedFileURL.path.utf8))
        if unlabeledOnly { hash.add(Array(" unlabeled".utf8)) }
        return folder + "/" + hash.hex + ".images"
    }

    /// The images of `directory` as last decoded, if the entry matches `listing` whole.
    func load(for directory: String, listing: ImageFolderListing, unlabeledOnly: Bool = false) -> Entry? {
        guard let path = entryPath(for: directory, unlabeledOnly: unlabeledOnly), let bytes = try? FileBytes.load(path)
        else { return nil }
        return Self.decode(bytes, key: Self.key(of: listing), trainCount: listing.train.count,
                           testCount: listing.test.count, unlabeledCount: listing.unlabeled.count)
    }

    /// Writes the entry; a cache that cannot be written only costs the next run time.
    func store(_ entry: Entry, for directory: String, listing: ImageFolderListing, unlabeledOnly: Bool = false) {
        guard let path = entryPath(for: directory, unlabeledOnly: unlabeledOnly) else { return }
        let folder = (path as NSString).deletingLastPathComponent
        guard (try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)) != nil else { return }
        try? FileBytes.storeAtomically(Self.encode(entry, key: Self.key(of: listing)), to: path)
    }

    static func encode(_ entry: Entry, key: UInt64) -> [UInt8] {
        var bytes = magic
        bytes.reserveCapacity(headerSize + entry.train.count + entry.test.count + entry.unlabeled.count + 8)
        func put<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        put(formatVersion)
        put(key)
        for dimension in [entry.shape.channels, entry.shape.height, entry.shape.width] { put(UInt32(dimension)) }
        put(UInt64(entry.train.count / entry.shape.count))
        put(UInt64(entry.test.count / entry.shape.count))
        put(UInt64(entry.unlabeled.count / entry.shape.count))
        bytes += entry.train
        bytes += entry.test
        bytes += entry.unlabeled
        var hash = ContentHash()
        hash.add(bytes)
        put(hash.value)
        return bytes
    }

    /// nil unless `bytes` is a whole, undamaged entry for `key` with these counts.
    static func decode(_ bytes: [UInt8], key: UInt64, trainCount: Int, testCount: Int, unlabeledCount: Int = 0) -> Entry? {
        guard bytes.count >= headerSize + 8, Array(bytes[0..<8]) == magic else { return nil }
        func read<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T {
            var value = T.zero
            withUnsafeMutableBytes(of: &value) { $0.copyBytes(from: bytes[offset..<(offset + MemoryLayout<T>.size)]) }
            return T(littleEndian: value)
        }
        guard read(UInt32.self, at: 8) == formatVersion, read(UInt64.self, at: 12) == key,
              read(UInt64.self, at: 32) == UInt64(trainCount), read(UInt64.self, at: 40) == UInt64(testCount),
              read(UInt64.self, at: 48) == UInt64(unlabeledCount)
        else { return nil }
        let dimensions = [20, 24, 28].map { Int(read(UInt32.self, at: $0)) }
        guard dimensions.allSatisfy({ $0 > 0 }), let size = checkedProduct(dimensions[0], dimensions[1], dimensions[2]),
              size <= ImageDecoder.maximumValues,
              let trainBytes = checkedProduct(size, trainCount), let testBytes = checkedProduct(size, testCount),
              let unlabeledBytes = checkedProduct(size, unlabeledCount),
              // Each no larger than the file, so that their sum cannot overflow.
              [trainBytes, testBytes, unlabeledBytes].allSatisfy({ $0 <= bytes.count }),
              bytes.count == headerSize + trainBytes + testBytes + unlabeledBytes + 8
        else { return nil }
        let end = bytes.count - 8
        var hash = ContentHash()
        bytes.withUnsafeBytes { hash.add(UnsafeRawBufferPointer(rebasing: $0[0..<end])) }
        guard hash.value == read(UInt64.self, at: end) else { return nil }
        return Entry(shape: SampleShape(channels: dimensions[0], height: dimensions[1], width: dimensions[2]),
                     train: Array(bytes[headerSize..<(headerSize + trainBytes)]),
                     test: Array(bytes[(headerSize + trainBytes)..<(headerSize + trainBytes + testBytes)]),
                     unlabeled: Array(bytes[(headerSize + trainBytes + testBytes)..<end]))
    }
}
