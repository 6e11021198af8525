/// The module names of RepDistiller's CIFAR `ResNet` class (models/resnet.py), which
/// the ResNet presets' checkpoints use so that PyTorch loads them into that class with
/// `load_state_dict(strict=True)`: the stem `conv1` and `bn1`, the blocks of stage k as
/// `layer<k>.<i>`, and the last dense layer `fc`.
///
/// A stage starts with the first block and with every later block whose shape changes
/// (the one that has a downsample), as `ResNet._make_layer` builds them: the stages of
/// resnet-20 start at the stride-2 blocks, and resnet8x4's first block already widens
/// 32 channels to 64.
enum ResNetNaming {
    /// Each layer's module name, for a network laid out as a ResNet preset is.
    static func moduleNames(of layers: [Layer]) -> [String] {
        var stage = 0, block = 0
        var seenStem = (conv: false, norm: false)
        return layers.map { layer in
            switch layer {
            case is Conv2D where !seenStem.conv:
                seenStem.conv = true
                return "conv1"
            case is BatchNorm where !seenStem.norm:
                seenStem.norm = true
                return "bn1"
            case let residual as ResidualBlock:
                if stage == 0 || residual.downsample != nil {
                    stage += 1
                    block = 0
                } else {
                    block += 1
                }
                return "layer\(stage).\(block)"
            case is ReLU: return "relu"
            case is GlobalAveragePool: return "avgpool"
            case is Flatten: return "flatten"
            case is Dense: return "fc"
            default: preconditionFailure("\(layer.summary) has no place in a CIFAR ResNet")
            }
        }
    }
}
