import Testing
import MimicEngine

@Suite struct ArchitectureTests {
    static let fashion = SampleShape(channels: 1, height: 28, width: 28)

    /// The counts the same networks have when built in PyTorch.
    @Test(arguments: [
        ("cnn-l", 421_642), ("cnn-s", 105_866), ("mlp-1024", 1_863_690),
        ("mlp-256", 203_530), ("mlp-64", 50_890), ("linear", 7_850),
    ])
    func presetParameterCounts(name: String, count: Int) throws {
        let network = try Network(spec: ArchitectureSpec(name), input: Self.fashion, classes: 10, random: SeededRandom(seed: 1))
        #expect(network.parameterCount == count)
    }

    @Test func presetsBuildOnOtherInputShapes() throws {
        for (name, _) in ArchitectureSpec.presets {
            for input in [SampleShape(channels: 1, height: 8, width: 8), SampleShape(channels: 3, height: 32, width: 32)] {
                let network = try Network(spec: ArchitectureSpec(name), input: input, classes: 10, random: SeededRandom(seed: 1))
                #expect(network.layers.last?.outputShape == .vector(10))
            }
        }
        // cnn-l on CIFAR: 3x3x3x32+32 + 18496 + 8*8*64*128+128 + 1290.
        let cifar = try Network(spec: ArchitectureSpec("cnn-l"), input: SampleShape(channels: 3, height: 32, width: 32),
                                classes: 10, random: SeededRandom(seed: 1))
        #expect(cifar.parameterCount == 896 + 18_496 + 524_416 + 1_290)
    }

    @Test func parameterNamesFollowTorchSequential() throws {
        let network = try Network(spec: ArchitectureSpec("cnn-l"), input: Self.fashion, classes: 10, random: SeededRandom(seed: 1))
        // conv, relu, pool, conv, relu, pool, flatten, linear, relu, linear
        #expect(network.namedParameters.map(\.name) == [
            "0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias", "9.weight", "9.bias",
        ])
        #expect(network.namedParameters[0].parameter.shape == [32, 1, 3, 3])
        #expect(network.namedParameters[4].parameter.shape == [128, 3136])
    }

    @Test func specOptions() throws {
        let spec = try ArchitectureSpec("conv8k5s2p0-pool3s1-fc20-drop0.25")
        #expect(spec.layers == [
            .conv(filters: 8, kernel: 5, stride: 2, padding: 0), .pool(size: 3, stride: 1),
            .dense(units: 20), .dropout(rate: 0.25),
        ])
        #expect(try ArchitectureSpec("  CNN-S ").layers.count == 5)
        #expect(try ArchitectureSpec("").layers.isEmpty)
        #expect(try ArchitectureSpec("cnn-l").expanded == "conv32-pool-conv64-pool-fc128")
    }

    @Test(arguments: [
        ("conv32-pol-fc128", 1, "pol"), ("conv", 0, "conv"), ("fc", 0, "fc"), ("fc-10", 0, "fc"),
        ("conv32--fc10", 1, ""), ("conv32k", 0, "conv32k"), ("conv32x3", 0, "conv32x3"),
        ("conv32k3k3", 0, "conv32k3k3"), ("fc0", 0, "fc0"), ("drop1", 0, "drop1"), ("drop-0.5", 0, "drop"),
        ("conv0", 0, "conv0"), ("pool0", 0, "pool0"), ("fc12a", 0, "fc12a"), ("mlp-512", 0, "mlp"),
    ])
    func badTokensAreNamed(text: String, index: Int, token: String) {
        #expect(throws: SpecError.self) { try ArchitectureSpec(text) }
        do {
            _ = try ArchitectureSpec(text)
        } catch {
            #expect(error.tokenIndex == index)
            #expect(error.token == token)
            #expect(error.description.contains("\"\(token)\" is not a layer"))
            #expect(error.description.contains("e.g. conv32-pool-fc128"))
        }
    }

    @Test func layersThatDoNotFitAreNamed() throws {
        let spec = try ArchitectureSpec("conv8-pool-pool-pool-pool-pool-fc10")
        #expect(throws: SpecError(spec: spec.text, tokenIndex: 5, token: "pool", problem: .doesNotFit(input: SampleShape(channels: 8, height: 1, width: 1)))) {
            try Network(spec: spec, input: Self.fashion, classes: 10, random: SeededRandom(seed: 1))
        }
        let late = try ArchitectureSpec("fc10-conv8")
        do {
            _ = try Network(spec: late, input: Self.fashion, classes: 10, random: SeededRandom(seed: 1))
            Issue.record("conv after fc must fail")
        } catch {
            #expect(error.problem == .convAfterDense)
            #expect(error.description.contains("layer 2 \"conv8\""))
        }
    }

    @Test func sameSeedSameWeights() throws {
        let spec = try ArchitectureSpec("cnn-s")
        let a = try Network(spec: spec, input: Self.fashion, classes: 10, random: SeededRandom(seed: 5))
        let b = try Network(spec: spec, input: Self.fashion, classes: 10, random: SeededRandom(seed: 5))
        let c = try Network(spec: spec, input: Self.fashion, classes: 10, random: SeededRandom(seed: 6))
        let first = { (n: Network) in Array(UnsafeBufferPointer(start: n.parameters[0].value, count: 16)) }
        #expect(first(a) == first(b))
        #expect(first(a) != first(c))
    }

    @Test func wholeNetworkGradient() throws {
        // Every layer kind in one network, checked end to end through the logits.
        let spec = try ArchitectureSpec("conv3k3s1p1-pool-conv4k2s1p0-fc6-drop0")
        let network = try Network(spec: spec, input: SampleShape(channels: 2, height: 6, width: 6), classes: 3, random: SeededRandom(seed: 2))
        let batch = 2
        let x = randomInput(count: batch * network.inputShape.count, seed: 8)
        var random = SeededRandom(seed: 3)
        let r = (0..<batch * 3).map { _ in random.nextGaussian() }
        func objective() -> Double {
            x.withUnsafeBufferPointer { xs in
                let y = network.forward(xs.baseAddress!, batch: batch, training: true)
                return (0..<r.count).reduce(0.0) { $0 + Double(r[$1]) * Double(y[$1]) }
            }
        }
        _ = objective()
        r.withUnsafeBufferPointer { network.backward($0.baseAddress!, batch: batch) }
        let epsilon: Float = 1e-3
        for parameter in network.parameters {
            let analytic = Array(UnsafeBufferPointer(start: parameter.gradient, count: parameter.count))
            for index in stride(from: 0, to: parameter.count, by: max(1, parameter.count / 7)) {
                let original = parameter.value[index]
                parameter.value[index] = original + epsilon
                let plus = objective()
                parameter.value[index] = original - epsilon
                let minus = objective()
                parameter.value[index] = original
                let numeric = (plus - minus) / Double(2 * epsilon)
                #expect(abs(numeric - Double(analytic[index])) <= 3e-2 * max(1, abs(numeric)),
                        "\(parameter.shape) [\(index)]: \(analytic[index]) vs \(numeric)")
            }
        }
    }

    @Test func batchNormAndGlobalPoolTokens() throws {
        let spec = try ArchitectureSpec("conv8k5-bn-pool-conv16-bn-gap-fc32-bn-drop0.1")
        #expect(spec.layers == [
            .conv(filters: 8, kernel: 5, stride: 1, padding: 2), .batchNorm, .pool(size: 2, stride: 2),
            .conv(filters: 16, kernel: 3, stride: 1, padding: 1), .batchNorm, .globalAveragePool,
            .dense(units: 32), .batchNorm, .dropout(rate: 0.1),
        ])
        #expect(spec.expanded == "conv8k5-bn-pool-conv16-bn-gap-fc32-bn-drop0.1")
        #expect(try ArchitectureSpec("CONV8-BN-GAP").layers == [.conv(filters: 8, kernel: 3, stride: 1, padding: 1), .batchNorm, .globalAveragePool])
    }

    /// Tokens that are no layer, and bn or gap where they cannot stand: each names itself.
    @Test(arguments: [
        ("conv8-bn2", 1, "bn2", SpecError.Problem.unknownToken), ("conv8-gap1", 1, "gap1", .unknownToken),
        ("conv8-batchnorm", 1, "batchnorm", .unknownToken),
        ("bn-fc8", 0, "bn", .batchNormWithoutLayer), ("conv8-pool-bn", 2, "bn", .batchNormWithoutLayer),
        ("fc8-drop0.5-bn", 2, "bn", .batchNormWithoutLayer), ("conv8-bn-bn", 2, "bn", .batchNormWithoutLayer),
        ("conv8-gap-bn", 2, "bn", .batchNormWithoutLayer),
        ("conv8-gap-conv8", 2, "conv8", .imageLayerAfterGlobalPool), ("conv8-gap-pool", 2, "pool", .imageLayerAfterGlobalPool),
        ("gap-gap", 1, "gap", .imageLayerAfterGlobalPool),
    ])
    func misplacedBatchNormAndGlobalPoolAreNamed(text: String, index: Int, token: String, problem: SpecError.Problem) {
        do {
            _ = try ArchitectureSpec(text)
            Issue.record("\(text) must be refused")
        } catch {
            #expect(error.tokenIndex == index)
            #expect(error.token == token)
            #expect(error.problem == problem)
            #expect(error.description.hasPrefix("Architecture \"\(text)\": layer \(index + 1) \"\(token)\" "), "\(error)")
            #expect(error.description.hasSuffix(".") && !error.description.contains("\n"), "one sentence: \(error)")
        }
    }

    @Test func sentencesForMisplacedLayersSayWhatToDo() throws {
        #expect(SpecError(spec: "conv8-pool-bn", tokenIndex: 2, token: "bn", problem: .batchNormWithoutLayer).description
            == "Architecture \"conv8-pool-bn\": layer 3 \"bn\" does not follow a conv, fc or preres layer, the only layers batch norm normalizes; put bn right after one (e.g. conv32-bn-pool, fc128-bn or preres32-bn).")
        #expect(SpecError(spec: "conv8-gap-pool", tokenIndex: 2, token: "pool", problem: .imageLayerAfterGlobalPool).description
            == "Architecture \"conv8-gap-pool\": layer 3 \"pool\" comes after gap, where each channel is already pooled to one value and no image is left; put conv, pool, res and preres layers before gap, and only fc or drop layers after it.")
        #expect(SpecError(spec: "x", tokenIndex: 0, token: "x", problem: .unknownToken).description.contains("fcN, dropR, bn, gap, resN[sS] or preresN[sS]"))
    }

    /// gap after an fc layer has no image to pool, as conv and pool there.
    @Test func globalPoolAfterDenseIsRefusedWhenBuilt() throws {
        let spec = try ArchitectureSpec("fc8-gap")
        #expect(throws: SpecError(spec: "fc8-gap", tokenIndex: 1, token: "gap", problem: .convAfterDense)) {
            try Network(spec: spec, input: Self.fashion, classes: 10, random: SeededRandom(seed: 1))
        }
        #expect(throws: SpecError(spec: "fc8-gap", tokenIndex: 1, token: "gap", problem: .convAfterDense)) {
            try NetworkSize(spec: spec, input: Self.fashion, classes: 10)
        }
    }

    /// conv, BatchNorm2d, ReLU, pool, flatten, linear, BatchNorm1d, ReLU, linear: the
    /// torch nn.Sequential, its state_dict names (buffers after parameters, per layer),
    /// its parameter count (γ and β, not the running statistics) and its FLOPs, the
    /// same from the spec alone (NetworkSize) as from the network.
    @Test func batchNormLayersFollowTorchSequential() throws {
        let spec = try ArchitectureSpec("conv8-bn-pool-fc16-bn")
        let network = try Network(spec: spec, input: Self.fashion, classes: 10, random: SeededRandom(seed: 1))
        #expect(network.layers.map(\.summary) == [
            "conv2d 1->8 k3 s1 p1", "batchnorm2d 8", "relu (fused)", "maxpool 2x2 s2", "flatten",
            "dense 1568->16", "batchnorm1d 16", "relu (fused)", "dense 16->10",
        ])
        #expect(network.namedParameters.map(\.name) == [
            "0.weight", "0.bias", "1.weight", "1.bias", "5.weight", "5.bias", "6.weight", "6.bias", "8.weight", "8.bias",
        ])
        #expect(network.namedBuffers.map(\.name) == [
            "1.running_mean", "1.running_var", "1.num_batches_tracked",
            "6.running_mean", "6.running_var", "6.num_batches_tracked",
        ])
        #expect(network.namedBuffers.map(\.buffer.shape) == [[8], [8], [], [16], [16], []])
        #expect(network.namedBuffers.map(\.buffer.dtype) == [.float32, .float32, .int64, .float32, .float32, .int64])
        // 80 + 16 + (1568·16 + 16) + 32 + 170
        #expect(network.parameterCount == 80 + 16 + 25_104 + 32 + 170)
        let size = try NetworkSize(spec: spec, input: Self.fashion, classes: 10)
        #expect(size.parameters == network.parameterCount)
        #expect(size.forwardFLOPsPerSample == network.forwardFLOPsPerSample)
        // The batch norms' share: a multiply-add per value, 8x28x28 and 16.
        let withoutNorms = try Network(spec: ArchitectureSpec("conv8-pool-fc16"), input: Self.fashion, classes: 10, random: SeededRandom(seed: 1))
        #expect(network.forwardFLOPsPerSample - withoutNorms.forwardFLOPsPerSample == 2 * (8 * 28 * 28) + 2 * 16)
        // A fresh batch norm: γ 1, β 0, running mean 0 and variance 1, no batch seen.
        let norm = try #require(network.layers[1] as? BatchNorm)
        #expect((0..<8).allSatisfy { norm.weight.value[$0] == 1 && norm.bias.value[$0] == 0 })
        #expect((0..<8).allSatisfy { norm.runningMean.floats[$0] == 0 && norm.runningVar.floats[$0] == 1 })
        #expect(norm.batchesTracked.integers[0] == 0)
        #expect(!norm.weight.decays && !norm.bias.decays)
        // Only a batch norm with one value per channel needs two samples a batch.
        #expect(network.smallestTrainingBatch == 2)
        #expect(try Network(spec: ArchitectureSpec("conv8-bn-pool"), input: Self.fashion, classes: 10,
                            random: SeededRandom(seed: 1)).smallestTrainingBatch == 1)
    }

    @Test func globalPoolIsAdaptiveAvgPoolThenFlatten() throws {
        let spec = try ArchitectureSpec("conv8-pool-gap")
        let network = try Network(spec: spec, input: Self.fashion, classes: 10, random: SeededRandom(seed: 1))
        #expect(network.layers.map(\.summary) == [
            "conv2d 1->8 k3 s1 p1", "relu (fused)", "maxpool 2x2 s2", "global avg pool 14x14", "flatten", "dense 8->10",
        ])
        #expect(network.namedParameters.map(\.name) == ["0.weight", "0.bias", "5.weight", "5.bias"])
        let size = try NetworkSize(spec: spec, input: Self.fashion, classes: 10)
        #expect(size.parameters == network.parameterCount && size.parameters == 80 + 90)
        #expect(size.forwardFLOPsPerSample == network.forwardFLOPsPerSample)
        // Every pooled value's addition: 8x14x14.
        let withoutPool = try Network(spec: ArchitectureSpec("conv8-pool"), input: Self.fashion, classes: 10, random: SeededRandom(seed: 1))
        #expect(network.forwardFLOPsPerSample - (withoutPool.forwardFLOPsPerSample - 2 * 1568 * 10) == 8 * 14 * 14 + 2 * 8 * 10)
    }

    /// Each image's channel means, 1x1 per channel, whatever the values.
    @Test func globalPoolAveragesEachChannel() throws {
        let layer = GlobalAveragePool(input: SampleShape(channels: 2, height: 2, width: 3))
        let x: [Float] = [1, 2, 3, 4, 5, 6, -6, -6, -6, 0, 0, 0, 10, 10, 10, 10, 10, 10, 1, 1, 1, 1, 1, 7]
        let y = x.withUnsafeBufferPointer { Array(UnsafeBufferPointer(start: layer.forward($0.baseAddress!, batch: 2, training: false), count: 4)) }
        #expect(y == [3.5, -3, 10, 2])
    }
}
