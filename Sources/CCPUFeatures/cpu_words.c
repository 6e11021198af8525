#include "cpu_words.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

mimic_cpu_words mimic_read_cpu_words(void) {
    mimic_cpu_words words = {0, 0, 0};
#if defined(__x86_64__) || defined(__i386__)
    unsigned int eax, ebx, ecx, edx;
    // Both helpers check the highest leaf first and leave the words zero past it.
    if (__get_cpuid(1, &eax, &ebx, &ecx, &edx)) words.leaf1_ecx = ecx;
    if (__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) words.leaf7_ebx = ebx;
    // XGETBV is an invalid instruction unless the OS has turned on XSAVE, which
    // CPUID.1:ECX bit 27 (OSXSAVE) reports.
    if (words.leaf1_ecx & (1u << 27)) {
        uint32_t low, high;
        __asm__ volatile("xgetbv" : "=a"(low), "=d"(high) : "c"(0));
        words.xcr0 = ((uint64_t)high << 32) | low;
    }
#endif
    return words;
}
