/// The basic residual block of the CIFAR ResNets (He et al. 2016; RepDistiller's and
/// torchdistill's `BasicBlock`): two 3x3 convolutions without bias, each followed by a
/// batch norm, the first with its ReLU, the sum with the shortcut, then a ReLU:
///
///     out = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))
///
/// The shortcut is `x` itself, or, where the block changes the shape (a stride above 1
/// or another channel count), the "downsample": a 1x1 convolution with the block's
/// stride, without bias, and a batch norm. A 3x3 convolution with padding 1 and the 1x1
/// one with padding 0 give the same output size at any stride, so the two paths always add.
///
/// The block is one layer of a network, holding its modules as PyTorch's does, so its
/// tensors are named as that module's `state_dict` names them ("conv1.weight",
/// "bn2.running_var", "downsample.0.weight", "downsample.1.bias"). Training runs the
/// modules one by one, the sum with the shortcut and the last ReLU in the second batch
/// norm's pass; so does `forward` in evaluation. A network's inference runs
/// `foldedForward` instead: each batch norm folded into the convolution before it
/// (`BatchNormFolding`), the sum and ReLU in the second convolution's output, in cache.
///
/// Of its values, the block keeps its convolutions' outputs and its own output from
/// forward to backward; the first batch norm's output, the shortcut's and every
/// gradient live in the `BlockWorkspace` it shares with the network's other blocks
/// (see there), and backward makes that batch norm's output again, a sample at a time,
/// for conv2's weight gradient (`Conv2D.inputNorm`).
public final class ResidualBlock: ResidualLayer {
    public let inputShape: SampleShape
    public var outputShape: SampleShape { conv1.outputShape }
    public let stride: Int
    public let conv1: Conv2D
    public let bn1: BatchNorm
    public let conv2: Conv2D
    public let bn2: BatchNorm
    /// The 1x1 convolution and batch norm of the shortcut, when the shape changes.
    public let downsample: (conv: Conv2D, norm: BatchNorm)?

    /// Its output in training, kept for backward's mask and as the next block's input.
    private let output = FloatBuffer()
    private(set) var workspace = BlockWorkspace()
    /// 0 or 1, alternating along the network's blocks: which input-gradient buffer of
    /// the workspace this block writes, and in inference where its output goes.
    private var parity = 0
    /// The block's convolutions with their batch norms folded in, for inference; the
    /// network refreshes them once before each inference pass (`foldings`).
    private let folded: (first: BatchNormFolding, second: BatchNormFolding, downsample: BatchNormFolding?)

    /// Returns nil when a 3x3 convolution does not fit the input (it always does with padding 1).
    public init?(input: SampleShape, channels: Int, stride: Int, random: inout SeededRandom) {
        guard let conv1 = Conv2D(input: input, filters: channels, kernel: 3, stride: stride, padding: 1,
                                 hasBias: false, random: &random),
              let conv2 = Conv2D(input: conv1.outputShape, filters: channels, kernel: 3, stride: 1, padding: 1,
                                 hasBias: false, random: &random)
        else { return nil }
        inputShape = input
        self.stride = stride
        self.conv1 = conv1
        self.conv2 = conv2
        conv1.groupsSamples = true
        conv2.groupsSamples = true
        bn1 = BatchNorm(shape: conv1.outputShape)
        bn1.appliesReLU = true
        bn2 = BatchNorm(shape: conv2.outputShape)
        if stride != 1 || input.channels != channels {
            guard let conv = Conv2D(input: input, filters: channels, kernel: 1, stride: stride, padding: 0,
                                    hasBias: false, random: &random),
                  conv.outputShape == conv2.outputShape
            else { return nil }
            conv.groupsSamples = true
            downsample = (conv, BatchNorm(shape: conv.outputShape))
        } else {
            downsample = nil
        }
        folded = (first: BatchNormFolding(conv1, bn1), second: BatchNormFolding(conv2, bn2),
                  downsample: downsample.map { BatchNormFolding($0.conv, $0.norm) })
        for folding in foldings { folding.folded.groupsSamples = true }
        // bn1's output, conv2's input, lies in the shared workspace, which later blocks
        // write over before this one's backward.
        conv2.inputNorm = bn1
        share(BlockWorkspace(), parity: 0)
    }

    public func share(_ workspace: BlockWorkspace, parity: Int) {
        self.workspace = workspace
        self.parity = parity
        workspace.admit(valuesPerSample: max(inputShape.count, outputShape.count))
        // Forward: bn1's output (made again in backward), the shortcut's.
        bn1.output = workspace.normalized
        downsample?.norm.output = workspace.gradients.2
        // Folded inference's: the first convolution's output, the shortcut's.
        folded.first.folded.output = workspace.normalized
        folded.downsample?.folded.output = workspace.gradients.2
        // Backward, in the order `backward` runs them; each reads the one before.
        bn2.inputGradient = workspace.gradients.0
        conv2.inputGradient = workspace.gradients.1
        bn1.inputGradient = workspace.gradients.0
        conv1.inputGradient = workspace.gradients.1
        downsample?.norm.inputGradient = workspace.gradients.0
        downsample?.conv.inputGradient = workspace.inputGradient(parity: parity)
    }

    public var summary: String {
        "basic block \(inputShape.channels)->\(outputShape.channels) s\(stride)"
            + (downsample == nil ? "" : " (1x1 conv shortcut)")
    }

    public var modules: [(name: String, layer: Layer)] {
        var modules: [(name: String, layer: Layer)] = [("conv1", conv1), ("bn1", bn1), ("conv2", conv2), ("bn2", bn2)]
        if let downsample { modules += [("downsample.0", downsample.conv), ("downsample.1", downsample.norm)] }
        return modules
    }

    public var norms: [BatchNorm] { [bn1, bn2] + (downsample.map { [$0.norm] } ?? []) }

    /// Its convolutions with their batch norms folded in, which `foldedForward` runs.
    var foldings: [BatchNormFolding] { [folded.first, folded.second] + (folded.downsample.map { [$0] } ?? []) }

    public func forward(_ input: UnsafePointer<Float>, batch: Int, training: Bool) -> UnsafePointer<Float> {
        workspace.prepare(batch: batch)
        var shortcut = input
        if let downsample {
            shortcut = downsample.conv.forward(input, batch: batch, training: training)
            shortcut = downsample.norm.forward(shortcut, batch: batch, training: training)
        }
        var main = conv1.forward(input, batch: batch, training: training)
        main = bn1.forward(main, batch: batch, training: training)
        main = conv2.forward(main, batch: batch, training: training)
        let y = output.reserve(batch * outputShape.count)
        bn2.forward(main, batch: batch, training: training, adding: shortcut, into: y)
        return UnsafePointer(y)
    }

    /// Inference with the batch norms folded into the convolutions (`foldings`, which
    /// the caller refreshes from the weights and running statistics as they are now):
    /// the same output as `forward` in evaluation to float rounding, not bit for bit.
    ///
    /// Its output lies in the workspace's input-gradient buffer of its parity (inference
    /// has no gradients), valid until the block after the next one runs.
    func foldedForward(_ input: UnsafePointer<Float>, batch: Int) -> UnsafePointer<Float> {
        workspace.prepare(batch: batch)
        let shortcut = folded.downsample.map { $0.folded.forward(input, batch: batch, training: false) } ?? input
        let main = folded.first.folded.forward(input, batch: batch, training: false)
        let y = workspace.inputGradient(parity: parity).reserve(batch * outputShape.count)
        folded.second.folded.forward(main, batch: batch, adding: shortcut, into: y)
        return UnsafePointer(y)
    }

    /// Values per thread in the block's own elementwise passes.
    private static let elementGrain = 1 << 14

    /// The sum passes the masked gradient to both paths unchanged; the input gradient
    /// is the sum of what comes back along each.
    ///
    /// The workspace's buffers: the masked gradient in the third of its gradients; the
    /// shortcut's, when it has layers, back through the first into the input gradient of
    /// this parity; then the main path through the first two in turn. Where the direct
    /// loop makes conv1's input gradient, it adds the shortcut's as it writes, into the
    /// input gradient of this parity; elsewhere conv1 writes the second and a pass adds.
    public func backward(_ outputGradient: UnsafePointer<Float>, batch: Int, needsInputGradient: Bool) -> UnsafePointer<Float>? {
        workspace.prepare(batch: batch)
        let count = batch * outputShape.count
        let masked = workspace.gradients.2.reserve(count)
        let y = UnsafePointer(output.pointer)
        Parallel.split(count, grain: Self.elementGrain) { _, range in
            ReLU.mask(outputGradient + range.lowerBound, by: y + range.lowerBound, count: range.count,
                      into: masked + range.lowerBound)
        }
        let inputCount = batch * inputShape.count
        let dx = workspace.inputGradient(parity: parity).reserve(inputCount)
        if let downsample {
            let normalized = downsample.norm.backward(masked, batch: batch, needsInputGradient: true)!
            _ = downsample.conv.backward(normalized, batch: batch, needsInputGradient: needsInputGradient)
        }
        let throughShortcut = downsample == nil ? UnsafePointer(masked) : UnsafePointer(dx)
        var main = bn2.backward(masked, batch: batch, needsInputGradient: true)!
        main = conv2.backward(main, batch: batch, needsInputGradient: true)!
        main = bn1.backward(main, batch: batch, needsInputGradient: true)!
        if needsInputGradient, conv1.addsIntoInputGradient {
            conv1.backward(main, batch: batch, inputGradientPlus: throughShortcut, into: dx)
            return UnsafePointer(dx)
        }
        guard let throughMain = conv1.backward(main, batch: batch, needsInputGradient: needsInputGradient),
              needsInputGradient
        else { return nil }
        Parallel.split(inputCount, grain: Self.elementGrain) { _, range in
            for i in range { dx[i] = throughMain[i] + throughShortcut[i] }
        }
        return UnsafePointer(dx)
    }
}
