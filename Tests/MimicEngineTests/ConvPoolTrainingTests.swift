import Testing
import MimicEngine

/// Training runs each convolution, its ReLU and the 2x2 pool after it as one fused step
/// (`ConvPoolTraining`). The layers one by one are each checked against finite
/// differences and the definition elsewhere; the fused step must give exactly their
/// logits and every parameter's gradient, on the shapes of the presets and on odd ones
/// (a trailing row and column the pool drops, strides, several input channels), and
/// where the step cannot fuse (an image large enough to take several bands of rows).
@Suite struct ConvPoolTrainingTests {
    /// The logits and every parameter's gradient, after one forward and backward pass
    /// of `network` (fused), or of its layers called one after the other (the reference).
    static func pass(_ network: Network, input: [Float], batch: Int, fused: Bool) -> [[Float]] {
        let dLogits = randomInput(count: batch * network.classes, seed: 11)
        let logits: [Float] = input.withUnsafeBufferPointer { xs in
            dLogits.withUnsafeBufferPointer { dys in
                var y = UnsafePointer(xs.baseAddress!)
                if fused {
                    y = network.forward(y, batch: batch, training: true)
                } else {
                    for layer in network.layers { y = layer.forward(y, batch: batch, training: true) }
                }
                let logits = Array(UnsafeBufferPointer(start: y, count: batch * network.classes))
                if fused {
                    network.backward(dys.baseAddress!, batch: batch)
                } else {
                    var gradient = UnsafePointer(dys.baseAddress!)
                    for layer in network.layers.reversed() {
                        gradient = layer.backward(gradient, batch: batch, needsInputGradient: true)!
                    }
                }
                return logits
            }
        }
        return [logits] + network.parameters.map { Array(UnsafeBufferPointer(start: $0.gradient, count: $0.count)) }
    }

    static let cases: [ConvPoolInferenceTests.Case] = ConvPoolInferenceTests.cases + [
        .init(spec: "cnn-s", channels: 1, height: 28, width: 28),
    ]

    @Test(arguments: cases, [1, 5])
    func matchesLayerByLayer(_ shape: ConvPoolInferenceTests.Case, batch: Int) throws {
        let input = SampleShape(channels: shape.channels, height: shape.height, width: shape.width)
        let network = try ConvPoolInferenceTests.network(shape.spec, input: input)
        let x = randomInput(count: batch * input.count, seed: 9)
        let fused = Self.pass(network, input: x, batch: batch, fused: true)
        let reference = Self.pass(network, input: x, batch: batch, fused: false)
        #expect(fused.count == reference.count)
        for (index, (ours, theirs)) in zip(fused, reference).enumerated() {
            let what = index == 0 ? "logits" : "gradient of \(network.namedParameters[index - 1].name)"
            let differing = zip(ours, theirs).filter { $0 != $1 }.count
            #expect(ours.count == theirs.count && differing == 0, "\(differing) of the \(theirs.count) \(what) differ")
        }
    }
}
