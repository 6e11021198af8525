/// What a network built from a spec would hold, worked out from the spec alone before
/// anything is allocated, and refused past `NetworkLimits`. `Network.init` starts here,
/// so every way to a network (flags, checkpoint metadata, the dashboard's editor, sweep
/// files) is covered; the dashboard asks only this, so a keystroke never allocates.
///
/// The arithmetic is overflow-checked: the release build drops Swift's own checks, and
/// an input shape from a flag or a checkpoint can be any positive number.
public struct NetworkSize: Equatable, Sendable {
    public let parameters: Int
    /// As `Network.forwardFLOPsPerSample` counts them. Cannot overflow once the other
    /// limits hold: per layer at most 2 x 10^8 weights x 2^22 pixels, times 1,001 layers.
    public let forwardFLOPsPerSample: Int
    /// Floats one sample's pass keeps in the layers' buffers: the input and each layer's
    /// output, a convolution's and a dense layer's twice (their ReLU's own output), a
    /// batch norm's once (its ReLU is counted with the layer it normalizes); of a
    /// residual block, what it keeps (its convolutions' outputs and its own), and once
    /// for all blocks their shared `BlockWorkspace`. A batch norm's statistics are a few
    /// floats per channel, not per sample, and are not counted.
    public let activationValuesPerSample: Int
    /// Floats one sample's training adds for the gradients: one per value of every
    /// layer's output, none for a residual block's, whose gradients live in the
    /// workspace counted above.
    public let gradientValuesPerSample: Int
    /// Whether it has residual blocks, so infers in parts (`Network.blockInferenceChunk`).
    public let hasBlocks: Bool

    public init(spec: ArchitectureSpec, input: SampleShape, classes: Int) throws(SpecError) {
        let limit = NetworkLimits.valuesPerSample
        guard let inputValues = checkedProduct(input.channels, input.height, input.width), inputValues <= limit else {
            throw SpecError(spec: spec.text, tokenIndex: 0, token: "", problem: .inputTooLarge(input: input, limit: limit))
        }
        var shape = input
        var dense = false
        var parameters = 0
        var flops = 0
        // Each term is at most `limit` (2^22) and there are at most 1,001 layers: no overflow.
        var activations = inputValues
        /// What residual blocks keep, which has no gradient buffers of its own.
        var blockValues = 0
        /// The largest input or output of a residual block: the workspace's unit.
        var widestBlock = 0

        func fail(_ index: Int, _ problem: SpecError.Problem) -> SpecError {
            SpecError(spec: spec.text, tokenIndex: index, token: spec.tokens[index], problem: problem)
        }
        /// Adds a layer's weights and biases, or nil when that passes the limit.
        func added(outputs: Int, inputsPerOutput: Int, bias: Bool = true) -> Int? {
            guard let layer = checkedProduct(outputs, inputsPerOutput + (bias ? 1 : 0)) else { return nil }
            let (total, overflow) = parameters.addingReportingOverflow(layer)
            return !overflow && total <= NetworkLimits.parameters ? total : nil
        }
        /// Adds a convolution of `from` (the layer at `index`, or part of it) and returns
        /// its output shape; the caller counts the output's buffers.
        func convolution(_ index: Int, from shape: SampleShape, filters: Int, kernel: Int, stride: Int, padding: Int,
                         bias: Bool) throws(SpecError) -> SampleShape {
            // The parser bounds kernel, stride and padding, and the input is bounded
            // above, so these sums cannot overflow.
            guard shape.height + 2 * padding >= kernel, shape.width + 2 * padding >= kernel
            else { throw fail(index, .doesNotFit(input: shape)) }
            let output = SampleShape(channels: filters,
                                     height: (shape.height + 2 * padding - kernel) / stride + 1,
                                     width: (shape.width + 2 * padding - kernel) / stride + 1)
            let patch = checkedProduct(shape.channels, kernel, kernel)
            // One output row's im2col columns: the least Conv2D's scratch holds.
            guard let outputValues = checkedProduct(filters, output.height, output.width), outputValues <= limit,
                  let patch, let columns = checkedProduct(patch, output.width), columns <= limit
            else { throw fail(index, .tooManyValues(limit: limit, input: input)) }
            guard let total = added(outputs: filters, inputsPerOutput: patch, bias: bias)
            else { throw fail(index, .tooManyParameters(limit: NetworkLimits.parameters, input: input)) }
            parameters = total
            flops += 2 * filters * patch * output.height * output.width
            return output
        }
        /// Adds a batch norm of `shape`: γ and β per channel (the running statistics are
        /// buffers, not parameters, as in PyTorch's count) and its FLOPs as
        /// `BatchNorm.forwardFLOPsPerSample` counts them; the caller counts its output.
        func batchNorm(_ index: Int, of shape: SampleShape) throws(SpecError) {
            guard let total = added(outputs: shape.channels, inputsPerOutput: 1)
            else { throw fail(index, .tooManyParameters(limit: NetworkLimits.parameters, input: input)) }
            parameters = total
            flops += 2 * shape.count
        }

        for (index, layer) in spec.layers.enumerated() {
            switch layer {
            case let .conv(filters, kernel, stride, padding, bias, relu):
                if dense { throw fail(index, .convAfterDense) }
                shape = try convolution(index, from: shape, filters: filters, kernel: kernel, stride: stride,
                                        padding: padding, bias: bias)
                // `Conv2D` keeps one output, its `ReLU` the other.
                activations += (relu ? 2 : 1) * shape.count
            case let .pool(size, stride):
                if dense { throw fail(index, .convAfterDense) }
                guard shape.height >= size, shape.width >= size else { throw fail(index, .doesNotFit(input: shape)) }
                shape = SampleShape(channels: shape.channels, height: (shape.height - size) / stride + 1,
                                    width: (shape.width - size) / stride + 1)
                activations += shape.count
            case let .dense(units):
                dense = true
                guard let total = added(outputs: units, inputsPerOutput: shape.count)
                else { throw fail(index, .tooManyParameters(limit: NetworkLimits.parameters, input: input)) }
                parameters = total
                flops += 2 * shape.count * units
                activations += 2 * units
                shape = .vector(units)
            case .dropout:
                activations += shape.count
            case .batchNorm:
                try batchNorm(index, of: shape)
                activations += shape.count
            case .globalAveragePool:
                if dense { throw fail(index, .convAfterDense) }
                dense = true
                flops += shape.count
                shape = .vector(shape.channels)
                activations += shape.count
            case let .residual(channels, stride):
                // As `ResidualBlock` holds them: two bias-free 3x3 convolutions each with
                // its batch norm (the first one's ReLU fused in it), the downsample's 1x1
                // convolution and batch norm where the shape changes, then the sum with
                // its ReLU: one addition per output value. It keeps its convolutions'
                // outputs and its own.
                if dense { throw fail(index, .convAfterDense) }
                let inner = try convolution(index, from: shape, filters: channels, kernel: 3, stride: stride,
                                            padding: 1, bias: false)
                try batchNorm(index, of: inner)
                let output = try convolution(index, from: inner, filters: channels, kernel: 3, stride: 1,
                                             padding: 1, bias: false)
                try batchNorm(index, of: output)
                blockValues += inner.count + 2 * output.count
                if stride != 1 || shape.channels != channels {
                    _ = try convolution(index, from: shape, filters: channels, kernel: 1, stride: stride,
                                        padding: 0, bias: false)
                    try batchNorm(index, of: output)
                    blockValues += output.count
                }
                flops += output.count
                widestBlock = max(widestBlock, shape.count, output.count)
                shape = output
            case let .preActivation(channels, stride):
                // As `PreActivationBlock` holds them: the input's batch norm (its ReLU
                // fused in it), two bias-free 3x3 convolutions, the first followed by its
                // batch norm, the shortcut's 1x1 convolution where the shape changes, then
                // the sum: one addition per output value. It keeps its first
                // convolution's output and its own.
                if dense { throw fail(index, .convAfterDense) }
                try batchNorm(index, of: shape)
                let inner = try convolution(index, from: shape, filters: channels, kernel: 3, stride: stride,
                                            padding: 1, bias: false)
                try batchNorm(index, of: inner)
                let output = try convolution(index, from: inner, filters: channels, kernel: 3, stride: 1,
                                             padding: 1, bias: false)
                if stride != 1 || shape.channels != channels {
                    _ = try convolution(index, from: shape, filters: channels, kernel: 1, stride: stride,
                                        padding: 0, bias: false)
                }
                flops += output.count
                blockValues += inner.count + output.count
                widestBlock = max(widestBlock, shape.count, output.count)
                shape = output
            }
        }
        guard let total = added(outputs: classes, inputsPerOutput: shape.count) else {
            throw SpecError(spec: spec.text, tokenIndex: spec.layers.count, token: "",
                            problem: .outputTooLarge(classes: classes, limit: NetworkLimits.parameters))
        }
        self.parameters = total
        forwardFLOPsPerSample = flops + 2 * shape.count * classes
        gradientValuesPerSample = activations + classes
        activationValuesPerSample = activations + classes + blockValues
            + BlockWorkspace.bufferCount * widestBlock
        hasBlocks = widestBlock > 0
    }

}
