import Testing
@testable import MimicEngine

/// The direct AVX-512 convolution (`DirectConvolution`) against the same convolution by
/// im2col and sgemm, made inside `withPortableLoops` with the same weights: forward with
/// a bias, a shortcut and the ReLU, the input gradient and the weight gradient, to float
/// rounding (the two sum in different orders). Shapes cover eight filters at a time and
/// the filters left over, in forward and in the input gradient (whose filters are the
/// layer's input channels), planes of an odd and an even number of 16-pixel runs, runs
/// inside one row and across rows, runs in pairs and in threes, a plane smaller than
/// one run, pixels after the last whole run by fours, twos and ones, a 1-pixel image
/// whose taps all but one read padding, and weights over 1 MB, which the loop reads
/// once for several samples. With stride 2: even and odd heights and widths (whose
/// last phase rows and columns lie past the input), rows wider than 16 and than 32
/// pixels, a 1-pixel output, filters and input channels left over after eights, a
/// downsampling block's 16->32 on 28x28, and weights over 1 MB (several samples a call).
@Suite(.enabled(if: VectorKernels.available, "this CPU cannot run AVX-512F"))
struct DirectConvolutionTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let inputs: Int, filters: Int, height: Int, width: Int
        var stride = 1
        var testDescription: String { "\(inputs)->\(filters) \(height)x\(width)" + (stride == 1 ? "" : " stride \(stride)") }
    }

    static let cases = [Case(inputs: 16, filters: 16, height: 7, width: 7), Case(inputs: 5, filters: 11, height: 6, width: 6),
                        Case(inputs: 3, filters: 9, height: 3, width: 4), Case(inputs: 4, filters: 8, height: 1, width: 1),
                        Case(inputs: 2, filters: 17, height: 9, width: 5), Case(inputs: 11, filters: 8, height: 16, width: 16),
                        Case(inputs: 12, filters: 16, height: 28, width: 28), Case(inputs: 256, filters: 136, height: 3, width: 3),
                        Case(inputs: 7, filters: 40, height: 2, width: 3), Case(inputs: 5, filters: 48, height: 5, width: 6)]

    static let strided = [Case(inputs: 16, filters: 32, height: 28, width: 28, stride: 2),
                          Case(inputs: 5, filters: 11, height: 7, width: 7, stride: 2),
                          Case(inputs: 9, filters: 16, height: 6, width: 9, stride: 2),
                          Case(inputs: 3, filters: 48, height: 9, width: 34, stride: 2),
                          Case(inputs: 11, filters: 17, height: 33, width: 40, stride: 2),
                          Case(inputs: 4, filters: 8, height: 1, width: 2, stride: 2),
                          Case(inputs: 2, filters: 16, height: 2, width: 1, stride: 2),
                          Case(inputs: 256, filters: 136, height: 5, width: 7, stride: 2)]

    static func convolution(_ shape: Case, portable: Bool) -> Conv2D {
        func make() -> Conv2D {
            var random = SeededRandom(seed: 3)
            let convolution = Conv2D(input: SampleShape(channels: shape.inputs, height: shape.height, width: shape.width),
                                     filters: shape.filters, kernel: 3, stride: shape.stride, padding: 1, random: &random)!
            convolution.groupsSamples = true
            for f in 0..<shape.filters { convolution.bias.value[f] = 0.1 * Float(f) - 0.4 }
            return convolution
        }
        return portable ? VectorKernels.withPortableLoops { make() } : make()
    }

    static func expectClose(_ a: [Float], _ b: [Float], _ what: String) {
        #expect(a.count == b.count)
        let scale = max(1, b.map { abs($0) }.max() ?? 0)
        let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= 1e-5 * scale, "\(what): largest difference \(worst) at scale \(scale)")
    }

    @Test(arguments: cases + strided)
    func sameAsColumnsAndSgemm(_ shape: Case) {
        let direct = Self.convolution(shape, portable: false), columns = Self.convolution(shape, portable: true)
        #expect(direct.runsDirect)
        #expect(!columns.runsDirect)
        let batch = 3
        let x = randomInput(count: batch * direct.inputShape.count, seed: 11)
        let shortcut = randomInput(count: batch * direct.outputShape.count, seed: 12)
        let dy = randomInput(count: batch * direct.outputShape.count, seed: 13)
        func run(_ convolution: Conv2D) -> (output: [Float], rectified: [Float], dx: [Float], dW: [Float], dB: [Float]) {
            let count = batch * convolution.outputShape.count
            var rectified = [Float](repeating: 0, count: count)
            x.withUnsafeBufferPointer { xs in
                shortcut.withUnsafeBufferPointer { sc in
                    rectified.withUnsafeMutableBufferPointer {
                        convolution.forward(xs.baseAddress!, batch: batch, adding: sc.baseAddress!, into: $0.baseAddress!)
                    }
                }
            }
            return x.withUnsafeBufferPointer { xs in
                let output = Array(UnsafeBufferPointer(start: convolution.forward(xs.baseAddress!, batch: batch, training: true),
                                                       count: count))
                let dx = dy.withUnsafeBufferPointer {
                    Array(UnsafeBufferPointer(start: convolution.backward($0.baseAddress!, batch: batch, needsInputGradient: true)!,
                                              count: batch * convolution.inputShape.count))
                }
                return (output, rectified, dx, Array(UnsafeBufferPointer(start: convolution.weight.gradient, count: convolution.weight.count)),
                        Array(UnsafeBufferPointer(start: convolution.bias.gradient, count: convolution.filters)))
            }
        }
        let ours = run(direct), theirs = run(columns)
        Self.expectClose(ours.output, theirs.output, "output")
        Self.expectClose(ours.rectified, theirs.rectified, "output plus shortcut, rectified")
        #expect(ours.rectified.allSatisfy { $0 >= 0 } && ours.rectified.contains { $0 > 0 })
        Self.expectClose(ours.dx, theirs.dx, "input gradient")
        Self.expectClose(ours.dW, theirs.dW, "weight gradient")
        Self.expectClose(ours.dB, theirs.dB, "bias gradient")
    }

    /// Samples that share a call of the loop come out as each does alone, bit for bit,
    /// in forward and in the input gradient: a sample's numbers must not depend on the
    /// batch around it.
    @Test(arguments: [cases[7], strided[7]])
    func samplesSharingACallComeOutAsAlone(_ shape: Case) throws {
        let convolution = Self.convolution(shape, portable: false)
        let batch = 5
        #expect(convolution.directSamplesPerCall >= batch)
        let x = randomInput(count: batch * convolution.inputShape.count, seed: 41)
        let dy = randomInput(count: batch * convolution.outputShape.count, seed: 42)
        func pass(_ first: Int, _ count: Int) -> (output: [Float], dx: [Float]) {
            let xs = Array(x[first * convolution.inputShape.count..<(first + count) * convolution.inputShape.count])
            let dys = Array(dy[first * convolution.outputShape.count..<(first + count) * convolution.outputShape.count])
            let output = xs.withUnsafeBufferPointer {
                Array(UnsafeBufferPointer(start: convolution.forward($0.baseAddress!, batch: count, training: true),
                                          count: count * convolution.outputShape.count))
            }
            let dx = dys.withUnsafeBufferPointer {
                Array(UnsafeBufferPointer(start: convolution.backward($0.baseAddress!, batch: count, needsInputGradient: true)!,
                                          count: count * convolution.inputShape.count))
            }
            return (output, dx)
        }
        let together = pass(0, batch)
        let alone = (0..<batch).map { pass($0, 1) }
        #expect(together.output == alone.flatMap(\.output))
        #expect(together.dx == alone.flatMap(\.dx))
    }

    /// A NaN pixel spreads to the outputs that read it and stays NaN through the ReLU,
    /// as through max(x, 0) on the portable path: a diverged network's evaluation must
    /// not come out finite.
    @Test func nanGoesThroughTheReLU() {
        let shape = Self.cases[5]
        let direct = Self.convolution(shape, portable: false), columns = Self.convolution(shape, portable: true)
        var x = randomInput(count: direct.inputShape.count, seed: 31)
        x[3 * 16 + 5] = .nan
        let zeros = [Float](repeating: 0, count: direct.outputShape.count)
        func nans(_ convolution: Conv2D) -> [Int] {
            var y = [Float](repeating: 0, count: convolution.outputShape.count)
            x.withUnsafeBufferPointer { xs in
                zeros.withUnsafeBufferPointer { z in
                    y.withUnsafeMutableBufferPointer {
                        convolution.forward(xs.baseAddress!, batch: 1, adding: z.baseAddress!, into: $0.baseAddress!)
                    }
                }
            }
            return y.indices.filter { y[$0].isNaN }
        }
        let ours = nans(direct)
        #expect(ours == nans(columns))
        #expect(ours.count == 9 * shape.filters)
    }

    /// The direct path's own gradients against finite differences, with the weight
    /// gradient through columns (11 and 17 filters) and through its own loop (48), with
    /// stride 1 and 2.
    @Test(arguments: [cases[1], cases[4], cases[9], strided[1], strided[2], strided[3]])
    func gradient(_ shape: Case) {
        let convolution = Self.convolution(shape, portable: false)
        let mismatches = GradientCheck(batch: 2, epsilon: 1e-2, probes: 40)
            .run(convolution, input: randomInput(count: 2 * convolution.inputShape.count, seed: 21))
        #expect(mismatches.isEmpty, "\(mismatches)")
    }
}
