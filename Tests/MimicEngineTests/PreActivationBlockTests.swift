import MimicEngine
import Testing

@Suite struct PreActivationBlockTests {
    /// A block whose batch norms have γ and β away from their start (1 and 0), so that a
    /// gradient that ignored either would show.
    static func block(input: SampleShape, channels: Int, stride: Int, seed: UInt64) throws -> PreActivationBlock {
        var random = SeededRandom(seed: seed)
        let block = try #require(PreActivationBlock(input: input, channels: channels, stride: stride, random: &random))
        for norm in block.norms {
            for c in 0..<norm.inputShape.channels {
                norm.weight.value[c] = 0.5 + random.nextUnitFloat()
                norm.bias.value[c] = random.nextGaussian() * 0.5
            }
        }
        return block
    }

    /// The whole block in training mode, against finite differences, with respect to the
    /// input and every parameter (both batch norms, both convolutions, the shortcut's):
    /// an identity shortcut, one that changes channels, one that changes size too, and
    /// one that changes size alone. The step is as fine as for `ResidualBlock`: two
    /// ReLUs after batch norms put many values near their kinks.
    @Test(arguments: [(channels: 3, stride: 1, shortcut: false), (channels: 4, stride: 1, shortcut: true),
                      (channels: 4, stride: 2, shortcut: true), (channels: 3, stride: 2, shortcut: true)])
    func gradientOfTheWholeBlock(channels: Int, stride: Int, shortcut: Bool) throws {
        let input = SampleShape(channels: 3, height: 5, width: 6)
        let block = try Self.block(input: input, channels: channels, stride: stride, seed: 71)
        #expect((block.convShortcut != nil) == shortcut)
        #expect(block.parameters.count == (shortcut ? 7 : 6))
        #expect(block.outputShape == SampleShape(channels: channels, height: (5 - 1) / stride + 1, width: (6 - 1) / stride + 1))
        let mismatches = GradientCheck(batch: 3, epsilon: 1e-3, probes: 30)
            .run(block, input: randomInput(count: 3 * input.count, seed: 72))
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    /// As the first layer with parameters, the block still sets every parameter's
    /// gradient, and returns no input gradient.
    @Test func firstTrainableLayerSetsItsGradientsOnly() throws {
        let input = SampleShape(channels: 2, height: 4, width: 4)
        for channels in [2, 3] {
            let block = try Self.block(input: input, channels: channels, stride: 1, seed: 73)
            let x = randomInput(count: 2 * input.count, seed: 74)
            let dy = randomInput(count: 2 * block.outputShape.count, seed: 75)
            func gradients(needsInputGradient: Bool) -> ([[Float]], Bool) {
                _ = x.withUnsafeBufferPointer { block.forward($0.baseAddress!, batch: 2, training: true) }
                let dx = dy.withUnsafeBufferPointer { block.backward($0.baseAddress!, batch: 2, needsInputGradient: needsInputGradient) }
                return (block.parameters.map { Array(UnsafeBufferPointer(start: $0.gradient, count: $0.count)) }, dx != nil)
            }
            let (full, returnedFull) = gradients(needsInputGradient: true)
            let (alone, returnedAlone) = gradients(needsInputGradient: false)
            #expect(returnedFull && !returnedAlone)
            #expect(full == alone)
        }
    }

    /// Evaluation uses the running statistics: after training batches have moved them,
    /// the block's output is the modules' own evaluation composed by hand (no ReLU after
    /// the sum), and a second evaluation changes no statistic.
    @Test(arguments: [(channels: 2, stride: 1), (channels: 4, stride: 1), (channels: 4, stride: 2)])
    func evaluationUsesRunningStatistics(channels: Int, stride: Int) throws {
        let input = SampleShape(channels: 2, height: 6, width: 6)
        let block = try Self.block(input: input, channels: channels, stride: stride, seed: 81)
        let batch = 3
        for step in 0..<3 {
            let x = randomInput(count: batch * input.count, seed: 90 + UInt64(step)).map { $0 * Float(step + 1) + 0.3 }
            _ = x.withUnsafeBufferPointer { block.forward($0.baseAddress!, batch: batch, training: true) }
        }
        for norm in block.norms { #expect(norm.batchesTracked.integers[0] == 3) }
        let means = block.norms.map { Array(UnsafeBufferPointer(start: $0.runningMean.floats, count: $0.inputShape.channels)) }

        let x = randomInput(count: batch * input.count, seed: 99)
        let count = batch * block.outputShape.count
        let ours = x.withUnsafeBufferPointer {
            Array(UnsafeBufferPointer(start: block.forward($0.baseAddress!, batch: batch, training: false), count: count))
        }
        let expected: [Float] = x.withUnsafeBufferPointer { xs in
            let p = xs.baseAddress!
            // The modules write into the block's workspace, where bn2's output takes
            // the place of bn1's: the shortcut first, and each result copied out.
            let activated = block.bn1.forward(p, batch: batch, training: false)
            let shortcut = block.convShortcut.map {
                Array(UnsafeBufferPointer(start: $0.forward(activated, batch: batch, training: false), count: count))
            } ?? Array(xs)
            var main = block.conv1.forward(activated, batch: batch, training: false)
            main = block.bn2.forward(main, batch: batch, training: false)
            main = block.conv2.forward(main, batch: batch, training: false)
            let mainValues = Array(UnsafeBufferPointer(start: main, count: count))
            return (0..<count).map { mainValues[$0] + shortcut[$0] }
        }
        #expect(ours == expected)
        #expect(ours.contains { $0 < 0 }, "no ReLU after the sum")
        #expect(block.norms.map { Array(UnsafeBufferPointer(start: $0.runningMean.floats, count: $0.inputShape.channels)) } == means)
        for norm in block.norms { #expect(norm.batchesTracked.integers[0] == 3) }
    }

    /// The tensors inside the block carry the names of RepDistiller's wrn.py BasicBlock,
    /// in its state_dict's order.
    @Test func tensorsAreNamedAsTheTorchBlock() throws {
        let input = SampleShape(channels: 2, height: 4, width: 4)
        let widening = try Self.block(input: input, channels: 3, stride: 2, seed: 1)
        #expect(widening.namedParameters.map(\.name)
                == ["bn1.weight", "bn1.bias", "conv1.weight", "bn2.weight", "bn2.bias", "conv2.weight", "convShortcut.weight"])
        #expect(widening.namedParameters.map(\.parameter.shape)
                == [[2], [2], [3, 2, 3, 3], [3], [3], [3, 3, 3, 3], [3, 2, 1, 1]])
        #expect(widening.namedBuffers.map(\.name) == ["bn1", "bn2"].flatMap { norm in
            ["running_mean", "running_var", "num_batches_tracked"].map { "\(norm).\($0)" }
        })
        let same = try Self.block(input: input, channels: 2, stride: 1, seed: 1)
        #expect(same.namedParameters.map(\.name) == ["bn1.weight", "bn1.bias", "conv1.weight", "bn2.weight", "bn2.bias", "conv2.weight"])
    }
}
