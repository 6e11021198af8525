/// A trainable tensor: its values, the gradient the last backward pass left, and its
/// shape as PyTorch lays it out (so checkpoints load into the same torch modules).
///
/// A class over raw memory rather than an array: layers, optimizers and checkpoints all
/// hold the same parameter, and the hot loops read it with no bounds checks or
/// copy-on-write checks in the way.
public final class Parameter {
    /// "weight" or "bias"; a model prefixes it with the layer's position for checkpoints.
    public let name: String
    /// [out, in] for dense, [out, in, k, k] for convolution, [out] for a bias.
    public let shape: [Int]
    public let count: Int
    public let value: UnsafeMutablePointer<Float>
    /// The gradient of the last backward pass, unless an optimizer took it over as
    /// `runningSum`, in which case backward leaves this buffer alone.
    public let gradient: UnsafeMutablePointer<Float>
    /// Weight decay shrinks weights toward zero; decaying biases only costs fit.
    public let decays: Bool
    /// Whether backward makes the whole gradient in one matrix product (a dense layer's
    /// weight), which can then add it straight into an optimizer's `runningSum`.
    public let gradientIsOneProduct: Bool

    /// A sum of this parameter's gradients that an optimizer keeps, s = keep·s + g
    /// (SGD's velocity, keep = μ), and asks backward to update in place. Only for a
    /// parameter whose `gradientIsOneProduct`: the product then computes the sum itself
    /// (GEMM's beta = keep), which spares the optimizer's pass a read of a whole gradient
    /// buffer and OpenBLAS the pass that zeroes it (mlp-1024 trains ~4% faster).
    public internal(set) var runningSum: RunningSum?

    /// Where backward's product leaves the gradient, and how much of what is there it keeps.
    var gradientDestination: (values: UnsafeMutablePointer<Float>, keep: Float) {
        runningSum.map { ($0.values, $0.keep) } ?? (gradient, 0)
    }

    public init(name: String, shape: [Int], decays: Bool, gradientIsOneProduct: Bool = false) {
        precondition(shape.allSatisfy { $0 > 0 }, "parameter \(name) has an empty dimension in \(shape)")
        self.name = name
        self.shape = shape
        self.decays = decays
        self.gradientIsOneProduct = gradientIsOneProduct
        count = shape.reduce(1, *)
        value = .allocate(capacity: count)
        value.initialize(repeating: 0, count: count)
        gradient = .allocate(capacity: count)
        gradient.initialize(repeating: 0, count: count)
    }

    /// Makes backward update `values` as a running sum for `owner`; the newest optimizer
    /// built over a parameter is the one that trains it, so this replaces any other's.
    func keepRunningSum(in values: UnsafeMutablePointer<Float>, keep: Float, for owner: AnyObject) {
        precondition(gradientIsOneProduct, "parameter \(name)'s gradient is not made by one product")
        runningSum = RunningSum(values: values, keep: keep, owner: ObjectIdentifier(owner))
    }

    /// Sends the gradient back to `gradient`, if `owner` (or anyone, when nil) holds the sum.
    func dropRunningSum(of owner: AnyObject? = nil) {
        if owner == nil || runningSum?.owner == owner.map(ObjectIdentifier.init) { runningSum = nil }
    }

    deinit {
        value.deallocate()
        gradient.deallocate()
    }
}

/// An optimizer's running sum of a parameter's gradients: see `Parameter.runningSum`.
public struct RunningSum {
    public let values: UnsafeMutablePointer<Float>
    public let keep: Float
    /// The optimizer that keeps it: only it may take the sum back.
    let owner: ObjectIdentifier
}
