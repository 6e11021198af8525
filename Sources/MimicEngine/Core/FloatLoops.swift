/// Loops over raw float memory that LLVM does not vectorise by itself.
enum FloatLoops {
    /// Σ x[i]. A float sum in one running total is a chain of dependent additions that
    /// LLVM may not reorder (that would change the result), so it runs at one addition
    /// per four cycles; sixteen interleaved partial sums run as fast as memory allows.
    @inline(__always)
    static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        let raw = UnsafeRawPointer(x)
        var even = SIMD8<Float>(), odd = SIMD8<Float>()
        var i = 0
        while i + 16 <= count {
            even += raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
            odd += raw.loadUnaligned(fromByteOffset: 4 * (i + 8), as: SIMD8<Float>.self)
            i += 16
        }
        var total = (even + odd).sum()
        while i < count {
            total += x[i]
            i += 1
        }
        return total
    }
}
