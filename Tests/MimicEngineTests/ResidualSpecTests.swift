import MimicEngine
import Testing

/// The spec tokens of residual networks: `resN[sS]` and a convolution's `nobias`.
@Suite struct ResidualSpecTests {
    @Test func specTokens() throws {
        #expect(try ArchitectureSpec("conv16nobias-bn-res16-res32s2-gap").layers == [
            .conv(filters: 16, kernel: 3, stride: 1, padding: 1, bias: false), .batchNorm,
            .residual(channels: 16, stride: 1), .residual(channels: 32, stride: 2), .globalAveragePool,
        ])
        #expect(try ArchitectureSpec("conv8k5s2nobias").layers == [.conv(filters: 8, kernel: 5, stride: 2, padding: 2, bias: false)])
        // conv-bn keeps its bias, as before.
        #expect(try ArchitectureSpec("conv8-bn").layers.first == .conv(filters: 8, kernel: 3, stride: 1, padding: 1, bias: true))
        let refusals: [(String, String)] = [
            ("res0", "layer 1 \"res0\" is not a layer"),
            ("res16s0", "layer 1 \"res16s0\" is not a layer"),
            ("res", "layer 1 \"res\" is not a layer"),
            ("convnobias", "layer 1 \"convnobias\" is not a layer"),
            ("conv8-gap-res8", "layer 3 \"res8\" comes after gap"),
        ]
        for (text, expected) in refusals {
            do {
                _ = try ArchitectureSpec(text)
                Issue.record("\(text) was accepted")
            } catch {
                #expect(error.description.contains(expected), "\(error)")
            }
        }
        do {
            _ = try NetworkSize(spec: ArchitectureSpec("fc8-res8"), input: SampleShape(channels: 1, height: 8, width: 8), classes: 10)
            Issue.record("a block after a dense layer was accepted")
        } catch {
            #expect(error.description == "Architecture \"fc8-res8\": layer 2 \"res8\" comes after a dense layer, where no image is left to convolve or pool; put conv, pool and res layers before the fc layers.")
        }
    }

    /// The size worked out from the spec alone is the network's: parameters (BN's γ and β
    /// counted, its running statistics not), FLOPs (each block's additions included).
    @Test(arguments: ["res4", "conv4nobias-bn-res4-res8s2-gap-fc16", "res6s2-pool-res6-res3"])
    func sizeFromSpecIsTheNetworks(spec: String) throws {
        let input = SampleShape(channels: 2, height: 9, width: 9)
        let network = try Network(spec: ArchitectureSpec(spec), input: input, classes: 5, random: SeededRandom(seed: 1))
        let size = try NetworkSize(spec: ArchitectureSpec(spec), input: input, classes: 5)
        #expect(size.parameters == network.parameterCount)
        #expect(size.forwardFLOPsPerSample == network.forwardFLOPsPerSample)
    }
}
