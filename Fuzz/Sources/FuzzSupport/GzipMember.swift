/// Wraps bytes in a valid gzip member (RFC 1952) made of stored deflate blocks, so a
/// fuzzer can mutate what lies *inside* a .gz file: mutating a compressed stream directly
/// mostly breaks the stream, and never reaches the parser behind zlib. Stored blocks need
/// no compressor, only the CRC-32 of the bytes.
public enum GzipMember {
    public static func wrapping(_ bytes: [UInt8]) -> [UInt8] {
        // Magic, deflate, no flags, no time, no extra flags, unknown OS.
        var member: [UInt8] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]
        var start = 0
        repeat {
            let count = min(0xffff, bytes.count - start)
            let isLast: UInt8 = start + count == bytes.count ? 1 : 0
            let length = UInt16(count)
            member.append(isLast)  // BFINAL, BTYPE 00 (stored), padded to the byte
            member += littleEndian(UInt32(length), bytes: 2) + littleEndian(UInt32(~length), bytes: 2)
            member += bytes[start..<(start + count)]
            start += count
        } while start < bytes.count
        member += littleEndian(crc32(bytes), bytes: 4) + littleEndian(UInt32(truncatingIfNeeded: bytes.count), bytes: 4)
        return member
    }

    private static func littleEndian(_ value: UInt32, bytes: Int) -> [UInt8] {
        (0..<bytes).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    private static let table: [UInt32] = (0..<256).map { index in
        (0..<8).reduce(UInt32(index)) { crc, _ in crc & 1 == 1 ? 0xedb8_8320 ^ (crc >> 1) : crc >> 1 }
    }

    private static func crc32(_ bytes: [UInt8]) -> UInt32 {
        ~bytes.reduce(~UInt32(0)) { crc, byte in table[Int((crc ^ UInt32(byte)) & 0xff)] ^ (crc >> 8) }
    }
}
