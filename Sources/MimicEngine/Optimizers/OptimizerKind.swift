/// The optimizers a run can name on the command line or in a spec.
public enum OptimizerKind: String, CaseIterable, Sendable {
    case sgd
    /// SGD with Nesterov momentum, as the published CIFAR recipes train ResNets and WRNs.
    case nesterov
    case adam

    /// One line for --help and the report.
    public var summary: String {
        switch self {
        case .sgd: "SGD with momentum (torch.optim.SGD)"
        case .nesterov: "SGD with Nesterov momentum (torch.optim.SGD, nesterov=True)"
        case .adam: "Adam with L2 weight decay (torch.optim.Adam)"
        }
    }

    /// An optimizer of this kind over `parameters`. Adam keeps PyTorch's default betas
    /// and ignores `momentum`: β1 plays that part there, and a run that switches kind
    /// should not silently carry an SGD momentum into it. The decay reaches weights only,
    /// or every parameter with `decaysEveryParameter` (`--decay-all`).
    public func make(parameters: [Parameter], momentum: Float = 0.9, weightDecay: Float = 0,
                     decaysEveryParameter: Bool = false) -> any Optimizer {
        switch self {
        case .sgd:
            SGD(parameters: parameters, momentum: momentum, weightDecay: weightDecay, decaysEveryParameter: decaysEveryParameter)
        case .nesterov:
            SGD(parameters: parameters, momentum: momentum, weightDecay: weightDecay, nesterov: true,
                decaysEveryParameter: decaysEveryParameter)
        case .adam:
            Adam(parameters: parameters, weightDecay: weightDecay, decaysEveryParameter: decaysEveryParameter)
        }
    }
}
