import Testing
import MimicEngine

/// In evaluation a network runs each convolution and the batch norm after it as one
/// folded convolution (fused with the pool after it where it can be): its logits must
/// be those of the layers run one by one, to float rounding.
@Suite struct BatchNormFoldingTests {
    @Test(arguments: [
        ("conv4-bn-pool-conv3k3s2p1-bn-fc8-bn", SampleShape(channels: 1, height: 9, width: 9)),
        ("conv6k5-bn-pool3s2-conv5-bn-gap", SampleShape(channels: 3, height: 10, width: 8)),
        ("conv8-bn-pool-conv4-bn-pool", SampleShape(channels: 2, height: 12, width: 12)),
        ("conv8-bn", SampleShape(channels: 1, height: 6, width: 6)),
        // Residual blocks, with an identity shortcut and with a downsample.
        ("conv4nobias-bn-res4-res8s2-gap", SampleShape(channels: 1, height: 9, width: 9)),
        ("conv3nobias-bn-res6-res6-gap", SampleShape(channels: 3, height: 8, width: 7)),
    ])
    func foldedInferenceMatchesTheLayersOneByOne(spec: String, input: SampleShape) throws {
        let network = try Network(spec: ArchitectureSpec(spec), input: input, classes: 5, random: SeededRandom(seed: 3))
        // Running statistics, γ, β and the convolutions' biases away from their start.
        for step in 0..<3 {
            let x = randomInput(count: 6 * input.count, seed: UInt64(70 + step)).map { $0 * 2 + 0.5 }
            _ = x.withUnsafeBufferPointer { network.forward($0.baseAddress!, batch: 6, training: true) }
        }
        var random = SeededRandom(seed: 11)
        let norms = network.layers.flatMap { layer -> [BatchNorm] in
            (layer as? ResidualBlock)?.norms ?? (layer as? BatchNorm).map { [$0] } ?? []
        }
        for norm in norms {
            for c in 0..<norm.inputShape.channels {
                norm.weight.value[c] = 0.5 + random.nextUnitFloat()
                norm.bias.value[c] = random.nextGaussian() * 0.5
            }
        }
        for layer in network.layers {
            if let conv = layer as? Conv2D {
                for f in 0..<conv.filters { conv.bias.value[f] = random.nextGaussian() * 0.3 }
            }
        }
        let batch = 4
        let x = randomInput(count: batch * input.count, seed: 80)
        let count = batch * 5
        let folded = x.withUnsafeBufferPointer {
            Array(UnsafeBufferPointer(start: network.forward($0.baseAddress!, batch: batch, training: false), count: count))
        }
        let oneByOne = x.withUnsafeBufferPointer { xs -> [Float] in
            var activation = xs.baseAddress!
            for layer in network.layers { activation = layer.forward(activation, batch: batch, training: false) }
            return Array(UnsafeBufferPointer(start: activation, count: count))
        }
        for (a, b) in zip(folded, oneByOne) {
            #expect(abs(a - b) <= 1e-4 * max(1, abs(b)), "\(a) vs \(b)")
        }
        // Folding reads the weights as they are at each pass: changed, the output follows.
        let norm = try #require(norms.last)
        norm.bias.value[0] += 1
        let changed = x.withUnsafeBufferPointer {
            Array(UnsafeBufferPointer(start: network.forward($0.baseAddress!, batch: batch, training: false), count: count))
        }
        #expect(changed != folded)
    }
}
