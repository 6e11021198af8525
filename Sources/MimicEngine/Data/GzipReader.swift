import CZlibSystem
import Foundation

/// One open file read through zlib, so plain and gzip files need no separate paths.
/// zlib reports a stream that ends mid-member only through `gzerror`, never through
/// `gzread`'s result, so every short read is checked here once instead of by each caller.
final class GzipReader {
    let path: String
    private let file: gzFile
    /// Large enough that one call decompresses a useful amount; small enough to stay
    /// well inside `gzread`'s `unsigned` length.
    static let chunkSize = 1 << 20

    init(path: String) throws {
        let descriptor: Int32
        do {
            descriptor = try FileBytes.openRegularFile(path)
        } catch {
            if let kind = error.notARegularFile { throw DataError.notARegularFile(path: path, kind: kind) }
            throw DataError.cannotOpen(path: path, reason: error.words)
        }
        guard let file = gzdopen(descriptor, "rb") else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw DataError.cannotOpen(path: path, reason: reason)
        }
        self.path = path
        self.file = file
        // zlib's default 8 KiB input buffer turns a 30 MB file into thousands of reads.
        gzbuffer(file, 256 << 10)
    }

    deinit { gzclose(file) }

    /// Fills `buffer` from the stream; returns fewer bytes only at the end of the data.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        var done = 0
        while done < buffer.count {
            let want = min(Self.chunkSize, buffer.count - done)
            let got = gzread(file, base + done, UInt32(want))
            if got < 0 { throw currentError() }
            if got == 0 { break }
            done += Int(got)
        }
        if done < buffer.count { try checkCleanEnd() }
        return done
    }

    /// Bytes left in the stream, counted without keeping them; used to report how much
    /// a broken file really holds without allocating what its header claims.
    func countRemaining() throws -> Int {
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.chunkSize, alignment: 16)
        defer { scratch.deallocate() }
        var total = 0
        while true {
            let got = try read(into: scratch)
            total += got
            if got < scratch.count { return total }
        }
    }

    /// The whole rest of the stream.
    func readAll() throws -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(Self.fileSize(path) ?? 0)
        var chunk = [UInt8](repeating: 0, count: Self.chunkSize)
        while true {
            let got = try chunk.withUnsafeMutableBytes { try read(into: $0) }
            result.append(contentsOf: chunk[0..<got])
            if got < chunk.count { return result }
        }
    }

    /// Whether the file is plain (zlib passes it through); valid after the first read.
    var isPlain: Bool { gzdirect(file) != 0 }

    static func fileSize(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int
    }

    private func checkCleanEnd() throws {
        var code: Int32 = 0
        _ = gzerror(file, &code)
        if code != Z_OK { throw currentError() }
    }

    private func currentError() -> DataError {
        var code: Int32 = 0
        var message = gzerror(file, &code).map { String(cString: $0) } ?? "unknown error"
        if code == Z_ERRNO {
            return .cannotRead(path: path, reason: String(cString: strerror(errno)))
        }
        // zlib starts its message with the path, which the sentence already names.
        if message.hasPrefix(path + ": ") { message.removeFirst(path.count + 2) }
        return .corruptGzip(path: path, zlibMessage: message)
    }
}
