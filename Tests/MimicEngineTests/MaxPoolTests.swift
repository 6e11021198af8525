import Testing
import MimicEngine

/// The 2x2, stride-2 pooling has its own loops; these pin it to the general rule on
/// odd sizes (uncovered edge pixels), on rows of windows that are not a multiple of
/// the four done at once, and on ties (the first maximum in reading order).
@Suite struct MaxPoolTests {
    @Test(arguments: [(height: 5, width: 7), (height: 4, width: 4), (height: 3, width: 2), (height: 6, width: 14), (height: 3, width: 17)])
    func tiledGradientOnOddSizes(height: Int, width: Int) throws {
        let input = SampleShape(channels: 3, height: height, width: width)
        let layer = try #require(MaxPool2D(input: input, size: 2, stride: 2))
        let count = 2 * input.count
        var random = SeededRandom(seed: 4)
        let values = (0..<count).map { Float($0) * 0.1 }.shuffled(using: &random)
        let mismatches = GradientCheck(batch: 2, epsilon: 1e-2).run(layer, input: values)
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    @Test func tiesGoToTheFirstMaximum() throws {
        let layer = try #require(MaxPool2D(input: SampleShape(channels: 1, height: 2, width: 6), size: 2, stride: 2))
        // Windows: all equal; maximum twice on the right; maximum twice on the bottom row.
        let x: [Float] = [1, 1, 0, 5, 0, 0,
                          1, 1, 0, 5, 3, 3]
        let y = x.withUnsafeBufferPointer { Array(UnsafeBufferPointer(start: layer.forward($0.baseAddress!, batch: 1, training: true), count: 3)) }
        #expect(y == [1, 5, 3])
        let g: [Float] = [10, 20, 30]
        let dx = g.withUnsafeBufferPointer { Array(UnsafeBufferPointer(start: layer.backward($0.baseAddress!, batch: 1, needsInputGradient: true)!, count: 12)) }
        #expect(dx == [10, 0, 0, 20, 0, 0,
                       0, 0, 0, 0, 30, 0])
    }

    /// Ties within blocks of four windows, in training and in inference.
    @Test(arguments: [true, false])
    func tiesInBlocksOfFour(training: Bool) throws {
        let layer = try #require(MaxPool2D(input: SampleShape(channels: 1, height: 2, width: 10), size: 2, stride: 2))
        let x: [Float] = [2, 2, 0, 1, 0, 0, 4, 0, 7, 7,
                          2, 2, 1, 0, 5, 5, 0, 0, 7, 7]
        let y = x.withUnsafeBufferPointer { Array(UnsafeBufferPointer(start: layer.forward($0.baseAddress!, batch: 1, training: training), count: 5)) }
        #expect(y == [2, 1, 5, 4, 7])
        guard training else { return }
        let g: [Float] = [1, 2, 3, 4, 5]
        let dx = g.withUnsafeBufferPointer { Array(UnsafeBufferPointer(start: layer.backward($0.baseAddress!, batch: 1, needsInputGradient: true)!, count: 20)) }
        #expect(dx == [1, 0, 0, 2, 0, 0, 4, 0, 5, 0,
                       0, 0, 0, 0, 3, 0, 0, 0, 0, 0])
    }
}
