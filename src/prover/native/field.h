// Prime fields of BN254 in Montgomery form (R = 2^256), 4 x 64-bit little-endian limbs: the same bytes
// as ffjavascript's F1Field and a .zkey. One generic copy of the arithmetic; DEFINE_FIELD(F, ...) names a
// field (fq: the base field, fr: the scalar field) and its functions F_add, F_sub, F_mul, ... take their
// modulus as compile-time constants once inlined.
//
// Both moduli are below 2^254, so a + b never carries out of four limbs, and the CIOS product of two
// values below p is below 2p before its one conditional subtraction: every result is canonical (< p),
// as ffjavascript's are, so byte equality is value equality.
#ifndef ZKR_FIELD_H
#define ZKR_FIELD_H

#include <stdint.h>
#include <string.h>

typedef uint64_t u64;
typedef unsigned __int128 u128;

#define ZKR_INLINE static inline __attribute__((always_inline))

// Carry chains: x86-64's adc/sbb through the compiler's intrinsics where they exist, else 128-bit
// arithmetic. Every conditional step below is a mask, not a branch: the branches depend on the data, so
// about half of them were mispredicted (a modular addition took ~17 ns in a dependent chain, 6 ns now).
#if defined(__x86_64__)
#include <x86intrin.h>
ZKR_INLINE unsigned char zkr_adc(unsigned char c, u64 a, u64 b, u64 *r) {
  unsigned long long t;
  c = _addcarry_u64(c, a, b, &t);
  *r = t;
  return c;
}
ZKR_INLINE unsigned char zkr_sbb(unsigned char c, u64 a, u64 b, u64 *r) {
  unsigned long long t;
  c = _subborrow_u64(c, a, b, &t);
  *r = t;
  return c;
}
#else
ZKR_INLINE unsigned char zkr_adc(unsigned char c, u64 a, u64 b, u64 *r) {
  u128 s = (u128)a + b + c;
  *r = (u64)s;
  return (unsigned char)(s >> 64);
}
ZKR_INLINE unsigned char zkr_sbb(unsigned char c, u64 a, u64 b, u64 *r) {
  u128 d = (u128)a - b - c;
  *r = (u64)d;
  return (unsigned char)((d >> 64) & 1);
}
#endif

// r = t - p if t >= p (t < 2p).
ZKR_INLINE void mont_reduce_once(u64 r[4], const u64 t[4], const u64 p[4]) {
  u64 s[4];
  unsigned char borrow = 0;
  for (int i = 0; i < 4; i++) borrow = zkr_sbb(borrow, t[i], p[i], &s[i]);
  u64 keep = (u64)0 - borrow; // t < p: keep t
  for (int i = 0; i < 4; i++) r[i] = (t[i] & keep) | (s[i] & ~keep);
}

ZKR_INLINE void mont_add(u64 r[4], const u64 a[4], const u64 b[4], const u64 p[4]) {
  u64 t[4];
  unsigned char c = 0;
  for (int i = 0; i < 4; i++) c = zkr_adc(c, a[i], b[i], &t[i]);
  mont_reduce_once(r, t, p);
}

ZKR_INLINE void mont_sub(u64 r[4], const u64 a[4], const u64 b[4], const u64 p[4]) {
  u64 t[4];
  unsigned char borrow = 0;
  for (int i = 0; i < 4; i++) borrow = zkr_sbb(borrow, a[i], b[i], &t[i]);
  u64 m = (u64)0 - borrow; // a < b: add p back
  unsigned char c = 0;
  for (int i = 0; i < 4; i++) c = zkr_adc(c, t[i], p[i] & m, &r[i]);
}

// Montgomery product a*b/R mod p (CIOS), portable C: one 64x64->128 multiply per limb product.
ZKR_INLINE void mont_mul_portable(u64 r[4], const u64 a[4], const u64 b[4], const u64 p[4], u64 pinv) {
  u64 t[6] = {0, 0, 0, 0, 0, 0};
  for (int i = 0; i < 4; i++) {
    u128 c = 0;
    for (int j = 0; j < 4; j++) {
      c = (u128)a[j] * b[i] + t[j] + (u64)(c >> 64);
      t[j] = (u64)c;
    }
    u128 s = (u128)t[4] + (u64)(c >> 64);
    t[4] = (u64)s;
    t[5] = (u64)(s >> 64);
    u64 m = t[0] * pinv;
    c = (u128)m * p[0] + t[0];
    for (int j = 1; j < 4; j++) {
      c = (u128)m * p[j] + t[j] + (u64)(c >> 64);
      t[j - 1] = (u64)c;
    }
    s = (u128)t[4] + (u64)(c >> 64);
    t[3] = (u64)s;
    t[4] = t[5] + (u64)(s >> 64);
  }
  mont_reduce_once(r, t, p);
}

// The product a·b as 8 limbs, unreduced: with redc below, a sum of products can share one reduction
// (Fq2's Karatsuba product reduces twice instead of three times).
ZKR_INLINE void mont_mul_wide(u64 t[8], const u64 a[4], const u64 b[4]) {
  for (int k = 0; k < 8; k++) t[k] = 0;
  for (int i = 0; i < 4; i++) {
    u64 carry = 0;
    for (int j = 0; j < 4; j++) {
      u128 x = (u128)a[j] * b[i] + t[i + j] + carry;
      t[i + j] = (u64)x;
      carry = (u64)(x >> 64);
    }
    t[i + 4] = carry;
  }
}

// Montgomery reduction of an 8-limb T < p·2^256: r = T/R mod p, canonical. (T + m·p)/R < 2p, and
// 2p < 2^255, so no carry leaves the top limb; one conditional subtraction ends it. T is overwritten.
ZKR_INLINE void mont_redc(u64 r[4], u64 t[8], const u64 p[4], u64 pinv) {
  for (int i = 0; i < 4; i++) {
    u64 m = t[i] * pinv, carry = 0;
    for (int j = 0; j < 4; j++) {
      u128 x = (u128)m * p[j] + t[i + j] + carry;
      t[i + j] = (u64)x;
      carry = (u64)(x >> 64);
    }
    unsigned char c = zkr_adc(0, t[i + 4], carry, &t[i + 4]);
    for (int k = i + 5; k < 8; k++) c = zkr_adc(c, t[k], 0, &t[k]);
  }
  mont_reduce_once(r, t + 4, p);
}

#include "mont-adx.h"

// Which multiplication this build uses: ADX (mulx/adcx/adox, two carry chains) when the compiler targets a
// CPU that has BMI2 and ADX (-march=native on such a machine) and ZKR_PORTABLE is not defined; else portable.
#if ZKR_HAVE_ADX && !defined(ZKR_PORTABLE)
#define ZKR_MUL_KIND "adx"
#define mont_mul mont_mul_adx
#else
#define ZKR_MUL_KIND "portable"
#define mont_mul mont_mul_portable
#endif

#define DEFINE_FIELD(F, P0, P1, P2, P3, PINV, O0, O1, O2, O3)                                     \
  typedef struct { u64 v[4]; } F;                                                                 \
  static const u64 F##_P[4] = {P0, P1, P2, P3};                                                   \
  static const u64 F##_PINV = PINV;                                                               \
  static const F F##_ONE = {{O0, O1, O2, O3}};                                                    \
  ZKR_INLINE int F##_is_zero(const F *a) { return (a->v[0] | a->v[1] | a->v[2] | a->v[3]) == 0; }  \
  ZKR_INLINE int F##_eq(const F *a, const F *b) {                                                 \
    return ((a->v[0] ^ b->v[0]) | (a->v[1] ^ b->v[1]) | (a->v[2] ^ b->v[2]) | (a->v[3] ^ b->v[3])) == 0; \
  }                                                                                               \
  ZKR_INLINE void F##_add(F *r, const F *a, const F *b) { mont_add(r->v, a->v, b->v, F##_P); }    \
  ZKR_INLINE void F##_sub(F *r, const F *a, const F *b) { mont_sub(r->v, a->v, b->v, F##_P); }    \
  ZKR_INLINE void F##_dbl(F *r, const F *a) { mont_add(r->v, a->v, a->v, F##_P); }                \
  ZKR_INLINE void F##_mul(F *r, const F *a, const F *b) { mont_mul(r->v, a->v, b->v, F##_P, F##_PINV); } \
  ZKR_INLINE void F##_sqr(F *r, const F *a) { mont_mul(r->v, a->v, a->v, F##_P, F##_PINV); }      \
  /* a^e for a little-endian 256-bit exponent */                                                  \
  static void F##_pow(F *r, const F *a, const u64 e[4]) {                                         \
    F acc = F##_ONE, base = *a;                                                                   \
    for (int i = 0; i < 256; i++) {                                                               \
      if ((e[i / 64] >> (i % 64)) & 1) F##_mul(&acc, &acc, &base);                                \
      F##_sqr(&base, &base);                                                                      \
    }                                                                                             \
    *r = acc;                                                                                     \
  }                                                                                               \
  /* 1/a = a^(p-2) (0 for 0) */                                                                   \
  static void F##_inv(F *r, const F *a) {                                                         \
    u64 e[4] = {F##_P[0] - 2, F##_P[1], F##_P[2], F##_P[3]};                                      \
    F##_pow(r, a, e);                                                                             \
  }

#endif
