/// The optimizers a run can name on the command line or in a spec.
public enum OptimizerKind: String, CaseIterable, Sendable {
    case sgd
    case adam

    /// One line for --help and the report.
    public var summary: String {
        switch self {
        case .sgd: "SGD with momentum (torch.optim.SGD)"
        case .adam: "Adam with L2 weight decay (torch.optim.Adam)"
        }
    }

    /// An optimizer of this kind over `parameters`. Adam keeps PyTorch's default betas
    /// and ignores `momentum`: β1 plays that part there, and a run that switches kind
    /// should not silently carry an SGD momentum into it.
    public func make(parameters: [Parameter], momentum: Float = 0.9, weightDecay: Float = 0) -> any Optimizer {
        switch self {
        case .sgd: SGD(parameters: parameters, momentum: momentum, weightDecay: weightDecay)
        case .adam: Adam(parameters: parameters, weightDecay: weightDecay)
        }
    }
}
