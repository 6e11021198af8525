import Testing
import MimicEngine

/// Specs, input shapes and class counts too large to build are refused with a
/// sentence before anything is allocated, instead of aborting on a failed allocation
/// or wrapping around in the release build.
@Suite struct NetworkLimitTests {
    static let fashion = SampleShape(channels: 1, height: 28, width: 28)

    @Test(arguments: [
        ("fc999999999", 0, "number of units"), ("fc4611686018427387904", 0, "number of units"),
        ("fc99999999999999999999999", 0, "number of units"), ("conv65537", 0, "number of filters"),
        ("conv1p9223372036854775807", 0, "padding"), ("conv8k1025", 0, "kernel size"),
        ("conv8-conv8s99999999999999999999", 1, "stride"), ("pool1025", 0, "pool size"), ("pool2s2000", 0, "stride"),
    ])
    func numbersPastTheLimitsAreRefusedWhenParsed(text: String, index: Int, field: String) {
        do {
            _ = try ArchitectureSpec(text)
            Issue.record("\(text) must be refused")
        } catch {
            #expect(error.tokenIndex == index)
            #expect(error.description.contains("asks for a \(field) above "), "\(error.description)")
            #expect(error.description.hasSuffix("the most mimic allows; use a smaller \(field)."))
        }
    }

    @Test func aSpecOfTooManyLayersIsRefused() throws {
        let allowed = Array(repeating: "drop0", count: NetworkLimits.layers).joined(separator: "-")
        #expect(try ArchitectureSpec(allowed).layers.count == NetworkLimits.layers)
        #expect(throws: SpecError(spec: allowed + "-fc2", tokenIndex: NetworkLimits.layers, token: "fc2",
                                  problem: .tooManyLayers(limit: NetworkLimits.layers))) {
            try ArchitectureSpec(allowed + "-fc2")
        }
    }

    @Test func networksPastTheLimitsAreRefusedBeforeTheyAreBuilt() throws {
        func refusal(_ text: String, input: SampleShape = Self.fashion, classes: Int = 10) throws -> SpecError? {
            let spec = try ArchitectureSpec(text)
            do {
                _ = try Network(spec: spec, input: input, classes: classes, random: SeededRandom(seed: 1))
                return nil
            } catch {
                #expect(throws: error) { try NetworkSize(spec: spec, input: input, classes: classes) }
                return error
            }
        }
        let parameters = NetworkLimits.parameters, values = NetworkLimits.valuesPerSample
        #expect(try refusal("fc65536-fc65536")?.problem == .tooManyParameters(limit: parameters, input: Self.fashion))
        #expect(try refusal("fc65536-fc65536")?.tokenIndex == 1)
        #expect(try refusal("conv65536")?.problem == .tooManyValues(limit: values, input: Self.fashion))
        // 1,005 output pixels a row, each of 1,048,576 patch values: the im2col band.
        #expect(try refusal("conv1k1024p1000")?.problem == .tooManyValues(limit: values, input: Self.fashion))
        let huge = SampleShape(channels: 1, height: 99_999_999, width: 99_999_999)
        #expect(try refusal("fc8", input: huge)?.problem == .inputTooLarge(input: huge, limit: values))
        let wrapping = SampleShape(channels: 4, height: 1 << 31, width: 1 << 31)
        #expect(try refusal("linear", input: wrapping)?.problem == .inputTooLarge(input: wrapping, limit: values))
        #expect(try refusal("fc8", classes: Int.max)?.problem == .outputTooLarge(classes: Int.max, limit: parameters))
        #expect(try refusal("fc8", classes: 20_000_000)?.tokenIndex == 1)
        let sentence = try #require(try refusal("fc65536-fc65536")).description
        #expect(sentence == "Architecture \"fc65536-fc65536\": layer 2 \"fc65536\" brings the network on 1x28x28 input past "
            + "100,000,000 parameters, the most mimic builds; use fewer units or filters, or pool before the dense layers.")
    }

    /// The size worked out from the spec is the size of the network built from it.
    @Test(arguments: ["cnn-l", "cnn-s", "mlp-1024", "linear", "conv3k3s1p1-pool-conv4k2s1p0-fc6-drop0",
                      "conv8k5s2p0-pool3s1-fc20-drop0.25", "conv4k7s3p5-pool3-conv2k1"])
    func theSizeMatchesTheBuiltNetwork(text: String) throws {
        for input in [Self.fashion, SampleShape(channels: 3, height: 32, width: 32)] {
            let spec = try ArchitectureSpec(text)
            let network = try Network(spec: spec, input: input, classes: 10, random: SeededRandom(seed: 1))
            let size = try NetworkSize(spec: spec, input: input, classes: 10)
            #expect(size.parameters == network.parameterCount)
            #expect(size.forwardFLOPsPerSample == network.forwardFLOPsPerSample)
        }
    }

    /// Mutated presets, as a fuzzer makes them: each is refused with a sentence or its
    /// size is within the limits; none traps.
    @Test func mutatedSpecsAreRefusedOrWithinTheLimits() throws {
        var random = SeededRandom(seed: 7)
        let numbers = ["0", "1", "9", "65536", "65537", "1024", "1025", "999999999", "9223372036854775807",
                       "99999999999999999999", "4611686018427387904"]
        var built = 0
        for _ in 0..<2_000 {
            var text = Array(ArchitectureSpec.presets[Int(random.next() % UInt64(ArchitectureSpec.presets.count))].spec)
            for _ in 0..<(1 + random.next() % 3) {
                let digits = text.indices.filter { text[$0].isNumber }
                guard let at = digits.isEmpty ? nil : digits[Int(random.next() % UInt64(digits.count))] else {
                    text += Array("-fc" + numbers[Int(random.next() % UInt64(numbers.count))])
                    continue
                }
                text.replaceSubrange(at...at, with: Array(numbers[Int(random.next() % UInt64(numbers.count))]))
            }
            do {
                let size = try NetworkSize(spec: ArchitectureSpec(String(text)), input: Self.fashion, classes: 10)
                #expect(size.parameters <= NetworkLimits.parameters)
                built += 1
            } catch {
                #expect(!error.description.isEmpty)
            }
        }
        #expect(built > 0)
    }
}
