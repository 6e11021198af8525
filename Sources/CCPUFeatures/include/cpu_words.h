#ifndef MIMIC_CPU_WORDS_H
#define MIMIC_CPU_WORDS_H

#include <stdint.h>

/// The raw CPUID and XCR0 words that say which vector instructions this CPU has
/// and which of their registers the operating system saves; decoded in Swift
/// (CPUFeatures), where the bits can be tested. All zero off x86.
typedef struct {
    uint32_t leaf1_ecx;   // CPUID.1:ECX   (FMA, OSXSAVE, AVX)
    uint32_t leaf7_ebx;   // CPUID.7.0:EBX (AVX2, AVX-512 F, DQ, CD, BW, VL)
    uint64_t xcr0;        // XGETBV(0): register states the OS saves; 0 without OSXSAVE
} mimic_cpu_words;

mimic_cpu_words mimic_read_cpu_words(void);

#endif
