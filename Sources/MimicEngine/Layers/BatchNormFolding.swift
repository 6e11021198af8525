/// A convolution and the batch norm after it, folded into one convolution for
/// inference: in evaluation the batch norm is the affine map x·s + (β − μ·s) per
/// channel, with s = γ/√(σ² + ε) from its running statistics, so the convolution with
/// each filter's weights times s and bias (b − μ)·s + β gives the same output. The
/// batch norm's ReLU goes with it. The folded convolution can then take the fused
/// inference step with the pool after it (`ConvPoolInference`), and the batch norm's
/// pass over the convolution's whole output is gone.
///
/// The folded weights are a copy, made again by `refresh` before every inference pass,
/// since training changes both layers between passes. They agree with the unfolded
/// layers to float rounding, not bit for bit (the products round differently).
final class BatchNormFolding {
    let convolution: Conv2D
    let norm: BatchNorm
    /// The convolution to run instead of the pair.
    let folded: Conv2D

    init(_ convolution: Conv2D, _ norm: BatchNorm) {
        precondition(norm.inputShape == convolution.outputShape, "the batch norm does not normalize this convolution")
        self.convolution = convolution
        self.norm = norm
        var unused = SeededRandom(seed: 0)
        // The same shape as the convolution's, so it cannot fail where that one did not.
        folded = Conv2D(input: convolution.inputShape, filters: convolution.filters, kernel: convolution.kernel,
                        stride: convolution.stride, padding: convolution.padding, random: &unused)!
        folded.appliesReLU = norm.appliesReLU
    }

    /// Folds the layers' current weights and running statistics into `folded`.
    func refresh() {
        let patch = convolution.weight.count / convolution.filters
        for f in 0..<convolution.filters {
            let s = Double(norm.weight.value[f]) / (Double(norm.runningVar.floats[f]) + BatchNorm.epsilon).squareRoot()
            let scale = Float(s)
            let source = convolution.weight.value + f * patch, target = folded.weight.value + f * patch
            for k in 0..<patch { target[k] = source[k] * scale }
            folded.bias.value[f] = Float((Double(convolution.bias.value[f]) - Double(norm.runningMean.floats[f])) * s
                + Double(norm.bias.value[f]))
        }
    }
}
