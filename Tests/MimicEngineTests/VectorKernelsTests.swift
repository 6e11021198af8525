import Testing
@testable import MimicEngine

/// The engine's AVX-512 loop (inference's direct first convolution with its pool) stands
/// for a portable Swift loop and must give its very bits, on every shape the fused
/// steps are tested on (pooled rows narrower than a vector, wider than one, odd sizes
/// whose last row and column the pool drops), and carry NaN, infinities and signed
/// zeros through the maxima as the portable loop does. A network made inside
/// `withPortableLoops` runs the portable loop on any CPU; on a CPU without AVX-512 both
/// networks would, so the suite is skipped there.
@Suite(.enabled(if: VectorKernels.available, "this CPU cannot run AVX-512F"))
struct VectorKernelsTests {
    static func bits(_ network: Network, _ x: [Float], batch: Int) -> [UInt32] {
        ConvPoolInferenceTests.logits(network, input: x, batch: batch, training: false).map(\.bitPattern)
    }

    static func networks(_ shape: ConvPoolInferenceTests.Case) throws -> (vector: Network, portable: Network, input: SampleShape) {
        let input = SampleShape(channels: shape.channels, height: shape.height, width: shape.width)
        let vector = try ConvPoolInferenceTests.network(shape.spec, input: input)
        let portable = try VectorKernels.withPortableLoops {
            try ConvPoolInferenceTests.network(shape.spec, input: input)
        }
        return (vector, portable, input)
    }

    @Test(arguments: ConvPoolTrainingTests.cases)
    func sameBitsAsThePortableLoop(_ shape: ConvPoolInferenceTests.Case) throws {
        let (vector, portable, input) = try Self.networks(shape)
        let x = randomInput(count: 3 * input.count, seed: 7)
        #expect(Self.bits(vector, x, batch: 3) == Self.bits(portable, x, batch: 3))
    }

    /// One fused convolution, ReLU and pool on a 1x10x36 image (pooled rows of 18: one
    /// whole vector and a tail), made on the AVX-512 loop and on the portable one with
    /// the same weights; their pooled outputs, as bit patterns.
    static func pooledBits(_ x: [Float], batch: Int, weight: (Int) -> Float, bias: (Int) -> Float) -> (vector: [UInt32], portable: [UInt32]) {
        func make() -> ConvPoolInference {
            var random = SeededRandom(seed: 1)
            let convolution = Conv2D(input: SampleShape(channels: 1, height: 10, width: 36), filters: 4,
                                     kernel: 3, stride: 1, padding: 1, random: &random)!
            convolution.appliesReLU = true
            for i in 0..<convolution.weight.count { convolution.weight.value[i] = weight(i) }
            for f in 0..<convolution.filters { convolution.bias.value[f] = bias(f) }
            return ConvPoolInference(convolution, MaxPool2D(input: convolution.outputShape, size: 2, stride: 2)!)!
        }
        func run(_ step: ConvPoolInference) -> [UInt32] {
            x.withUnsafeBufferPointer {
                Array(UnsafeBufferPointer(start: step.forward($0.baseAddress!, batch: batch),
                                          count: batch * step.outputShape.count)).map(\.bitPattern)
            }
        }
        return (run(make()), run(VectorKernels.withPortableLoops { make() }))
    }

    /// Which operand a maximum returns, when one is NaN, decides what comes out: one NaN
    /// or infinite pixel per sample, each at another place, puts NaN or infinities at
    /// every position of some pool windows; the AVX-512 loop must pick as `larger` does.
    @Test(arguments: [Float.nan, .infinity, -.infinity])
    func nanAndInfinitiesGoThroughAsInThePortableLoop(_ special: Float) {
        let pixels = 10 * 36, batch = 24
        var x = randomInput(count: batch * pixels, seed: 21)
        for sample in 0..<batch { x[sample * pixels + (sample * 37 + 11) % pixels] = special }
        var random = SeededRandom(seed: 22)
        let weights = (0..<36).map { _ in random.nextGaussian() }
        let (vector, portable) = Self.pooledBits(x, batch: batch, weight: { weights[$0] }, bias: { 0.1 * Float($0) - 0.15 })
        #expect(vector == portable)
        #expect(vector.contains { !Float(bitPattern: $0).isFinite }, "the special values reach the pooled output")
    }

    /// Zero weights on negative pixels make every convolution output -0, but where it
    /// reads the padding (+0): the pool's ties between -0 and +0 at the edges, and the
    /// ReLU's between -0 and its +0, must come out as in the portable loop.
    @Test func signedZerosComeOutAsInThePortableLoop() {
        let pixels = 10 * 36, batch = 4
        let x = randomInput(count: batch * pixels, seed: 23).map { -abs($0) - 0.25 }
        let (vector, portable) = Self.pooledBits(x, batch: batch, weight: { _ in 0 }, bias: { $0 % 2 == 0 ? -0.0 : 0.0 })
        #expect(vector == portable)
        let zeros = Set(vector)
        #expect(zeros == [Float(0).bitPattern, Float(-0.0).bitPattern], "both zeros come out")
    }
}
