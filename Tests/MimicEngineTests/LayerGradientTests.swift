import Testing
import MimicEngine

@Suite struct LayerGradientTests {
    @Test func dense() {
        var random = SeededRandom(seed: 3)
        let layer = Dense(input: .vector(7), outputs: 5, random: &random)
        let check = GradientCheck(batch: 4)
        let mismatches = check.run(layer, input: randomInput(count: 4 * 7, seed: 1))
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    @Test func denseOnImageInput() {
        var random = SeededRandom(seed: 4)
        let layer = Dense(input: SampleShape(channels: 2, height: 3, width: 3), outputs: 4, random: &random)
        let mismatches = GradientCheck(batch: 3).run(layer, input: randomInput(count: 3 * 18, seed: 2))
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    @Test(arguments: [
        (kernel: 3, stride: 1, padding: 1, budget: Conv2D.defaultColumnBudget),
        (kernel: 3, stride: 2, padding: 0, budget: Conv2D.defaultColumnBudget),
        (kernel: 2, stride: 2, padding: 1, budget: Conv2D.defaultColumnBudget),
        (kernel: 5, stride: 1, padding: 2, budget: Conv2D.defaultColumnBudget),
        (kernel: 1, stride: 1, padding: 0, budget: Conv2D.defaultColumnBudget),
        // A budget this small forces one sample per chunk: backward must redo im2col.
        (kernel: 3, stride: 1, padding: 1, budget: 1),
        (kernel: 3, stride: 2, padding: 1, budget: 2 * 18 * 9),
    ])
    func conv(kernel: Int, stride: Int, padding: Int, budget: Int) throws {
        var random = SeededRandom(seed: 5)
        let input = SampleShape(channels: 2, height: 5, width: 6)
        let layer = try #require(Conv2D(input: input, filters: 3, kernel: kernel, stride: stride,
                                        padding: padding, columnBudget: budget, random: &random))
        let mismatches = GradientCheck(batch: 3).run(layer, input: randomInput(count: 3 * input.count, seed: 3))
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    @Test func convMatchesDirectConvolution() throws {
        // A hand-written 3x3 example: one channel, one filter of all ones, padding 1,
        // so each output is the sum of the input's 3x3 neighbourhood.
        var random = SeededRandom(seed: 1)
        let layer = try #require(Conv2D(input: SampleShape(channels: 1, height: 3, width: 3), filters: 1,
                                        kernel: 3, stride: 1, padding: 1, random: &random))
        layer.weight.value.update(repeating: 1, count: 9)
        layer.bias.value[0] = 0.5
        let x: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9]
        let y = x.withUnsafeBufferPointer { Array(UnsafeBufferPointer(start: layer.forward($0.baseAddress!, batch: 1, training: false), count: 9)) }
        #expect(y == [12, 21, 16, 27, 45, 33, 24, 39, 28].map { $0 + 0.5 })
    }

    @Test func relu() {
        let layer = ReLU(shape: .vector(10))
        let mismatches = GradientCheck(batch: 3).run(layer, input: randomInput(count: 30, seed: 4, margin: 0.1))
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    @Test(arguments: [(size: 2, stride: 2), (size: 3, stride: 1), (size: 3, stride: 2)])
    func maxPool(size: Int, stride: Int) throws {
        let input = SampleShape(channels: 2, height: 6, width: 7)
        let layer = try #require(MaxPool2D(input: input, size: size, stride: stride))
        // Distinct values 0.1 apart: no finite-difference step can change a window's maximum.
        let count = 2 * input.count
        var random = SeededRandom(seed: 9)
        let values = (0..<count).map { Float($0) * 0.1 }.shuffled(using: &random)
        let mismatches = GradientCheck(batch: 2, epsilon: 1e-2).run(layer, input: values)
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    @Test func flatten() {
        let layer = Flatten(shape: SampleShape(channels: 2, height: 2, width: 3))
        #expect(layer.outputShape == .vector(12))
        let mismatches = GradientCheck(batch: 2).run(layer, input: randomInput(count: 24, seed: 5))
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    @Test func dropout() {
        let make = { Dropout(shape: .vector(50), rate: 0.3, random: SeededRandom(seed: 11)) }
        let layer = make()
        // A fresh layer with the same seed draws the same mask at every evaluation.
        let mismatches = GradientCheck(batch: 2).run(layer, input: randomInput(count: 100, seed: 6), fresh: make)
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    @Test func dropoutKeepsExpectationAndIsIdentityInInference() {
        let layer = Dropout(shape: .vector(10_000), rate: 0.5, random: SeededRandom(seed: 2))
        let ones = [Float](repeating: 1, count: 10_000)
        ones.withUnsafeBufferPointer { xs in
            let train = UnsafeBufferPointer(start: layer.forward(xs.baseAddress!, batch: 1, training: true), count: 10_000)
            let mean = train.reduce(0, +) / 10_000
            #expect(abs(mean - 1) < 0.05)
            #expect(Set(train).isSubset(of: [0, 2]))
            let infer = UnsafeBufferPointer(start: layer.forward(xs.baseAddress!, batch: 1, training: false), count: 10_000)
            #expect(Array(infer) == ones)
        }
    }

    /// A batch norm with γ and β away from their start (1 and 0), so that a gradient
    /// that ignored either would show.
    static func batchNorm(_ shape: SampleShape, seed: UInt64) -> BatchNorm {
        let layer = BatchNorm(shape: shape)
        var random = SeededRandom(seed: seed)
        for c in 0..<shape.channels {
            layer.weight.value[c] = 0.5 + random.nextUnitFloat()
            layer.bias.value[c] = random.nextGaussian()
        }
        return layer
    }

    /// Training mode, as BatchNorm2d: the batch's statistics depend on every input, so
    /// the check covers the gradient through the mean and the variance too.
    @Test(arguments: [(batch: 3, height: 3, width: 4), (batch: 2, height: 1, width: 1), (batch: 1, height: 5, width: 5)])
    func batchNorm2d(batch: Int, height: Int, width: Int) {
        let shape = SampleShape(channels: 3, height: height, width: width)
        let layer = Self.batchNorm(shape, seed: 7)
        let mismatches = GradientCheck(batch: batch, epsilon: 1e-2, probes: 60)
            .run(layer, input: randomInput(count: batch * shape.count, seed: 14))
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    /// Training mode, as BatchNorm1d: per unit over the batch. A batch of two gives each
    /// unit ±γ + β whatever its inputs, bent sharply where they are close: a finer step
    /// than the default keeps the difference quotient on the curve there.
    @Test(arguments: [2, 5])
    func batchNorm1d(batch: Int) {
        let layer = Self.batchNorm(.vector(37), seed: 8)
        let mismatches = GradientCheck(batch: batch, epsilon: 1e-3, probes: 80)
            .run(layer, input: randomInput(count: batch * 37, seed: 15))
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    @Test func globalAveragePool() {
        let shape = SampleShape(channels: 3, height: 4, width: 5)
        let layer = GlobalAveragePool(input: shape)
        #expect(layer.outputShape == .vector(3))
        let mismatches = GradientCheck(batch: 2).run(layer, input: randomInput(count: 2 * shape.count, seed: 16))
        #expect(mismatches.isEmpty, "\(mismatches)")
    }
}
