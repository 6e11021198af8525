import Testing
import MimicEngine

/// A ReLU fused into the layer before it must compute exactly what the two separate
/// layers compute: both are gradient-checked on their own, so this carries their
/// checks over to the fused pair.
@Suite struct FusedReLUTests {
    /// Output, input gradient and parameter gradients of `first` then `second`.
    static func pass(_ first: Layer, _ second: Layer, input: [Float], batch: Int, seed: UInt64) -> [[Float]] {
        var random = SeededRandom(seed: seed)
        let outCount = batch * second.outputShape.count
        let dy = (0..<outCount).map { _ in random.nextGaussian() }
        return input.withUnsafeBufferPointer { xs in
            let hidden = first.forward(xs.baseAddress!, batch: batch, training: true)
            let y = Array(UnsafeBufferPointer(start: second.forward(hidden, batch: batch, training: true), count: outCount))
            let dx = dy.withUnsafeBufferPointer { dys -> [Float] in
                let dHidden = second.backward(dys.baseAddress!, batch: batch, needsInputGradient: true)!
                let dx = first.backward(dHidden, batch: batch, needsInputGradient: true)!
                return Array(UnsafeBufferPointer(start: dx, count: input.count))
            }
            return [y, dx] + first.parameters.map { Array(UnsafeBufferPointer(start: $0.gradient, count: $0.count)) }
        }
    }

    /// Runs `body` until no other test changed the engine's thread count while it ran.
    /// Suites that train set it (to 1) while this one runs alongside, and a product's
    /// parts, and so the order its partial sums add in, follow the count: the two passes
    /// compared must see the same one.
    static func atOneThreadCount<T>(_ body: () throws -> T) rethrows -> T {
        while true {
            let before = Parallel.threads
            let result = try body()
            if Parallel.threads == before { return result }
        }
    }

    @Test(arguments: [(kernel: 3, stride: 1, padding: 1, budget: Conv2D.defaultColumnBudget),
                      (kernel: 3, stride: 2, padding: 1, budget: Conv2D.defaultColumnBudget),
                      (kernel: 3, stride: 1, padding: 1, budget: 1)])
    func conv(kernel: Int, stride: Int, padding: Int, budget: Int) throws {
        let input = SampleShape(channels: 2, height: 7, width: 6)
        func make() throws -> Conv2D {
            var random = SeededRandom(seed: 5)
            let layer = try #require(Conv2D(input: input, filters: 4, kernel: kernel, stride: stride, padding: padding,
                                            columnBudget: budget, random: &random))
            for f in 0..<4 { layer.bias.value[f] = Float(f) * 0.3 - 0.5 }
            return layer
        }
        let x = randomInput(count: 3 * input.count, seed: 3)
        let (expected, fusedPass) = try Self.atOneThreadCount {
            let separate = try make(), fused = try make()
            let relu = ReLU(fusedInto: fused)
            #expect(fused.appliesReLU && relu.isFused)
            return (Self.pass(separate, ReLU(shape: separate.outputShape), input: x, batch: 3, seed: 8),
                    Self.pass(fused, relu, input: x, batch: 3, seed: 8))
        }
        #expect(fusedPass == expected)
    }

    /// The last case is large enough for the engine to split the products and the
    /// masking across threads.
    @Test(arguments: [(batch: 1, inputs: 37, outputs: 300), (batch: 5, inputs: 37, outputs: 300),
                      (batch: 40, inputs: 37, outputs: 300), (batch: 64, inputs: 128, outputs: 1024)])
    func dense(batch: Int, inputs: Int, outputs: Int) {
        func make() -> Dense {
            var random = SeededRandom(seed: 3)
            let layer = Dense(input: .vector(inputs), outputs: outputs, random: &random)
            for j in 0..<outputs { layer.bias.value[j] = Float(j % 7) * 0.2 - 0.6 }
            return layer
        }
        let x = randomInput(count: batch * inputs, seed: 1)
        let (expected, fusedPass) = Self.atOneThreadCount {
            let separate = make(), fused = make()
            return (Self.pass(separate, ReLU(shape: separate.outputShape), input: x, batch: batch, seed: 4),
                    Self.pass(fused, ReLU(fusedInto: fused), input: x, batch: batch, seed: 4))
        }
        #expect(fusedPass == expected)
    }

    /// Batch norm takes over the ReLU of the conv or dense layer it normalizes: its
    /// output, input gradient and γ and β gradients are those of batch norm then a
    /// separate ReLU. Each channel is made by one thread, so no thread count changes them.
    @Test(arguments: [SampleShape(channels: 3, height: 5, width: 6), .vector(300)])
    func batchNorm(shape: SampleShape) {
        func make() -> BatchNorm {
            let layer = BatchNorm(shape: shape)
            for c in 0..<shape.channels {
                layer.weight.value[c] = 0.5 + Float(c % 5) * 0.3
                layer.bias.value[c] = Float(c % 7) * 0.2 - 0.6
            }
            return layer
        }
        let x = randomInput(count: 6 * shape.count, seed: 2)
        let separate = make(), fused = make()
        let relu = ReLU(fusedInto: fused)
        #expect(fused.appliesReLU && relu.isFused)
        let expected = Self.pass(separate, ReLU(shape: shape), input: x, batch: 6, seed: 5)
        #expect(Self.pass(fused, relu, input: x, batch: 6, seed: 5) == expected)
        // The ReLU did cut: some outputs are zero, and some gradients with them.
        #expect(expected[0].contains(0) && expected[0].contains { $0 > 0 })
    }
}
