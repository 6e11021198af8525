@testable import MimicEngine
import Testing

@Suite struct ResidualBlockTests {
    /// A block whose batch norms have γ and β away from their start (1 and 0), so that a
    /// gradient that ignored either would show.
    static func block(input: SampleShape, channels: Int, stride: Int, seed: UInt64) throws -> ResidualBlock {
        var random = SeededRandom(seed: seed)
        let block = try #require(ResidualBlock(input: input, channels: channels, stride: stride, random: &random))
        for norm in block.norms {
            for c in 0..<norm.inputShape.channels {
                norm.weight.value[c] = 0.5 + random.nextUnitFloat()
                norm.bias.value[c] = random.nextGaussian() * 0.5
            }
        }
        return block
    }

    /// The whole block in training mode, against finite differences, with respect to the
    /// input and every parameter (both convolutions, all batch norms, the downsample's):
    /// an identity shortcut, one that changes channels, one that changes size too.
    /// The step is finer than the default: the batch norms put many values near the two
    /// ReLUs' kinks, and a step of 1e-2 carries a few of them across (quotients off by
    /// up to 0.5 where the gradient is 1 to 15); at 1e-3 none is.
    @Test(arguments: [(channels: 3, stride: 1, downsample: false), (channels: 4, stride: 1, downsample: true),
                      (channels: 4, stride: 2, downsample: true), (channels: 3, stride: 2, downsample: true)])
    func gradientOfTheWholeBlock(channels: Int, stride: Int, downsample: Bool) throws {
        let input = SampleShape(channels: 3, height: 5, width: 6)
        let block = try Self.block(input: input, channels: channels, stride: stride, seed: 31)
        #expect((block.downsample != nil) == downsample)
        #expect(block.parameters.count == (downsample ? 9 : 6))
        #expect(block.outputShape == SampleShape(channels: channels, height: (5 - 1) / stride + 1, width: (6 - 1) / stride + 1))
        let mismatches = GradientCheck(batch: 3, epsilon: 1e-3, probes: 30)
            .run(block, input: randomInput(count: 3 * input.count, seed: 32))
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    /// The block's input gradient is its modules' backward composed by hand, the two
    /// paths' gradients added afterwards, bit for bit: where the direct loop adds the
    /// shortcut's gradient as it writes conv1's, the sum must be the same one.
    @Test(arguments: [(channels: 3, stride: 1), (channels: 4, stride: 1), (channels: 4, stride: 2)])
    func inputGradientIsTheSumOfBothPaths(channels: Int, stride: Int) throws {
        let input = SampleShape(channels: 3, height: 7, width: 7)
        let block = try Self.block(input: input, channels: channels, stride: stride, seed: 35)
        let batch = 3
        let x = randomInput(count: batch * input.count, seed: 36)
        let y = x.withUnsafeBufferPointer {
            Array(UnsafeBufferPointer(start: block.forward($0.baseAddress!, batch: batch, training: true),
                                      count: batch * block.outputShape.count))
        }
        let gradient = randomInput(count: y.count, seed: 37)
        let ours = gradient.withUnsafeBufferPointer {
            Array(UnsafeBufferPointer(start: block.backward($0.baseAddress!, batch: batch, needsInputGradient: true)!,
                                      count: x.count))
        }
        let masked = zip(gradient, y).map { $1 > 0 ? $0 : 0 }
        let expected: [Float] = masked.withUnsafeBufferPointer { m in
            let dy = m.baseAddress!
            var shortcut = Array(m)
            if let downsample = block.downsample {
                let normalized = downsample.norm.backward(dy, batch: batch, needsInputGradient: true)!
                let back = downsample.conv.backward(normalized, batch: batch, needsInputGradient: true)!
                shortcut = Array(UnsafeBufferPointer(start: back, count: x.count))
            }
            var main = block.bn2.backward(dy, batch: batch, needsInputGradient: true)!
            main = block.conv2.backward(main, batch: batch, needsInputGradient: true)!
            main = block.bn1.backward(main, batch: batch, needsInputGradient: true)!
            let throughMain = block.conv1.backward(main, batch: batch, needsInputGradient: true)!
            return (0..<x.count).map { throughMain[$0] + shortcut[$0] }
        }
        #expect(ours == expected)
    }

    /// Evaluation uses the running statistics: after training batches have moved them,
    /// the block's output is the modules' own evaluation composed by hand, and a second
    /// evaluation changes no statistic.
    @Test(arguments: [1, 2])
    func evaluationUsesRunningStatistics(stride: Int) throws {
        let input = SampleShape(channels: 2, height: 6, width: 6)
        let block = try Self.block(input: input, channels: 4, stride: stride, seed: 41)
        let batch = 3
        for step in 0..<3 {
            let x = randomInput(count: batch * input.count, seed: 50 + UInt64(step)).map { $0 * Float(step + 1) + 0.3 }
            _ = x.withUnsafeBufferPointer { block.forward($0.baseAddress!, batch: batch, training: true) }
        }
        for norm in block.norms { #expect(norm.batchesTracked.integers[0] == 3) }
        let means = block.norms.map { Array(UnsafeBufferPointer(start: $0.runningMean.floats, count: $0.inputShape.channels)) }

        let x = randomInput(count: batch * input.count, seed: 60)
        let count = batch * block.outputShape.count
        let ours = x.withUnsafeBufferPointer {
            Array(UnsafeBufferPointer(start: block.forward($0.baseAddress!, batch: batch, training: false), count: count))
        }
        let expected: [Float] = x.withUnsafeBufferPointer { xs in
            let p = xs.baseAddress!
            var main = block.conv1.forward(p, batch: batch, training: false)
            main = block.bn1.forward(main, batch: batch, training: false)
            main = block.conv2.forward(main, batch: batch, training: false)
            main = block.bn2.forward(main, batch: batch, training: false)
            let mainValues = Array(UnsafeBufferPointer(start: main, count: count))
            var shortcut = p
            if let downsample = block.downsample {
                shortcut = downsample.conv.forward(p, batch: batch, training: false)
                shortcut = downsample.norm.forward(shortcut, batch: batch, training: false)
            }
            return (0..<count).map { max(mainValues[$0] + shortcut[$0], 0) }
        }
        #expect(ours == expected)
        #expect(block.norms.map { Array(UnsafeBufferPointer(start: $0.runningMean.floats, count: $0.inputShape.channels)) } == means)
        for norm in block.norms { #expect(norm.batchesTracked.integers[0] == 3) }
    }

    /// A block's convolutions put several small samples side by side in one product
    /// (`Conv2D.groupsSamples`): output, weight gradient and input gradient agree with
    /// the same convolution taking one sample at a time, over a batch that ends in a
    /// part-filled group.
    @Test(arguments: [(stride: 1, padding: 1, kernel: 3), (stride: 2, padding: 0, kernel: 1), (stride: 2, padding: 1, kernel: 3)])
    func samplesSideBySideMatchOneByOne(stride: Int, padding: Int, kernel: Int) throws {
        let input = SampleShape(channels: 3, height: 6, width: 5)
        func convolution() throws -> Conv2D {
            var random = SeededRandom(seed: 90)
            return try #require(Conv2D(input: input, filters: 4, kernel: kernel, stride: stride, padding: padding,
                                       random: &random))
        }
        let grouped = try convolution(), single = try convolution()
        grouped.groupsSamples = true
        #expect(grouped.samplesPerProduct > 1 && single.samplesPerProduct == 1)
        let batch = 2 * grouped.samplesPerProduct + 1
        let x = randomInput(count: batch * input.count, seed: 91)
        let outputs = grouped.outputShape.count * batch
        let dy = randomInput(count: outputs, seed: 92)
        var results: [(y: [Float], dx: [Float], dW: [Float], dB: [Float])] = []
        for layer in [grouped, single] {
            let y = x.withUnsafeBufferPointer {
                Array(UnsafeBufferPointer(start: layer.forward($0.baseAddress!, batch: batch, training: true), count: outputs))
            }
            let dx = dy.withUnsafeBufferPointer {
                Array(UnsafeBufferPointer(start: layer.backward($0.baseAddress!, batch: batch, needsInputGradient: true)!,
                                          count: batch * input.count))
            }
            results.append((y, dx, Array(UnsafeBufferPointer(start: layer.weight.gradient, count: layer.weight.count)),
                            Array(UnsafeBufferPointer(start: layer.bias.gradient, count: layer.filters))))
        }
        for (a, b) in zip(results[0].y + results[0].dx + results[0].dW + results[0].dB,
                          results[1].y + results[1].dx + results[1].dW + results[1].dB) {
            #expect(abs(a - b) <= 1e-5 * max(1, abs(b)), "\(a) vs \(b)")
        }
    }

    /// A bias-free convolution has only its weight as a parameter, and computes as one
    /// whose bias is zero.
    @Test func convolutionWithoutBias() throws {
        var random = SeededRandom(seed: 5)
        let input = SampleShape(channels: 2, height: 5, width: 5)
        let layer = try #require(Conv2D(input: input, filters: 3, kernel: 3, stride: 2, padding: 1, hasBias: false, random: &random))
        #expect(layer.parameters.map(\.name) == ["weight"])
        #expect(layer.parameterCount == 3 * 2 * 9)
        let mismatches = GradientCheck(batch: 2).run(layer, input: randomInput(count: 2 * input.count, seed: 6))
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    /// conv2's weight gradient, whose input (bn1's output) backward makes again from
    /// bn1's input, is the one that bn1's output itself gives, bit for bit: on the direct
    /// loop (16 filters), which makes it as it copies each sample, rows of more than 16
    /// values, with the ReLU's zeros and a NaN where the output had them.
    @Test func secondConvolutionRemakesItsInputExactly() throws {
        let input = SampleShape(channels: 16, height: 6, width: 20)
        let block = try Self.block(input: input, channels: 16, stride: 1, seed: 71)
        let batch = 3
        let x = randomInput(count: batch * input.count, seed: 72)
        block.bn1.weight.value[5] = .nan  // channel 5 of bn1's output all NaN
        let count = batch * input.count
        let normalized: [Float] = x.withUnsafeBufferPointer { xs in
            _ = block.forward(xs.baseAddress!, batch: batch, training: true)
            return Array(UnsafeBufferPointer(start: block.bn1.output.pointer, count: count))
        }
        #expect(normalized.contains { $0 == 0 } && normalized.contains { $0 > 0 } && normalized.contains { $0.isNaN })
        let dy = randomInput(count: batch * block.conv2.outputShape.count, seed: 73)
        func weightGradient() -> [Float] {
            dy.withUnsafeBufferPointer { _ = block.conv2.backward($0.baseAddress!, batch: batch, needsInputGradient: false) }
            return Array(UnsafeBufferPointer(start: block.conv2.weight.gradient, count: block.conv2.weight.count))
        }
        let remade = weightGradient()
        block.conv2.inputNorm = nil
        // A buffer of its own: conv2 keeps its input's address until backward.
        let output = FloatBuffer(capacity: count)
        output.pointer.update(from: normalized, count: count)
        _ = block.conv2.forward(output.pointer, batch: batch, training: true)
        let kept = weightGradient()
        let differing = zip(remade, kept).filter { $0.bitPattern != $1.bitPattern }.count
        #expect(differing == 0, "\(differing) of \(kept.count) weight gradients differ")
    }
}
