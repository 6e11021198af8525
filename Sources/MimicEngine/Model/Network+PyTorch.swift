/// The PyTorch module a network is, layer for layer: an `nn.Sequential` whose
/// `state_dict` has the names, shapes and layouts of this network's checkpoint
/// ("0.weight", "1.running_mean"), so that a mentor trained in PyTorch as this module
/// loads into mimic (`--mentor-checkpoint`), and a mimic checkpoint into PyTorch.
extension Network {
    /// The module's Python source, `torch.nn` imported as `nn`, one layer a line with
    /// its index; nil when a layer has no such module (a residual block), or when the
    /// network is a preset named as a PyTorch class of its own (the ResNets, cnn5-bn:
    /// scripts/torch_models.py has those classes).
    public var pytorchSequential: String? {
        guard spec.naming == .sequential else { return nil }
        var lines: [String] = []
        for (index, layer) in layers.enumerated() {
            let afterDense = index > 0 && layers[index - 1] is Dense
            guard let module = Self.pytorchModule(layer, afterDense: afterDense) else { return nil }
            lines.append("    \(module),  # \(index)")
        }
        return "nn.Sequential(\n" + lines.joined(separator: "\n") + "\n)"
    }

    /// The `torch.nn` module that computes what `layer` does, with the same parameters.
    /// A batch norm is BatchNorm1d after a dense layer, else BatchNorm2d (also on a
    /// conv's 1x1 output, which PyTorch keeps four-dimensional).
    static func pytorchModule(_ layer: Layer, afterDense: Bool) -> String? {
        switch layer {
        case let conv as Conv2D:
            "nn.Conv2d(\(conv.inputShape.channels), \(conv.filters), kernel_size=\(conv.kernel), stride=\(conv.stride), padding=\(conv.padding)"
                + (conv.hasBias ? ")" : ", bias=False)")
        case is ReLU:
            "nn.ReLU()"
        case let pool as MaxPool2D:
            "nn.MaxPool2d(kernel_size=\(pool.size), stride=\(pool.stride))"
        case is Flatten:
            "nn.Flatten()"
        case let dense as Dense:
            "nn.Linear(\(dense.inputShape.count), \(dense.outputShape.count))"
        case let dropout as Dropout:
            "nn.Dropout(p=\(dropout.rate))"
        case let norm as BatchNorm:
            "nn.BatchNorm\(afterDense ? "1d" : "2d")(\(norm.inputShape.channels))"
        case is GlobalAveragePool:
            "nn.AdaptiveAvgPool2d(1)"
        default:
            nil
        }
    }
}
