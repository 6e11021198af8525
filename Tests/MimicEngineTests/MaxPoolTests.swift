import Testing
import MimicEngine

/// The 2x2, stride-2 pooling has its own loops; these pin it to the general rule on
/// odd sizes (uncovered edge pixels) and on ties (the first maximum in reading order).
@Suite struct MaxPoolTests {
    @Test(arguments: [(height: 5, width: 7), (height: 4, width: 4), (height: 3, width: 2)])
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
}
