import CCPUFeatures

/// The vector instructions this CPU has and the operating system lets programs use,
/// as far as OpenBLAS's kernels and the engine's AVX-512 loop care: an instruction set
/// is usable only when the CPU has it *and* the OS saves its registers on a context
/// switch (XCR0), or the first use faults.
public struct CPUFeatures: Sendable, Equatable {
    public var fma = false
    public var avx2 = false
    public var avx512F = false
    public var avx512CD = false
    public var avx512BW = false
    public var avx512DQ = false
    public var avx512VL = false
    /// XCR0 has the SSE and AVX (YMM) states.
    public var osSavesYMM = false
    /// XCR0 has those and the AVX-512 opmask, upper ZMM and high ZMM states.
    public var osSavesZMM = false

    public init(fma: Bool = false, avx2: Bool = false, avx512F: Bool = false, avx512CD: Bool = false,
                avx512BW: Bool = false, avx512DQ: Bool = false, avx512VL: Bool = false,
                osSavesYMM: Bool = false, osSavesZMM: Bool = false) {
        self.fma = fma
        self.avx2 = avx2
        self.avx512F = avx512F
        self.avx512CD = avx512CD
        self.avx512BW = avx512BW
        self.avx512DQ = avx512DQ
        self.avx512VL = avx512VL
        self.osSavesYMM = osSavesYMM
        self.osSavesZMM = osSavesZMM
    }

    /// Decodes CPUID.1:ECX, CPUID.7.0:EBX and XCR0 (bit numbers from Intel's SDM, vol. 2A, CPUID).
    public init(leaf1ECX: UInt32, leaf7EBX: UInt32, xcr0: UInt64) {
        func bit(_ word: UInt32, _ n: Int) -> Bool { word & (1 << n) != 0 }
        let osxsave = bit(leaf1ECX, 27)
        fma = bit(leaf1ECX, 12)
        avx2 = bit(leaf7EBX, 5)
        avx512F = bit(leaf7EBX, 16)
        avx512DQ = bit(leaf7EBX, 17)
        avx512CD = bit(leaf7EBX, 28)
        avx512BW = bit(leaf7EBX, 30)
        avx512VL = bit(leaf7EBX, 31)
        // XCR0 bits 1-2: SSE and YMM upper halves; 5-7: opmask, ZMM0-15 upper halves, ZMM16-31.
        osSavesYMM = osxsave && bit(leaf1ECX, 28) && xcr0 & 0x06 == 0x06
        osSavesZMM = osSavesYMM && xcr0 & 0xE6 == 0xE6
    }

    /// What this process's CPU and operating system offer.
    public static var current: CPUFeatures {
        let words = mimic_read_cpu_words()
        return CPUFeatures(leaf1ECX: words.leaf1_ecx, leaf7EBX: words.leaf7_ebx, xcr0: words.xcr0)
    }

    /// The AVX-512 subsets OpenBLAS's SkylakeX kernels are built for (F, CD, BW, DQ, VL).
    public var hasSkylakeXInstructions: Bool { avx512F && avx512CD && avx512BW && avx512DQ && avx512VL }
    /// SkylakeX's instructions, with the OS saving their registers.
    public var canRunSkylakeX: Bool { hasSkylakeXInstructions && osSavesZMM }
    /// AVX-512F, with the OS saving its registers: what the engine's own AVX-512 loops
    /// (`VectorKernels`) need.
    public var canRunAVX512F: Bool { avx512F && osSavesZMM }
    /// AVX2 and FMA, with the OS saving their registers: what the Haswell kernels need.
    public var canRunHaswell: Bool { avx2 && fma && osSavesYMM }
}
