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
}
