/// Updates a fixed set of parameters from the gradients the last backward pass left.
///
/// Built once over its parameters, with all its state allocated then, because `step`
/// runs every training step and must not allocate.
public protocol Optimizer: AnyObject {
    func step(learningRate: Float)

    /// Steps taken so far (Adam's t in its bias corrections).
    var steps: Int { get set }

    /// What it carries from one step to the next besides the parameters, by PyTorch's
    /// names ("momentum_buffer"; "exp_avg", "exp_avg_sq"), each laid out as its parameters
    /// end to end. With `steps`, everything an epoch checkpoint saves so that a training
    /// goes on exactly as if it had never stopped. Borrowed: valid while the optimizer lives.
    var stateBuffers: [OptimizerStateBuffer] { get }
}

/// One per-element buffer of an optimizer's state, as long as all its parameters together.
public struct OptimizerStateBuffer {
    public let name: String
    public let values: UnsafeMutableBufferPointer<Float>
}

/// One parameter as an optimizer's loop sees it: raw pointers and a count, so the update
/// runs over plain memory with nothing retained, checked or dispatched per element.
struct OptimizerSlot {
    let value: UnsafeMutablePointer<Float>
    let gradient: UnsafeMutablePointer<Float>
    let count: Int
    /// The weight-decay coefficient for this parameter: 0 for biases and batch norm's γ
    /// and β unless every parameter decays, so one loop serves both without a branch per element.
    let decay: Float
    /// Where this parameter's per-element state starts in the optimizer's state block.
    let stateOffset: Int
    /// Whether backward already added this step's gradient into the optimizer's state
    /// (see `Parameter.runningSum`), so that `gradient` is not to be read.
    var gradientInState = false

    /// Runs `update(slot, range)` over every slot, each thread taking its share of every
    /// slot in one threaded region. The update is memory-bound (mlp-1024's SGD step
    /// moves 37 MB), and two cores draw more bandwidth than one.
    @inline(__always)
    static func forEachShare(_ slots: [OptimizerSlot], total: Int, _ update: (OptimizerSlot, Range<Int>) -> Void) {
        let parts = Parallel.partCount(total, grain: 1 << 15)
        Parallel.run(parts: parts) { part in
            for slot in slots {
                update(slot, Parallel.range(part, of: parts, count: slot.count, grain: 16))
            }
        }
    }

    /// Slots for `parameters`, laid end to end in one state block of `total` floats. The
    /// decay reaches the parameters that `decays` (convolution and dense weights), or
    /// every one when `decayingEveryParameter`, as torch.optim does with all of a model's
    /// parameters in one group.
    static func layout(_ parameters: [Parameter], weightDecay: Float,
                       decayingEveryParameter: Bool = false) -> (slots: [OptimizerSlot], total: Int) {
        var slots: [OptimizerSlot] = []
        slots.reserveCapacity(parameters.count)
        var offset = 0
        for parameter in parameters {
            slots.append(OptimizerSlot(
                value: parameter.value, gradient: parameter.gradient, count: parameter.count,
                decay: parameter.decays || decayingEveryParameter ? weightDecay : 0, stateOffset: offset))
            offset += parameter.count
        }
        return (slots, offset)
    }
}
