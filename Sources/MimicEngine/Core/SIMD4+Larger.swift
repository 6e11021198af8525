/// Lane by lane the larger value, as a compare and a blend: the standard library's
/// `pointwiseMax` follows IEEE maximum's NaN rules lane by lane in scalar code.
/// Max pooling, alone and fused after a convolution, takes its windows' maxima with it.
@inline(__always)
func larger(_ x: SIMD4<Float>, _ y: SIMD4<Float>) -> SIMD4<Float> {
    x.replacing(with: y, where: x .< y)
}
