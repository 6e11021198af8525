import Testing
import MimicEngine

/// Conv2D against the definition, written as plainly as possible: its fast paths (whole
/// rows shifted at once, bands of rows, per-thread gradients) must agree with the naive
/// sums on every shape, including kernels wider than the image and odd sizes.
@Suite struct ConvReferenceTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var channels, height, width, filters, kernel, stride, padding: Int
        var budget = Conv2D.defaultColumnBudget
        var testDescription: String {
            "\(channels)x\(height)x\(width) f\(filters) k\(kernel) s\(stride) p\(padding) budget \(budget)"
        }
    }

    static let cases: [Case] = [
        Case(channels: 1, height: 28, width: 28, filters: 4, kernel: 3, stride: 1, padding: 1),
        Case(channels: 3, height: 7, width: 5, filters: 2, kernel: 3, stride: 1, padding: 1),
        Case(channels: 2, height: 6, width: 4, filters: 3, kernel: 5, stride: 1, padding: 2),
        Case(channels: 2, height: 1, width: 1, filters: 2, kernel: 5, stride: 1, padding: 2),
        Case(channels: 2, height: 3, width: 2, filters: 2, kernel: 7, stride: 1, padding: 3),
        Case(channels: 2, height: 5, width: 6, filters: 3, kernel: 1, stride: 1, padding: 0),
        Case(channels: 2, height: 5, width: 6, filters: 3, kernel: 3, stride: 1, padding: 0),
        Case(channels: 2, height: 6, width: 7, filters: 3, kernel: 3, stride: 2, padding: 1),
        Case(channels: 2, height: 5, width: 6, filters: 3, kernel: 2, stride: 2, padding: 1),
        Case(channels: 2, height: 9, width: 8, filters: 3, kernel: 3, stride: 1, padding: 1, budget: 1),
        Case(channels: 2, height: 9, width: 8, filters: 3, kernel: 3, stride: 1, padding: 1, budget: 2 * 9 * 8 * 3),
        Case(channels: 2, height: 9, width: 8, filters: 3, kernel: 3, stride: 2, padding: 1, budget: 1),
    ]

    @Test(arguments: cases, [1, 5])
    func matchesTheDefinition(_ shape: Case, batch: Int) throws {
        var random = SeededRandom(seed: 7)
        let input = SampleShape(channels: shape.channels, height: shape.height, width: shape.width)
        let layer = try #require(Conv2D(input: input, filters: shape.filters, kernel: shape.kernel, stride: shape.stride,
                                        padding: shape.padding, columnBudget: shape.budget, random: &random))
        for f in 0..<shape.filters { layer.bias.value[f] = random.nextGaussian() }
        let out = layer.outputShape
        let x = (0..<batch * input.count).map { _ in random.nextGaussian() }
        let dy = (0..<batch * out.count).map { _ in random.nextGaussian() }
        let w = Array(UnsafeBufferPointer(start: layer.weight.value, count: layer.weight.count))
        let k = shape.kernel

        // The definition: y[n,f,i,j] = b[f] + Σ w[f,c,u,v] · x[n,c,i·s+u-p, j·s+v-p].
        var y = [Double](repeating: 0, count: batch * out.count)
        var dx = [Double](repeating: 0, count: x.count)
        var dw = [Double](repeating: 0, count: w.count)
        var db = [Double](repeating: 0, count: shape.filters)
        for n in 0..<batch {
            for f in 0..<shape.filters {
                for i in 0..<out.height {
                    for j in 0..<out.width {
                        let o = ((n * shape.filters + f) * out.height + i) * out.width + j
                        var sum = Double(layer.bias.value[f])
                        db[f] += Double(dy[o])
                        for c in 0..<shape.channels {
                            for u in 0..<k {
                                for v in 0..<k {
                                    let row = i * shape.stride + u - shape.padding
                                    let column = j * shape.stride + v - shape.padding
                                    guard row >= 0, row < shape.height, column >= 0, column < shape.width else { continue }
                                    let xi = ((n * shape.channels + c) * shape.height + row) * shape.width + column
                                    let wi = ((f * shape.channels + c) * k + u) * k + v
                                    sum += Double(w[wi]) * Double(x[xi])
                                    dw[wi] += Double(dy[o]) * Double(x[xi])
                                    dx[xi] += Double(dy[o]) * Double(w[wi])
                                }
                            }
                        }
                        y[o] = sum
                    }
                }
            }
        }

        let ours = x.withUnsafeBufferPointer {
            Array(UnsafeBufferPointer(start: layer.forward($0.baseAddress!, batch: batch, training: true), count: y.count))
        }
        let ourDx = dy.withUnsafeBufferPointer {
            Array(UnsafeBufferPointer(start: layer.backward($0.baseAddress!, batch: batch, needsInputGradient: true)!, count: x.count))
        }
        let ourDw = Array(UnsafeBufferPointer(start: layer.weight.gradient, count: w.count))
        let ourDb = Array(UnsafeBufferPointer(start: layer.bias.gradient, count: shape.filters))
        func agree(_ what: String, _ a: [Float], _ b: [Double]) {
            let worst = zip(a, b).map { abs(Double($0) - $1) / max(1, abs($1)) }.max() ?? 0
            #expect(worst < 1e-4, "\(what) differs by \(worst)")
        }
        agree("output", ours, y)
        agree("input gradient", ourDx, dx)
        agree("weight gradient", ourDw, dw)
        agree("bias gradient", ourDb, db)
    }
}
