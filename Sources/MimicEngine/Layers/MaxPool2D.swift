/// Max pooling over size x size windows moved by `stride` (no padding; a partial
/// window at the edge is dropped, as in PyTorch's default). Forward remembers where
/// each maximum came from, so backward routes the gradient straight there.
public final class MaxPool2D: Layer {
    public let inputShape: SampleShape
    public let outputShape: SampleShape
    public let size: Int
    public let stride: Int
    private let output = FloatBuffer()
    private let inputGradient = FloatBuffer()
    /// Offset of each output's maximum within its input plane.
    private var argmax: UnsafeMutablePointer<Int32> = .allocate(capacity: 1)
    private var argmaxCapacity = 1

    /// Returns nil when the window does not fit the input.
    public init?(input: SampleShape, size: Int, stride: Int) {
        guard size >= 1, stride >= 1, input.height >= size, input.width >= size else { return nil }
        inputShape = input
        self.size = size
        self.stride = stride
        outputShape = SampleShape(
            channels: input.channels,
            height: (input.height - size) / stride + 1,
            width: (input.width - size) / stride + 1)
    }

    deinit { argmax.deallocate() }

    public var summary: String { "maxpool \(size)x\(size) s\(stride)" }

    public func forward(_ input: UnsafePointer<Float>, batch: Int, training: Bool) -> UnsafePointer<Float> {
        let planes = batch * inputShape.channels
        let inH = inputShape.height, inW = inputShape.width
        let outH = outputShape.height, outW = outputShape.width
        let y = output.reserve(planes * outH * outW)
        reserveArgmax(planes * outH * outW)
        for plane in 0..<planes {
            let source = input + plane * inH * inW
            let target = y + plane * outH * outW
            let where_ = argmax + plane * outH * outW
            for oh in 0..<outH {
                for ow in 0..<outW {
                    let top = oh * stride, left = ow * stride
                    var best = top * inW + left
                    var bestValue = source[best]
                    for dh in 0..<size {
                        let row = (top + dh) * inW + left
                        for dw in 0..<size where source[row + dw] > bestValue {
                            bestValue = source[row + dw]
                            best = row + dw
                        }
                    }
                    target[oh * outW + ow] = bestValue
                    where_[oh * outW + ow] = Int32(best)
                }
            }
        }
        return UnsafePointer(y)
    }

    public func backward(_ outputGradient: UnsafePointer<Float>, batch: Int, needsInputGradient: Bool) -> UnsafePointer<Float>? {
        guard needsInputGradient else { return nil }
        let planes = batch * inputShape.channels
        let inPlane = inputShape.height * inputShape.width
        let outPlane = outputShape.height * outputShape.width
        let dx = inputGradient.reserve(planes * inPlane)
        dx.update(repeating: 0, count: planes * inPlane)
        for plane in 0..<planes {
            let target = dx + plane * inPlane
            let source = outputGradient + plane * outPlane
            let where_ = argmax + plane * outPlane
            for i in 0..<outPlane {
                target[Int(where_[i])] += source[i]
            }
        }
        return UnsafePointer(dx)
    }

    private func reserveArgmax(_ count: Int) {
        guard count > argmaxCapacity else { return }
        argmax.deallocate()
        argmax = .allocate(capacity: count)
        argmaxCapacity = count
    }
}
