/// The pre-activation residual block of the wide ResNets (He et al. 2016, "Identity
/// Mappings in Deep Residual Networks"; Zagoruyko & Komodakis 2016; RepDistiller's
/// `BasicBlock` in models/wrn.py): batch norm and ReLU before each of two bias-free 3x3
/// convolutions, and no ReLU after the sum:
///
///     a = relu(bn1(x))
///     out = conv2(relu(bn2(conv1(a)))) + shortcut
///
/// The shortcut is `x` itself, or, where the block changes the shape (another channel
/// count, or a stride above 1), a bias-free 1x1 convolution with the block's stride of
/// the pre-activated `a` ("convShortcut", without a batch norm of its own), as that
/// class computes it when its channels differ. (It compares channels only; a stride
/// above 1 with the same channels, which no WRN has, would not add up there.) The
/// dropout between the convolutions that class allows is 0 in every WRN preset, and
/// left out.
///
/// The block is one layer of a network, holding its modules as PyTorch's does, so its
/// tensors are named as that module's `state_dict` names them ("bn1.weight",
/// "conv1.weight", "bn2.running_var", "conv2.weight", "convShortcut.weight"). Training
/// and evaluation run the modules one by one (no batch norm folded).
///
/// Of its values, the block keeps conv1's output (bn2's input) and its own output (the
/// next block's input) from forward to backward. Both batch norms' outputs, conv2's,
/// the shortcut's and every gradient live in the `BlockWorkspace` it shares with the
/// network's other blocks, and backward makes each batch norm's output again before it
/// needs it: the two take turns in the workspace's one buffer for them.
public final class PreActivationBlock: ResidualLayer {
    public let inputShape: SampleShape
    public var outputShape: SampleShape { conv2.outputShape }
    public let stride: Int
    public let bn1: BatchNorm
    public let conv1: Conv2D
    public let bn2: BatchNorm
    public let conv2: Conv2D
    /// The 1x1 convolution of the shortcut, when the shape changes.
    public let convShortcut: Conv2D?

    /// Its output, the next block's input.
    private let output = FloatBuffer()
    private(set) var workspace = BlockWorkspace()
    /// 0 or 1, alternating along the network's blocks: which input-gradient buffer of
    /// the workspace this block writes.
    private var parity = 0

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
        bn1 = BatchNorm(shape: input)
        bn1.appliesReLU = true
        bn2 = BatchNorm(shape: conv1.outputShape)
        bn2.appliesReLU = true
        if stride != 1 || input.channels != channels {
            guard let conv = Conv2D(input: input, filters: channels, kernel: 1, stride: stride, padding: 0,
                                    hasBias: false, random: &random),
                  conv.outputShape == conv2.outputShape
            else { return nil }
            convShortcut = conv
        } else {
            convShortcut = nil
        }
        share(BlockWorkspace(), parity: 0)
    }

    public func share(_ workspace: BlockWorkspace, parity: Int) {
        self.workspace = workspace
        self.parity = parity
        workspace.admit(valuesPerSample: max(inputShape.count, outputShape.count))
        // Forward: a = relu(bn1(x)) and relu(bn2(·)) in turn, conv2's output and the
        // shortcut's, read only by the sum.
        bn1.output = workspace.normalized
        bn2.output = workspace.normalized
        conv2.output = workspace.gradients.0
        convShortcut?.output = workspace.gradients.2
        // Backward, in the order `backward` runs them; each reads the one before.
        conv2.inputGradient = workspace.gradients.0
        bn2.inputGradient = workspace.gradients.1
        conv1.inputGradient = workspace.gradients.0
        convShortcut?.inputGradient = workspace.gradients.1
        bn1.inputGradient = convShortcut == nil ? workspace.gradients.1 : workspace.inputGradient(parity: parity)
    }

    public var summary: String {
        "pre-activation block \(inputShape.channels)->\(outputShape.channels) s\(stride)"
            + (convShortcut == nil ? "" : " (1x1 conv shortcut)")
    }

    public var modules: [(name: String, layer: Layer)] {
        var modules: [(name: String, layer: Layer)] = [("bn1", bn1), ("conv1", conv1), ("bn2", bn2), ("conv2", conv2)]
        if let convShortcut { modules.append(("convShortcut", convShortcut)) }
        return modules
    }

    public var norms: [BatchNorm] { [bn1, bn2] }

    public func forward(_ input: UnsafePointer<Float>, batch: Int, training: Bool) -> UnsafePointer<Float> {
        workspace.prepare(batch: batch)
        let activated = bn1.forward(input, batch: batch, training: training)
        // Before bn2 writes over `activated`.
        let shortcut = convShortcut?.forward(activated, batch: batch, training: training) ?? input
        var main = conv1.forward(activated, batch: batch, training: training)
        main = bn2.forward(main, batch: batch, training: training)
        main = conv2.forward(main, batch: batch, training: training)
        let count = batch * outputShape.count
        let y = output.reserve(count)
        for i in 0..<count { y[i] = main[i] + shortcut[i] }
        return UnsafePointer(y)
    }

    /// The sum passes the output gradient to both paths unchanged. With a shortcut
    /// convolution both paths start at `a`, so their gradients add there before bn1
    /// takes them back to the input; with the identity, the output gradient joins
    /// bn1's input gradient at the input.
    ///
    /// The workspace's buffers: the main path through the first two gradients in turn,
    /// the shortcut's into the second, their sum at `a` into the third; bn1's input
    /// gradient is the block's (with the identity, in the second, then summed into it).
    public func backward(_ outputGradient: UnsafePointer<Float>, batch: Int, needsInputGradient: Bool) -> UnsafePointer<Float>? {
        workspace.prepare(batch: batch)
        bn2.restoreOutput(batch: batch)  // conv2's input and bn2's mask
        var main = conv2.backward(outputGradient, batch: batch, needsInputGradient: true)!
        main = bn2.backward(main, batch: batch, needsInputGradient: true)!
        bn1.restoreOutput(batch: batch)  // a: conv1's and the shortcut's input, bn1's mask
        main = conv1.backward(main, batch: batch, needsInputGradient: true)!
        var towardActivated = main
        if let convShortcut {
            let throughShortcut = convShortcut.backward(outputGradient, batch: batch, needsInputGradient: true)!
            let count = batch * inputShape.count
            let sum = workspace.gradients.2.reserve(count)
            for i in 0..<count { sum[i] = main[i] + throughShortcut[i] }
            towardActivated = UnsafePointer(sum)
        }
        let throughNorm = bn1.backward(towardActivated, batch: batch, needsInputGradient: needsInputGradient)
        guard needsInputGradient, let throughNorm else { return nil }
        guard convShortcut == nil else { return throughNorm }
        let count = batch * inputShape.count
        let dx = workspace.inputGradient(parity: parity).reserve(count)
        for i in 0..<count { dx[i] = throughNorm[i] + outputGradient[i] }
        return UnsafePointer(dx)
    }
}
