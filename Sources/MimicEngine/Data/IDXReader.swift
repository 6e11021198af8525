/// Reads the IDX files of MNIST and Fashion-MNIST, plain or gzip.
///
/// A file must hold exactly what its header promises: fewer bytes is a truncated
/// download, and extra bytes are rejected too, because a clean IDX file never has any
/// and accepting them would hide a file that was concatenated or overwritten. (Bytes
/// after a gzip stream are outside the IDX data; zlib skips them by design.)
public enum IDXReader {
    /// Big-endian magic numbers: two zero bytes, type 0x08 (unsigned byte), then the
    /// number of dimensions (3 for images, 1 for labels).
    public static let imageMagic: UInt32 = 0x0000_0803
    public static let labelMagic: UInt32 = 0x0000_0801

    /// A deflate stream cannot expand more than about 1032 times; a header promising
    /// more than that is caught before allocating what it claims.
    private static let maximumExpansion = 1032

    public static func readImages(from path: String) throws -> ImageTable {
        let reader = try GzipReader(path: path)
        let header = try readHeader(reader, magic: imageMagic, words: 4)
        let (count, rows, columns) = (header[1], header[2], header[3])
        // A file of no image has no body to be short of, so the size of one image is
        // checked on its own: the table measures it, and it must fit in an Int.
        guard rows > 0 && columns > 0, checkedProduct(rows, columns) != nil else {
            throw DataError.badImageSize(path: path, rows: rows, columns: columns)
        }
        let shape = SampleShape(channels: 1, height: rows, width: columns)
        let pixels = try readBody(reader, byteCount: checkedProduct(count, rows, columns), headerSize: 16)
        return ImageTable(shape: shape, pixels: pixels)
    }

    public static func readLabels(from path: String) throws -> [UInt8] {
        let reader = try GzipReader(path: path)
        let header = try readHeader(reader, magic: labelMagic, words: 2)
        return try readBody(reader, byteCount: header[1], headerSize: 8)
    }

    /// The magic number is checked before the length, so a wrong kind of file is named
    /// as such even when it is also short.
    private static func readHeader(_ reader: GzipReader, magic: UInt32, words: Int) throws -> [Int] {
        var bytes = [UInt8](repeating: 0, count: 4 * words)
        let got = try bytes.withUnsafeMutableBytes { try reader.read(into: $0) }
        let values = (0..<words).map { word in
            bytes[(4 * word)..<(4 * word + 4)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        }
        if got >= 4 && values[0] != magic {
            throw DataError.badMagic(path: reader.path, found: values[0], expected: magic)
        }
        guard got == bytes.count else {
            throw DataError.truncated(path: reader.path, expectedBytes: bytes.count, actualBytes: got)
        }
        return values.map { Int($0) }
    }

    private static func readBody(_ reader: GzipReader, byteCount: Int?, headerSize: Int) throws -> [UInt8] {
        let expansion = reader.isPlain ? 1 : maximumExpansion
        let onDisk = GzipReader.fileSize(reader.path) ?? Int.max / maximumExpansion
        guard let byteCount, byteCount <= onDisk * expansion else {
            let actual = try reader.countRemaining()
            throw DataError.truncated(path: reader.path, expectedBytes: headerSize + (byteCount ?? Int.max - headerSize),
                                      actualBytes: headerSize + actual)
        }
        let body = try [UInt8](unsafeUninitializedCapacity: byteCount) { buffer, initialized in
            initialized = try reader.read(into: UnsafeMutableRawBufferPointer(buffer))
        }
        guard body.count == byteCount else {
            throw DataError.truncated(path: reader.path, expectedBytes: headerSize + byteCount,
                                      actualBytes: headerSize + body.count)
        }
        let extra = try reader.countRemaining()
        guard extra == 0 else {
            throw DataError.trailingBytes(path: reader.path, expectedBytes: headerSize + byteCount, extraBytes: extra)
        }
        return body
    }

}
