import Foundation

/// The memory a run's training will need, worked out before anything is allocated,
/// and checked against what this process may use. The network limits bound values per
/// sample; a batch multiplies them, so a spec inside the limits can still need more than
/// the machine has, and an allocation that fails aborts the process (in the dashboard,
/// with the UI). Refused with one sentence instead, saying what to lower.
public struct TrainingMemory: Sendable {
    /// Bytes that do not grow with the batch: weights, gradients, optimizer state, each
    /// thread's share of the weight gradients.
    public let fixedBytes: Int
    /// Bytes per sample of a training batch: the input, every layer's outputs and gradients.
    public let bytesPerSample: Int
    public let batch: Int
    /// The evaluations' and the annotation's passes: no gradients, but a batch of their own.
    public let inferenceBytes: Int

    /// What the training step needs at `batch`.
    public var trainingBytes: Int { fixedBytes + bytesPerSample * batch }
    public var bytes: Int { max(trainingBytes, inferenceBytes) }

    /// The memory of training `size` at `batch` with an optimizer that keeps
    /// `optimizerSlots` values per parameter (Adam 2, SGD with momentum 1) on `threads`,
    /// and of its inference at `inferenceBatch`.
    public init(_ size: NetworkSize, batch: Int, inferenceBatch: Int, optimizerSlots: Int, threads: Int) {
        let float = MemoryLayout<Float>.size
        // Value, gradient, optimizer state, per-thread partial gradients.
        fixedBytes = size.parameters * float * (2 + optimizerSlots + threads)
        bytesPerSample = (size.activationValuesPerSample + size.gradientValuesPerSample) * float
        self.batch = batch
        let inferred = size.hasBlocks ? min(inferenceBatch, Network.blockInferenceChunk) : inferenceBatch
        inferenceBytes = fixedBytes + size.activationValuesPerSample * float * inferred
    }

    /// What this process may still use: the machine's memory, or less where the
    /// address space is limited (`ulimit -v`), less what the process holds already.
    public struct Budget: Sendable, Equatable {
        public init(bytes: Int, source: String) {
            self.bytes = bytes
            self.source = source
        }

        public let bytes: Int
        /// What bounds it, for the sentence.
        public let source: String

        public static func current() -> Budget {
            let pages = sysconf(Int32(_SC_PHYS_PAGES)), pageSize = sysconf(Int32(_SC_PAGESIZE))
            let physical = pages > 0 && pageSize > 0 ? pages * pageSize : Int.max
            let (resident, virtual) = Self.ownFootprint()
            var best = Budget(bytes: max(0, physical - resident), source: "this machine's memory")
            var limit = rlimit()
            if getrlimit(Int32(RLIMIT_AS.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max,
               Int(clamping: limit.rlim_cur) - virtual < best.bytes {
                best = Budget(bytes: max(0, Int(clamping: limit.rlim_cur) - virtual), source: "the process's address-space limit (ulimit -v)")
            }
            return best
        }

        /// Resident and virtual bytes of this process now, from /proc/self/statm.
        static func ownFootprint() -> (resident: Int, virtual: Int) {
            let pageSize = sysconf(Int32(_SC_PAGESIZE))
            guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return (0, 0) }
            let fields = text.split(separator: " ").compactMap { Int($0) }
            guard fields.count >= 2 else { return (0, 0) }
            return (fields[1] * pageSize, fields[0] * pageSize)
        }
    }

    /// Refuses the training of `model` (as the sentence names it) when it needs more
    /// than `budget`, saying the largest batch that would fit.
    public func check(against budget: Budget, model: String, input: SampleShape) throws(ConfigError) {
        guard bytes > budget.bytes else { return }
        let fitting = bytesPerSample > 0 ? (budget.bytes - fixedBytes) / bytesPerSample : 0
        let fix = inferenceBytes > budget.bytes || fitting < 1
            ? "use a smaller network or smaller images"
            : "lower --batch to \(fitting) or less, or use a smaller network or smaller images"
        throw ConfigError(message: "Training \(model) at batch \(batch) on \(input) images needs about \(Self.format(bytes)) of memory, "
            + "more than the \(Self.format(budget.bytes)) \(budget.source) leaves; \(fix).")
    }

    static func format(_ bytes: Int) -> String {
        let gib = Double(bytes) / Double(1 << 30)
        return gib >= 1 ? String(format: "%.1f GB", gib) : String(format: "%.0f MB", Double(bytes) / Double(1 << 20))
    }
}
