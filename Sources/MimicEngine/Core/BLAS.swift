import CBLAS

/// Row-major matrix products through OpenBLAS. Every matrix product of the engine
/// goes through here, so the one place that names `cblas_sgemm` is easy to find.
public enum BLAS {
    /// C[m x n] = alpha * op(A) * op(B) + beta * C, all row-major, on the calling thread.
    /// op(A) is m x k; op(B) is k x n. Leading dimensions are the row lengths as stored.
    @inline(__always)
    public static func gemm(
        transposeA: Bool = false, transposeB: Bool = false,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        Parallel.prepare()
        cblas_sgemm(
            CblasRowMajor,
            transposeA ? CblasTrans : CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k),
            alpha, a, Int32(lda), b, Int32(ldb),
            beta, c, Int32(ldc))
    }

    /// y += x over `count` floats, on the calling thread. Through OpenBLAS for its
    /// run-time choice of kernel (AVX-512 where the CPU has it): the engine's own loops
    /// are compiled for baseline x86-64, 16 bytes at a time.
    @inline(__always)
    public static func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        guard count > 0 else { return }
        Parallel.prepare()
        cblas_saxpy(Int32(count), 1, x, 1, y, 1)
    }

    /// Below this many FLOPs per thread a product stays on one thread: it then takes a
    /// few tens of microseconds, about what handing half of it to another thread costs
    /// (128x10x1024, the last layer's product, is one such).
    static let minimumFLOPsPerThread = 4 << 20

    /// The same product as `gemm`, split across the engine's threads into blocks of
    /// C's columns (or rows, when C is taller than wide). Each block is an ordinary
    /// single-threaded product over the whole of k, so nothing is summed across
    /// threads and the split cannot change a result from one run to the next.
    /// `then` runs on each finished block of C, on the thread that made it, while the
    /// block is still in that core's cache.
    public static func parallelGemm(
        transposeA: Bool = false, transposeB: Bool = false,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        then finish: (_ rows: Range<Int>, _ columns: Range<Int>) -> Void = { _, _ in }
    ) {
        let flops = 2 * m * n * k
        let byColumns = n >= m
        // Blocks on multiples of 16 floats: whole 64-byte cache lines of C per thread.
        let grain = 16
        let parts = min(Parallel.partCount(byColumns ? n : m, grain: grain), max(1, flops / minimumFLOPsPerThread))
        guard parts > 1 else {
            gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                 a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            finish(0..<m, 0..<n)
            return
        }
        Parallel.run(parts: parts) { part in
            if byColumns {
                let columns = Parallel.range(part, of: parts, count: n, grain: grain)
                gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: columns.count, k: k, alpha: alpha,
                     a: a, lda: lda, b: b + (transposeB ? columns.lowerBound * ldb : columns.lowerBound), ldb: ldb,
                     beta: beta, c: c + columns.lowerBound, ldc: ldc)
                finish(0..<m, columns)
            } else {
                let rows = Parallel.range(part, of: parts, count: m, grain: grain)
                gemm(transposeA: transposeA, transposeB: transposeB, m: rows.count, n: n, k: k, alpha: alpha,
                     a: a + (transposeA ? rows.lowerBound : rows.lowerBound * lda), lda: lda, b: b, ldb: ldb,
                     beta: beta, c: c + rows.lowerBound * ldc, ldc: ldc)
                finish(rows, 0..<n)
            }
        }
    }

    /// OpenBLAS's own threads for the next products. The engine keeps this at one and
    /// splits work itself (see `Parallel`); the benchmark raises it to measure
    /// `cblas_sgemm` as OpenBLAS threads it.
    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set {
            Parallel.prepare()
            openblas_set_num_threads(Int32(max(1, newValue)))
        }
    }

    /// The kernel family OpenBLAS picked for this CPU, e.g. "Haswell" or "Zen".
    public static var coreName: String { String(cString: openblas_get_corename()) }

    /// OpenBLAS's build configuration: version, threading, architecture.
    public static var configuration: String { String(cString: openblas_get_config()) }
}
