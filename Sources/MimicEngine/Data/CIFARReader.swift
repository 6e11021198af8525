import Foundation

/// Reads CIFAR-10's binary batches: records of one label byte and 3072 pixel bytes
/// (red, green, blue planes of 32x32), which is already the channel-major layout
/// `ImageTable` keeps, so each record's pixels are copied as one block.
public enum CIFARReader {
    public static let shape = SampleShape(channels: 3, height: 32, width: 32)
    public static let recordSize = 1 + 3072
    public static let subfolder = "cifar-10-batches-bin"
    public static let trainingFiles = (1...5).map { "data_batch_\($0).bin" }
    public static let testFile = "test_batch.bin"
    public static let metaFile = "batches.meta.txt"

    /// Images and labels of the named batch files, one after another. Labels are checked
    /// here, file by file, so an error can name the file that holds a bad one.
    public static func read(files paths: [String], classCount: Int) throws -> (images: ImageTable, labels: [UInt8]) {
        var pixels: [UInt8] = []
        var labels: [UInt8] = []
        for path in paths {
            let bytes = try GzipReader(path: path).readAll()
            guard bytes.count % recordSize == 0 else {
                throw DataError.cifarSize(path: path, bytes: bytes.count)
            }
            let records = bytes.count / recordSize
            for record in 0..<records where Int(bytes[record * recordSize]) >= classCount {
                throw DataError.labelOutOfRange(source: "CIFAR-10 file \(path)", index: record,
                                                label: bytes[record * recordSize], classCount: classCount)
            }
            labels.reserveCapacity(labels.count + records)
            pixels.reserveCapacity(pixels.count + records * shape.count)
            bytes.withUnsafeBufferPointer { source in
                for record in 0..<records {
                    let start = record * recordSize
                    labels.append(source[start])
                    // Rebased, the slice is a plain buffer and the append a single copy.
                    pixels.append(contentsOf: UnsafeBufferPointer(rebasing: source[(start + 1)..<(start + recordSize)]))
                }
            }
        }
        return (ImageTable(shape: shape, pixels: pixels), labels)
    }

    /// Class names, one a line, from `batches.meta.txt`; blank lines (the file ends
    /// with some) are dropped.
    public static func readClassNames(from path: String) throws -> [String] {
        let bytes = try GzipReader(path: path).readAll()
        return String(decoding: bytes, as: UTF8.self)
            .split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
    }
}
