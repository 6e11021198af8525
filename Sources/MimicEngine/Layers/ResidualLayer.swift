/// A residual block: one layer of a network made of several modules, whose output is
/// its modules' path plus a shortcut. Its parameters and buffers are its modules', named
/// inside the block as the PyTorch module's `state_dict` names them ("conv1.weight",
/// "bn2.running_var", "downsample.0.weight"), and its FLOPs are theirs plus the sum.
public protocol ResidualLayer: Layer {
    /// The modules with their names in the block, in `state_dict` order.
    var modules: [(name: String, layer: Layer)] { get }
    /// Its batch norms, for the batches they cannot train on (`Network.smallestTrainingBatch`).
    var norms: [BatchNorm] { get }
    /// Puts the block's passing values into `workspace`, shared with the network's other
    /// blocks, writing its input gradient to the buffer of `parity` (0 or 1, alternating
    /// along the blocks). Before any pass.
    func share(_ workspace: BlockWorkspace, parity: Int)
}

extension ResidualLayer {
    public var parameters: [Parameter] { namedParameters.map(\.parameter) }
    public var buffers: [LayerBuffer] { namedBuffers.map(\.buffer) }
    public var namedParameters: [(name: String, parameter: Parameter)] {
        modules.flatMap { module in module.layer.namedParameters.map { ("\(module.name).\($0.name)", $0.parameter) } }
    }
    public var namedBuffers: [(name: String, buffer: LayerBuffer)] {
        modules.flatMap { module in module.layer.namedBuffers.map { ("\(module.name).\($0.name)", $0.buffer) } }
    }

    /// The modules' own (convolutions' products, batch norms' affine maps) and one
    /// addition per output value for the sum with the shortcut; the ReLUs are not
    /// counted, as nowhere else.
    public var forwardFLOPsPerSample: Int {
        modules.reduce(0) { $0 + $1.layer.forwardFLOPsPerSample } + outputShape.count
    }
}
