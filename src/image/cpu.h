/* Run-time choice of vector kernels. The library is built for baseline
 * x86-64; the hot loops also have AVX2 and AVX-512 versions, used when the
 * CPU has them.
 * Both give identical results: all kernel arithmetic is integer. */
#ifndef FC_IMAGE_CPU_H
#define FC_IMAGE_CPU_H

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define FC_HAVE_AVX2_KERNELS 1
#define FC_TARGET_AVX2 __attribute__((target("avx2")))
#define FC_TARGET_AVX512 __attribute__((target("avx512f,avx512bw")))
static inline int fc__cpu_has_avx2(void) { return __builtin_cpu_supports("avx2"); }
static inline int fc__cpu_has_avx512(void)
{
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
}
/* VPDPBUSD (VNNI) and VPERMT2B (VBMI): the direct horizontal 8-bit pass. */
static inline int fc__cpu_has_avx512_vnni_vbmi(void)
{
    return fc__cpu_has_avx512() && __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512vbmi");
}
#else
#define FC_HAVE_AVX2_KERNELS 0
#define FC_TARGET_AVX2
#define FC_TARGET_AVX512
static inline int fc__cpu_has_avx2(void) { return 0; }
static inline int fc__cpu_has_avx512(void) { return 0; }
static inline int fc__cpu_has_avx512_vnni_vbmi(void) { return 0; }
#endif

#endif
