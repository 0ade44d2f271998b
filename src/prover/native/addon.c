// The prover's Node-API addon: one translation unit (so the field code inlines everywhere) holding the
// multi-scalar multiplication (msm.c) and the FFTs and QAP step (fft.c). Built by native-msm.ts.
//
// Exports:
//   msm(group, bases, scalars, threads) -> affine point                  (msm.c)
//   fftDomain(power, omega, shift, threads) -> domain                     twiddles and coset factors, once per zkey
//   qapCoefficients(domain, section4, nVars)                              the zkey's A/B coefficients, split per thread
//   fft(domain, values, mode, threads) -> values                          0 FFT, 1 inverse FFT, 2 coset evaluation
//   qap(domain, witness[, times]) -> H scalars                            A·w, B·w, C, 6 FFTs, A·B − C (standard form);
//                                                                         times (Float64Array(2)): seconds of A·w, B·w, C and of the rest
//   fieldOp(field, op, a, b) -> values                                    field 0 Fq, 1 Fr; op 0 a+b, 1 a-b, 2 a·b, 3 1/a
//                                                                         elementwise over Montgomery-form arrays (for the tests)
//   mul: "adx" | "portable"                                               which Montgomery multiplication this build has
#include "msm.c"
#include "fft.c"

static const napi_type_tag DOMAIN_TAG = {0x7a6b72666674646fULL, 0x6d61696e00000001ULL};

static void domain_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  fft_domain_free(data);
}

static fft_domain *domain_of(napi_env env, napi_value v) {
  bool ok = false;
  void *d = NULL;
  if (napi_check_object_type_tag(env, v, &DOMAIN_TAG, &ok) != napi_ok || !ok) return NULL;
  if (napi_get_value_external(env, v, &d) != napi_ok) return NULL;
  return d;
}

static int fr_of(napi_env env, napi_value v, fr *out) {
  void *data;
  size_t len;
  if (!bytes_of(env, v, &data, &len) || len != 32) return 0;
  memcpy(out->v, data, 32);
  return 1;
}

static napi_value fft_domain_js(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 4) return fail(env, "fftDomain(power, omega, shift, threads)");
  int32_t power, threads;
  fr omega, shift;
  if (napi_get_value_int32(env, argv[0], &power) != napi_ok || power < 0 || power > 28) return fail(env, "power must be 0..28");
  if (!fr_of(env, argv[1], &omega) || !fr_of(env, argv[2], &shift)) return fail(env, "omega and shift must be 32-byte Uint8Arrays");
  if (napi_get_value_int32(env, argv[3], &threads) != napi_ok || threads < 1) return fail(env, "threads must be >= 1");
  fft_domain *d = fft_domain_new(power, &omega, &shift, threads);
  if (d == NULL) return fail(env, "out of memory");
  napi_value ext;
  if (napi_create_external(env, d, domain_finalize, NULL, &ext) != napi_ok) {
    fft_domain_free(d);
    return fail(env, "cannot wrap the domain");
  }
  napi_type_tag_object(env, ext, &DOMAIN_TAG);
  return ext;
}

static napi_value qap_coefficients_js(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 3) return fail(env, "qapCoefficients(domain, section4, nVars)");
  fft_domain *d = domain_of(env, argv[0]);
  if (d == NULL) return fail(env, "not an FFT domain");
  void *section;
  size_t len;
  uint32_t nvars;
  if (!bytes_of(env, argv[1], &section, &len)) return fail(env, "section4 must be a Uint8Array");
  if (napi_get_value_uint32(env, argv[2], &nvars) != napi_ok) return fail(env, "nVars must be a number");
  int err = qap_set_coefs(d, section, len, nvars);
  if (err == 1) return fail(env, "section 4 is shorter than its count of coefficients");
  if (err) return fail(env, "out of memory");
  return NULL;
}

static napi_value fft_js(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 4) return fail(env, "fft(domain, values, mode, threads)");
  fft_domain *d = domain_of(env, argv[0]);
  if (d == NULL) return fail(env, "not an FFT domain");
  void *in;
  size_t len;
  int32_t mode, threads;
  if (!bytes_of(env, argv[1], &in, &len) || len != d->n * 32) return fail(env, "values must be a Uint8Array of the domain's size x 32 bytes");
  if (napi_get_value_int32(env, argv[2], &mode) != napi_ok || mode < 0 || mode > 2) return fail(env, "mode must be 0 (FFT), 1 (inverse) or 2 (coset)");
  if (napi_get_value_int32(env, argv[3], &threads) != napi_ok || threads < 1) return fail(env, "threads must be >= 1");
  void *out;
  napi_value result;
  if (napi_create_buffer(env, len, &out, &result) != napi_ok) return fail(env, "out of memory");
  if (fft_run(d, in, out, mode, threads)) return fail(env, "out of memory");
  return result;
}

static napi_value qap_js(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 || argc > 3) return fail(env, "qap(domain, witness[, times])");
  double *times = NULL;
  if (argc == 3) {
    napi_typedarray_type type;
    size_t length, offset;
    napi_value ab;
    void *data;
    if (napi_get_typedarray_info(env, argv[2], &type, &length, &data, &ab, &offset) != napi_ok || type != napi_float64_array || length < 2)
      return fail(env, "times must be a Float64Array of 2");
    times = data;
  }
  fft_domain *d = domain_of(env, argv[0]);
  if (d == NULL) return fail(env, "not an FFT domain");
  if (d->nparts == 0) return fail(env, "the domain has no coefficients (qapCoefficients first)");
  void *w;
  size_t len;
  if (!bytes_of(env, argv[1], &w, &len) || len != (size_t)d->nvars * 32) return fail(env, "witness must be a Uint8Array of nVars x 32 bytes");
  void *out;
  napi_value result;
  if (napi_create_buffer(env, d->n * 32, &out, &result) != napi_ok) return fail(env, "out of memory");
  double seconds[2];
  if (qap_run(d, w, out, seconds)) return fail(env, "out of memory");
  if (times != NULL) memcpy(times, seconds, sizeof seconds);
  return result;
}

// The field code itself, elementwise, so the tests can check it against ffjavascript on edge values.
static napi_value field_op_js(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  int32_t field, op;
  void *a, *b;
  size_t alen, blen;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 4) return fail(env, "fieldOp(field, op, a, b)");
  if (napi_get_value_int32(env, argv[0], &field) != napi_ok || (field != 0 && field != 1)) return fail(env, "field must be 0 (Fq) or 1 (Fr)");
  if (napi_get_value_int32(env, argv[1], &op) != napi_ok || op < 0 || op > 3) return fail(env, "op must be 0 to 3");
  if (!bytes_of(env, argv[2], &a, &alen) || !bytes_of(env, argv[3], &b, &blen) || alen != blen || alen % 32 != 0) return fail(env, "a and b must be Uint8Arrays of equal length, 32 bytes an element");
  void *out;
  napi_value result;
  if (napi_create_buffer(env, alen, &out, &result) != napi_ok) return fail(env, "out of memory");
  for (size_t i = 0; i < alen / 32; i++) {
    const u64 *x = (const u64 *)a + 4 * i, *y = (const u64 *)b + 4 * i;
    u64 *r = (u64 *)out + 4 * i;
    if (field == 0) {
      fq fx, fy, fr_;
      memcpy(fx.v, x, 32);
      memcpy(fy.v, y, 32);
      if (op == 0) fq_add(&fr_, &fx, &fy);
      else if (op == 1) fq_sub(&fr_, &fx, &fy);
      else if (op == 2) fq_mul(&fr_, &fx, &fy);
      else fq_inv(&fr_, &fx);
      memcpy(r, fr_.v, 32);
    } else {
      fr fx, fy, fr_;
      memcpy(fx.v, x, 32);
      memcpy(fy.v, y, 32);
      if (op == 0) fr_add(&fr_, &fx, &fy);
      else if (op == 1) fr_sub(&fr_, &fx, &fy);
      else if (op == 2) fr_mul(&fr_, &fx, &fy);
      else fr_inv(&fr_, &fx);
      memcpy(r, fr_.v, 32);
    }
  }
  return result;
}

NAPI_MODULE_INIT() {
  const struct { const char *name; napi_callback fn; } fns[] = {
      {"msm", msm}, {"fftDomain", fft_domain_js}, {"qapCoefficients", qap_coefficients_js}, {"fft", fft_js}, {"qap", qap_js},
      {"fieldOp", field_op_js},
  };
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value fn;
    if (napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &fn) != napi_ok) return NULL;
    if (napi_set_named_property(env, exports, fns[i].name, fn) != napi_ok) return NULL;
  }
  napi_value kind;
  if (napi_create_string_utf8(env, ZKR_MUL_KIND, NAPI_AUTO_LENGTH, &kind) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "mul", kind) != napi_ok) return NULL;
  return exports;
}
