/// A convolution, the ReLU fused into it and the 2x2 max pool after it, trained as one
/// step: the training counterpart of `ConvPoolInference`.
///
/// Layer by layer, the convolution writes its whole output to memory, the pool reads
/// it back, and backward goes through memory twice more at that size: the pool
/// scatters its gradient into a plane of zeros as large as the convolution's output,
/// and the convolution reads that plane and its own output again to mask the ReLU.
/// Here each thread makes one sample's convolution output in its cache, pools it from
/// there, and backward rebuilds the convolution's gradient for the sample in cache from
/// the pooled gradient alone. The ReLU comes after the maximum (max(0, ·) is monotonic,
/// so the window picks the same place), and its mask is the pooled output's: a pooled
/// output above zero passes its gradient to where the maximum came from, any other
/// passes none. So the same numbers come out as layer by layer, and the convolution's
/// full output never reaches memory.
final class ConvPoolTraining {
    let convolution: Conv2D
    let pool: MaxPool2D
    private let output = FloatBuffer()
    /// Per pooled output, where its maximum lies in its convolution output plane.
    private var argmax: UnsafeMutablePointer<Int32> = .allocate(capacity: 1)
    private var argmaxCapacity = 1
    private var lastInput: UnsafePointer<Float>?
    private var scratch: [Scratch] = []

    private final class Scratch {
        let columns = FloatBuffer()
        /// One sample's convolution output, [Cout, Ho·Wo].
        let convolved = FloatBuffer()
    }

    /// Returns nil unless `pool` is a 2x2 pool with stride 2 on the output of
    /// `convolution`, with its ReLU fused, and a sample's output is made in one band.
    init?(_ convolution: Conv2D, _ pool: MaxPool2D) {
        guard pool.size == 2, pool.stride == 2, pool.inputShape == convolution.outputShape,
              convolution.appliesReLU, convolution.isOneBand
        else { return nil }
        self.convolution = convolution
        self.pool = pool
    }

    deinit { argmax.deallocate() }

    private var planes: Int { convolution.filters }
    private var convolvedPlane: Int { convolution.outputShape.height * convolution.outputShape.width }
    private var pooledPlane: Int { pool.outputShape.height * pool.outputShape.width }

    func forward(_ input: UnsafePointer<Float>, batch: Int) -> UnsafePointer<Float> {
        lastInput = input
        let outCount = pool.outputShape.count, inCount = convolution.inputShape.count
        let y = output.reserve(batch * outCount)
        if batch * outCount > argmaxCapacity {
            argmax.deallocate()
            argmax = .allocate(capacity: batch * outCount)
            argmaxCapacity = batch * outCount
        }
        let parts = Parallel.partCount(batch)
        while scratch.count < parts { scratch.append(Scratch()) }
        for part in 0..<parts {
            scratch[part].columns.reserve(convolution.columnCount)
            scratch[part].convolved.reserve(convolution.outputShape.count)
        }
        let argmax = self.argmax
        Parallel.run(parts: parts) { part in
            let convolved = scratch[part].convolved.pointer
            for sample in Parallel.range(part, of: parts, count: batch) {
                convolution.forward(sample: input + sample * inCount, into: convolved,
                                    columns: scratch[part].columns.pointer, rectify: false)
                let pooled = y + sample * outCount
                for plane in 0..<planes {
                    pool.forward2x2(convolved + plane * convolvedPlane, into: pooled + plane * pooledPlane,
                                    argmax: argmax + sample * outCount + plane * pooledPlane)
                }
                for i in 0..<outCount { pooled[i] = max(pooled[i], 0) }
            }
        }
        return UnsafePointer(y)
    }

    func backward(_ outputGradient: UnsafePointer<Float>, batch: Int, needsInputGradient: Bool) -> UnsafePointer<Float>? {
        guard let x = lastInput else { preconditionFailure("ConvPoolTraining.backward before forward") }
        let y = UnsafePointer(output.pointer), argmax = UnsafePointer(self.argmax)
        let outCount = pool.outputShape.count
        return convolution.backward(input: x, batch: batch, needsInputGradient: needsInputGradient) { sample, _, gradient in
            // Every convolution output is in at most one window: a plain store suffices.
            gradient.update(repeating: 0, count: convolution.outputShape.count)
            let first = sample * outCount
            for plane in 0..<planes {
                let target = gradient + plane * convolvedPlane
                let offset = first + plane * pooledPlane
                for i in offset..<offset + pooledPlane {
                    // Stores a zero where the ReLU stops the gradient rather than
                    // branching on the sign: about half the outputs are zero, so such a
                    // branch would be mispredicted every other time (the scatter took
                    // 9% of the cnn-s student's step that way).
                    let g = outputGradient[i]
                    target[Int(argmax[i])] = y[i] > 0 ? g : 0
                }
            }
            return (UnsafePointer(gradient), convolvedPlane)
        }
    }
}
