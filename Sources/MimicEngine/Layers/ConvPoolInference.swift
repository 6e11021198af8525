import CVectorKernels

/// A convolution, the ReLU fused into it and the 2x2 max pool after it, run as one
/// step when a network only infers (mentor annotation, evaluation). Training keeps the
/// layers apart: its backward pass needs the convolution's whole output.
///
/// Layer by layer, the convolution writes its whole output (51 MB for cnn-l's first
/// convolution at batch 512) and the pool reads it back, both at memory speed: a fifth
/// of annotation's time. Here each thread takes a sample, makes the convolution's
/// output a band of rows at a time in its own cache and pools it from there, so only
/// the pooled quarter reaches memory. The ReLU comes after the maximum, with which it
/// commutes (max(0, ·) is monotonic), so it runs on a quarter of the values.
///
/// A convolution of one input channel (the first of every preset on gray images) has
/// an inner dimension of only k·k = 9, too small for a matrix product to run well
/// (cnn-l's first convolution ran at a third of the second's GFLOPS): for 3x3 kernels
/// with stride 1 it is computed directly, four pooled outputs at a time, by
/// `singleChannel` (sixteen where the CPU has AVX-512: `VectorKernels`).
final class ConvPoolInference {
    let convolution: Conv2D
    /// The pool's output shape.
    let outputShape: SampleShape
    private let output = FloatBuffer()
    private var scratch: [Scratch] = []
    /// Convolution output rows the pool reads: a trailing odd row is dropped by it.
    private let usedRows: Int
    /// Convolution output rows made per product: even, so a band pools into whole rows.
    private let bandRows: Int
    private let isDirect: Bool
    /// The direct path through CVectorKernels' AVX-512 loop, which gives the same bits.
    private let vectorized = VectorKernels.enabled
    /// Each weight repeated in four lanes, for the direct path's portable loop: [filters, 3, 3].
    private let broadcastWeights: UnsafeMutablePointer<SIMD4<Float>>
    /// Direct path: the padded input's row length once split into even and odd columns,
    /// and its rows; see `splitColumns`.
    private let halfWidth: Int
    private let paddedRows: Int

    private final class Scratch {
        let columns = FloatBuffer()
        /// The convolution's output for one band of rows, [filters, band rows · Wo].
        let band = FloatBuffer()
        /// Direct path: the padded input plane's even columns, then its odd columns.
        let planes = FloatBuffer()
        var planesZeroed = false
        var columnsZeroed = false
    }

    /// Returns nil unless `pool` is a 2x2 pool with stride 2 on `convolution`'s output.
    init?(_ convolution: Conv2D, _ pool: MaxPool2D) {
        guard pool.size == 2, pool.stride == 2, pool.inputShape == convolution.outputShape else { return nil }
        self.convolution = convolution
        outputShape = pool.outputShape
        let convOut = convolution.outputShape
        usedRows = 2 * outputShape.height
        let patch = convolution.inputShape.channels * convolution.kernel * convolution.kernel
        bandRows = max(2, min(usedRows, Conv2D.defaultColumnBudget / (patch * convOut.width)) & ~1)
        isDirect = convolution.inputShape.channels == 1 && convolution.stride == 1 && convolution.kernel == 3
        halfWidth = max(outputShape.width, 4) + 2
        paddedRows = usedRows + 2
        broadcastWeights = .allocate(capacity: isDirect ? convolution.weight.count : 1)
        broadcastWeights.initialize(repeating: SIMD4(), count: isDirect ? convolution.weight.count : 1)
    }

    deinit { broadcastWeights.deallocate() }

    func forward(_ input: UnsafePointer<Float>, batch: Int) -> UnsafePointer<Float> {
        let y = output.reserve(batch * outputShape.count)
        let parts = Parallel.partCount(batch)
        reserveScratch(parts: parts)
        if isDirect && !vectorized {
            // The weights may have changed since the last call (training in between).
            for i in 0..<convolution.weight.count {
                broadcastWeights[i] = SIMD4(repeating: convolution.weight.value[i])
            }
        }
        let inCount = convolution.inputShape.count, outCount = outputShape.count
        Parallel.run(parts: parts) { part in
            let scratch = self.scratch[part]
            for sample in Parallel.range(part, of: parts, count: batch) {
                if isDirect {
                    singleChannel(input + sample * inCount, into: y + sample * outCount, scratch: scratch)
                } else {
                    byProducts(input + sample * inCount, into: y + sample * outCount, scratch: scratch)
                }
            }
        }
        return UnsafePointer(y)
    }

    private func reserveScratch(parts: Int) {
        while scratch.count < parts { scratch.append(Scratch()) }
        let convOut = convolution.outputShape
        let patch = convolution.inputShape.channels * convolution.kernel * convolution.kernel
        for part in 0..<parts {
            if isDirect {
                if !scratch[part].planesZeroed {
                    // Only the image's pixels are written later; the padding stays zero.
                    scratch[part].planes.reserve(2 * paddedRows * halfWidth)
                    scratch[part].planes.zero(2 * paddedRows * halfWidth)
                    scratch[part].planesZeroed = true
                }
            } else {
                scratch[part].columns.reserve(patch * bandRows * convOut.width)
                scratch[part].band.reserve(convolution.filters * bandRows * convOut.width)
            }
        }
    }

    // MARK: Through matrix products

    /// im2col and a product per band of rows, as the convolution's own forward does,
    /// but into the thread's band buffer, pooled from there.
    private func byProducts(_ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, scratch: Scratch) {
        let convOut = convolution.outputShape
        let filters = convolution.filters
        let patch = convolution.inputShape.channels * convolution.kernel * convolution.kernel
        let pooledPlane = outputShape.count / filters
        let col = scratch.columns.pointer, band = scratch.band.pointer
        // With one band per sample, every sample's columns read padding at the same places.
        let oneBand = bandRows >= usedRows
        if oneBand && !scratch.columnsZeroed {
            scratch.columns.zero(patch * usedRows * convOut.width)
            scratch.columnsZeroed = true
        }
        for top in Swift.stride(from: 0, to: usedRows, by: bandRows) {
            let rows = top..<min(top + bandRows, usedRows)
            let width = rows.count * convOut.width
            convolution.im2col(x, rows: rows, into: col, paddingZeroed: oneBand)
            // Starting from the bias and accumulating (beta 1) spares OpenBLAS its pass
            // that zeroes C, as in `Conv2D.forward`.
            for f in 0..<filters {
                let b = convolution.bias.value[f]
                let line = band + f * width
                for p in 0..<width { line[p] = b }
            }
            BLAS.gemm(m: filters, n: width, k: patch,
                      a: convolution.weight.value, lda: patch, b: col, ldb: width,
                      beta: 1, c: band, ldc: width)
            for f in 0..<filters {
                for pair in 0..<rows.count / 2 {
                    let upper = band + f * width + 2 * pair * convOut.width
                    poolRows(upper, upper + convOut.width,
                             into: out + f * pooledPlane + (top / 2 + pair) * outputShape.width)
                }
            }
        }
    }

    /// One row of pooled outputs from two rows of the convolution (bias included): the
    /// larger of each 2x2 window, then the ReLU if fused. Four windows at a time (the
    /// last block overlapping the one before), as `MaxPool2D` does.
    @inline(__always)
    private func poolRows(_ upper: UnsafePointer<Float>, _ lower: UnsafePointer<Float>,
                          into line: UnsafeMutablePointer<Float>) {
        let pooledWidth = outputShape.width
        let relu = convolution.appliesReLU
        let upperRaw = UnsafeRawPointer(upper), lowerRaw = UnsafeRawPointer(lower)
        var c = 0
        if pooledWidth >= 4 {
            while c < pooledWidth {
                c = min(c, pooledWidth - 4)
                let top = upperRaw.loadUnaligned(fromByteOffset: 8 * c, as: SIMD8<Float>.self)
                let bottom = lowerRaw.loadUnaligned(fromByteOffset: 8 * c, as: SIMD8<Float>.self)
                var best = larger(larger(top.evenHalf, top.oddHalf), larger(bottom.evenHalf, bottom.oddHalf))
                if relu { best = larger(best, SIMD4()) }
                UnsafeMutableRawPointer(line + c).storeBytes(of: best, as: SIMD4<Float>.self)
                c += 4
            }
            return
        }
        for c in 0..<pooledWidth {
            var best = max(max(upper[2 * c], upper[2 * c + 1]), max(lower[2 * c], lower[2 * c + 1]))
            if relu { best = max(best, 0) }
            line[c] = best
        }
    }

    // MARK: One input channel, directly

    /// The padded input plane split into its even and its odd columns, each
    /// `paddedRows` x `halfWidth`: then the convolution at the even output columns and
    /// at the odd ones are both sums of contiguous runs, and a 2x2 window's four
    /// outputs are four lanes at the same place of four vectors, with no shuffle.
    /// Entries outside the image stay zero from the start.
    @inline(__always)
    private func splitColumns(_ x: UnsafePointer<Float>, into even: UnsafeMutablePointer<Float>,
                              _ odd: UnsafeMutablePointer<Float>) {
        let inH = convolution.inputShape.height, inW = convolution.inputShape.width
        let p = convolution.padding
        for row in 0..<max(0, min(inH, paddedRows - p)) {
            let source = x + row * inW
            let e = even + (row + p) * halfWidth, o = odd + (row + p) * halfWidth
            // Padded column j = input column j - p; even j go to e[j / 2], odd to o[j / 2].
            var j = p
            while j < p + inW && j / 2 < halfWidth {
                if j & 1 == 0 { e[j / 2] = source[j - p] } else { o[j / 2] = source[j - p] }
                j += 1
            }
        }
    }

    /// out[f, r, c] = relu(b[f] + max over the window of Σ w[f, u, v] · x[2r+i+u-p, 2c+j+v-p])
    /// for i, j in {0, 1}. With E and O the even and odd columns of the padded plane, the
    /// output at column 2c is Σ_u w[u, 0]·E[u, c] + w[u, 1]·O[u, c] + w[u, 2]·E[u, c+1],
    /// and at column 2c+1 Σ_u w[u, 0]·O[u, c] + w[u, 1]·E[u, c+1] + w[u, 2]·O[u, c+1].
    /// Filter by filter, so that its nine weights stay in registers over the whole plane;
    /// the two planes (4 KB for 28x28) stay in L1.
    private func singleChannel(_ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, scratch: Scratch) {
        let width = halfWidth
        let even = scratch.planes.pointer, odd = even + paddedRows * width
        splitColumns(x, into: even, odd)
        let pooledWidth = outputShape.width, pooledRows = outputShape.height
        let pooledPlane = pooledRows * pooledWidth
        let relu = convolution.appliesReLU
        #if arch(x86_64)
        if vectorized {
            // Sixteen pooled outputs at a time, each of the four input rows' vectors
            // loaded once for all the filters.
            mimic_conv3x3_pool_single_channel_avx512(
                even, odd, width, convolution.weight.value, convolution.bias.value, convolution.filters,
                pooledRows, pooledWidth, relu ? 1 : 0, out)
            return
        }
        #endif
        let e = UnsafeRawPointer(even), o = UnsafeRawPointer(odd)
        for f in 0..<convolution.filters {
            let w = broadcastWeights + 9 * f
            let w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3], w4 = w[4], w5 = w[5], w6 = w[6], w7 = w[7], w8 = w[8]
            let bias = SIMD4<Float>(repeating: convolution.bias.value[f])
            let plane = out + f * pooledPlane
            for r in 0..<pooledRows {
                var c = 0
                while c < pooledWidth {
                    c = pooledWidth >= 4 ? min(c, pooledWidth - 4) : 0
                    // Byte offsets of padded rows 2r ..< 2r+4 at column c.
                    let row0 = 4 * (2 * r * width + c), row1 = row0 + 4 * width
                    let row2 = row1 + 4 * width, row3 = row2 + 4 * width
                    @inline(__always) func even(_ row: Int, _ shift: Int) -> SIMD4<Float> {
                        e.loadUnaligned(fromByteOffset: row + 4 * shift, as: SIMD4<Float>.self)
                    }
                    @inline(__always) func odd(_ row: Int, _ shift: Int) -> SIMD4<Float> {
                        o.loadUnaligned(fromByteOffset: row + 4 * shift, as: SIMD4<Float>.self)
                    }
                    // Output row 2r, then 2r+1, each at the even and the odd columns; one
                    // row at a time leaves registers for the nine weights.
                    @inline(__always) func outputRow(_ u0: Int, _ u1: Int, _ u2: Int) -> SIMD4<Float> {
                        var evenColumns = w0 * even(u0, 0) + w1 * odd(u0, 0) + w2 * even(u0, 1)
                        var oddColumns = w0 * odd(u0, 0) + w1 * even(u0, 1) + w2 * odd(u0, 1)
                        evenColumns += w3 * even(u1, 0) + w4 * odd(u1, 0) + w5 * even(u1, 1)
                        oddColumns += w3 * odd(u1, 0) + w4 * even(u1, 1) + w5 * odd(u1, 1)
                        evenColumns += w6 * even(u2, 0) + w7 * odd(u2, 0) + w8 * even(u2, 1)
                        oddColumns += w6 * odd(u2, 0) + w7 * even(u2, 1) + w8 * odd(u2, 1)
                        return larger(evenColumns, oddColumns)
                    }
                    var best = larger(outputRow(row0, row1, row2), outputRow(row1, row2, row3)) + bias
                    if relu { best = larger(best, SIMD4()) }
                    let line = plane + r * pooledWidth + c
                    if pooledWidth >= 4 {
                        UnsafeMutableRawPointer(line).storeBytes(of: best, as: SIMD4<Float>.self)
                    } else {
                        for lane in 0..<pooledWidth { line[lane] = best[lane] }
                    }
                    c += 4
                }
            }
        }
    }
}
