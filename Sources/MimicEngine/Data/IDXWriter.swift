import CZlibSystem
import Foundation

/// Writes IDX files that `IDXReader` and `DataSet.load` read back: how test suites get a
/// tiny data set on disk. A path ending in `.gz` is gzip-compressed; any other is
/// written plain, through zlib's transparent mode, so both go through one code path.
public enum IDXWriter {
    public static func write(images: ImageTable, to path: String) throws {
        guard images.shape.channels == 1 else {
            throw DataError.cannotWrite(
                path: path, reason: "IDX image files hold one channel and these images have \(images.shape.channels)")
        }
        let header = [IDXReader.imageMagic, UInt32(images.count),
                      UInt32(images.shape.height), UInt32(images.shape.width)]
        try write(header: header, body: images.pixels, to: path)
    }

    public static func write(labels: [UInt8], to path: String) throws {
        try write(header: [IDXReader.labelMagic, UInt32(labels.count)], body: labels, to: path)
    }

    /// The four files under their canonical names, creating `directory` if needed.
    public static func write(_ dataSet: DataSet, to directory: String, compressed: Bool) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw DataError.cannotWrite(path: directory, reason: error.localizedDescription)
        }
        let suffix = compressed ? ".gz" : ""
        func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name + suffix) }
        try write(images: dataSet.train, to: path("train-images-idx3-ubyte"))
        try write(labels: dataSet.trainLabels, to: path("train-labels-idx1-ubyte"))
        try write(images: dataSet.test, to: path("t10k-images-idx3-ubyte"))
        try write(labels: dataSet.testLabels, to: path("t10k-labels-idx1-ubyte"))
    }

    private static func write(header: [UInt32], body: [UInt8], to path: String) throws {
        let mode = path.hasSuffix(".gz") ? "wb" : "wbT"
        guard let file = gzopen(path, mode) else {
            throw DataError.cannotWrite(path: path, reason: String(cString: strerror(errno)))
        }
        var bytes = header.flatMap { word in (0..<4).reversed().map { UInt8(truncatingIfNeeded: word >> (8 * $0)) } }
        bytes += body
        var written = 0
        let ok = bytes.withUnsafeBytes { buffer -> Bool in
            while written < buffer.count {
                let chunk = min(GzipReader.chunkSize, buffer.count - written)
                let result = gzwrite(file, buffer.baseAddress! + written, UInt32(chunk))
                if result <= 0 { return false }
                written += Int(result)
            }
            return true
        }
        let closed = gzclose(file)
        guard ok && closed == Z_OK else {
            throw DataError.cannotWrite(path: path, reason: String(cString: strerror(errno)))
        }
    }
}
