@testable import MimicEngine
import Testing

/// Residual blocks keep few of their values between forward and backward and share the
/// rest with the network's other blocks (`BlockWorkspace`). A block must come out of
/// backward with the same gradients as if it had the buffers to itself, whatever the
/// other blocks wrote there in between.
@Suite struct BlockWorkspaceTests {
    /// Gradients of every parameter, then dLoss/d(input).
    typealias Gradients = (parameters: [[Float]], input: [Float])

    static let input = SampleShape(channels: 3, height: 6, width: 5)

    /// Trains `block` one step on fixed values; between its forward and its backward,
    /// `other` (if any) runs a whole step of its own, as the blocks after it in a network do.
    static func step(_ block: Layer, interleaving other: Layer?) -> Gradients {
        let batch = 3
        let x = randomInput(count: batch * input.count, seed: 11)
        let dy = randomInput(count: batch * block.outputShape.count, seed: 12)
        _ = x.withUnsafeBufferPointer { block.forward($0.baseAddress!, batch: batch, training: true) }
        if let other {
            let otherX = randomInput(count: batch * other.inputShape.count, seed: 13).map { $0 * 3 - 1 }
            let otherDy = randomInput(count: batch * other.outputShape.count, seed: 14)
            _ = otherX.withUnsafeBufferPointer { other.forward($0.baseAddress!, batch: batch, training: true) }
            _ = otherDy.withUnsafeBufferPointer { other.backward($0.baseAddress!, batch: batch, needsInputGradient: true) }
        }
        let dx = dy.withUnsafeBufferPointer { block.backward($0.baseAddress!, batch: batch, needsInputGradient: true)! }
        return (block.parameters.map { Array(UnsafeBufferPointer(start: $0.gradient, count: $0.count)) },
                Array(UnsafeBufferPointer(start: dx, count: batch * input.count)))
    }

    /// Trains a block alone, then the same block (the same seed) sharing a workspace
    /// with a larger block that runs between its forward and its backward: the shared
    /// buffers are sized by the other, and every value the first kept there is gone.
    static func expectSameGradientsSharing(
        _ make: (SampleShape, _ channels: Int, _ stride: Int, inout SeededRandom) -> (any ResidualLayer)?,
        channels: Int, stride: Int
    ) throws {
        func pair() throws -> (any ResidualLayer, any ResidualLayer) {
            var random = SeededRandom(seed: 21)
            let block = try #require(make(Self.input, channels, stride, &random))
            let other = try #require(make(SampleShape(channels: 5, height: 7, width: 7), 5, 1, &random))
            return (block, other)
        }
        let (alone, _) = try pair()
        let expected = Self.step(alone, interleaving: nil)
        let (shared, other) = try pair()
        let workspace = BlockWorkspace()
        shared.share(workspace, parity: 0)
        other.share(workspace, parity: 1)
        let got = Self.step(shared, interleaving: other)
        #expect(got.parameters == expected.parameters)
        #expect(got.input == expected.input)
    }

    /// Both shortcuts of each kind of block.
    @Test(arguments: [(channels: 3, stride: 1), (channels: 4, stride: 2)])
    func residualBlockGradientsDoNotDependOnTheOtherBlocks(channels: Int, stride: Int) throws {
        try Self.expectSameGradientsSharing({ ResidualBlock(input: $0, channels: $1, stride: $2, random: &$3) },
                                            channels: channels, stride: stride)
    }

    @Test(arguments: [(channels: 3, stride: 1), (channels: 4, stride: 2)])
    func preActivationBlockGradientsDoNotDependOnTheOtherBlocks(channels: Int, stride: Int) throws {
        try Self.expectSameGradientsSharing({ PreActivationBlock(input: $0, channels: $1, stride: $2, random: &$3) },
                                            channels: channels, stride: stride)
    }

    /// A network of blocks infers a batch larger than `Network.blockInferenceChunk` in
    /// parts: each sample's logits are those its part gives on its own, in place.
    @Test func inferenceInPartsPutsEachPartsLogitsInPlace() throws {
        let shape = SampleShape(channels: 1, height: 8, width: 8)
        let network = try Network(spec: ArchitectureSpec("conv4nobias-bn-res4-res8s2-gap"), input: shape, classes: 3,
                                  random: SeededRandom(seed: 41))
        let chunk = Network.blockInferenceChunk
        let batch = 2 * chunk + 37
        let x = randomInput(count: batch * shape.count, seed: 42)
        let whole = x.withUnsafeBufferPointer {
            Array(UnsafeBufferPointer(start: network.forward($0.baseAddress!, batch: batch, training: false), count: batch * 3))
        }
        var parts: [Float] = []
        for first in stride(from: 0, to: batch, by: chunk) {
            let count = min(chunk, batch - first)
            parts += x.withUnsafeBufferPointer {
                let logits = network.forward($0.baseAddress! + first * shape.count, batch: count, training: false)
                return Array(UnsafeBufferPointer(start: logits, count: count * 3))
            }
        }
        #expect(whole == parts)
        #expect(Set(whole).count > batch, "distinct logits, not one value repeated")
    }
}
