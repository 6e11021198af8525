import CBLAS

/// Row-major matrix products through OpenBLAS. Every matrix product of the engine
/// goes through here, so the one place that names `cblas_sgemm` is easy to find.
public enum BLAS {
    /// C[m x n] = alpha * op(A) * op(B) + beta * C, all row-major.
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
        cblas_sgemm(
            CblasRowMajor,
            transposeA ? CblasTrans : CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k),
            alpha, a, Int32(lda), b, Int32(ldb),
            beta, c, Int32(ldc))
    }

    /// Threads OpenBLAS may use for the next products.
    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(max(1, newValue))) }
    }
}
