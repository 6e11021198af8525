/// The module names of RepDistiller's `WideResNet` class (models/wrn.py), which the
/// wrn-* presets' checkpoints use so that PyTorch loads them into that class with
/// `load_state_dict(strict=True)`: the stem `conv1`, the blocks of stage k as
/// `block<k>.layer.<i>` (each stage a `NetworkBlock` holding an `nn.Sequential` named
/// `layer`), the final batch norm `bn1` and the last dense layer `fc`.
///
/// A stage starts with the first block and with every later block that has a shortcut
/// convolution, as `NetworkBlock._make_layer` builds them (its first block changes
/// the channels; with widen factor 1 the first stage's first block does not, and
/// starts the stage all the same).
enum WideResNetNaming {
    /// Each layer's module name, for a network laid out as a WRN preset is.
    static func moduleNames(of layers: [Layer]) -> [String] {
        var stage = 0, block = 0
        return layers.map { layer in
            switch layer {
            case is Conv2D: return "conv1"
            case let preActivation as PreActivationBlock:
                if stage == 0 || preActivation.convShortcut != nil {
                    stage += 1
                    block = 0
                } else {
                    block += 1
                }
                return "block\(stage).layer.\(block)"
            case is BatchNorm: return "bn1"
            case is ReLU: return "relu"
            case is GlobalAveragePool: return "avgpool"
            case is Flatten: return "flatten"
            case is Dense: return "fc"
            default: preconditionFailure("\(layer.summary) has no place in a wide ResNet")
            }
        }
    }
}
