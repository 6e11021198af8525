/// A 64-bit hash of bytes and floats, to tell whether a run is resumed on the same data
/// and the same reused mentor. It guards against mix-ups, not against forgery, so it
/// takes eight bytes per step (Fashion-MNIST's 55 MB in a few tens of milliseconds)
/// rather than being a cryptographic hash.
struct ContentHash {
    private var state: UInt64 = 0x243f_6a88_85a3_08d3

    mutating func add(_ bytes: UnsafeRawBufferPointer) {
        let words = bytes.count / 8
        for i in 0..<words {
            mix(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)))
        }
        var tail: UInt64 = 0
        for i in (8 * words)..<bytes.count { tail = tail << 8 | UInt64(bytes[i]) }
        mix(tail)
        // The length closes each piece, so moving bytes from one piece to the next changes the hash.
        mix(UInt64(bytes.count))
    }

    mutating func add(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { add($0) }
    }

    mutating func add(_ floats: UnsafeBufferPointer<Float>) {
        add(UnsafeRawBufferPointer(floats))
    }

    /// The hash as a number, for files that store it.
    var value: UInt64 { state }

    /// Sixteen hex digits.
    var hex: String { String(state, radix: 16).leftPadded(to: 16) }

    private mutating func mix(_ word: UInt64) {
        // One round of a multiply-rotate mix in the manner of MurmurHash's 64-bit body.
        var k = word &* 0x87c3_7b91_1142_53d5
        k = (k << 31) | (k >> 33)
        state ^= k &* 0x4cf5_ad43_2745_937f
        state = ((state << 27) | (state >> 37)) &* 5 &+ 0x52dc_e729
    }
}

extension String {
    /// The string with zeros in front up to `width` characters.
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
