import Foundation

/// A small, fast, seedable generator (SplitMix64) so that a seed makes a run repeatable
/// on every platform; Swift's SystemRandomNumberGenerator cannot be seeded.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    /// The generator's whole state: `SeededRandom(seed: state)` goes on exactly where
    /// this one is, which is how an epoch checkpoint saves a shuffle or a dropout mask.
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// A generator for a named purpose ("init", "shuffle", "dropout"...): streams for
    /// different purposes stay independent, so adding a student does not change the
    /// mentor's initialisation.
    public init(seed: UInt64, stream: String) {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a over the stream name
        for byte in stream.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        state = seed ^ hash
        _ = next()
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    public mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * (1.0 / Float(1 << 24))
    }

    /// Standard normal by Box-Muller.
    public mutating func nextGaussian() -> Float {
        var u1 = Double(next() >> 11) * (1.0 / Double(1 << 53))
        if u1 < 1e-300 { u1 = 1e-300 }
        let u2 = Double(next() >> 11) * (1.0 / Double(1 << 53))
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }
}
