import Foundation
import MimicEngine
import Testing

private func parameter(_ values: [Float], decays: Bool = true) -> Parameter {
    let parameter = Parameter(name: decays ? "weight" : "bias", shape: [values.count], decays: decays)
    parameter.value.update(from: values, count: values.count)
    return parameter
}

private func set(_ parameter: Parameter, gradient: [Float]) {
    parameter.gradient.update(from: gradient, count: gradient.count)
}

private func values(_ parameter: Parameter) -> [Float] {
    Array(UnsafeBufferPointer(start: parameter.value, count: parameter.count))
}

private func expectClose(_ actual: [Float], _ expected: [Float], tolerance: Float = 1e-5,
                         sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.count == expected.count, sourceLocation: sourceLocation)
    for (a, e) in zip(actual, expected) {
        #expect(abs(a - e) <= tolerance, "\(actual) vs \(expected)", sourceLocation: sourceLocation)
    }
}

@Suite struct OptimizerTests {
    @Test func sgdWithMomentumAndWeightDecayStepsAsPyTorch() {
        let weight = parameter([1, -2])
        let sgd = SGD(parameters: [weight], momentum: 0.9, weightDecay: 0.1)
        set(weight, gradient: [0.5, 0.5])

        // Step 1: g' = g + 0.1·w = [0.5 + 0.1, 0.5 − 0.2] = [0.6, 0.3]; v = g' (first step);
        //         w = [1 − 0.1·0.6, −2 − 0.1·0.3] = [0.94, −2.03].
        sgd.step(learningRate: 0.1)
        expectClose(values(weight), [0.94, -2.03])

        // Step 2: g' = [0.5 + 0.094, 0.5 − 0.203] = [0.594, 0.297];
        //         v = 0.9·[0.6, 0.3] + g' = [0.54 + 0.594, 0.27 + 0.297] = [1.134, 0.567];
        //         w = [0.94 − 0.1134, −2.03 − 0.0567] = [0.8266, −2.0867].
        sgd.step(learningRate: 0.1)
        expectClose(values(weight), [0.8266, -2.0867])

        // Step 3: g' = [0.5 + 0.08266, 0.5 − 0.20867] = [0.58266, 0.29133];
        //         v = 0.9·[1.134, 0.567] + g' = [1.0206 + 0.58266, 0.5103 + 0.29133] = [1.60326, 0.80163];
        //         w = [0.8266 − 0.160326, −2.0867 − 0.080163] = [0.666274, −2.166863].
        sgd.step(learningRate: 0.1)
        expectClose(values(weight), [0.666274, -2.166863])
    }

    @Test func sgdDoesNotDecayBiases() {
        let bias = parameter([1, -2], decays: false)
        let sgd = SGD(parameters: [bias], momentum: 0.9, weightDecay: 0.1)
        set(bias, gradient: [0.5, 0.5])
        // Step 1: v = g = [0.5, 0.5]; w = [1 − 0.05, −2 − 0.05] = [0.95, −2.05].
        sgd.step(learningRate: 0.1)
        expectClose(values(bias), [0.95, -2.05])
        // Step 2: v = 0.9·0.5 + 0.5 = 0.95; w = [0.95 − 0.095, −2.05 − 0.095] = [0.855, −2.145].
        sgd.step(learningRate: 0.1)
        expectClose(values(bias), [0.855, -2.145])
    }

    @Test func sgdWithNesterovLooksAhead() {
        let weight = parameter([1, -2])
        let sgd = SGD(parameters: [weight], momentum: 0.9, weightDecay: 0.1, nesterov: true)
        set(weight, gradient: [0.5, 0.5])
        // Step 1: g' = [0.6, 0.3]; v = g'; update g' + 0.9·v = 1.9·g' = [1.14, 0.57];
        //         w = [1 − 0.114, −2 − 0.057] = [0.886, −2.057].
        sgd.step(learningRate: 0.1)
        expectClose(values(weight), [0.886, -2.057])
        // Step 2: g' = [0.5886, 0.2943]; v = 0.9·[0.6, 0.3] + g' = [1.1286, 0.5643];
        //         update g' + 0.9·v = [0.5886 + 1.01574, 0.2943 + 0.50787] = [1.60434, 0.80217];
        //         w = [0.886 − 0.160434, −2.057 − 0.080217] = [0.725566, −2.137217].
        sgd.step(learningRate: 0.1)
        expectClose(values(weight), [0.725566, -2.137217])
    }

    /// With `decaysEveryParameter` (`--decay-all`) a bias decays as a weight does: the
    /// numbers of `sgdWithMomentumAndWeightDecayStepsAsPyTorch`, which PyTorch gives any
    /// parameter in a group with weight_decay 0.1.
    @Test func everyParameterDecaysWhenAsked() {
        let bias = parameter([1, -2], decays: false)
        let sgd = SGD(parameters: [bias], momentum: 0.9, weightDecay: 0.1, decaysEveryParameter: true)
        set(bias, gradient: [0.5, 0.5])
        sgd.step(learningRate: 0.1)
        expectClose(values(bias), [0.94, -2.03])
        sgd.step(learningRate: 0.1)
        expectClose(values(bias), [0.8266, -2.0867])

        let adamBias = parameter([1], decays: false)
        set(adamBias, gradient: [-0.05])
        OptimizerKind.adam.make(parameters: [adamBias], weightDecay: 0.1, decaysEveryParameter: true).step(learningRate: 0.01)
        expectClose(values(adamBias), [0.99], tolerance: 1e-6)
    }

    /// Which tensors of a network the decay reaches: with a zero gradient, a step moves a
    /// parameter only by its decay. By default the conv and fc weights alone (not their
    /// biases, nor batch norm's γ and β); with `decaysEveryParameter`, every one of them.
    @Test(arguments: OptimizerKind.allCases, [false, true])
    func decayReachesWeightsOrEveryParameter(_ kind: OptimizerKind, everyParameter: Bool) throws {
        let network = try Network(spec: ArchitectureSpec("conv4-bn-res4-fc6-bn"), input: SampleShape(channels: 2, height: 5, width: 5),
                                  classes: 3, random: SeededRandom(seed: 2))
        var random = SeededRandom(seed: 3)
        for parameter in network.parameters {
            for i in 0..<parameter.count { parameter.value[i] = 0.5 + random.nextUnitFloat() }
            parameter.gradient.update(repeating: 0, count: parameter.count)
        }
        let before = network.parameters.map(values)
        let optimizer = kind.make(parameters: network.parameters, momentum: 0.9, weightDecay: 0.1,
                                  decaysEveryParameter: everyParameter)
        optimizer.step(learningRate: 0.1)
        let moved = zip(network.namedParameters, before).filter { values($0.0.parameter) != $0.1 }.map(\.0.name)
        let weights = ["0.weight", "3.conv1.weight", "3.conv2.weight", "5.weight", "8.weight"]
        let all = network.namedParameters.map(\.name)
        #expect(all.count == 16)
        #expect(moved == (everyParameter ? all : weights), "\(kind)")
    }

    @Test func adamStepsAsPyTorch() {
        let weight = parameter([1, -2])
        let adam = Adam(parameters: [weight])

        // Step 1 with g = [0.5, −0.25]:
        //   m = 0.1·g = [0.05, −0.025];  v = 0.001·g² = [0.00025, 0.0000625];
        //   m̂ = m / (1 − 0.9) = [0.5, −0.25];  v̂ = v / (1 − 0.999) = [0.25, 0.0625];
        //   w −= 0.1 · m̂ / (√v̂ + 1e-8) = 0.1 · [0.5/0.5, −0.25/0.25] → w = [0.9, −1.9].
        set(weight, gradient: [0.5, -0.25])
        adam.step(learningRate: 0.1)
        expectClose(values(weight), [0.9, -1.9])

        // Step 2 with g = [0.1, −0.25]:
        //   m = 0.9·[0.05, −0.025] + 0.1·[0.1, −0.25] = [0.055, −0.0475];
        //   v = 0.999·[0.00025, 0.0000625] + 0.001·[0.01, 0.0625] = [0.00025975, 0.0001249375];
        //   m̂ = m / (1 − 0.81) = [0.289473684, −0.25];
        //   v̂ = v / (1 − 0.998001) = [0.129939970, 0.0625];  √v̂ = [0.360471872, 0.25];
        //   w −= 0.1 · [0.289473684/0.360471872, −0.25/0.25] = [0.080304094, −0.1]
        //   → w = [0.819695906, −1.8].
        set(weight, gradient: [0.1, -0.25])
        adam.step(learningRate: 0.1)
        expectClose(values(weight), [0.819695906, -1.8])
        #expect(adam.steps == 2)
    }

    @Test func adamAddsWeightDecayToTheGradientOfWeightsOnly() {
        // With wd = 0.1 and w = 1, g = −0.05 becomes g' = +0.05: Adam's first step moves
        // against the sign of g', so the weight falls by lr while the bias rises by lr.
        let weight = parameter([1])
        let bias = parameter([1], decays: false)
        set(weight, gradient: [-0.05])
        set(bias, gradient: [-0.05])
        let adam = Adam(parameters: [weight, bias], weightDecay: 0.1)
        adam.step(learningRate: 0.01)
        expectClose(values(weight), [0.99], tolerance: 1e-6)
        expectClose(values(bias), [1.01], tolerance: 1e-6)
    }

    @Test func optimizersLeaveGradientsAlone() {
        let weight = parameter([1, -2])
        set(weight, gradient: [0.5, 0.5])
        for kind in OptimizerKind.allCases {
            kind.make(parameters: [weight], momentum: 0.9, weightDecay: 0.1).step(learningRate: 0.1)
        }
        #expect(Array(UnsafeBufferPointer(start: weight.gradient, count: 2)) == [0.5, 0.5])
    }

    /// `--optimizer nesterov` is torch.optim.SGD(nesterov=True), step for step: the
    /// expected weights are what PyTorch 2.15 gives for w = [1, −2], g = [0.5, 0.5] each
    /// step, lr 0.1, momentum 0.9, weight decay 0.1 (as `sgdWithNesterovLooksAhead` works out).
    @Test func nesterovKindIsSGDWithNesterov() {
        let weight = parameter([1, -2])
        let optimizer = OptimizerKind.nesterov.make(parameters: [weight], momentum: 0.9, weightDecay: 0.1)
        #expect((optimizer as? SGD)?.nesterov == true)
        #expect((OptimizerKind.sgd.make(parameters: [parameter([1])]) as? SGD)?.nesterov == false)
        set(weight, gradient: [0.5, 0.5])
        optimizer.step(learningRate: 0.1)
        optimizer.step(learningRate: 0.1)
        expectClose(values(weight), [0.725566, -2.137217])
        #expect(optimizer.stateBuffers.map(\.name) == ["momentum_buffer"])
    }

    @Test func kindsMakeTheirOptimizer() {
        let weight = parameter([1])
        let sgd = OptimizerKind.sgd.make(parameters: [weight], momentum: 0.5, weightDecay: 0.01)
        #expect((sgd as? SGD)?.momentum == 0.5)
        #expect((sgd as? SGD)?.weightDecay == 0.01)
        let adam = OptimizerKind.adam.make(parameters: [weight], momentum: 0.5, weightDecay: 0.01)
        #expect((adam as? Adam)?.weightDecay == 0.01)
        #expect((adam as? Adam)?.beta1 == 0.9)
        #expect(OptimizerKind(rawValue: "adam") == .adam)
        #expect(OptimizerKind.allCases.allSatisfy { !$0.summary.isEmpty })
    }

    /// An optimizer rebuilt from another's `stateBuffers` and `steps` (what an epoch
    /// checkpoint keeps) goes on exactly as the original; rebuilt from the parameters
    /// alone, it does not.
    @Test(arguments: OptimizerKind.allCases)
    func stateBuffersAndStepsAreAllItCarries(_ kind: OptimizerKind) {
        let gradients: [[Float]] = [[0.5, -0.25, 0.1], [0.1, -0.25, 0.3], [-0.2, 0.4, 0.05], [0.3, 0.1, -0.6]]
        let first = parameter([1, -2, 0.5]), bias = parameter([0.1], decays: false)
        let original = kind.make(parameters: [first, bias], momentum: 0.9, weightDecay: 0.01)
        for g in gradients.prefix(2) {
            set(first, gradient: g)
            set(bias, gradient: [g[0]])
            original.step(learningRate: 0.1)
        }
        #expect(original.steps == 2)
        #expect(original.stateBuffers.map(\.name) == (kind == .adam ? ["exp_avg", "exp_avg_sq"] : ["momentum_buffer"]))
        #expect(original.stateBuffers.allSatisfy { $0.values.count == 4 && $0.values.contains { $0 != 0 } })

        /// A copy of the parameters, with an optimizer given the original's state or not.
        func copy(restoringState: Bool) -> (parameters: [Parameter], optimizer: any Optimizer) {
            let parameters = [parameter(values(first)), parameter(values(bias), decays: false)]
            let optimizer = kind.make(parameters: parameters, momentum: 0.9, weightDecay: 0.01)
            if restoringState {
                optimizer.steps = original.steps
                for (target, source) in zip(optimizer.stateBuffers, original.stateBuffers) {
                    _ = target.values.update(fromContentsOf: source.values)
                }
            }
            return (parameters, optimizer)
        }
        let restored = copy(restoringState: true), fresh = copy(restoringState: false)
        for (weight, bias, optimizer) in [(first, bias, original), (restored.parameters[0], restored.parameters[1], restored.optimizer),
                                          (fresh.parameters[0], fresh.parameters[1], fresh.optimizer)] {
            for g in gradients.dropFirst(2) {
                set(weight, gradient: g)
                set(bias, gradient: [g[0]])
                optimizer.step(learningRate: 0.1)
            }
        }
        let expected = values(first) + values(bias)
        #expect(restored.parameters.flatMap(values) == expected)
        #expect(fresh.parameters.flatMap(values) != expected)
    }

    /// SGD sums a dense weight's velocity inside backward's product (v = μ·v + g as GEMM's
    /// beta); its steps must be those of the plain formula on the gradient backward
    /// leaves in `gradient` when no optimizer takes it over.
    @Test(arguments: [(Float(0.9), Float(0)), (0.9, 0.1), (0, 0.1)])
    func sgdSummingVelocityInBackwardStepsAsOnPlainGradients(momentum: Float, weightDecay: Float) {
        var seed = SeededRandom(seed: 5), sameSeed = SeededRandom(seed: 5)
        let fused = Dense(input: .vector(40), outputs: 24, random: &seed)
        let plain = Dense(input: .vector(40), outputs: 24, random: &sameSeed)
        let sgd = SGD(parameters: fused.parameters, momentum: momentum, weightDecay: weightDecay)
        #expect(fused.weight.runningSum != nil && fused.bias.runningSum == nil)
        var velocity = [[Float]](repeating: [], count: 2)
        var random = SeededRandom(seed: 6)
        for _ in 0..<3 {
            let batch = 8
            let x = (0..<batch * 40).map { _ in random.nextUnitFloat() - 0.5 }
            let dy = (0..<batch * 24).map { _ in random.nextUnitFloat() - 0.5 }
            x.withUnsafeBufferPointer { x in
                for layer in [fused, plain] {
                    _ = layer.forward(x.baseAddress!, batch: batch, training: true)
                    _ = layer.backward(dy, batch: batch, needsInputGradient: false)
                }
            }
            sgd.step(learningRate: 0.1)
            for (index, parameter) in plain.parameters.enumerated() {
                let decay = parameter.decays ? weightDecay : 0
                let w = values(parameter)
                let g = zip(Array(UnsafeBufferPointer(start: parameter.gradient, count: parameter.count)), w).map { $0 + decay * $1 }
                velocity[index] = velocity[index].isEmpty ? g : zip(velocity[index], g).map { momentum * $0 + $1 }
                parameter.value.update(from: zip(w, velocity[index]).map { $0 - 0.1 * $1 }, count: parameter.count)
            }
        }
        for (mine, reference) in zip(fused.parameters, plain.parameters) {
            expectClose(values(mine), values(reference))
        }
    }

    /// The newest optimizer over a parameter is the one backward serves: an SGD that goes
    /// away leaves a newer SGD's sum alone, and an Adam gets its gradients in `gradient`.
    @Test func theNewestOptimizerOwnsTheRunningSum() {
        var seed = SeededRandom(seed: 5)
        let layer = Dense(input: .vector(4), outputs: 3, random: &seed)
        var older: SGD? = SGD(parameters: layer.parameters)
        let newer = SGD(parameters: layer.parameters)
        older = nil
        #expect(older == nil && layer.weight.runningSum?.values == newer.stateBuffers[0].values.baseAddress)
        let adam = Adam(parameters: layer.parameters)
        #expect(layer.weight.runningSum == nil)
        let x: [Float] = [1, 2, 3, 4]
        x.withUnsafeBufferPointer { x in
            _ = layer.forward(x.baseAddress!, batch: 1, training: true)
            _ = layer.backward([1, 1, 1], batch: 1, needsInputGradient: false)
        }
        #expect(Array(UnsafeBufferPointer(start: layer.weight.gradient, count: 4)) == [1, 2, 3, 4])
        _ = adam
        let nesterov = SGD(parameters: layer.parameters, nesterov: true)
        #expect(layer.weight.runningSum == nil)
        _ = nesterov
    }

    @Test func constantScheduleKeepsTheBaseRate() {
        for step in [0, 50, 100, 150] {
            #expect(LearningRateSchedule.constant.rate(base: 0.1, step: step, totalSteps: 100, stepsPerEpoch: 10) == 0.1)
        }
    }

    @Test func cosineScheduleFallsFromBaseToZero() {
        func rate(_ step: Int, of totalSteps: Int) -> Float {
            LearningRateSchedule.cosine.rate(base: 0.1, step: step, totalSteps: totalSteps, stepsPerEpoch: 10)
        }
        #expect(rate(0, of: 100) == 0.1)
        #expect(abs(rate(50, of: 100) - 0.05) < 1e-7)
        // A quarter of the way: (1 + cos(π/4)) / 2 = 0.853553...
        #expect(abs(rate(25, of: 100) - 0.0853553) < 1e-6)
        #expect(abs(rate(100, of: 100)) < 1e-9)
        #expect(abs(rate(180, of: 100)) < 1e-9)
        #expect(rate(3, of: 0) == 0.1)
    }

    /// The rates torch.optim.lr_scheduler.MultiStepLR(gamma=0.1) gives, stepped once an
    /// epoch, as the float32 the optimizer then uses (PyTorch 2.15; the bits of
    /// numpy.float32(optimizer.param_groups[0]["lr"]) at the start of each epoch):
    /// RepDistiller's 0.05 with milestones 150, 180, 210 of 240 epochs gives 0.05 in
    /// epochs 0-149 (counted from 0, as PyTorch does), then 0.005000000000000001,
    /// 0.0005000000000000001 and 5.0000000000000016e-05; 0.1 with milestones 2 and 4 of
    /// 6 gives 0.1, 0.1, 0.010000000000000002 twice, 0.0010000000000000002 twice.
    /// A rate taken as Double(Float(0.05)) · 0.1³ would round to another float32.
    @Test(arguments: [
        (base: Float(0.05), schedule: "step:150/180/210", epochs: 240, stepsPerEpoch: 391,
         bits: [0: UInt32(1_028_443_341), 149: 1_028_443_341, 150: 1_000_593_162, 179: 1_000_593_162, 180: 973_279_855,
                209: 973_279_855, 210: 944_879_383, 239: 944_879_383]),
        (base: 0.1, schedule: "step:2/4", epochs: 6, stepsPerEpoch: 5,
         bits: [0: 1_036_831_949, 1: 1_036_831_949, 2: 1_008_981_770, 3: 1_008_981_770, 4: 981_668_463, 5: 981_668_463]),
    ])
    func stepScheduleGivesMultiStepLRsRates(base: Float, schedule: String, epochs: Int, stepsPerEpoch: Int,
                                            bits: [Int: UInt32]) throws {
        let parsed = try LearningRateSchedule.parse(schedule)
        let totalSteps = epochs * stepsPerEpoch
        for (epoch, expected) in bits {
            // Every step of the epoch, its first and its last, takes the epoch's rate.
            for step in [epoch * stepsPerEpoch, epoch * stepsPerEpoch + stepsPerEpoch / 2, (epoch + 1) * stepsPerEpoch - 1] {
                let rate = parsed.rate(base: base, step: step, totalSteps: totalSteps, stepsPerEpoch: stepsPerEpoch)
                #expect(rate.bitPattern == expected, "epoch \(epoch), step \(step): \(rate)")
            }
        }
        // Past the last epoch the rate stays where it ended.
        let last = try #require(bits[epochs - 1])
        #expect(parsed.rate(base: base, step: totalSteps + 7, totalSteps: totalSteps, stepsPerEpoch: stepsPerEpoch).bitPattern == last)
    }

    @Test(arguments: [("cosine", LearningRateSchedule.cosine), (" Constant ", .constant), ("step:150/180/210", .step(epochs: [150, 180, 210])),
                      ("STEP:5", .step(epochs: [5]))])
    func schedulesParseAndReadBack(text: String, expected: LearningRateSchedule) throws {
        let parsed = try LearningRateSchedule.parse(text)
        #expect(parsed == expected)
        #expect(try LearningRateSchedule.parse(parsed.description) == parsed)
    }

    /// Each refusal names the value, what is wrong with it and what to pass.
    @Test(arguments: [
        ("linear", "--schedule 'linear' is not constant, cosine or step:E1/E2/...; pass one of them, e.g. --schedule step:150/180/210."),
        ("steps:5", "--schedule 'steps:5' is not constant, cosine or step:E1/E2/...; pass one of them, e.g. --schedule step:150/180/210."),
        ("step", "--schedule 'step' names no epochs; put the epochs after which the rate falls tenfold after a colon, e.g. --schedule step:150/180/210."),
        ("step:", "--schedule 'step:' names no epochs; give the epochs after which the rate falls tenfold, e.g. --schedule step:150/180/210."),
        ("step:150,180,210", "--schedule 'step:150,180,210' separates its epochs with commas, which a sweep reads as separate values; separate them with slashes, e.g. --schedule step:150/180/210."),
        ("step:150/x", "--schedule 'step:150/x' has 'x' where an epoch should be; give whole numbers of epochs, e.g. --schedule step:150/180/210."),
        ("step:150//180", "--schedule 'step:150//180' has '' where an epoch should be; give whole numbers of epochs, e.g. --schedule step:150/180/210."),
        ("step:-5", "--schedule 'step:-5' has '-5' where an epoch should be; give whole numbers of epochs, e.g. --schedule step:150/180/210."),
        ("step:0/10", "--schedule 'step:0/10' has epoch 0; the rate can fall after epoch 1 at the earliest, e.g. --schedule step:150/180/210."),
        ("step:180/150", "--schedule 'step:180/150' does not list its epochs in increasing order; give each once, from the first, e.g. --schedule step:150/180/210."),
        ("step:150/150", "--schedule 'step:150/150' does not list its epochs in increasing order; give each once, from the first, e.g. --schedule step:150/180/210."),
    ])
    func badSchedulesGetOneSentence(text: String, sentence: String) {
        let error = #expect(throws: ConfigError.self) { try LearningRateSchedule.parse(text) }
        #expect(error?.message == sentence)
    }

    /// A stored config keeps the schedule as its text; one stored as "cosine" reads as before.
    @Test func configsKeepTheScheduleAsText() throws {
        var config = ExperimentConfig()
        config.schedule = .step(epochs: [3, 7])
        let json = String(decoding: try JSONEncoder().encode(config), as: UTF8.self)
        #expect(json.contains(#""schedule":"step:3\/7""#) || json.contains(#""schedule":"step:3/7""#))
        #expect(try JSONDecoder().decode(ExperimentConfig.self, from: Data(json.utf8)) == config)
        let cosine = json.replacingOccurrences(of: #"step:3\/7"#, with: "cosine").replacingOccurrences(of: "step:3/7", with: "cosine")
        #expect(try JSONDecoder().decode(ExperimentConfig.self, from: Data(cosine.utf8)).schedule == .cosine)
        let broken = cosine.replacingOccurrences(of: #""schedule":"cosine""#, with: #""schedule":"step:7/3""#)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(ExperimentConfig.self, from: Data(broken.utf8)) }
    }
}
