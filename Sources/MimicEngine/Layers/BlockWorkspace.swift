/// The buffers the residual blocks of one network share for the values that live only
/// inside one block's pass: the gradients between a block's modules, the batch norm
/// output a block makes again in backward rather than keep, the shortcut's output, and
/// the input gradient each block hands to the one before it.
///
/// A block keeps only what its backward cannot make again cheaply: its convolutions'
/// outputs (the batch norms' inputs) and its own output (the next block's input). Each
/// of the rest was a buffer of its own in every block, most of a ResNet's training
/// memory; here one set serves all blocks, since their passes run one after another.
/// The input gradients alternate between two buffers by the block's place among the
/// network's blocks (`parity`), so a block never writes where the gradient it reads
/// from the block after it lies.
///
/// Every buffer is as large as the largest block's input or output at the batch
/// `prepare` last made room for, so a pointer into one stays valid through a pass:
/// a block in the middle of the network never makes a buffer grow under one that an
/// earlier block still reads.
public final class BlockWorkspace {
    /// dLoss/d(input), one per parity.
    let inputGradients = (FloatBuffer(), FloatBuffer())
    /// Gradients between a block's modules, and in forward the shortcut's output.
    let gradients = (FloatBuffer(), FloatBuffer(), FloatBuffer())
    /// A batch norm's output, made in forward, and made again by backward where it needs it.
    let normalized = FloatBuffer()
    /// Buffers, each as large as the largest block's input or output (`NetworkSize`
    /// counts them so).
    static let bufferCount = 6
    /// The largest input or output of a sharing block, per sample.
    private(set) var valuesPerSample = 1
    private var preparedBatch = 0

    public init() {}

    /// Counts a block of `values` per sample among those sharing the buffers.
    func admit(valuesPerSample values: Int) {
        valuesPerSample = max(valuesPerSample, values)
        preparedBatch = 0
    }

    /// Makes every buffer large enough for `batch` samples of the largest block. Only
    /// grows, and only before the first block of a pass asks (each block asks first).
    func prepare(batch: Int) {
        guard batch > preparedBatch else { return }
        let count = batch * valuesPerSample
        let buffers = [inputGradients.0, inputGradients.1, gradients.0, gradients.1, gradients.2, normalized]
        assert(buffers.count == Self.bufferCount)
        for buffer in buffers { buffer.reserve(count) }
        preparedBatch = batch
    }

    /// The input-gradient buffer of a block of `parity` 0 or 1.
    func inputGradient(parity: Int) -> FloatBuffer { parity == 0 ? inputGradients.0 : inputGradients.1 }
}
