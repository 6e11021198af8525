/// One step of a network, with its forward and backward pass side by side.
///
/// Shapes are fixed when the layer is built; only the batch size varies. Buffers are
/// owned by the layer: `forward` returns a pointer into its own output buffer, valid
/// until the next `forward`, and remembers its input for `backward`.
public protocol Layer: AnyObject {
    /// A short readable name, e.g. "conv2d 1->32 k3 s1 p1".
    var summary: String { get }
    var inputShape: SampleShape { get }
    var outputShape: SampleShape { get }
    var parameters: [Parameter] { get }
    /// Tensors kept besides the parameters and saved with them (batch norm's running
    /// statistics), in the order PyTorch's `state_dict` lists them.
    var buffers: [LayerBuffer] { get }
    /// The parameters under their names inside the layer's module: "weight", or
    /// "conv1.weight" in a block of several modules. A network prefixes the layer's own.
    var namedParameters: [(name: String, parameter: Parameter)] { get }
    /// The buffers likewise: "running_mean", or "bn1.running_mean" in a block.
    var namedBuffers: [(name: String, buffer: LayerBuffer)] { get }
    /// Floating-point operations of one forward pass for one sample (a multiply-add is two).
    var forwardFLOPsPerSample: Int { get }

    func forward(_ input: UnsafePointer<Float>, batch: Int, training: Bool) -> UnsafePointer<Float>

    /// Given dLoss/dOutput for the last forward, sets every parameter's gradient
    /// (overwriting it) and returns dLoss/dInput, or nil when `needsInputGradient`
    /// is false: the first layer with parameters has nobody to pass it to.
    func backward(_ outputGradient: UnsafePointer<Float>, batch: Int, needsInputGradient: Bool) -> UnsafePointer<Float>?
}

extension Layer {
    public var parameters: [Parameter] { [] }
    public var buffers: [LayerBuffer] { [] }
    public var namedParameters: [(name: String, parameter: Parameter)] { parameters.map { ($0.name, $0) } }
    public var namedBuffers: [(name: String, buffer: LayerBuffer)] { buffers.map { ($0.name, $0) } }
    public var forwardFLOPsPerSample: Int { 0 }
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }
}

/// He (Kaiming) normal initialisation for layers followed by ReLU: keeps the variance
/// of activations steady through depth.
func heInitialise(_ parameter: Parameter, fanIn: Int, random: inout SeededRandom) {
    let std = (2 / Float(fanIn)).squareRoot()
    for i in 0..<parameter.count {
        parameter.value[i] = random.nextGaussian() * std
    }
}
