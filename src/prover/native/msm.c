// Multi-scalar multiplication on BN254 (G1 over Fq, G2 over Fq2) as a Node-API addon.
//
// Why: in a Groth16 proof of a batch, ~85 % of the time is the five multi-exponentiations, and
// ffjavascript's WebAssembly does them with 32-bit limbs. The same Pippenger bucket method with 64-bit
// limbs (one 64x64->128 multiply per limb product) runs several times faster on the same cores.
// Nothing here is specific to the zkey: inputs and output use ffjavascript's byte layout, so the warm
// prover swaps it in for curve.G1/G2.multiExpAffine and everything else stays snarkjs's.
//
// Layout: bases are affine points, coordinates little-endian in Montgomery form (R = 2^256), as in a
// .zkey; an all-zero base is the point at infinity. Scalars are 32-byte little-endian integers (standard
// form, < r). The result is the affine sum in the same layout (all zero for infinity).
//
// Method: signed windows of c bits (digits in [-2^(c-1), 2^(c-1)), a negative one adds the negated base, so
// a window has 2^(c-1) buckets: half the bucket sums of unsigned digits for the same c). Threads take
// windows from a shared counter, heaviest first. A window's buckets are affine points filled in batches
// of 1,024 additions that share one inversion (Montgomery's trick: ~6 multiplications an addition); a
// base whose bucket is already in the batch goes to that bucket's XYZZ twin (x = X/ZZ, y = Y/ZZZ: 8M+2S,
// no inversion) instead of waiting. The bucket sums Σ d·B_d are affine too, over 512 lanes that share
// each inversion (G_bucket_sum); the windows are combined in XYZZ (Horner's rule), and the result is made
// affine with one inversion.
#include <node_api.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "field.h"

// ---------------------------------------------------------------- Fq, Montgomery form, 4 x 64-bit limbs (field.h)
DEFINE_FIELD(fq, 0x3c208c16d87cfd47ULL, 0x97816a916871ca8dULL, 0xb85045b68181585dULL, 0x30644e72e131a029ULL,
             0x87d20782e4866389ULL, // -q^-1 mod 2^64
             0xd35d438dc58f0d9dULL, 0x0a78eb28f5c70b3dULL, 0x666ea36f7879462cULL, 0x0e0a77c19a07df2fULL) // R mod q

// ---------------------------------------------------------------- Fq2 = Fq[u] / (u^2 + 1)
typedef struct { fq c0, c1; } fq2;

static inline int fq2_is_zero(const fq2 *a) { return fq_is_zero(&a->c0) && fq_is_zero(&a->c1); }
static inline int fq2_eq(const fq2 *a, const fq2 *b) { return fq_eq(&a->c0, &b->c0) && fq_eq(&a->c1, &b->c1); }
static inline void fq2_add(fq2 *r, const fq2 *a, const fq2 *b) { fq_add(&r->c0, &a->c0, &b->c0); fq_add(&r->c1, &a->c1, &b->c1); }
static inline void fq2_sub(fq2 *r, const fq2 *a, const fq2 *b) { fq_sub(&r->c0, &a->c0, &b->c0); fq_sub(&r->c1, &a->c1, &b->c1); }
static inline void fq2_dbl(fq2 *r, const fq2 *a) { fq2_add(r, a, a); }

// Karatsuba with lazy reduction: three unreduced products, two Montgomery reductions (one per
// coordinate) instead of three. c1 = (a0 + a1)(b0 + b1) − a0b0 − a1b1 = a0b1 + a1b0 is exact and
// < 2q² < q·2^256; c0 = a0b0 − a1b1 gets q·2^256 added when negative (the same value mod q after the
// reduction divides by 2^256), so both stay below q·2^256 as mont_redc needs. a0 + a1 < 2q < 2^255 fits.
static inline void fq2_mul(fq2 *r, const fq2 *a, const fq2 *b) {
  u64 t0[8], t1[8], t2[8], sa[4], sb[4];
  mont_mul_wide(t0, a->c0.v, b->c0.v);
  mont_mul_wide(t1, a->c1.v, b->c1.v);
  unsigned char c = 0;
  for (int i = 0; i < 4; i++) c = zkr_adc(c, a->c0.v[i], a->c1.v[i], &sa[i]);
  c = 0;
  for (int i = 0; i < 4; i++) c = zkr_adc(c, b->c0.v[i], b->c1.v[i], &sb[i]);
  mont_mul_wide(t2, sa, sb);
  unsigned char br = 0;
  for (int i = 0; i < 8; i++) br = zkr_sbb(br, t2[i], t0[i], &t2[i]);
  br = 0;
  for (int i = 0; i < 8; i++) br = zkr_sbb(br, t2[i], t1[i], &t2[i]);
  br = 0;
  for (int i = 0; i < 8; i++) br = zkr_sbb(br, t0[i], t1[i], &t0[i]);
  u64 m = (u64)0 - br;
  c = 0;
  for (int i = 0; i < 4; i++) c = zkr_adc(c, t0[4 + i], fq_P[i] & m, &t0[4 + i]);
  mont_redc(r->c0.v, t0, fq_P, fq_PINV);
  mont_redc(r->c1.v, t2, fq_P, fq_PINV);
}

static inline void fq2_sqr(fq2 *r, const fq2 *a) {
  fq s, d, p;
  fq_add(&s, &a->c0, &a->c1);
  fq_sub(&d, &a->c0, &a->c1);
  fq_mul(&p, &a->c0, &a->c1);
  fq_mul(&r->c0, &s, &d);
  fq_dbl(&r->c1, &p);
}

static void fq2_inv(fq2 *r, const fq2 *a) {
  // 1 / (c0 + c1 u) = (c0 - c1 u) / (c0^2 + c1^2)
  fq t0, t1, n;
  fq_sqr(&t0, &a->c0);
  fq_sqr(&t1, &a->c1);
  fq_add(&n, &t0, &t1);
  fq_inv(&n, &n);
  fq zero = {{0, 0, 0, 0}};
  fq_mul(&r->c0, &a->c0, &n);
  fq_mul(&t1, &a->c1, &n);
  fq_sub(&r->c1, &zero, &t1);
}

// ---------------------------------------------------------------- curve arithmetic, one copy per field
// XYZZ formulas for y^2 = x^3 + b (a = 0) from the Explicit-Formulas Database: madd-2008-s, add-2008-s,
// dbl-2008-s-1. A point with ZZ = 0 is the point at infinity.
#define DEFINE_CURVE(G, F)                                                                          \
  typedef struct { F x, y; } G##_aff;                                                               \
  typedef struct { F X, Y, ZZ, ZZZ; } G##_xyzz;                                                     \
                                                                                                    \
  static inline int G##_aff_is_inf(const G##_aff *p) { return F##_is_zero(&p->x) && F##_is_zero(&p->y); } \
  static inline void G##_set_inf(G##_xyzz *p) { memset(p, 0, sizeof *p); }                          \
                                                                                                    \
  static void G##_dbl(G##_xyzz *r, const G##_xyzz *p) {                                             \
    if (F##_is_zero(&p->ZZ)) { G##_set_inf(r); return; }                                            \
    F U, V, W, S, M, t, Y1 = p->Y;                                                                  \
    F##_dbl(&U, &p->Y);                                                                             \
    F##_sqr(&V, &U);                                                                                \
    F##_mul(&W, &U, &V);                                                                            \
    F##_mul(&S, &p->X, &V);                                                                         \
    F##_sqr(&t, &p->X);                                                                             \
    F##_dbl(&M, &t);                                                                                \
    F##_add(&M, &M, &t);                                                                            \
    F##_mul(&r->ZZ, &V, &p->ZZ);                                                                    \
    F##_mul(&r->ZZZ, &W, &p->ZZZ);                                                                  \
    F##_sqr(&r->X, &M);                                                                             \
    F##_sub(&r->X, &r->X, &S);                                                                      \
    F##_sub(&r->X, &r->X, &S);                                                                      \
    F##_sub(&t, &S, &r->X);                                                                         \
    F##_mul(&t, &M, &t);                                                                            \
    F##_mul(&r->Y, &W, &Y1);                                                                        \
    F##_sub(&r->Y, &t, &r->Y);                                                                      \
  }                                                                                                 \
                                                                                                    \
  /* 2P of an affine P: rare (a bucket meeting its own point), so P lifted to ZZ = ZZZ = 1 and doubled */ \
  static void G##_dbl_aff(G##_xyzz *r, const G##_aff *p) {                                          \
    G##_xyzz lifted = {p->x, p->y, F##_ONE, F##_ONE};                                               \
    G##_dbl(r, &lifted);                                                                            \
  }                                                                                                 \
                                                                                                    \
  /* r += q (affine, not infinity) */                                                               \
  static void G##_add_aff(G##_xyzz *r, const G##_aff *q) {                                          \
    if (F##_is_zero(&r->ZZ)) {                                                                      \
      r->X = q->x; r->Y = q->y;                                                                     \
      r->ZZ = F##_ONE; r->ZZZ = F##_ONE;                                                            \
      return;                                                                                       \
    }                                                                                               \
    F U2, S2, P, R, PP, PPP, Qv, t;                                                                 \
    F##_mul(&U2, &q->x, &r->ZZ);                                                                    \
    F##_mul(&S2, &q->y, &r->ZZZ);                                                                   \
    F##_sub(&P, &U2, &r->X);                                                                        \
    F##_sub(&R, &S2, &r->Y);                                                                        \
    if (F##_is_zero(&P)) {                                                                          \
      if (F##_is_zero(&R)) G##_dbl_aff(r, q);                                                       \
      else G##_set_inf(r);                                                                          \
      return;                                                                                       \
    }                                                                                               \
    F##_sqr(&PP, &P);                                                                               \
    F##_mul(&PPP, &P, &PP);                                                                         \
    F##_mul(&Qv, &r->X, &PP);                                                                       \
    F##_sqr(&r->X, &R);                                                                             \
    F##_sub(&r->X, &r->X, &PPP);                                                                    \
    F##_sub(&r->X, &r->X, &Qv);                                                                     \
    F##_sub(&r->X, &r->X, &Qv);                                                                     \
    F##_sub(&t, &Qv, &r->X);                                                                        \
    F##_mul(&t, &R, &t);                                                                            \
    F##_mul(&r->Y, &r->Y, &PPP);                                                                    \
    F##_sub(&r->Y, &t, &r->Y);                                                                      \
    F##_mul(&r->ZZ, &r->ZZ, &PP);                                                                   \
    F##_mul(&r->ZZZ, &r->ZZZ, &PPP);                                                                \
  }                                                                                                 \
                                                                                                    \
  /* r += q (both XYZZ) */                                                                          \
  static void G##_add(G##_xyzz *r, const G##_xyzz *q) {                                             \
    if (F##_is_zero(&q->ZZ)) return;                                                                \
    if (F##_is_zero(&r->ZZ)) { *r = *q; return; }                                                   \
    F U1, U2, S1, S2, P, R, PP, PPP, Qv, t;                                                         \
    F##_mul(&U1, &r->X, &q->ZZ);                                                                    \
    F##_mul(&U2, &q->X, &r->ZZ);                                                                    \
    F##_mul(&S1, &r->Y, &q->ZZZ);                                                                   \
    F##_mul(&S2, &q->Y, &r->ZZZ);                                                                   \
    F##_sub(&P, &U2, &U1);                                                                          \
    F##_sub(&R, &S2, &S1);                                                                          \
    if (F##_is_zero(&P)) {                                                                          \
      if (F##_is_zero(&R)) { G##_xyzz d = *r; G##_dbl(r, &d); }                                     \
      else G##_set_inf(r);                                                                          \
      return;                                                                                       \
    }                                                                                               \
    F##_sqr(&PP, &P);                                                                               \
    F##_mul(&PPP, &P, &PP);                                                                         \
    F##_mul(&Qv, &U1, &PP);                                                                         \
    F##_sqr(&r->X, &R);                                                                             \
    F##_sub(&r->X, &r->X, &PPP);                                                                    \
    F##_sub(&r->X, &r->X, &Qv);                                                                     \
    F##_sub(&r->X, &r->X, &Qv);                                                                     \
    F##_sub(&t, &Qv, &r->X);                                                                        \
    F##_mul(&t, &R, &t);                                                                            \
    F##_mul(&S1, &S1, &PPP);                                                                        \
    F##_sub(&r->Y, &t, &S1);                                                                        \
    F##_mul(&r->ZZ, &r->ZZ, &q->ZZ);                                                                \
    F##_mul(&r->ZZ, &r->ZZ, &PP);                                                                   \
    F##_mul(&r->ZZZ, &r->ZZZ, &q->ZZZ);                                                             \
    F##_mul(&r->ZZZ, &r->ZZZ, &PPP);                                                                \
  }                                                                                                 \
                                                                                                    \
  static void G##_to_aff(G##_aff *r, const G##_xyzz *p) {                                           \
    if (F##_is_zero(&p->ZZ)) { memset(r, 0, sizeof *r); return; }                                   \
    F izz, izzz;                                                                                    \
    F##_inv(&izz, &p->ZZ);                                                                          \
    F##_inv(&izzz, &p->ZZZ);                                                                        \
    F##_mul(&r->x, &p->X, &izz);                                                                    \
    F##_mul(&r->y, &p->Y, &izzz);                                                                   \
  }

static const fq2 FQ2_ONE = {{{0xd35d438dc58f0d9dULL, 0x0a78eb28f5c70b3dULL, 0x666ea36f7879462cULL, 0x0e0a77c19a07df2fULL}}, {{0, 0, 0, 0}}};
#define fq2_ONE FQ2_ONE
DEFINE_CURVE(g1, fq)
DEFINE_CURVE(g2, fq2)

// ---------------------------------------------------------------- Pippenger, windows shared over threads
static inline u64 digit(const uint8_t *scalar, int bit, int c) {
  // Bits [bit, bit + c) of a 256-bit little-endian scalar (c <= 16: five bytes from bit/8 are plenty).
  int byte = bit >> 3, shift = bit & 7;
  u64 w = 0;
  for (int k = 0; k < 5 && byte + k < 32; k++) w |= (u64)scalar[byte + k] << (8 * k);
  return (w >> shift) & ((1ULL << c) - 1);
}

// A scalar's signed digits, window 0 first: each c-bit digit plus the carry, taken as negative (and a
// carry into the next window) from 2^(c-1) up. The top window keeps its digit unsigned (at most 2^(c-1):
// the scalars' bits end below it), so no carry is ever lost.
// Window w's digit goes to out[w * stride]: the table is window-major, so a window's pass reads it in order.
static void signed_digits(int32_t *out, size_t stride, const uint8_t *scalar, int c, int windows) {
  int64_t carry = 0, half = (int64_t)1 << (c - 1), full = (int64_t)1 << c;
  for (int w = 0; w < windows; w++) {
    int64_t v = (int64_t)digit(scalar, w * c, c) + carry;
    carry = 0;
    if (v >= half && w < windows - 1) { v -= full; carry = 1; }
    out[(size_t)w * stride] = (int32_t)v;
  }
}

// The windows in the order threads take them, heaviest first (longest-job-first over a shared counter):
// small witness values leave their high windows mostly empty, so windows differ a lot in work. Every
// window has the same buckets to sum, so its nonzero digits (one bucket addition each) decide.
static void window_order(int *order, const size_t *nonzero, int windows) {
  for (int w = 0; w < windows; w++) order[w] = w;
  for (int a = 1; a < windows; a++)
    for (int b = a; b > 0 && nonzero[order[b]] > nonzero[order[b - 1]]; b--) {
      int t = order[b]; order[b] = order[b - 1]; order[b - 1] = t;
    }
}

// Scalars have at most 256 bits and windows at least 2: 256 / 2 + 1.
enum { MAX_WINDOWS = 129 };

// The digits of the scalars from..to (one thread's share) and their count of nonzero digits per window.
typedef struct {
  const uint8_t *scalars;
  int32_t *digits;
  size_t n, from, to;
  int c, windows;
  size_t nonzero[MAX_WINDOWS];
} digits_job;

static void *digits_range(void *arg) {
  digits_job *job = arg;
  for (size_t i = job->from; i < job->to; i++) signed_digits(job->digits + i, job->n, job->scalars + 32 * i, job->c, job->windows);
  for (int w = 0; w < job->windows; w++) {
    const int32_t *d = job->digits + (size_t)w * job->n;
    size_t count = 0;
    for (size_t i = job->from; i < job->to; i++) count += d[i] != 0;
    job->nonzero[w] = count;
  }
  return NULL;
}

// All digits (window-major) and the order the windows are taken in, on `threads` threads (this one too).
static void digits_all(int32_t *digits, int *order, const uint8_t *scalars, size_t n, int c, int windows, int threads) {
  enum { MAX_THREADS = 64 };
  if (threads > MAX_THREADS) threads = MAX_THREADS;
  digits_job jobs[MAX_THREADS];
  pthread_t tids[MAX_THREADS];
  int started[MAX_THREADS] = {0};
  for (int t = 0; t < threads; t++) jobs[t] = (digits_job){scalars, digits, n, n * (size_t)t / (size_t)threads, n * (size_t)(t + 1) / (size_t)threads, c, windows, {0}};
  for (int t = 1; t < threads; t++) started[t] = pthread_create(&tids[t], NULL, digits_range, &jobs[t]) == 0;
  digits_range(&jobs[0]);
  for (int t = 1; t < threads; t++) {
    if (started[t]) pthread_join(tids[t], NULL);
    else digits_range(&jobs[t]);
  }
  size_t nonzero[MAX_WINDOWS] = {0};
  for (int t = 0; t < threads; t++)
    for (int w = 0; w < windows; w++) nonzero[w] += jobs[t].nonzero[w];
  window_order(order, nonzero, windows);
}

#define DEFINE_MSM(G, F)                                                                             \
  typedef struct {                                                                                  \
    const G##_aff *bases;                                                                           \
    const int32_t *digits; /* windows x n signed digits */                                          \
    size_t n;                                                                                       \
    int c, windows;                                                                                 \
    const int *order; /* windows, heaviest first */                                                 \
    int *next;        /* shared: the next entry of order to take */                                 \
    G##_xyzz *sums; /* one per window */                                                            \
    int failed, threaded;                                                                           \
  } G##_job;                                                                                        \
                                                                                                    \
  /* Batched affine additions: B pending "bucket += base" pairs share one field inversion (Montgomery's  \
     trick), so an addition costs ~6 multiplications instead of XYZZ's 10. A bucket already pending in \
     the batch cannot take a second base in it: that pair waits for the next batch. */              \
  enum { G##_BATCH = 1024 };                                                                        \
  typedef struct {                                                                                  \
    G##_aff *bk;       /* affine buckets */                                                         \
    uint8_t *has;      /* bucket holds a point */                                                   \
    uint8_t *busy;     /* bucket is in the current batch */                                         \
    uint32_t bidx[G##_BATCH];                                                                       \
    const G##_aff *pts[G##_BATCH];                                                                  \
    uint8_t neg[G##_BATCH]; /* add -pts[k] */                                                       \
    F den[G##_BATCH], acc[G##_BATCH];                                                               \
    int count;                                                                                      \
  } G##_batch;                                                                                      \
                                                                                                    \
  /* p, or -p when neg (y -> q - y) */                                                              \
  static inline G##_aff G##_signed(const G##_aff *p, int neg) {                                     \
    G##_aff r = *p;                                                                                 \
    if (neg) { F zero; memset(&zero, 0, sizeof zero); F##_sub(&r.y, &zero, &p->y); }                \
    return r;                                                                                       \
  }                                                                                                 \
                                                                                                    \
  /* q <- q + p in affine coordinates, given the slope lambda of the line through them (or of the      \
     tangent when p = q): x3 = lambda^2 - x_q - x_p, y3 = lambda (x_q - x3) - y_q. */                \
  static inline void G##_chord(G##_aff *q, const F *px, const F *lambda) {                          \
    F x3, t;                                                                                        \
    F##_sqr(&x3, lambda);                                                                           \
    F##_sub(&x3, &x3, &q->x);                                                                       \
    F##_sub(&x3, &x3, px);                                                                          \
    F##_sub(&t, &q->x, &x3);                                                                        \
    F##_mul(&t, lambda, &t);                                                                        \
    F##_sub(&q->y, &t, &q->y);                                                                      \
    q->x = x3;                                                                                      \
  }                                                                                                 \
                                                                                                    \
  /* The rare case x(bucket) = x(base): P + P or P + (-P), with its own inversion. */               \
  static void G##_add_same_x(G##_batch *bt, uint32_t b, const G##_aff *base, int neg) {             \
    G##_aff *q = &bt->bk[b];                                                                        \
    G##_aff p = G##_signed(base, neg);                                                              \
    if (!F##_eq(&q->y, &p.y) || F##_is_zero(&p.y)) { bt->has[b] = 0; return; }                      \
    G##_xyzz d;                                                                                     \
    G##_dbl_aff(&d, &p);                                                                            \
    G##_to_aff(q, &d);                                                                              \
  }                                                                                                 \
                                                                                                    \
  static void G##_flush(G##_batch *bt) {                                                            \
    int n = bt->count;                                                                              \
    if (n == 0) return;                                                                             \
    F prod = F##_ONE;                                                                               \
    for (int k = 0; k < n; k++) {                                                                   \
      F##_sub(&bt->den[k], &bt->pts[k]->x, &bt->bk[bt->bidx[k]].x);                                 \
      bt->acc[k] = prod;                                                                            \
      if (!F##_is_zero(&bt->den[k])) F##_mul(&prod, &prod, &bt->den[k]);                            \
    }                                                                                               \
    F inv;                                                                                          \
    F##_inv(&inv, &prod);                                                                           \
    for (int k = n - 1; k >= 0; k--) {                                                              \
      uint32_t b = bt->bidx[k];                                                                     \
      const G##_aff *p = bt->pts[k];                                                                \
      G##_aff *q = &bt->bk[b];                                                                      \
      bt->busy[b] = 0;                                                                              \
      if (F##_is_zero(&bt->den[k])) { G##_add_same_x(bt, b, p, bt->neg[k]); continue; }              \
      F dinv, lambda, t;                                                                            \
      F##_mul(&dinv, &inv, &bt->acc[k]); /* 1 / den[k] */                                           \
      F##_mul(&inv, &inv, &bt->den[k]);  /* 1 / (den[0] ... den[k-1]) */                           \
      if (bt->neg[k]) { /* (-y_p) - y_q = -(y_p + y_q) */                                           \
        F zero; memset(&zero, 0, sizeof zero);                                                      \
        F##_add(&t, &p->y, &q->y);                                                                  \
        F##_sub(&t, &zero, &t);                                                                     \
      } else F##_sub(&t, &p->y, &q->y);                                                             \
      F##_mul(&lambda, &t, &dinv);                                                                  \
      G##_chord(q, &p->x, &lambda);                                                                 \
    }                                                                                               \
    bt->count = 0;                                                                                  \
  }                                                                                                 \
                                                                                                    \
  /* dst[k] += src[k] for k < n in affine coordinates with one shared inversion; (0, 0) is infinity (not   \
     on the curve). A doubling (dst = src) shares it too (its denominator is 2y): running sums over     \
     sparse buckets meet them often. No dst may be another entry's src. */                           \
  static void G##_add_pairs(G##_aff *const *dst, const G##_aff *const *src, int n, F *den, F *acc, uint8_t *kind) { \
    enum { SKIP, ADD, DBL };                                                                        \
    F prod = F##_ONE;                                                                               \
    for (int k = 0; k < n; k++) {                                                                   \
      kind[k] = SKIP;                                                                               \
      if (G##_aff_is_inf(src[k])) continue;                                                         \
      if (G##_aff_is_inf(dst[k])) { *dst[k] = *src[k]; continue; }                                  \
      F##_sub(&den[k], &src[k]->x, &dst[k]->x);                                                     \
      kind[k] = ADD;                                                                                \
      if (F##_is_zero(&den[k])) {                                                                   \
        /* P + P (y equal and not 0, since y = 0 has no point here) or P + (-P) */                  \
        if (!F##_eq(&src[k]->y, &dst[k]->y) || F##_is_zero(&src[k]->y)) { memset(dst[k], 0, sizeof(G##_aff)); kind[k] = SKIP; continue; } \
        F##_dbl(&den[k], &src[k]->y);                                                               \
        kind[k] = DBL;                                                                              \
      }                                                                                             \
      acc[k] = prod;                                                                                \
      F##_mul(&prod, &prod, &den[k]);                                                               \
    }                                                                                               \
    F inv;                                                                                          \
    F##_inv(&inv, &prod);                                                                           \
    for (int k = n - 1; k >= 0; k--) {                                                              \
      if (kind[k] == SKIP) continue;                                                                \
      const G##_aff *p = src[k];                                                                    \
      G##_aff *q = dst[k];                                                                          \
      F dinv, lambda, t;                                                                            \
      F##_mul(&dinv, &inv, &acc[k]);                                                                \
      F##_mul(&inv, &inv, &den[k]);                                                                 \
      if (kind[k] == ADD) F##_sub(&t, &p->y, &q->y);                                                \
      else { F##_sqr(&t, &q->x); F x2 = t; F##_dbl(&t, &t); F##_add(&t, &t, &x2); } /* 3x^2 */      \
      F##_mul(&lambda, &t, &dinv);                                                                  \
      G##_chord(q, &p->x, &lambda);                                                                 \
    }                                                                                               \
  }                                                                                                 \
                                                                                                    \
  /* Scratch space of one thread's bucket sums (G##_LANES lanes). */                                \
  enum { G##_LANES = 512 };                                                                         \
  typedef struct {                                                                                  \
    G##_aff run[G##_LANES], tot[G##_LANES];                                                         \
    G##_aff *dst[G##_LANES];                                                                        \
    const G##_aff *src[G##_LANES];                                                                  \
    F den[G##_LANES], acc[G##_LANES];                                                               \
    uint8_t kind[G##_LANES];                                                                        \
  } G##_lanes;                                                                                      \
                                                                                                    \
  /* Σ d·bk[d-1] for d = 1..nb (nb a power of two; empty buckets are (0, 0)). The buckets are cut into L  \
     lanes of m consecutive digits, and every lane keeps its own running sum from its top bucket down   \
     (running += bucket, total += running): the L lanes' additions of a step are independent, so they    \
     are affine additions sharing one inversion (~6 multiplications each, against 10 and 14 for the     \
     XYZZ additions of one running sum over all buckets). With R_j lane j's bucket sum and T_j its     \
     total, Σ d·B_d = Σ_j T_j + m·Σ_j j·R_j: a short running sum over the lanes and log2(m) doublings. */ \
  static void G##_bucket_sum(G##_xyzz *out, const G##_aff *bk, size_t nb, G##_lanes *ln) {          \
    size_t L = nb < G##_LANES ? nb : G##_LANES, m = nb / L;                                         \
    memset(ln->run, 0, L * sizeof(G##_aff));                                                        \
    memset(ln->tot, 0, L * sizeof(G##_aff));                                                        \
    for (size_t s = 0; s < m; s++) {                                                                \
      for (size_t j = 0; j < L; j++) { ln->dst[j] = &ln->run[j]; ln->src[j] = &bk[j * m + (m - 1 - s)]; } \
      G##_add_pairs(ln->dst, ln->src, (int)L, ln->den, ln->acc, ln->kind);                              \
      for (size_t j = 0; j < L; j++) { ln->dst[j] = &ln->tot[j]; ln->src[j] = &ln->run[j]; }        \
      G##_add_pairs(ln->dst, ln->src, (int)L, ln->den, ln->acc, ln->kind);                              \
    }                                                                                               \
    G##_xyzz lanesum, running, weighted;                                                            \
    G##_set_inf(&lanesum); G##_set_inf(&running); G##_set_inf(&weighted);                           \
    for (size_t j = L; j-- > 0;) {                                                                  \
      if (!G##_aff_is_inf(&ln->tot[j])) G##_add_aff(&lanesum, &ln->tot[j]);                         \
      if (j == 0) break;                                                                            \
      if (!G##_aff_is_inf(&ln->run[j])) G##_add_aff(&running, &ln->run[j]);                         \
      G##_add(&weighted, &running);                                                                 \
    }                                                                                               \
    for (size_t k = m; k > 1; k >>= 1) { G##_xyzz d = weighted; G##_dbl(&weighted, &d); }           \
    G##_add(&lanesum, &weighted);                                                                   \
    *out = lanesum;                                                                                 \
  }                                                                                                 \
                                                                                                    \
  /* bk[b] += xbk[b] for the buckets with an XYZZ twin: the twins made affine (one inversion of ZZ·ZZZ   \
     each, batched), then added in batches. */                                                      \
  static void G##_merge_twins(G##_aff *bk, const G##_xyzz *xbk, const uint8_t *hasx, size_t nb, G##_lanes *ln) { \
    int n = 0;                                                                                      \
    size_t idx[G##_LANES];                                                                          \
    for (size_t b = 0; b <= nb; b++) {                                                              \
      if (b < nb && hasx[b] && !F##_is_zero(&xbk[b].ZZ)) idx[n++] = b;                              \
      if (n < G##_LANES && (b < nb || n == 0)) continue;                                            \
      F prod = F##_ONE, inv;                                                                        \
      for (int k = 0; k < n; k++) {                                                                 \
        F##_mul(&ln->den[k], &xbk[idx[k]].ZZ, &xbk[idx[k]].ZZZ);                                    \
        ln->acc[k] = prod;                                                                          \
        F##_mul(&prod, &prod, &ln->den[k]);                                                         \
      }                                                                                             \
      F##_inv(&inv, &prod);                                                                         \
      for (int k = n - 1; k >= 0; k--) {                                                            \
        const G##_xyzz *p = &xbk[idx[k]];                                                           \
        F d, t; /* d = 1/(ZZ·ZZZ): x = X·ZZZ·d, y = Y·ZZ·d */                                         \
        F##_mul(&d, &inv, &ln->acc[k]);                                                             \
        F##_mul(&inv, &inv, &ln->den[k]);                                                           \
        F##_mul(&t, &p->ZZZ, &d);                                                                   \
        F##_mul(&ln->run[k].x, &p->X, &t);                                                          \
        F##_mul(&t, &p->ZZ, &d);                                                                    \
        F##_mul(&ln->run[k].y, &p->Y, &t);                                                          \
        ln->dst[k] = &bk[idx[k]];                                                                   \
        ln->src[k] = &ln->run[k];                                                                   \
      }                                                                                             \
      G##_add_pairs(ln->dst, ln->src, n, ln->den, ln->acc, ln->kind);                              \
      n = 0;                                                                                        \
    }                                                                                               \
  }                                                                                                 \
                                                                                                    \
  static void *G##_windows(void *arg) {                                                             \
    G##_job *job = arg;                                                                             \
    size_t nb = (size_t)1 << (job->c - 1); /* digit magnitudes 1 .. 2^(c-1) */                      \
    G##_batch *bt = malloc(sizeof(G##_batch));                                                      \
    G##_lanes *ln = malloc(sizeof(G##_lanes));                                                      \
    G##_aff *bk = malloc(nb * sizeof(G##_aff));                                                     \
    /* a second, XYZZ bucket takes a base whose bucket is already in the batch (no waiting) */      \
    G##_xyzz *xbk = malloc(nb * sizeof(G##_xyzz));                                                  \
    uint8_t *has = malloc(nb), *busy = malloc(nb), *hasx = malloc(nb);                              \
    if (bt == NULL || ln == NULL || bk == NULL || xbk == NULL || has == NULL || busy == NULL || hasx == NULL) { \
      job->failed = 1;                                                                              \
      free(bt); free(ln); free(bk); free(xbk); free(has); free(busy); free(hasx);                   \
      return NULL;                                                                                  \
    }                                                                                               \
    bt->bk = bk; bt->has = has; bt->busy = busy; bt->count = 0;                                     \
    for (;;) {                                                                                      \
      int k = __atomic_fetch_add(job->next, 1, __ATOMIC_RELAXED);                                   \
      if (k >= job->windows) break;                                                                 \
      int w = job->order[k];                                                                        \
      const int32_t *digits = job->digits + (size_t)w * job->n;                                     \
      memset(has, 0, nb);                                                                           \
      memset(busy, 0, nb);                                                                          \
      memset(hasx, 0, nb);                                                                          \
      for (size_t i = 0; i < job->n; i++) {                                                         \
        int32_t d = digits[i];                                                                      \
        if (d == 0 || G##_aff_is_inf(&job->bases[i])) continue;                                     \
        int neg = d < 0;                                                                            \
        uint32_t b = (uint32_t)(neg ? -d : d) - 1;                                                  \
        if (!has[b]) { bk[b] = G##_signed(&job->bases[i], neg); has[b] = 1; continue; }             \
        if (busy[b]) {                                                                              \
          if (!hasx[b]) { G##_set_inf(&xbk[b]); hasx[b] = 1; }                                      \
          G##_aff p = G##_signed(&job->bases[i], neg);                                              \
          G##_add_aff(&xbk[b], &p);                                                                 \
          continue;                                                                                 \
        }                                                                                           \
        busy[b] = 1;                                                                                \
        bt->bidx[bt->count] = b; bt->pts[bt->count] = &job->bases[i]; bt->neg[bt->count] = (uint8_t)neg; bt->count++; \
        if (bt->count == G##_BATCH) G##_flush(bt);                                                  \
      }                                                                                             \
      G##_flush(bt);                                                                                \
      for (size_t b = 0; b < nb; b++)                                                               \
        if (!has[b]) memset(&bk[b], 0, sizeof(G##_aff));                                            \
      G##_merge_twins(bk, xbk, hasx, nb, ln);                                                       \
      G##_bucket_sum(&job->sums[w], bk, nb, ln);                                                    \
    }                                                                                               \
    free(bt); free(ln); free(bk); free(xbk); free(has); free(busy); free(hasx);                     \
    return NULL;                                                                                    \
  }                                                                                                 \
                                                                                                    \
  static int G##_msm(G##_aff *out, const G##_aff *bases, const uint8_t *scalars, size_t n, int threads) { \
    int bits = 0; /* highest set bit over all scalars: small witness values need few windows */     \
    for (size_t i = 0; i < n; i++)                                                                  \
      for (int b = 31; b >= 0; b--)                                                                 \
        if (scalars[32 * i + b]) {                                                                  \
          int top = 8 * b + 32 - __builtin_clz((unsigned)scalars[32 * i + b]);                      \
          if (top > bits) bits = top;                                                               \
          break;                                                                                    \
        }                                                                                           \
    G##_xyzz acc;                                                                                   \
    G##_set_inf(&acc);                                                                              \
    if (bits == 0) { G##_to_aff(out, &acc); return 0; }                                             \
    /* about log2(n) - 2: signed digits halve the buckets, so one bit more than unsigned ones' optimum */ \
    int c = 2;                                                                                      \
    while (c < 16 && ((size_t)1 << (c + 2)) < n) c++;                                               \
    int windows = bits / c + 1; /* the top window takes the last carry */                           \
    int32_t *digits = malloc(n * (size_t)windows * sizeof(int32_t));                                \
    if (digits == NULL) return 1;                                                                   \
    int *order = malloc((size_t)windows * sizeof(int));                                             \
    if (order == NULL) { free(digits); return 1; }                                                  \
    digits_all(digits, order, scalars, n, c, windows, threads);                                     \
    if (threads > windows) threads = windows;                                                       \
    G##_xyzz *sums = calloc((size_t)windows, sizeof(G##_xyzz));                                     \
    G##_job *jobs = calloc((size_t)threads, sizeof(G##_job));                                       \
    pthread_t *tids = calloc((size_t)threads, sizeof(pthread_t));                                   \
    if (sums == NULL || jobs == NULL || tids == NULL) {                                             \
      free(sums); free(jobs); free(tids); free(order); free(digits);                                 \
      return 1;                                                                                     \
    }                                                                                               \
    int failed = 0, next = 0;                                                                       \
    for (int t = 0; t < threads; t++) jobs[t] = (G##_job){bases, digits, n, c, windows, order, &next, sums, 0, 0}; \
    /* thread 0 is this one; the windows a thread that cannot start would have taken go to the others */ \
    for (int t = 1; t < threads; t++) jobs[t].threaded = pthread_create(&tids[t], NULL, G##_windows, &jobs[t]) == 0; \
    G##_windows(&jobs[0]);                                                                          \
    for (int t = 1; t < threads; t++)                                                               \
      if (jobs[t].threaded) pthread_join(tids[t], NULL);                                            \
    for (int t = 0; t < threads; t++) failed |= jobs[t].failed;                                     \
    if (!failed)                                                                                    \
      for (int w = windows - 1; w >= 0; w--) {                                                      \
        for (int k = 0; k < c && w < windows - 1; k++) { G##_xyzz d = acc; G##_dbl(&acc, &d); }     \
        G##_add(&acc, &sums[w]);                                                                    \
      }                                                                                             \
    G##_to_aff(out, &acc);                                                                          \
    free(sums); free(jobs); free(tids); free(order); free(digits);                                  \
    return failed;                                                                                  \
  }

DEFINE_MSM(g1, fq)
DEFINE_MSM(g2, fq2)

// ---------------------------------------------------------------- Node-API: msm(group, bases, scalars, threads) (registered in addon.c)
static napi_value fail(napi_env env, const char *msg) {
  napi_throw_error(env, "NATIVE_MSM", msg);
  return NULL;
}

static int bytes_of(napi_env env, napi_value v, void **data, size_t *len) {
  napi_typedarray_type type;
  size_t length, offset;
  napi_value ab;
  if (napi_get_typedarray_info(env, v, &type, &length, data, &ab, &offset) != napi_ok || type != napi_uint8_array) return 0;
  *len = length;
  return 1;
}

static napi_value msm(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 4) return fail(env, "msm(group, bases, scalars, threads)");
  int32_t group, threads;
  void *bases, *scalars;
  size_t nbases, nscalars;
  if (napi_get_value_int32(env, argv[0], &group) != napi_ok || (group != 1 && group != 2)) return fail(env, "group must be 1 or 2");
  if (!bytes_of(env, argv[1], &bases, &nbases) || !bytes_of(env, argv[2], &scalars, &nscalars)) return fail(env, "bases and scalars must be Uint8Arrays");
  if (napi_get_value_int32(env, argv[3], &threads) != napi_ok || threads < 1) return fail(env, "threads must be >= 1");
  size_t point = group == 1 ? sizeof(g1_aff) : sizeof(g2_aff);
  if (nbases % point != 0 || nscalars % 32 != 0 || nbases / point != nscalars / 32) return fail(env, "bases and scalars differ in count");
  size_t n = nscalars / 32;

  void *out;
  napi_value result;
  if (napi_create_buffer(env, point, &out, &result) != napi_ok) return fail(env, "out of memory");
  int err = group == 1 ? g1_msm(out, bases, scalars, n, threads) : g2_msm(out, bases, scalars, n, threads);
  if (err) return fail(env, "out of memory");
  return result;
}
