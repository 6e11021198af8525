import Testing
import MimicEngine

/// The engine's AVX-512 loop (inference's direct first convolution with its pool) stands
/// for a portable Swift loop and must give its very bits, on every shape the fused
/// steps are tested on (pooled rows narrower than a vector, wider than one, odd sizes
/// whose last row and column the pool drops), and carry NaN and infinities through the
/// maxima as the portable loop does. A network made inside `withPortableLoops` runs the
/// portable loop on any CPU; on a CPU without AVX-512 both networks would, so the suite
/// is skipped there.
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

    /// Which operand a maximum returns when one is NaN decides the bits that come out;
    /// the AVX-512 loop must choose as the portable `larger` does.
    @Test func nanAndInfinitiesGoThroughAsInThePortableLoop() throws {
        let (vector, portable, input) = try Self.networks(.init(spec: "conv5-pool-fc8", channels: 1, height: 6, width: 9))
        for (index, special) in [Float.nan, .infinity, -.infinity, -0.0].enumerated() {
            var x = randomInput(count: 2 * input.count, seed: 20 + UInt64(index))
            for i in Swift.stride(from: index, to: x.count, by: 7) { x[i] = special }
            let ours = ConvPoolInferenceTests.logits(vector, input: x, batch: 2, training: false)
            let theirs = ConvPoolInferenceTests.logits(portable, input: x, batch: 2, training: false)
            #expect(ours.map(\.bitPattern) == theirs.map(\.bitPattern), "with \(special) in the input")
        }
    }
}
