import Testing
import MimicEngine

/// A training that would need more memory than the process may use is refused with a
/// sentence before anything is allocated, naming the batch that would fit.
@Suite struct TrainingMemoryTests {
    static let input = SampleShape(channels: 1, height: 8, width: 8)

    @Test func theEstimateCountsWeightsOptimizerStateAndEachLayersBuffers() throws {
        let size = try NetworkSize(spec: ArchitectureSpec("fc100"), input: Self.input, classes: 10)
        // 64 inputs, fc100 and its ReLU, 10 logits.
        #expect(size.activationValuesPerSample == 64 + 2 * 100 + 10)
        let memory = TrainingMemory(size, batch: 32, inferenceBatch: 256, optimizerSlots: 2, threads: 2)
        #expect(memory.fixedBytes == size.parameters * 4 * 6)
        #expect(memory.bytesPerSample == (64 + 200 + 10) * 4 * 2)
        #expect(memory.trainingBytes == memory.fixedBytes + 32 * memory.bytesPerSample)
        #expect(memory.inferenceBytes == memory.fixedBytes + 256 * (64 + 200 + 10) * 4)
        #expect(memory.bytes == max(memory.trainingBytes, memory.inferenceBytes))
    }

    /// A batch norm keeps its output (its gradient doubles it in training), a global
    /// pool its one value per channel; their few floats per channel are not per sample.
    @Test func batchNormAndGlobalPoolCountTheirOutputs() throws {
        let conv = try NetworkSize(spec: ArchitectureSpec("conv8-fc20"), input: Self.input, classes: 10)
        let normalized = try NetworkSize(spec: ArchitectureSpec("conv8-bn-fc20-bn"), input: Self.input, classes: 10)
        #expect(normalized.activationValuesPerSample - conv.activationValuesPerSample == 8 * 8 * 8 + 20)
        #expect(normalized.parameters - conv.parameters == 2 * 8 + 2 * 20)
        let pooled = try NetworkSize(spec: ArchitectureSpec("conv8-gap-fc20"), input: Self.input, classes: 10)
        // 64 inputs, conv8 and its ReLU, 8 means, fc20 and its ReLU, 10 logits.
        #expect(pooled.activationValuesPerSample == 64 + 2 * 512 + 8 + 2 * 20 + 10)
        let memory = TrainingMemory(normalized, batch: 32, inferenceBatch: 256, optimizerSlots: 2, threads: 2)
        #expect(memory.bytesPerSample == normalized.activationValuesPerSample * 4 * 2)
    }

    /// A residual block keeps its convolutions' outputs and its own output, with no
    /// gradient buffers of its own; the blocks share one workspace of six buffers of the
    /// widest block's values; and inference of a network of blocks runs in parts, so a
    /// larger evaluation batch costs no more than one part.
    @Test func residualBlocksCountWhatTheyKeepAndTheirSharedWorkspace() throws {
        let size = try NetworkSize(spec: ArchitectureSpec("conv4nobias-bn-res4-res8s2-gap"), input: Self.input, classes: 3)
        // 64 inputs, conv4 and its ReLU (2 x 256), its batch norm (256), 8 means, 3 logits.
        let layers = 64 + 2 * 256 + 256 + 8 + 3
        #expect(size.gradientValuesPerSample == layers)
        // res4 keeps 256 + 2 x 256; res8s2 its 4x4 outputs: 128 + 2 x 128 + the downsample's 128.
        let blocks = (256 + 2 * 256) + (128 + 2 * 128 + 128)
        #expect(size.activationValuesPerSample == layers + blocks + 6 * 256)
        #expect(size.hasBlocks)
        let memory = TrainingMemory(size, batch: 32, inferenceBatch: 512, optimizerSlots: 1, threads: 2)
        #expect(memory.bytesPerSample == (size.activationValuesPerSample + size.gradientValuesPerSample) * 4)
        #expect(memory.inferenceBytes == memory.fixedBytes + 128 * size.activationValuesPerSample * 4)
        #expect(try !NetworkSize(spec: ArchitectureSpec("conv8-fc20"), input: Self.input, classes: 10).hasBlocks)
    }

    @Test func aTrainingPastTheBudgetIsRefusedWithTheBatchThatFits() throws {
        let size = try NetworkSize(spec: ArchitectureSpec("conv4096"), input: Self.input, classes: 10)
        let memory = TrainingMemory(size, batch: 128, inferenceBatch: 16, optimizerSlots: 2, threads: 1)
        let budget = TrainingMemory.Budget(bytes: memory.fixedBytes + 50 * memory.bytesPerSample + 1, source: "a test's budget")
        let error = #expect(throws: ConfigError.self) { try memory.check(against: budget, model: "conv4096", input: Self.input) }
        #expect(error?.message.hasPrefix("Training conv4096 at batch 128 on 1x8x8 images needs about ") == true)
        #expect(error?.message.hasSuffix(" a test's budget leaves; lower --batch to 50 or less, or use a smaller network or smaller images.") == true,
                "\(error?.message ?? "")")
        // Inference alone past the budget: no batch of training helps.
        let tight = TrainingMemory.Budget(bytes: memory.fixedBytes, source: "a test's budget")
        let weights = #expect(throws: ConfigError.self) { try memory.check(against: tight, model: "conv4096", input: Self.input) }
        #expect(weights?.message.hasSuffix("use a smaller network or smaller images.") == true)
        // Within the budget: nothing to say.
        try memory.check(against: TrainingMemory.Budget(bytes: memory.bytes, source: "enough"), model: "conv4096", input: Self.input)
    }

    @Test func theBudgetIsPositiveAndNamesWhatBoundsIt() {
        let budget = TrainingMemory.Budget.current()
        #expect(budget.bytes > 0)
        #expect(["this machine's memory", "the process's address-space limit (ulimit -v)"].contains(budget.source))
    }
}
