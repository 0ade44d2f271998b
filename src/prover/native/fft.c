// Number-theoretic FFTs over BN254's scalar field and the Groth16 QAP step, for the Node-API addon.
//
// Why: in the warm prover the QAP step (A·w, B·w, C = A∘B on the domain, then three inverse FFTs,
// three coset FFTs and H = A·B − C on the coset) ran in ffjavascript's wasm with 32-bit limbs, a few
// seconds a proof at 2^18; here it is 64-bit limbs on all threads.
//
// Layout: field elements are 32 bytes little-endian in Montgomery form (R = 2^256), exactly
// ffjavascript's Fr buffers; the witness is standard form (as in a .wtns) and so are H's scalars (they
// go to the multi-exponentiation). A domain object is made once per zkey: it holds the twiddles ω^k and
// ω^-k (k < n/2), the coset factors shift^k / n in bit-reversed order, and the zkey's A and B
// coefficients split into one part per thread by rows.
//
// Method: the inverse FFT is decimation in frequency (natural order in, bit-reversed out), the coset
// scaling is applied in that order, and the forward FFT is decimation in time (bit-reversed in, natural
// out): no bit-reversal pass in the proof. With T threads (a power of two), the log2(T) stages whose
// blocks are larger than n/T are split over the threads by butterfly index (a barrier after each);
// every other stage stays inside one thread's n/T region, which is walked depth-first (blocks of 2^10
// elements, 32 KiB, are finished in cache before the next).

DEFINE_FIELD(fr, 0x43e1f593f0000001ULL, 0x2833e84879b97091ULL, 0xb85045b68181585dULL, 0x30644e72e131a029ULL,
             0xc2e1f593efffffffULL, // -r^-1 mod 2^64
             0xac96341c4ffffffbULL, 0x36fc76959f60cd29ULL, 0x666ea36f7879462eULL, 0x0e0a77c19a07df2fULL) // R mod r

// R^2 mod r: mont(x, R^2) = x·R, standard form to Montgomery form.
static const fr FR_R2 = {{0x1bb8e645ae216da7ULL, 0x53fe3ab1e35c59e3ULL, 0x8c49833d53bb8085ULL, 0x0216d0b17f4e44a5ULL}};
// 1 as a raw integer: mont(x, 1) = x / R, Montgomery form to standard form.
static const fr FR_RAW_ONE = {{1, 0, 0, 0}};

enum { FFT_LEAF = 1 << 10, MAX_THREADS = 64 };

/** One coefficient of the A or B matrix: out[row] += coef * w[wire] (coef as stored in the zkey: c·R^2, so the product is c·w in Montgomery form). */
typedef struct {
  uint32_t row, wire;
  fr coef;
} qap_coef;

typedef struct {
  qap_coef *coefs[2]; // A (m = 0) and B (m = 1) entries of this part
  size_t count[2];
  uint32_t first_row, rows;
} qap_part;

typedef struct {
  int power;
  size_t n;
  int threads; // a power of two, <= n / 2 (1 for n < 2)
  fr *tw;      // ω^k, k < n/2
  fr *itw;     // ω^-k, k < n/2
  fr *coset;   // shift^bitrev(i) / n, i < n
  qap_part *parts;
  int nparts;
  uint32_t nvars;
} fft_domain;

static size_t bitrev(size_t x, int bits) {
  size_t r = 0;
  for (int i = 0; i < bits; i++) r |= ((x >> i) & 1) << (bits - 1 - i);
  return r;
}

static void fft_domain_free(fft_domain *d) {
  if (d == NULL) return;
  free(d->tw);
  free(d->itw);
  free(d->coset);
  if (d->parts != NULL)
    for (int k = 0; k < d->nparts; k++) {
      free(d->parts[k].coefs[0]);
      free(d->parts[k].coefs[1]);
    }
  free(d->parts);
  free(d);
}

/** A domain of 2^power points with primitive root omega and coset generator shift (both Montgomery form); NULL if out of memory. */
static fft_domain *fft_domain_new(int power, const fr *omega, const fr *shift, int threads) {
  fft_domain *d = calloc(1, sizeof *d);
  if (d == NULL) return NULL;
  d->power = power;
  d->n = (size_t)1 << power;
  int t = 1;
  while (t * 2 <= threads && t * 2 <= MAX_THREADS && (size_t)t * 2 <= d->n / 2) t *= 2;
  d->threads = t;
  size_t half = d->n / 2 > 0 ? d->n / 2 : 1;
  d->tw = malloc(half * sizeof(fr));
  d->itw = malloc(half * sizeof(fr));
  d->coset = malloc(d->n * sizeof(fr));
  if (d->tw == NULL || d->itw == NULL || d->coset == NULL) {
    fft_domain_free(d);
    return NULL;
  }
  fr iomega, w = fr_ONE, iw = fr_ONE;
  fr_inv(&iomega, omega);
  for (size_t k = 0; k < half; k++) {
    d->tw[k] = w;
    d->itw[k] = iw;
    fr_mul(&w, &w, omega);
    fr_mul(&iw, &iw, &iomega);
  }
  // 1/n: n < r, so n·R mod r is n's Montgomery form.
  fr nm = {{(u64)d->n, 0, 0, 0}}, ninv;
  fr_mul(&nm, &nm, &FR_R2);
  fr_inv(&ninv, &nm);
  fr s = ninv;
  for (size_t k = 0; k < d->n; k++) {
    d->coset[bitrev(k, power)] = s;
    fr_mul(&s, &s, shift);
  }
  return d;
}

/** Entry i of zkey section 4 (44 bytes: m | row | wire | coefficient): 1 if qap_buildABC would use it. */
static int coef_entry(const uint8_t *e, uint32_t i, uint32_t n, uint32_t nvars, uint32_t *m, uint32_t *row, uint32_t *wire) {
  memcpy(m, e + 44 * (size_t)i, 4);
  memcpy(row, e + 44 * (size_t)i + 4, 4);
  memcpy(wire, e + 44 * (size_t)i + 8, 4);
  return *m <= 1 && *row < n && *wire < nvars;
}

/**
 * Splits zkey section 4 (u32 count, then entries m | row | wire | coefficient) into one part per thread,
 * by rows, with about the same number of entries each. Entries ffjavascript's qap_buildABC skips (m not
 * 0 or 1, a row outside the domain, a wire outside the witness) are dropped here. 0 on success.
 */
static int qap_set_coefs(fft_domain *d, const uint8_t *section, size_t len, uint32_t nvars) {
  if (len < 4) return 1;
  uint32_t count;
  memcpy(&count, section, 4);
  if ((len - 4) / 44 < count) return 1;
  const uint8_t *e = section + 4;
  uint32_t *per_row = calloc(d->n, sizeof(uint32_t));
  if (per_row == NULL) return 2;
  size_t kept = 0;
  for (uint32_t i = 0; i < count; i++) {
    uint32_t m, row, wire;
    if (!coef_entry(e, i, (uint32_t)d->n, nvars, &m, &row, &wire)) continue;
    per_row[row]++;
    kept++;
  }
  int np = d->threads;
  qap_part *parts = calloc((size_t)np, sizeof(qap_part));
  uint8_t *part_of = malloc(d->n);
  if (parts == NULL || part_of == NULL) {
    free(per_row); free(parts); free(part_of);
    return 2;
  }
  // Row bounds at equal shares of the entries; every part gets at least the rows left to it.
  size_t acc = 0, row = 0;
  for (int k = 0; k < np; k++) {
    parts[k].first_row = (uint32_t)row;
    size_t goal = kept * (size_t)(k + 1) / (size_t)np;
    if (k == np - 1) row = d->n;
    else
      while (row < d->n && acc < goal) acc += per_row[row++];
    parts[k].rows = (uint32_t)(row - parts[k].first_row);
    memset(part_of + parts[k].first_row, k, parts[k].rows);
  }
  for (uint32_t i = 0; i < count; i++) {
    uint32_t m, r, wire;
    if (!coef_entry(e, i, (uint32_t)d->n, nvars, &m, &r, &wire)) continue;
    parts[part_of[r]].count[m]++;
  }
  int failed = 0;
  for (int k = 0; k < np; k++)
    for (int m = 0; m < 2; m++) {
      parts[k].coefs[m] = malloc((parts[k].count[m] > 0 ? parts[k].count[m] : 1) * sizeof(qap_coef));
      if (parts[k].coefs[m] == NULL) failed = 1;
      parts[k].count[m] = 0;
    }
  if (!failed)
    for (uint32_t i = 0; i < count; i++) {
      uint32_t m, r, wire;
      if (!coef_entry(e, i, (uint32_t)d->n, nvars, &m, &r, &wire)) continue;
      qap_part *p = &parts[part_of[r]];
      qap_coef *c = &p->coefs[m][p->count[m]++];
      c->row = r;
      c->wire = wire;
      memcpy(c->coef.v, e + 44 * (size_t)i + 12, 32);
    }
  free(per_row);
  free(part_of);
  if (failed) {
    for (int k = 0; k < np; k++) { free(parts[k].coefs[0]); free(parts[k].coefs[1]); }
    free(parts);
    return 2;
  }
  if (d->parts != NULL)
    for (int k = 0; k < d->nparts; k++) { free(d->parts[k].coefs[0]); free(d->parts[k].coefs[1]); }
  free(d->parts);
  d->parts = parts;
  d->nparts = np;
  d->nvars = nvars;
  return 0;
}

// ---------------------------------------------------------------- butterflies
// Decimation in frequency on one block of len elements whose twiddles are w[j * stride] (stride = n / len).
static void dif_block(fr *a, size_t len, size_t stride, const fr *w) {
  if (len <= FFT_LEAF) {
    for (size_t l = len, s = stride; l >= 2; l >>= 1, s <<= 1) {
      size_t h = l / 2;
      for (size_t b = 0; b < len; b += l)
        for (size_t j = 0; j < h; j++) {
          fr u = a[b + j], v = a[b + j + h], t;
          fr_add(&a[b + j], &u, &v);
          fr_sub(&t, &u, &v);
          if (j == 0) a[b + j + h] = t;
          else fr_mul(&a[b + j + h], &t, &w[j * s]);
        }
    }
    return;
  }
  size_t h = len / 2;
  for (size_t j = 0; j < h; j++) {
    fr u = a[j], v = a[j + h], t;
    fr_add(&a[j], &u, &v);
    fr_sub(&t, &u, &v);
    fr_mul(&a[j + h], &t, &w[j * stride]);
  }
  dif_block(a, h, stride * 2, w);
  dif_block(a + h, h, stride * 2, w);
}

// Decimation in time on one block (bit-reversed in, natural out), twiddles w[j * stride].
static void dit_block(fr *a, size_t len, size_t stride, const fr *w) {
  if (len <= FFT_LEAF) {
    for (size_t l = 2, s = stride * (len / 2); l <= len; l <<= 1, s >>= 1) {
      size_t h = l / 2;
      for (size_t b = 0; b < len; b += l)
        for (size_t j = 0; j < h; j++) {
          fr u = a[b + j], v;
          if (j == 0) v = a[b + j + h];
          else fr_mul(&v, &a[b + j + h], &w[j * s]);
          fr_add(&a[b + j], &u, &v);
          fr_sub(&a[b + j + h], &u, &v);
        }
    }
    return;
  }
  size_t h = len / 2;
  dit_block(a, h, stride * 2, w);
  dit_block(a + h, h, stride * 2, w);
  for (size_t j = 0; j < h; j++) {
    fr u = a[j], v;
    fr_mul(&v, &a[j + h], &w[j * stride]);
    fr_add(&a[j], &u, &v);
    fr_sub(&a[j + h], &u, &v);
  }
}

// ---------------------------------------------------------------- threads: one parallel region, T workers, barriers
typedef struct region region;
typedef void (*region_fn)(region *, int t);
struct region {
  int threads; // a power of two: the FFT partitions need it
  pthread_barrier_t barrier;
  pthread_mutex_t lock;
  pthread_cond_t go;
  int ready;
  region_fn fn;
  void *arg;
};

typedef struct {
  region *r;
  int t;
} region_worker;

static void *region_main(void *p) {
  region_worker *w = p;
  region *r = w->r;
  pthread_mutex_lock(&r->lock);
  while (!r->ready) pthread_cond_wait(&r->go, &r->lock);
  pthread_mutex_unlock(&r->lock);
  if (w->t < r->threads) r->fn(r, w->t);
  return NULL;
}

static void region_sync(region *r) {
  if (r->threads > 1) pthread_barrier_wait(&r->barrier);
}

/**
 * Runs fn(r, t) for t < T on this thread and T - 1 new ones, T the largest power of two <= threads that
 * could be started (the threads wait at a gate until T is known; fewer threads is slower, never wrong).
 */
static void region_run(region *r, int threads, region_fn fn, void *arg) {
  r->fn = fn;
  r->arg = arg;
  r->ready = 0;
  if (threads > MAX_THREADS) threads = MAX_THREADS;
  pthread_t tids[MAX_THREADS];
  region_worker workers[MAX_THREADS];
  pthread_mutex_init(&r->lock, NULL);
  pthread_cond_init(&r->go, NULL);
  int started = 1;
  for (int t = 1; t < threads; t++) {
    workers[started] = (region_worker){r, started};
    if (pthread_create(&tids[started], NULL, region_main, &workers[started]) != 0) break;
    started++;
  }
  int T = 1;
  while (T * 2 <= started) T *= 2;
  if (T > 1 && pthread_barrier_init(&r->barrier, NULL, (unsigned)T) != 0) T = 1;
  pthread_mutex_lock(&r->lock);
  r->threads = T;
  r->ready = 1;
  pthread_cond_broadcast(&r->go);
  pthread_mutex_unlock(&r->lock);
  fn(r, 0);
  for (int t = 1; t < started; t++) pthread_join(tids[t], NULL);
  if (T > 1) pthread_barrier_destroy(&r->barrier);
  pthread_cond_destroy(&r->go);
  pthread_mutex_destroy(&r->lock);
}

// Full-domain FFT steps inside a region: thread t of T.
// Inverse direction (DIF, natural -> bit-reversed) with twiddles w.
static void region_dif(region *r, int t, fr *a, size_t n, const fr *w) {
  size_t T = (size_t)r->threads;
  size_t len = n, stride = 1;
  for (; len > n / T; len >>= 1, stride <<= 1) {
    size_t h = len / 2, from = h * (size_t)t / T, to = h * ((size_t)t + 1) / T;
    for (size_t b = 0; b < n; b += len)
      for (size_t j = from; j < to; j++) {
        fr u = a[b + j], v = a[b + j + h], x;
        fr_add(&a[b + j], &u, &v);
        fr_sub(&x, &u, &v);
        fr_mul(&a[b + j + h], &x, &w[j * stride]);
      }
    region_sync(r);
  }
  if (len >= 2) dif_block(a + len * (size_t)t, len, stride, w);
}

// Forward direction (DIT, bit-reversed -> natural) with twiddles w; thread t's own region first.
static void region_dit(region *r, int t, fr *a, size_t n, const fr *w) {
  size_t T = (size_t)r->threads;
  size_t len = n / T;
  if (len >= 2) dit_block(a + len * (size_t)t, len, n / len, w);
  for (len *= 2; len <= n && T > 1; len <<= 1) {
    region_sync(r);
    size_t h = len / 2, stride = n / len, from = h * (size_t)t / T, to = h * ((size_t)t + 1) / T;
    for (size_t b = 0; b < n; b += len)
      for (size_t j = from; j < to; j++) {
        fr u = a[b + j], v;
        fr_mul(&v, &a[b + j + h], &w[j * stride]);
        fr_add(&a[b + j], &u, &v);
        fr_sub(&a[b + j + h], &u, &v);
      }
  }
}

static void range_of(size_t n, int t, int T, size_t *from, size_t *to) {
  *from = n * (size_t)t / (size_t)T;
  *to = n * ((size_t)t + 1) / (size_t)T;
}

// ---------------------------------------------------------------- plain transforms (natural order in and out)
enum { FFT_FORWARD = 0, FFT_INVERSE = 1, FFT_COSET = 2 };

typedef struct {
  const fft_domain *d;
  fr *a;
  fr *tmp;
  int mode;
} fft_job;

static void fft_region(region *r, int t) {
  fft_job *j = r->arg;
  const fft_domain *d = j->d;
  size_t n = d->n, from, to;
  range_of(n, t, r->threads, &from, &to);
  if (j->mode == FFT_FORWARD) {
    // natural -> bit-reversed copy -> DIT -> natural
    for (size_t i = from; i < to; i++) j->tmp[bitrev(i, d->power)] = j->a[i];
    region_sync(r);
    region_dit(r, t, j->tmp, n, d->tw);
  } else {
    region_dif(r, t, j->a, n, d->itw);
    region_sync(r);
    if (j->mode == FFT_INVERSE) {
      fr ninv = d->coset[0]; // shift^0 / n
      for (size_t i = from; i < to; i++) fr_mul(&j->tmp[bitrev(i, d->power)], &j->a[i], &ninv);
    } else {
      for (size_t i = from; i < to; i++) fr_mul(&j->tmp[i], &j->a[i], &d->coset[i]);
      region_sync(r);
      region_dit(r, t, j->tmp, n, d->tw);
    }
  }
}

/** out = FFT, inverse FFT or coset evaluation (inverse FFT, times shift^i, FFT) of in; n elements, Montgomery form. 0 on success. */
static int fft_run(const fft_domain *d, const fr *in, fr *out, int mode, int threads) {
  fr *a = malloc(d->n * sizeof(fr));
  if (a == NULL) return 2;
  memcpy(a, in, d->n * sizeof(fr));
  fft_job job = {d, a, out, mode};
  region r;
  int T = threads < d->threads ? threads : d->threads;
  int t2 = 1;
  while (t2 * 2 <= T) t2 *= 2;
  region_run(&r, t2, fft_region, &job);
  free(a);
  return 0;
}

// ---------------------------------------------------------------- the QAP step
typedef struct {
  const fft_domain *d;
  const fr *witness; // standard form
  fr *abc[3];
  fr *h; // output, standard form
  double *seconds; // [A·w, B·w, C; the rest], measured by thread 0
} qap_job;

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void qap_region(region *r, int t) {
  qap_job *j = r->arg;
  const fft_domain *d = j->d;
  size_t n = d->n, from, to;
  fr *a = j->abc[0], *b = j->abc[1], *c = j->abc[2];
  double t0 = now_seconds();
  // A·w and B·w on this thread's rows, then C = A∘B there.
  for (int k = t; k < d->nparts; k += r->threads) {
    const qap_part *p = &d->parts[k];
    memset(a + p->first_row, 0, p->rows * sizeof(fr));
    memset(b + p->first_row, 0, p->rows * sizeof(fr));
    for (int m = 0; m < 2; m++) {
      fr *out = m == 0 ? a : b;
      const qap_coef *cs = p->coefs[m];
      for (size_t i = 0; i < p->count[m]; i++) {
        fr x;
        fr_mul(&x, &j->witness[cs[i].wire], &cs[i].coef);
        fr_add(&out[cs[i].row], &out[cs[i].row], &x);
      }
    }
    for (size_t i = p->first_row; i < (size_t)p->first_row + p->rows; i++) fr_mul(&c[i], &a[i], &b[i]);
  }
  region_sync(r);
  double t1 = now_seconds();
  // Each of A, B, C: evaluations on the domain -> coefficients (bit-reversed) -> times shift^k / n -> evaluations on the coset.
  size_t T = (size_t)r->threads, own = n / T;
  for (int q = 0; q < 3; q++) {
    fr *x = j->abc[q];
    region_dif(r, t, x, n, d->itw);
    // After the split stages, thread t holds region [t·n/T, (t+1)·n/T): scale it and start the DIT there, no barrier.
    for (size_t i = own * (size_t)t; i < own * ((size_t)t + 1); i++) fr_mul(&x[i], &x[i], &d->coset[i]);
    region_dit(r, t, x, n, d->tw);
  }
  region_sync(r);
  // H = A·B − C, out of Montgomery form.
  range_of(n, t, r->threads, &from, &to);
  for (size_t i = from; i < to; i++) {
    fr x;
    fr_mul(&x, &a[i], &b[i]);
    fr_sub(&x, &x, &c[i]);
    fr_mul(&j->h[i], &x, &FR_RAW_ONE);
  }
  region_sync(r);
  if (t == 0) {
    j->seconds[0] = t1 - t0;
    j->seconds[1] = now_seconds() - t1;
  }
}

/** H's scalars (standard form, n of them) from a witness (standard form, nvars values). 0 on success. */
static int qap_run(const fft_domain *d, const fr *witness, fr *h, double seconds[2]) {
  if (d->nparts == 0) return 1;
  fr *buf = malloc(3 * d->n * sizeof(fr));
  if (buf == NULL) return 2;
  qap_job job = {d, witness, {buf, buf + d->n, buf + 2 * d->n}, h, seconds};
  region r;
  region_run(&r, d->threads, qap_region, &job);
  free(buf);
  return 0;
}
