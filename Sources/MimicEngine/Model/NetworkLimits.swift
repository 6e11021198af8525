/// The largest network mimic agrees to build. Without limits a typo such as `fc999999999`
/// asks for terabytes and aborts the program (or, in the release build, which drops
/// overflow checks, wraps around and trains nonsense). The limits sit far above any
/// network that trains in reasonable time on the CPU, and low enough that one network,
/// its gradients and Adam's two moments fit in a few gigabytes.
///
/// Batch norm and global average pooling need no limit of their own: a batch norm has
/// as many channels as the layer before it, whose width is bounded, and its values per
/// sample are that layer's; a global pool only makes fewer values.
/// A residual or pre-activation block is held to the limits of its convolutions, each
/// checked as a conv layer is, and of its parameters added up.
public enum NetworkLimits {
    /// Units of a dense layer, filters of a convolution.
    public static let width = 65_536
    /// Kernel size, stride, padding and pool size.
    public static let window = 1_024
    /// Layers in one spec; with the other limits this keeps every size sum inside an Int.
    public static let layers = 1_000
    /// Weights and biases in the whole network: 400 MB of Float32, four times that in training.
    public static let parameters = 100_000_000
    /// Floats one sample needs in any one place: the input, a layer's output, or a
    /// convolution's im2col row band. 16 MB per sample, so 2 GB for a batch of 128.
    public static let valuesPerSample = 1 << 22
}
