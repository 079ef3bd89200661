/* Run-time choice of vector kernels. The library is built for baseline
 * x86-64; the hot loops also have AVX2 versions, used when the CPU has it.
 * Both give identical results: all kernel arithmetic is integer. */
#ifndef FC_IMAGE_CPU_H
#define FC_IMAGE_CPU_H

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define FC_HAVE_AVX2_KERNELS 1
#define FC_TARGET_AVX2 __attribute__((target("avx2")))
static inline int fc__cpu_has_avx2(void) { return __builtin_cpu_supports("avx2"); }
#else
#define FC_HAVE_AVX2_KERNELS 0
#define FC_TARGET_AVX2
static inline int fc__cpu_has_avx2(void) { return 0; }
#endif

#endif
