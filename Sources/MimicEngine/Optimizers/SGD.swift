/// Stochastic gradient descent with momentum, step for step as torch.optim.SGD
/// (dampening 0): g' = g + wd·w, v = μ·v + g', w −= lr·v; with Nesterov, w −= lr·(g' + μ·v).
///
/// PyTorch seeds v with the first gradient; v starts at zero here, and μ·0 + g' is the
/// same thing, so the first step needs no special case.
///
/// Without Nesterov, the velocity of a dense layer's weight is summed by backward itself:
/// its gradient product writes v = μ·v + g in place (see `Parameter.runningSum`), and
/// the step has only the decay and w −= lr·v left to do. A backward pass is then the
/// first half of a step, to be followed by `step` (as the trainer always does). The
/// Nesterov step needs g on its own, so it reads every gradient from `gradient`.
public final class SGD: Optimizer {
    public let parameters: [Parameter]
    public let momentum: Float
    public let weightDecay: Float
    public let nesterov: Bool
    /// Whether biases and batch norm's γ and β decay too (`Parameter.decays` otherwise).
    public let decaysEveryParameter: Bool
    /// Steps taken so far; SGD's update does not depend on it.
    public var steps = 0

    private var slots: [OptimizerSlot]
    private let velocity: UnsafeMutablePointer<Float>
    private let stateCount: Int

    public init(parameters: [Parameter], momentum: Float = 0.9, weightDecay: Float = 0, nesterov: Bool = false,
                decaysEveryParameter: Bool = false) {
        precondition(momentum >= 0 && weightDecay >= 0, "momentum and weight decay must not be negative")
        precondition(!nesterov || momentum > 0, "Nesterov momentum needs a positive momentum")
        self.parameters = parameters
        self.momentum = momentum
        self.weightDecay = weightDecay
        self.nesterov = nesterov
        self.decaysEveryParameter = decaysEveryParameter
        (slots, stateCount) = OptimizerSlot.layout(parameters, weightDecay: weightDecay,
                                                   decayingEveryParameter: decaysEveryParameter)
        velocity = .allocate(capacity: max(stateCount, 1))
        velocity.initialize(repeating: 0, count: max(stateCount, 1))
        for (index, parameter) in parameters.enumerated() {
            if !nesterov && parameter.gradientIsOneProduct {
                parameter.keepRunningSum(in: velocity + slots[index].stateOffset, keep: momentum, for: self)
                slots[index].gradientInState = true
            } else {
                parameter.dropRunningSum()
            }
        }
    }

    deinit {
        for parameter in parameters { parameter.dropRunningSum(of: self) }
        velocity.deallocate()
    }

    public var stateBuffers: [OptimizerStateBuffer] {
        [OptimizerStateBuffer(name: "momentum_buffer", values: UnsafeMutableBufferPointer(start: velocity, count: stateCount))]
    }

    public func step(learningRate: Float) {
        steps += 1
        let mu = momentum
        OptimizerSlot.forEachShare(slots, total: stateCount) { slot, range in
            let w = slot.value, g = slot.gradient, v = velocity + slot.stateOffset
            let decay = slot.decay
            // Two loops rather than a branch inside one, so each vectorises on its own.
            if slot.gradientInState {
                // v = μ·v + g already; the decay joins it here, as part of g'.
                if decay == 0 {
                    for i in range { w[i] -= learningRate * v[i] }
                } else {
                    for i in range {
                        let updated = v[i] + decay * w[i]
                        v[i] = updated
                        w[i] -= learningRate * updated
                    }
                }
            } else if nesterov {
                for i in range {
                    let decayed = g[i] + decay * w[i]
                    let updated = mu * v[i] + decayed
                    v[i] = updated
                    w[i] -= learningRate * (decayed + mu * updated)
                }
            } else {
                for i in range {
                    let updated = mu * v[i] + (g[i] + decay * w[i])
                    v[i] = updated
                    w[i] -= learningRate * updated
                }
            }
        }
    }
}
