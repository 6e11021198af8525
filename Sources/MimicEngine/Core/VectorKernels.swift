/// Whether the engine runs its AVX-512 loops (CVectorKernels) or the portable paths
/// beside them, compiled for the build's baseline (x86-64: four lanes, no FMA):
///
/// - inference's direct first convolution with its pool (`ConvPoolInference.singleChannel`),
///   which keeps the Swift loop's order of operations and uses no fused multiply-add, so
///   both give the same bits (only which NaN comes out where two different NaNs meet may
///   differ);
/// - the direct 3x3 convolution of residual blocks (`DirectConvolution`), which sums in
///   its own order with fused multiply-adds: the same CPU gives the same numbers from
///   run to run, but they differ in the last bits from those of im2col and sgemm.
///
/// AVX-512 versions of im2col and col2im were measured too, and a `cnn-s` student's
/// training ran at 1.00x with them (glibc's memmove and OpenBLAS's saxpy, which the
/// Swift loops call, already choose AVX-512 at run time).
public enum VectorKernels {
    /// This CPU has AVX-512F and the operating system saves its registers. (On an Intel
    /// Mac, macOS saves them only after a thread's first AVX-512 instruction, so XCR0
    /// says no there and the portable loop runs.)
    #if arch(x86_64)
    public static let available = CPUFeatures.current.canRunAVX512F
    #else
    public static let available = false
    #endif

    /// False inside `withPortableLoops`. A layer reads it once, when it is made.
    @TaskLocal static var allowed = true

    /// Whether a layer made now uses the AVX-512 loops.
    static var enabled: Bool { available && allowed }

    /// Runs `body` with the layers it makes on the portable loops, on any CPU: how the
    /// tests check the AVX-512 loops against them.
    public static func withPortableLoops<T>(_ body: () throws -> T) rethrows -> T {
        try $allowed.withValue(false, operation: body)
    }

    /// What `mimic bench` reports as the engine's own loops.
    public static var name: String { available ? "AVX-512" : "portable Swift (4 lanes)" }
}
