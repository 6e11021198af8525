import CBLAS

/// The engine's own threads, and the one place that decides how work is split.
///
/// OpenBLAS runs single-threaded and the engine splits the work itself: per sample
/// for convolutions and pooling, per block of rows or columns for a large product.
/// OpenBLAS's own threads, between two products, spin on `sched_yield` for a tenth of
/// a second; every bias, pooling or optimizer loop in between then shares its core
/// with a spinning thread (and `mimic train` shows it as system time). Splitting the
/// work ourselves also threads those loops, which OpenBLAS never could.
///
/// Which items form a part is fixed for a given amount of work and thread count (only
/// which thread runs a part varies), so a sum over the parts adds up in the same
/// order on every run and a seed stays a seed.
public enum Parallel {
    nonisolated(unsafe) private static var requested: Int?

    /// OpenBLAS's own default thread count (one per core, or OPENBLAS_NUM_THREADS), read
    /// once before the engine takes OpenBLAS down to one thread.
    private static let machineThreads: Int = {
        let count = Int(openblas_get_num_threads())
        openblas_set_num_threads(1)
        return max(1, count)
    }()

    /// Threads the engine uses. Set it before training starts, never during.
    public static var threads: Int {
        get { requested ?? machineThreads }
        set {
            _ = machineThreads
            requested = max(1, newValue)
        }
    }

    /// Makes sure OpenBLAS is single-threaded before a product runs.
    @inline(__always)
    static func prepare() { _ = machineThreads }

    /// Runs `body(part)` for every part in 0..<parts, concurrently when there is more
    /// than one. `parts` should not exceed `threads`.
    @inline(__always)
    static func run(parts: Int, _ body: (Int) -> Void) {
        if parts <= 1 {
            body(0)
        } else {
            WorkerPool.shared.run(parts: parts, body)
        }
    }

    /// Splits 0..<count into at most `threads` contiguous ranges of at least `grain`
    /// items (bounds on multiples of `grain`), and runs `body(part, range)` on each.
    @inline(__always)
    static func split(_ count: Int, grain: Int = 1, _ body: (_ part: Int, _ range: Range<Int>) -> Void) {
        let parts = partCount(count, grain: grain)
        run(parts: parts) { part in body(part, range(part, of: parts, count: count, grain: grain)) }
    }

    /// How many parts `split` makes of `count` items.
    @inline(__always)
    static func partCount(_ count: Int, grain: Int = 1) -> Int {
        max(1, min(threads, count / max(grain, 1)))
    }

    /// The range of part `part` when `count` items are split in `parts`.
    @inline(__always)
    static func range(_ part: Int, of parts: Int, count: Int, grain: Int = 1) -> Range<Int> {
        let units = (count + grain - 1) / grain
        let lower = min(count, (units * part / parts) * grain)
        let upper = part == parts - 1 ? count : min(count, (units * (part + 1) / parts) * grain)
        return lower..<upper
    }
}
