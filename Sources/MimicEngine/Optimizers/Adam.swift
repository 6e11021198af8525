import Foundation

/// Adam as torch.optim.Adam computes it (Kingma & Ba 2015, with PyTorch's L2 weight
/// decay added to the gradient, not AdamW's decoupled decay):
/// g' = g + wd·w; m = β1·m + (1−β1)·g'; v = β2·v + (1−β2)·g'²;
/// w −= (lr / (1−β1ᵗ)) · m / (√v / √(1−β2ᵗ) + ε).
/// The bias corrections are taken in Double once per step, as PyTorch does in Python floats.
public final class Adam: Optimizer {
    public let parameters: [Parameter]
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    public let weightDecay: Float
    /// Whether biases and batch norm's γ and β decay too (`Parameter.decays` otherwise).
    public let decaysEveryParameter: Bool
    /// Steps taken so far: t in the bias corrections.
    public var steps = 0

    private let slots: [OptimizerSlot]
    private let firstMoment: UnsafeMutablePointer<Float>
    private let secondMoment: UnsafeMutablePointer<Float>
    private let stateCount: Int

    public init(
        parameters: [Parameter], beta1: Float = 0.9, beta2: Float = 0.999,
        epsilon: Float = 1e-8, weightDecay: Float = 0, decaysEveryParameter: Bool = false
    ) {
        precondition((0..<1).contains(beta1) && (0..<1).contains(beta2), "Adam's betas must lie in [0, 1)")
        precondition(epsilon > 0 && weightDecay >= 0, "epsilon must be positive and weight decay not negative")
        self.parameters = parameters
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decaysEveryParameter = decaysEveryParameter
        (slots, stateCount) = OptimizerSlot.layout(parameters, weightDecay: weightDecay,
                                                   decayingEveryParameter: decaysEveryParameter)
        // Adam's second moment needs g itself: backward is to leave it in `gradient`.
        for parameter in parameters { parameter.dropRunningSum() }
        let capacity = max(stateCount, 1)
        firstMoment = .allocate(capacity: capacity)
        firstMoment.initialize(repeating: 0, count: capacity)
        secondMoment = .allocate(capacity: capacity)
        secondMoment.initialize(repeating: 0, count: capacity)
    }

    deinit {
        firstMoment.deallocate()
        secondMoment.deallocate()
    }

    public var stateBuffers: [OptimizerStateBuffer] {
        [OptimizerStateBuffer(name: "exp_avg", values: UnsafeMutableBufferPointer(start: firstMoment, count: stateCount)),
         OptimizerStateBuffer(name: "exp_avg_sq", values: UnsafeMutableBufferPointer(start: secondMoment, count: stateCount))]
    }

    public func step(learningRate: Float) {
        steps += 1
        let t = Double(steps)
        let stepSize = Float(Double(learningRate) / (1 - pow(Double(beta1), t)))
        let secondCorrection = Float((1 - pow(Double(beta2), t)).squareRoot())
        let b2 = beta2, keep1 = 1 - beta1, keep2 = 1 - beta2, eps = epsilon
        OptimizerSlot.forEachShare(slots, total: stateCount) { slot, range in
            let w = slot.value, g = slot.gradient
            let m = firstMoment + slot.stateOffset, v = secondMoment + slot.stateOffset
            let decay = slot.decay
            for i in range {
                let decayed = g[i] + decay * w[i]
                // Grouped as PyTorch groups them (lerp for m, addcdiv for w), so results
                // agree to the last bit more often than the algebra alone would give.
                let mean = m[i] + keep1 * (decayed - m[i])
                let square = b2 * v[i] + keep2 * decayed * decayed
                m[i] = mean
                v[i] = square
                // `square` is never negative; saying so through `magnitude` lets LLVM drop
                // libm's errno path for sqrt, which otherwise stops this loop vectorising.
                w[i] -= stepSize * (mean / (square.magnitude.squareRoot() / secondCorrection + eps))
            }
        }
    }
}
