/* Run-time choice of vector kernels. The library is built for baseline
 * x86-64; the hot loops also have AVX2, AVX-512 and AVX-512 VNNI/VBMI
 * versions, used when the CPU has them. All give identical results: all
 * kernel arithmetic is integer (or, for normalisation, table lookups).
 *
 * FC_KERNEL_LEVEL caps the choice at build time, so that `make
 * check-kernels` can prove each fallback exact on a machine that has the
 * faster ones: 0 portable C, 1 up to AVX2, 2 up to AVX-512, 3 everything
 * (the default). */
#ifndef FC_IMAGE_CPU_H
#define FC_IMAGE_CPU_H

#ifndef FC_KERNEL_LEVEL
#define FC_KERNEL_LEVEL 3
#endif

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define FC_HAVE_AVX2_KERNELS 1
#define FC_TARGET_AVX2 __attribute__((target("avx2")))
#define FC_TARGET_AVX512 __attribute__((target("avx512f,avx512bw")))
static inline int fc__cpu_has_avx2(void)
{
    return FC_KERNEL_LEVEL >= 1 && __builtin_cpu_supports("avx2");
}
static inline int fc__cpu_has_avx512(void)
{
    return FC_KERNEL_LEVEL >= 2 && __builtin_cpu_supports("avx512f") &&
           __builtin_cpu_supports("avx512bw");
}
/* VPDPBUSD (VNNI): the vertical 8-bit pass. */
static inline int fc__cpu_has_avx512_vnni(void)
{
    return FC_KERNEL_LEVEL >= 3 && fc__cpu_has_avx512() &&
           __builtin_cpu_supports("avx512vnni");
}
/* VPERMB/VPERMT2B (VBMI): the normalisation table lookups. */
static inline int fc__cpu_has_avx512_vbmi(void)
{
    return FC_KERNEL_LEVEL >= 3 && fc__cpu_has_avx512() &&
           __builtin_cpu_supports("avx512vbmi");
}
/* Both, plus AVX-512VL: the direct horizontal 8-bit pass. */
static inline int fc__cpu_has_avx512_vnni_vbmi(void)
{
    return fc__cpu_has_avx512_vnni() && fc__cpu_has_avx512_vbmi() &&
           __builtin_cpu_supports("avx512vl");
}
#else
#define FC_HAVE_AVX2_KERNELS 0
#define FC_TARGET_AVX2
#define FC_TARGET_AVX512
static inline int fc__cpu_has_avx2(void) { return 0; }
static inline int fc__cpu_has_avx512(void) { return 0; }
static inline int fc__cpu_has_avx512_vnni(void) { return 0; }
static inline int fc__cpu_has_avx512_vbmi(void) { return 0; }
static inline int fc__cpu_has_avx512_vnni_vbmi(void) { return 0; }
#endif

#endif
