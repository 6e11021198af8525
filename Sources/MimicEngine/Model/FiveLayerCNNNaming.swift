/// The module names of knowledge-distillation-pytorch's 5-layer CNN (`Net` in
/// model/net.py), which the `cnn5-bn` preset's checkpoints use so that PyTorch loads
/// them into that class with `load_state_dict(strict=True)`: convolutions `conv1` to
/// `conv3` with their batch norms `bn1` to `bn3`, then `fc1`, its batch norm `fcbn1`,
/// and `fc2`. Layers without tensors (ReLU, pool, flatten, dropout) are named for the
/// listing only: the class applies them as functions.
enum FiveLayerCNNNaming {
    static func moduleNames(of layers: [Layer]) -> [String] {
        var convolutions = 0, denses = 0
        var lastWeighted: Layer?
        return layers.map { layer in
            defer { if !(layer is BatchNorm) && !layer.parameters.isEmpty { lastWeighted = layer } }
            switch layer {
            case is Conv2D:
                convolutions += 1
                return "conv\(convolutions)"
            case is Dense:
                denses += 1
                return "fc\(denses)"
            case is BatchNorm:
                return lastWeighted is Dense ? "fcbn\(denses)" : "bn\(convolutions)"
            case is ReLU: return "relu"
            case is MaxPool2D: return "pool"
            case is Flatten: return "flatten"
            case is Dropout: return "dropout"
            default: preconditionFailure("\(layer.summary) has no place in the 5-layer CNN")
            }
        }
    }
}
