import MimicEngine
import Testing

/// The spec tokens of residual networks: `resN[sS]`, `preresN[sS]` and a convolution's
/// `nobias` and `norelu`.
@Suite struct ResidualSpecTests {
    @Test func specTokens() throws {
        #expect(try ArchitectureSpec("conv16nobias-bn-res16-res32s2-gap").layers == [
            .conv(filters: 16, kernel: 3, stride: 1, padding: 1, bias: false), .batchNorm,
            .residual(channels: 16, stride: 1), .residual(channels: 32, stride: 2), .globalAveragePool,
        ])
        #expect(try ArchitectureSpec("conv8k5s2nobias").layers == [.conv(filters: 8, kernel: 5, stride: 2, padding: 2, bias: false)])
        // conv-bn keeps its bias and its ReLU.
        #expect(try ArchitectureSpec("conv8-bn").layers.first == .conv(filters: 8, kernel: 3, stride: 1, padding: 1, bias: true))
        #expect(try ArchitectureSpec("conv16nobiasnorelu-preres32-preres64s2-bn-gap").layers == [
            .conv(filters: 16, kernel: 3, stride: 1, padding: 1, bias: false, relu: false),
            .preActivation(channels: 32, stride: 1), .preActivation(channels: 64, stride: 2), .batchNorm, .globalAveragePool,
        ])
        #expect(try ArchitectureSpec("conv8k1noreluNobias").layers == [.conv(filters: 8, kernel: 1, stride: 1, padding: 0, bias: false, relu: false)])
        let refusals: [(String, String)] = [
            ("res0", "layer 1 \"res0\" is not a layer"),
            ("res16s0", "layer 1 \"res16s0\" is not a layer"),
            ("res", "layer 1 \"res\" is not a layer"),
            ("convnobias", "layer 1 \"convnobias\" is not a layer"),
            ("conv8-gap-res8", "layer 3 \"res8\" comes after gap"),
            ("preres0", "layer 1 \"preres0\" is not a layer"),
            ("preres8s0", "layer 1 \"preres8s0\" is not a layer"),
            ("preres", "layer 1 \"preres\" is not a layer"),
            ("preres8k3", "layer 1 \"preres8k3\" is not a layer"),
            ("conv8norelunorelu", "layer 1 \"conv8norelunorelu\" is not a layer"),
            ("conv8relu", "layer 1 \"conv8relu\" is not a layer"),
            ("conv8-gap-preres8", "layer 3 \"preres8\" comes after gap"),
            ("res8-bn", "layer 2 \"bn\" does not follow a conv, fc or preres layer"),
            ("preres99999999s2", "layer 1 \"preres99999999s2\" asks for a number of channels above 65,536"),
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
            #expect(error.description == "Architecture \"fc8-res8\": layer 2 \"res8\" comes after a dense layer, where no image is left to convolve or pool; put conv, pool, res and preres layers before the fc layers.")
        }
    }

    /// `norelu` leaves out the convolution's ReLU, also the one its batch norm would
    /// apply; without it the ReLU is there, fused into the conv or the batch norm.
    @Test func noreluLeavesOutTheReLU() throws {
        let input = SampleShape(channels: 2, height: 6, width: 6)
        func rectifiers(_ spec: String) throws -> [Bool] {
            let network = try Network(spec: ArchitectureSpec(spec), input: input, classes: 3, random: SeededRandom(seed: 1))
            #expect(network.layers.contains { $0 is ReLU } == network.layers.contains { ($0 as? ReLUFusing)?.appliesReLU == true })
            return network.layers.compactMap { ($0 as? ReLUFusing).map(\.appliesReLU) }
        }
        // conv, (dense to the classes, never rectified)
        #expect(try rectifiers("conv4norelu") == [false, false])
        #expect(try rectifiers("conv4") == [true, false])
        // conv, batch norm, dense
        #expect(try rectifiers("conv4norelu-bn") == [false, false, false])
        #expect(try rectifiers("conv4nobias-bn") == [false, true, false])
        let network = try Network(spec: ArchitectureSpec("conv4norelu"), input: input, classes: 3, random: SeededRandom(seed: 1))
        #expect(network.layers.map(\.summary) == ["conv2d 2->4 k3 s1 p1", "flatten", "dense 144->3"])
    }

    /// The size worked out from the spec alone is the network's: parameters (BN's γ and β
    /// counted, its running statistics not), FLOPs (each block's additions included).
    @Test(arguments: ["res4", "conv4nobias-bn-res4-res8s2-gap-fc16", "res6s2-pool-res6-res3",
                      "preres4", "conv4nobiasnorelu-preres4-preres8s2-bn-gap-fc16", "preres6s2-pool-preres6-preres3-bn",
                      "conv4norelu-bn-pool-conv3norelu"])
    func sizeFromSpecIsTheNetworks(spec: String) throws {
        let input = SampleShape(channels: 2, height: 9, width: 9)
        let network = try Network(spec: ArchitectureSpec(spec), input: input, classes: 5, random: SeededRandom(seed: 1))
        let size = try NetworkSize(spec: ArchitectureSpec(spec), input: input, classes: 5)
        #expect(size.parameters == network.parameterCount)
        #expect(size.forwardFLOPsPerSample == network.forwardFLOPsPerSample)
    }
}
