// Montgomery multiplication with mulx/adcx/adox (x86-64 with BMI2 and ADX), selected at build time:
// the addon is compiled with -march=native on the machine that runs it, so __BMI2__ and __ADX__ are
// defined exactly when this CPU has them. field.h keeps the portable C path; -DZKR_PORTABLE forces it
// (the tests build both and compare them).
//
// CIOS over 4 limbs, unrolled: each round adds a·b[i] to T and then m·p (m = t0·(−p⁻¹) mod 2^64),
// which zeroes T's low limb; the round's limbs are then read one register up (the zeroed register is
// the next round's empty top limb), so nothing moves. In each pass the low halves of the products go
// into one carry chain (adox, OF) and the high halves into another (adcx, CF), so the two run
// interleaved without serialising on one flag.
//
// Bounds (p < 2^254): T < 2p before a round; T + a·b[i] + m·p < 2^320 fits in the five registers, so no
// carry leaves the top limb, and after the round T < 2p again; one conditional subtraction at the end,
// inside the asm (sub/sbb, then cmovnc), so the result leaves in registers without a branch.
#ifndef ZKR_MONT_ADX_H
#define ZKR_MONT_ADX_H

#if defined(__x86_64__) && defined(__BMI2__) && defined(__ADX__)
#define ZKR_HAVE_ADX 1

// One pass: T(T0..T4) += rdx · X[0..3], X given by four memory operands; needs rcx = 0 and flags clear.
#define ZKR_ADX_PASS(X0, X1, X2, X3, T0, T1, T2, T3, T4)                           \
  "mulxq " X0 ", %%rax, %%rbx\n\t" "adoxq %%rax, " T0 "\n\t" "adcxq %%rbx, " T1 "\n\t" \
  "mulxq " X1 ", %%rax, %%rbx\n\t" "adoxq %%rax, " T1 "\n\t" "adcxq %%rbx, " T2 "\n\t" \
  "mulxq " X2 ", %%rax, %%rbx\n\t" "adoxq %%rax, " T2 "\n\t" "adcxq %%rbx, " T3 "\n\t" \
  "mulxq " X3 ", %%rax, %%rbx\n\t" "adoxq %%rax, " T3 "\n\t" "adcxq %%rbx, " T4 "\n\t" \
  "adoxq %%rcx, " T4 "\n\t"

// One round with b[i] at BI: T += a·b[i], then T += m·p with m = T0·pinv (T0 becomes 0).
#define ZKR_ADX_ROUND(BI, T0, T1, T2, T3, T4)                                               \
  "movq " BI ", %%rdx\n\t"                                                                  \
  "xorl %%ecx, %%ecx\n\t"                                                                   \
  ZKR_ADX_PASS("%[a0]", "%[a1]", "%[a2]", "%[a3]", T0, T1, T2, T3, T4)                      \
  "movq " T0 ", %%rdx\n\t"                                                                  \
  "imulq %[pinv], %%rdx\n\t"                                                                \
  "xorl %%ecx, %%ecx\n\t"                                                                   \
  ZKR_ADX_PASS("%[p0]", "%[p1]", "%[p2]", "%[p3]", T0, T1, T2, T3, T4)

ZKR_INLINE void mont_mul_adx(u64 r[4], const u64 a[4], const u64 b[4], const u64 p[4], u64 pinv) {
  u64 t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4 = 0;
  __asm__(
      ZKR_ADX_ROUND("%[b0]", "%[t0]", "%[t1]", "%[t2]", "%[t3]", "%[t4]")
      ZKR_ADX_ROUND("%[b1]", "%[t1]", "%[t2]", "%[t3]", "%[t4]", "%[t0]")
      ZKR_ADX_ROUND("%[b2]", "%[t2]", "%[t3]", "%[t4]", "%[t0]", "%[t1]")
      ZKR_ADX_ROUND("%[b3]", "%[t3]", "%[t4]", "%[t0]", "%[t1]", "%[t2]")
      // The value is in t4, t0, t1, t2 (low to high; t3 is 0): subtract p into rax, rbx, rcx, rdx and
      // keep the difference unless it borrowed (one conditional subtraction, without a branch).
      "movq %[t4], %%rax\n\t" "subq %[p0], %%rax\n\t"
      "movq %[t0], %%rbx\n\t" "sbbq %[p1], %%rbx\n\t"
      "movq %[t1], %%rcx\n\t" "sbbq %[p2], %%rcx\n\t"
      "movq %[t2], %%rdx\n\t" "sbbq %[p3], %%rdx\n\t"
      "cmovncq %%rax, %[t4]\n\t" "cmovncq %%rbx, %[t0]\n\t" "cmovncq %%rcx, %[t1]\n\t" "cmovncq %%rdx, %[t2]\n\t"
      : [t0] "+&r"(t0), [t1] "+&r"(t1), [t2] "+&r"(t2), [t3] "+&r"(t3), [t4] "+&r"(t4)
      : [a0] "m"(a[0]), [a1] "m"(a[1]), [a2] "m"(a[2]), [a3] "m"(a[3]),
        [b0] "m"(b[0]), [b1] "m"(b[1]), [b2] "m"(b[2]), [b3] "m"(b[3]),
        [p0] "m"(p[0]), [p1] "m"(p[1]), [p2] "m"(p[2]), [p3] "m"(p[3]), [pinv] "rm"(pinv)
      : "rax", "rbx", "rcx", "rdx", "cc");
  r[0] = t4;
  r[1] = t0;
  r[2] = t1;
  r[3] = t2;
}
#else
#define ZKR_HAVE_ADX 0
#endif

#endif
