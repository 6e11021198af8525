/// Max pooling over size x size windows moved by `stride` (no padding; a partial
/// window at the edge is dropped, as in PyTorch's default). Forward remembers where
/// each maximum came from, so backward routes the gradient straight there.
/// Planes are split across the engine's threads.
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

    /// 2x2 windows moved by 2, the `pool` of every preset: forward compares four fixed
    /// neighbours instead of running inner loops of two iterations.
    private var isTiled2x2: Bool { size == 2 && stride == 2 }

    /// Planes per part so that a part has some work: splitting a few small planes
    /// across threads costs more than it saves.
    private var planeGrain: Int { max(1, (1 << 14) / (inputShape.height * inputShape.width)) }

    public func forward(_ input: UnsafePointer<Float>, batch: Int, training: Bool) -> UnsafePointer<Float> {
        let planes = batch * inputShape.channels
        let inPlane = inputShape.height * inputShape.width
        let outPlane = outputShape.height * outputShape.width
        let y = output.reserve(planes * outPlane)
        reserveArgmax(planes * outPlane)
        let argmax = self.argmax
        Parallel.split(planes, grain: planeGrain) { _, range in
            for plane in range {
                let source = input + plane * inPlane
                let target = y + plane * outPlane
                let where_ = argmax + plane * outPlane
                if isTiled2x2 {
                    forward2x2(source, into: target, argmax: training ? where_ : nil)
                } else {
                    forwardAnyWindow(source, into: target, argmax: where_)
                }
            }
        }
        return UnsafePointer(y)
    }

    private func forwardAnyWindow(_ source: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>,
                                  argmax where_: UnsafeMutablePointer<Int32>) {
        let inW = inputShape.width
        let outW = outputShape.width
        for oh in 0..<outputShape.height {
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

    /// The same choice as `forwardAnyWindow` (the first maximum in reading order wins),
    /// four windows at a time: two rows of eight pixels, split into their even and odd
    /// columns, are the four corners of four windows. Measured on cnn-l inference: the
    /// pools took 19% of the time one window at a time, 5% this way. Inference does not
    /// record where the maxima were.
    @inline(__always)
    func forward2x2(_ source: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>,
                            argmax where_: UnsafeMutablePointer<Int32>?) {
        let inW = inputShape.width
        let outW = outputShape.width
        let vectorWidth = outW & ~3
        let raw = UnsafeRawPointer(source)
        let step = SIMD4<Int32>(0, 2, 4, 6)
        for oh in 0..<outputShape.height {
            let upper = source + 2 * oh * inW, lower = upper + inW
            let line = target + oh * outW
            let lineStart = Int32(2 * oh * inW)
            // The last four windows are taken as a block too, overlapping the one before:
            // with 14 or 7 windows a row, a scalar tail would do a fifth to half the work.
            var ow = 0
            while ow < vectorWidth || (ow < outW && outW >= 4) {
                if ow + 4 > outW { ow = outW - 4 }
                let top = raw.loadUnaligned(fromByteOffset: 4 * (2 * oh * inW + 2 * ow), as: SIMD8<Float>.self)
                let bottom = raw.loadUnaligned(fromByteOffset: 4 * ((2 * oh + 1) * inW + 2 * ow), as: SIMD8<Float>.self)
                let a = top.evenHalf, b = top.oddHalf, c = bottom.evenHalf, d = bottom.oddHalf
                let best = larger(larger(a, b), larger(c, d))
                UnsafeMutableRawPointer(line + ow).storeBytes(of: best, as: SIMD4<Float>.self)
                if let where_ {
                    var offset = SIMD4<Int32>(repeating: Int32(inW + 1))
                    offset.replace(with: Int32(inW), where: c .== best)
                    offset.replace(with: 1, where: b .== best)
                    offset.replace(with: 0, where: a .== best)
                    let corner = SIMD4<Int32>(repeating: lineStart + Int32(2 * ow)) &+ step
                    UnsafeMutableRawPointer(where_ + oh * outW + ow).storeBytes(of: corner &+ offset, as: SIMD4<Int32>.self)
                }
                ow += 4
            }
            for ow in ow..<outW {
                let a = upper[2 * ow], b = upper[2 * ow + 1], c = lower[2 * ow], d = lower[2 * ow + 1]
                let best = max(max(a, b), max(c, d))
                var offset = inW + 1
                offset = c == best ? inW : offset
                offset = b == best ? 1 : offset
                offset = a == best ? 0 : offset
                line[ow] = best
                where_?[oh * outW + ow] = Int32(2 * oh * inW + 2 * ow + offset)
            }
        }
    }

    public func backward(_ outputGradient: UnsafePointer<Float>, batch: Int, needsInputGradient: Bool) -> UnsafePointer<Float>? {
        guard needsInputGradient else { return nil }
        let planes = batch * inputShape.channels
        let inPlane = inputShape.height * inputShape.width
        let outPlane = outputShape.height * outputShape.width
        let dx = inputGradient.reserve(planes * inPlane)
        let argmax = self.argmax
        Parallel.split(planes, grain: planeGrain) { _, range in
            for plane in range {
                let target = dx + plane * inPlane
                let source = outputGradient + plane * outPlane
                let where_ = argmax + plane * outPlane
                // Zeroed plane by plane, so the scatter finds it in L1; zeroing the
                // whole batch first sent it through memory twice.
                target.update(repeating: 0, count: inPlane)
                for i in 0..<outPlane {
                    target[Int(where_[i])] += source[i]
                }
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
