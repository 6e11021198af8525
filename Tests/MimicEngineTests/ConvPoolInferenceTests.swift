import Testing
import MimicEngine

/// Inference runs each convolution, its ReLU and the 2x2 pool after it as one fused
/// step; training runs the layers one by one (each checked against finite differences
/// and the definition elsewhere). Both must give the same logits, on every path of the
/// fused step: the direct one for one input channel and 3x3 kernels (any padding,
/// pooled rows narrower than its four lanes, odd sizes whose last row and column the
/// pool drops), and the one through matrix products (several channels, other kernels,
/// strides, and images large enough to be done in several bands of rows).
@Suite struct ConvPoolInferenceTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var spec: String
        var channels, height, width: Int
        var testDescription: String { "\(spec) on \(channels)x\(height)x\(width)" }
    }

    static let cases: [Case] = [
        Case(spec: "cnn-l", channels: 1, height: 28, width: 28),
        Case(spec: "conv5-pool-conv3-pool", channels: 1, height: 5, width: 7),
        Case(spec: "conv4k3p0-pool-conv6k3p2-pool", channels: 1, height: 11, width: 9),
        Case(spec: "conv4k5-pool-conv3k1-pool", channels: 1, height: 9, width: 12),
        Case(spec: "conv4k3s2-pool-fc8", channels: 1, height: 13, width: 17),
        Case(spec: "conv6-pool-conv5k2p1-pool", channels: 3, height: 12, width: 10),
        Case(spec: "conv6-pool-conv16-pool", channels: 1, height: 128, width: 100),
    ]

    /// Logits of inference (fused), or of the layers called one after the other in
    /// training mode (the same values for a network without dropout).
    static func logits(_ network: Network, input: [Float], batch: Int, training: Bool) -> [Float] {
        input.withUnsafeBufferPointer {
            guard training else {
                return Array(UnsafeBufferPointer(start: network.forward($0.baseAddress!, batch: batch, training: false),
                                                 count: batch * network.classes))
            }
            var y = UnsafePointer($0.baseAddress!)
            for layer in network.layers { y = layer.forward(y, batch: batch, training: true) }
            return Array(UnsafeBufferPointer(start: y, count: batch * network.classes))
        }
    }

    static func network(_ spec: String, input: SampleShape) throws -> Network {
        let network = try Network(spec: ArchitectureSpec(spec), input: input, classes: 10, random: SeededRandom(seed: 3))
        // Biases of both signs, so that the ReLU after the pool zeroes some outputs.
        var random = SeededRandom(seed: 4)
        for (name, parameter) in network.namedParameters where name.hasSuffix("bias") {
            for i in 0..<parameter.count { parameter.value[i] = 0.3 * random.nextGaussian() }
        }
        return network
    }

    static func expectClose(_ fused: [Float], _ reference: [Float]) {
        #expect(fused.count == reference.count)
        let worst = zip(fused, reference).map { abs($0 - $1) / (1 + abs($1)) }.max() ?? 0
        #expect(worst < 1e-5, "largest relative difference \(worst)")
    }

    @Test(arguments: cases, [1, 5])
    func matchesLayerByLayer(_ shape: Case, batch: Int) throws {
        let input = SampleShape(channels: shape.channels, height: shape.height, width: shape.width)
        let network = try Self.network(shape.spec, input: input)
        let x = randomInput(count: batch * input.count, seed: 9)
        let reference = Self.logits(network, input: x, batch: batch, training: true)
        Self.expectClose(Self.logits(network, input: x, batch: batch, training: false), reference)
    }

    /// Dropout between two fused steps passes through at inference.
    @Test func dropoutAndUnfusedLayersInBetween() throws {
        let input = SampleShape(channels: 2, height: 8, width: 8)
        let network = try Self.network("conv4-pool-drop0.5-conv4-pool", input: input)
        let x = randomInput(count: 3 * input.count, seed: 2)
        let fused = Self.logits(network, input: x, batch: 3, training: false)
        // The reference with dropout's rate at zero is the same network's training path.
        let plain = try Self.network("conv4-pool-conv4-pool", input: input)
        Self.expectClose(fused, Self.logits(plain, input: x, batch: 3, training: true))
    }

    /// The direct path's portable loop copies the weights into its own layout on every
    /// call (the AVX-512 loop reads them in place), so a training step between two
    /// inferences must show in the second.
    @Test func seesWeightsChangedSinceTheLastCall() throws {
        let input = SampleShape(channels: 1, height: 28, width: 28)
        let network = try Self.network("cnn-s", input: input)
        let x = randomInput(count: 2 * input.count, seed: 5)
        _ = Self.logits(network, input: x, batch: 2, training: false)
        for parameter in network.parameters {
            for i in 0..<parameter.count { parameter.value[i] *= -1.5 }
        }
        Self.expectClose(Self.logits(network, input: x, batch: 2, training: false),
                         Self.logits(network, input: x, batch: 2, training: true))
    }
}
