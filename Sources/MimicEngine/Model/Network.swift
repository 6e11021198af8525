/// A feed-forward network built from an `ArchitectureSpec` for one input shape and
/// class count: the layers of the spec, then the implied dense layer to the classes.
///
/// Layers are laid out like the PyTorch `nn.Sequential` of the same spec (conv,
/// ReLU, pool, ..., flatten, linear, ReLU, ..., linear; conv, BatchNorm2d, ReLU for
/// `conv-bn`; AdaptiveAvgPool2d(1), flatten for `gap`), and parameters and buffers are
/// named as in its `state_dict` ("0.weight", "3.bias", "1.running_mean"; a residual
/// block's inside it, "3.conv1.weight"), so checkpoints load there as is. The presets
/// that reproduce a PyTorch class (the ResNets, cnn5-bn) name them as that class does
/// instead (`ResNetNaming`, `WideResNetNaming`, `FiveLayerCNNNaming`).
public final class Network {
    public let spec: ArchitectureSpec
    public let inputShape: SampleShape
    public let classes: Int
    public let layers: [Layer]
    /// Each layer's module name, the prefix of its tensors' names: its index in the
    /// `nn.Sequential`, or its attribute in the class a preset reproduces ("layer2.0", "fcbn1").
    public let moduleNames: [String]
    /// Parameters with their `state_dict` names, in layer order.
    public let namedParameters: [(name: String, parameter: Parameter)]
    /// Buffers (batch norm's running statistics and count) with their `state_dict` names.
    public let namedBuffers: [(name: String, buffer: LayerBuffer)]
    /// The first layer with parameters: no layer before it needs a gradient, so backward
    /// stops there. A flatten before the first dense layer would otherwise cost that
    /// layer an input-gradient product nobody reads (a seventh of mlp-1024's step).
    private let firstTrainable: Int
    /// What `forward` runs when not training: the layers, but each convolution with
    /// its ReLU and the 2x2 pool after it as one fused step (see `ConvPoolInference`),
    /// and a convolution with the batch norm after it as one folded convolution.
    private let inferenceSteps: [Step<ConvPoolInference>]
    /// The folded convolutions of `inferenceSteps` and of its residual blocks, made
    /// again once before each inference pass (not for each of its parts).
    private let foldings: [BatchNormFolding]
    /// What `forward` and `backward` run when training, fused likewise (see
    /// `ConvPoolTraining`), each step with the index of its first layer.
    private let trainingSteps: [(index: Int, step: Step<ConvPoolTraining>)]
    public var parameters: [Parameter] { namedParameters.map(\.parameter) }

    public init(spec: ArchitectureSpec, input: SampleShape, classes: Int, random: SeededRandom) throws(SpecError) {
        precondition(classes >= 2, "a classifier needs at least two classes")
        // Before any layer allocates: a spec past the limits is refused, not attempted.
        _ = try NetworkSize(spec: spec, input: input, classes: classes)
        var initRandom = random
        var dropoutRandom = SeededRandom(seed: initRandom.next(), stream: "dropout")
        var layers: [Layer] = []
        var shape = input
        var dense = false

        func append(_ layer: Layer) {
            layers.append(layer)
            shape = layer.outputShape
        }
        func flattenIfNeeded() {
            if !dense {
                if !shape.isVector { append(Flatten(shape: shape)) }
                dense = true
            }
        }

        for (index, layer) in spec.layers.enumerated() {
            let fail = { (problem: SpecError.Problem) in
                SpecError(spec: spec.text, tokenIndex: index, token: spec.tokens[index], problem: problem)
            }
            // A conv or dense layer normalized by the `bn` after it leaves its ReLU to
            // the batch norm: conv, batch norm, ReLU.
            let normalized = index + 1 < spec.layers.count && spec.layers[index + 1] == .batchNorm
            switch layer {
            case let .conv(filters, kernel, stride, padding, bias, relu):
                if dense { throw fail(.convAfterDense) }
                guard let conv = Conv2D(input: shape, filters: filters, kernel: kernel, stride: stride,
                                        padding: padding, hasBias: bias, random: &initRandom)
                else { throw fail(.doesNotFit(input: shape)) }
                append(conv)
                if !normalized && relu { append(ReLU(fusedInto: conv)) }
            case let .pool(size, stride):
                if dense { throw fail(.convAfterDense) }
                guard let pool = MaxPool2D(input: shape, size: size, stride: stride)
                else { throw fail(.doesNotFit(input: shape)) }
                append(pool)
            case let .dense(units):
                flattenIfNeeded()
                let dense = Dense(input: shape, outputs: units, random: &initRandom)
                append(dense)
                if !normalized { append(ReLU(fusedInto: dense)) }
            case let .dropout(rate):
                append(Dropout(shape: shape, rate: rate, random: SeededRandom(seed: dropoutRandom.next())))
            case .batchNorm:
                // The spec puts it right after a conv, dense or pre-activation layer
                // (`ArchitectureSpec`); it takes that layer's ReLU, unless a `norelu`
                // conv has none.
                let norm = BatchNorm(shape: shape)
                append(norm)
                let previous = index > 0 ? spec.layers[index - 1] : nil
                let rectified = if case .conv(_, _, _, _, _, relu: false)? = previous { false } else { true }
                if rectified { append(ReLU(fusedInto: norm)) }
            case .globalAveragePool:
                if dense { throw fail(.convAfterDense) }
                append(GlobalAveragePool(input: shape))
                append(Flatten(shape: shape))
                dense = true
            case let .residual(channels, stride):
                if dense { throw fail(.convAfterDense) }
                guard let block = ResidualBlock(input: shape, channels: channels, stride: stride, random: &initRandom)
                else { throw fail(.doesNotFit(input: shape)) }
                append(block)
            case let .preActivation(channels, stride):
                if dense { throw fail(.convAfterDense) }
                guard let block = PreActivationBlock(input: shape, channels: channels, stride: stride, random: &initRandom)
                else { throw fail(.doesNotFit(input: shape)) }
                append(block)
            }
        }
        flattenIfNeeded()
        append(Dense(input: shape, outputs: classes, random: &initRandom))

        self.spec = spec
        inputShape = input
        self.classes = classes
        self.layers = layers
        let modules = switch spec.naming {
        case .sequential: layers.indices.map { "\($0)" }
        case .cifarResNet: ResNetNaming.moduleNames(of: layers)
        case .wideResNet: WideResNetNaming.moduleNames(of: layers)
        case .fiveLayerCNN: FiveLayerCNNNaming.moduleNames(of: layers)
        }
        moduleNames = modules
        namedParameters = zip(modules, layers).flatMap { module, layer in
            layer.namedParameters.map { (name: "\(module).\($0.name)", parameter: $0.parameter) }
        }
        namedBuffers = zip(modules, layers).flatMap { module, layer in
            layer.namedBuffers.map { (name: "\(module).\($0.name)", buffer: $0.buffer) }
        }
        // One workspace for all blocks, the input gradients alternating along them.
        let blocks = layers.compactMap { $0 as? ResidualLayer }
        let workspace = BlockWorkspace()
        for (index, block) in blocks.enumerated() { block.share(workspace, parity: index % 2) }
        inferenceChunk = blocks.isEmpty ? nil : Self.blockInferenceChunk
        batchNorms = layers.flatMap { layer -> [BatchNorm] in
            if let norm = layer as? BatchNorm { return [norm] }
            return (layer as? ResidualLayer)?.norms ?? []
        }
        firstTrainable = layers.firstIndex { !$0.parameters.isEmpty } ?? layers.count
        var foldings: [BatchNormFolding] = []
        inferenceSteps = Step.plan(layers, fuse: ConvPoolInference.init) { convolution, norm in
            let folding = BatchNormFolding(convolution, norm)
            foldings.append(folding)
            return folding.folded
        }.map(\.step)
        self.foldings = foldings + blocks.flatMap { ($0 as? ResidualBlock)?.foldings ?? [] }
        trainingSteps = Step.plan(layers, fuse: ConvPoolTraining.init)
    }

    /// Its batch norm layers, for the batches they cannot train on.
    private let batchNorms: [BatchNorm]

    /// Samples an inference pass of a network of residual blocks runs at once: a larger
    /// batch goes through in parts of this size. Their activations are the largest per
    /// sample of any network here, and an annotation's 512 at once would make every
    /// buffer of the pass four times a training batch's: a resnet-20 annotation on
    /// 28x28 images peaked at 153 MB in parts against 416 MB in one pass, and took
    /// about 7% longer (PERFORMANCE.md). Parts move a few logits by float rounding (in
    /// that annotation, those of the last 8 samples of a part, by at most 2.4e-6), the
    /// same way on every run.
    static let blockInferenceChunk = 128
    private let inferenceChunk: Int?
    /// The logits of a batch inferred in parts.
    private let chunkedLogits = FloatBuffer()

    /// The smallest batch training can use: 2 when a batch norm would otherwise see a
    /// single value per channel (after a dense layer, or a 1x1 image), of which no
    /// variance can be had; PyTorch refuses such a batch too. The trainer leaves out
    /// an epoch's last batch when it is smaller than this, and the experiment refuses a
    /// run whose every batch would be.
    public var smallestTrainingBatch: Int {
        batchNorms.contains { $0.isTooSmall(batch: 1) } ? 2 : 1
    }

    public var parameterCount: Int { namedParameters.reduce(0) { $0 + $1.parameter.count } }

    /// Floating-point operations of one forward pass for one sample.
    public var forwardFLOPsPerSample: Int { layers.reduce(0) { $0 + $1.forwardFLOPsPerSample } }

    /// Training costs about three forward passes: the forward itself, the gradient with
    /// respect to the weights and the gradient with respect to the inputs.
    public var trainingFLOPsPerSample: Int { Self.passesPerTrainingStep * forwardFLOPsPerSample }
    public static let passesPerTrainingStep = 3

    /// Returns the logits [batch x classes], owned by the network (its last layer's output).
    public func forward(_ input: UnsafePointer<Float>, batch: Int, training: Bool) -> UnsafePointer<Float> {
        var activation = input
        if training {
            for (_, step) in trainingSteps {
                switch step {
                case .layer(let layer): activation = layer.forward(activation, batch: batch, training: true)
                case .convPool(let fused): activation = fused.forward(activation, batch: batch)
                }
            }
            return activation
        }
        for folding in foldings { folding.refresh() }
        guard let chunk = inferenceChunk, batch > chunk else { return infer(input, batch: batch) }
        let logits = chunkedLogits.reserve(batch * classes)
        for first in stride(from: 0, to: batch, by: chunk) {
            let count = min(chunk, batch - first)
            let part = infer(input + first * inputShape.count, batch: count)
            (logits + first * classes).update(from: part, count: count * classes)
        }
        return UnsafePointer(logits)
    }

    /// The inference steps on `batch` samples, the folded weights already made.
    private func infer(_ input: UnsafePointer<Float>, batch: Int) -> UnsafePointer<Float> {
        var activation = input
        for step in inferenceSteps {
            switch step {
            case .layer(let block as ResidualBlock): activation = block.foldedForward(activation, batch: batch)
            case .layer(let layer): activation = layer.forward(activation, batch: batch, training: false)
            case .convPool(let fused): activation = fused.forward(activation, batch: batch)
            }
        }
        return activation
    }

    /// Back-propagates dLoss/dLogits, leaving every parameter's gradient set.
    public func backward(_ logitsGradient: UnsafePointer<Float>, batch: Int) {
        var gradient = logitsGradient
        for (index, step) in trainingSteps.reversed() {
            guard index >= firstTrainable else { break }
            let needsInputGradient = index > firstTrainable
            let next = switch step {
            case .layer(let layer): layer.backward(gradient, batch: batch, needsInputGradient: needsInputGradient)
            case .convPool(let fused): fused.backward(gradient, batch: batch, needsInputGradient: needsInputGradient)
            }
            guard let next else { break }
            gradient = next
        }
    }

    /// Readable layer list, one line per layer.
    public var summary: [String] {
        layers.enumerated().map { index, layer in
            let count = layer.parameterCount
            return "\(index): \(layer.summary) -> \(layer.outputShape)" + (count > 0 ? " (\(count) parameters)" : "")
        }
    }
}

/// One step of a pass: a layer, or a convolution, its ReLU and a pool fused.
private enum Step<Fused> {
    case layer(Layer)
    case convPool(Fused)

    /// The layers as steps, each with the index of its first layer: a convolution, its
    /// fused ReLU and the pool after it become one step wherever `fuse` makes one of them.
    /// With `folding`, a convolution and the batch norm after it become the convolution
    /// `folding` makes of the two, which takes the batch norm's fused ReLU along, and is
    /// fused with a pool after it in turn.
    static func plan(_ layers: [Layer], fuse: (Conv2D, MaxPool2D) -> Fused?,
                     folding: ((Conv2D, BatchNorm) -> Conv2D)? = nil) -> [(index: Int, step: Step)] {
        var steps: [(index: Int, step: Step)] = []
        var index = 0
        while index < layers.count {
            if var conv = layers[index] as? Conv2D {
                var next = index + 1
                let folded = folding != nil && next < layers.count && layers[next] is BatchNorm
                if folded, let folding, let norm = layers[next] as? BatchNorm {
                    conv = folding(conv, norm)
                    next += 1
                }
                // The ReLU a convolution (or its batch norm) applies itself stays in the
                // list as a pass-through.
                if next < layers.count && (layers[next] as? ReLU)?.isFused == true { next += 1 }
                if next < layers.count, let pool = layers[next] as? MaxPool2D, let fused = fuse(conv, pool) {
                    steps.append((index, .convPool(fused)))
                    index = next + 1
                    continue
                }
                if folded {
                    steps.append((index, .layer(conv)))
                    index = next
                    continue
                }
            }
            steps.append((index, .layer(layers[index])))
            index += 1
        }
        return steps
    }
}
