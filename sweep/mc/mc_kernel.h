// The Monte Carlo kernel: one replication of one McModel, as host/device code. The same source
// is compiled by g++ (mc_cpu.cpp, OpenMP over replications) and by nvcc (mc_cuda.cu, one
// replication per GPU thread), and gives the same bits on both: the arithmetic is + - * / and
// sqrt only (no libm or CUDA math library; own mc_log/mc_exp), compiled without FMA contraction
// (-ffp-contract=off, --fmad=false).
//
// Algorithm: nodes in topological order. A node gathers the customers that reach it with their
// arrival times (kept per customer id in an arrival buffer, the max over the edges taken), a
// station sorts them by (arrival, id) and runs a Kiefer-Wolfowitz recursion over its servers
// (earliest free server first; batches with Triton's timeout semantics), and writes each
// customer's departure plus the edge delay into its successor's arrival buffer.
//
// Workspace: arrays of `capacity` elements; on the GPU they are interleaved across threads
// (element i of lane l at i * lanes + l) so that lanes working in step access memory together.
#pragma once

#include <Random123/philox.h>

#include <cstdint>

// The kernel is compiled once per instruction set: portably (mc_cpu.cpp), for AVX-512
// (mc_cpu_avx512.cpp, chosen at run time where the CPU has it) and by nvcc. Each build's
// functions live in their own inline namespace, so the linker never takes one build's copy of an
// inline function for another's (which would run AVX-512 code on a CPU without it). The results
// are the same bits in every build: the AVX-512 parts only move and compare values.
#if defined(__CUDACC__)
#define SCALESIM_MC_ISA cuda
#elif defined(__AVX512F__)
#include <immintrin.h>
#define SCALESIM_MC_AVX512 1
#define SCALESIM_MC_ISA avx512
#else
#define SCALESIM_MC_ISA portable
#endif

#include "mc/mc_log_table.h"
#include "mc/mc_model.h"
#include "mc/mc_ziggurat_tables.h"

#if defined(__CUDACC__)
#define SCALESIM_MC_INLINE __forceinline__
#define SCALESIM_MC_NOINLINE __noinline__
#else
#define SCALESIM_MC_INLINE inline __attribute__((always_inline))
#define SCALESIM_MC_NOINLINE inline __attribute__((noinline))
#endif

namespace scalesim::mc::kernel {

// Per-node constants derived on the host (same values for every backend). Plain data, outside
// the per-build namespace: the host makes the plans that every build reads.
struct NodePlan {
  std::int32_t slot = -1;             // arrival buffer (non-source nodes)
  std::int32_t first_pred = -1;       // first node with an edge here: initialises the buffer
  std::int32_t first_writes_all = 0;  // 1: first_pred sends every customer here (no initialisation)
  std::int32_t reaches_all = 0;       // 1: every customer of the replication arrives here
  std::int32_t erlang_k = 1;
  double ln_mu = 0;  // lognormal
  double ln_sigma = 0;
};

struct Plan {
  NodePlan node[kMaxNodes];
  std::int32_t slots = 0;     // arrival buffers in use at the same time
  std::int32_t capacity = 0;  // customers per replication
  std::int32_t servers = 1;   // server heap size (largest, capped at capacity)
};

enum Status : std::int32_t { kOk = 0, kCapacityExceeded = 1 };

inline namespace SCALESIM_MC_ISA {

// ---------------------------------------------------------------------------------------------
// Deterministic math.

SCALESIM_HD inline std::uint64_t bits_of(double x) {
#if defined(__CUDA_ARCH__)
  return static_cast<std::uint64_t>(__double_as_longlong(x));
#else
  std::uint64_t b;
  __builtin_memcpy(&b, &x, sizeof b);
  return b;
#endif
}

SCALESIM_HD inline double double_of(std::uint64_t b) {
#if defined(__CUDA_ARCH__)
  return __longlong_as_double(static_cast<long long>(b));
#else
  double x;
  __builtin_memcpy(&x, &b, sizeof x);
  return x;
#endif
}

// Natural logarithm of a positive finite x, by table: x = 2^k m with m in [1, 2); the top 7 bits
// of m pick a breakpoint c = 1 + j/128 (mc_log_table.h) with 0 <= m / c - 1 < 1/128, and
// log(m) = log(c) + log1p(r), r = (m - c) / c (m - c is exact), log1p by its series to r^7
// (truncation below 2e-18). Absolute error below 5e-16, exact at 1; no division, so it costs a
// fraction of fdlibm's log, which dominated the kernel's time.
struct LogEntry {
  double c, inv_c, log_c;
};
#if defined(__CUDACC__)
static __constant__ LogEntry kLogTableDevice[128] = SCALESIM_MC_LOG_TABLE;
#endif
inline constexpr LogEntry kLogTableHost[128] = SCALESIM_MC_LOG_TABLE;

SCALESIM_HD inline double mc_log(double x) {
  constexpr double kLn2 = 0x1.62e42fefa39efp-1;
  int k = 0;
  std::uint64_t b = bits_of(x);
  if ((b >> 52) == 0) {  // subnormal: scale up by 2^54
    x *= 18014398509481984.0;
    b = bits_of(x);
    k = -54;
  }
  k += static_cast<int>(b >> 52) - 1023;
  const std::uint64_t mant = b & 0x000fffffffffffffULL;
  const double m = double_of(mant | 0x3ff0000000000000ULL);
  const auto j = static_cast<int>(mant >> 45);
#if defined(__CUDA_ARCH__)
  const LogEntry& e = kLogTableDevice[j];
#else
  const LogEntry& e = kLogTableHost[j];
#endif
  const double r = (m - e.c) * e.inv_c;
  const double p =
      r * (1.0 + r * (-0.5 + r * (1.0 / 3.0 +
                                  r * (-0.25 + r * (0.2 + r * (-1.0 / 6.0 + r * (1.0 / 7.0)))))));
  return (static_cast<double>(k) * kLn2 + e.log_c) + p;
}

// Correctly rounded square root (IEEE on both sides).
SCALESIM_HD inline double mc_sqrt(double x) {
#if defined(__CUDA_ARCH__)
  return __dsqrt_rn(x);
#else
  return __builtin_sqrt(x);
#endif
}

// e^x (fdlibm's e_exp.c algorithm: below 1 ulp); 0 below -745, 1e308 above 709.
SCALESIM_HD inline double mc_exp(double x) {
  constexpr double kLn2Hi = 6.93147180369123816490e-01;
  constexpr double kLn2Lo = 1.90821492927058770002e-10;
  constexpr double kInvLn2 = 1.44269504088896338700e+00;
  constexpr double kP1 = 1.66666666666666019037e-01;
  constexpr double kP2 = -2.77777777770155933842e-03;
  constexpr double kP3 = 6.61375632143793436117e-05;
  constexpr double kP4 = -1.65339022054652515390e-06;
  constexpr double kP5 = 4.13813679705723846039e-08;
  if (x > 709.0) return 1e308;
  if (x < -745.0) return 0.0;
  const int k = static_cast<int>(x * kInvLn2 + (x < 0 ? -0.5 : 0.5));
  const double dk = static_cast<double>(k);
  const double hi = x - dk * kLn2Hi;
  const double lo = dk * kLn2Lo;
  const double r = hi - lo;
  const double t = r * r;
  const double c = r - t * (kP1 + t * (kP2 + t * (kP3 + t * (kP4 + t * kP5))));
  const double y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi);
  // y * 2^k, in two steps so that every intermediate power is a normal double.
  const int k1 = k / 2;
  const int k2 = k - k1;
  const double s1 = double_of(static_cast<std::uint64_t>(k1 + 1023) << 52);
  const double s2 = double_of(static_cast<std::uint64_t>(k2 + 1023) << 52);
  return y * s1 * s2;
}

// ---------------------------------------------------------------------------------------------
// Random streams: Philox4x64-10 keyed by (seed, replication); counter = {block, tag, 0, 0}
// with tag = node << 8 | purpose.

enum Purpose : std::uint64_t { kPurposeSource = 1, kPurposeService = 2, kPurposeRoute = 3 };

SCALESIM_HD inline double to_uniform(std::uint64_t x) {
  return (static_cast<double>(x >> 11) + 0.5) * 0x1.0p-53;
}

#if !defined(__CUDA_ARCH__)
// Philox4x64-10 (Salmon et al., SC'11) on the host: Random123's rounds written out on scalars,
// which g++ keeps in registers (half the time of r123::Philox4x64 here); the same bits
// (ctest McRandom.HostPhiloxMatchesRandom123).
__extension__ typedef unsigned __int128 PhiloxProduct;  // NOLINT(modernize-use-using)

inline void philox4x64_10(std::uint64_t c0, std::uint64_t c1, std::uint64_t k0, std::uint64_t k1,
                          std::uint64_t* out) {
  std::uint64_t c2 = 0;
  std::uint64_t c3 = 0;
  for (int r = 0; r < 10; ++r) {
    const PhiloxProduct p0 = static_cast<PhiloxProduct>(0xD2E7470EE14C6C93ULL) * c0;
    const PhiloxProduct p1 = static_cast<PhiloxProduct>(0xCA5A826395121157ULL) * c2;
    const auto hi0 = static_cast<std::uint64_t>(p0 >> 64);
    const auto hi1 = static_cast<std::uint64_t>(p1 >> 64);
    c0 = hi1 ^ c1 ^ k0;
    c1 = static_cast<std::uint64_t>(p1);
    c2 = hi0 ^ c3 ^ k1;
    c3 = static_cast<std::uint64_t>(p0);
    k0 += 0x9E3779B97F4A7C15ULL;
    k1 += 0xBB67AE8584CAA73BULL;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}
#endif

// One Philox block (four words) at a time: fetching several per refill measured no faster here,
// since the host rounds already run at the multiplier's throughput.
struct Stream {
  r123::Philox4x64::key_type key;
  std::uint64_t tag = 0;
  std::uint64_t block = 0;  // the block in buf
  std::uint64_t buf[4] = {0, 0, 0, 0};
  int used = 4;

  SCALESIM_HD Stream(std::uint64_t seed, std::uint64_t rep, int node, std::uint64_t purpose)
      : key{{seed, rep}}, tag((static_cast<std::uint64_t>(node) << 8) | purpose) {
    block = ~std::uint64_t{0};  // the first refill fetches block 0
  }

  SCALESIM_HD void fill(std::uint64_t b) {
    block = b;
#if defined(__CUDA_ARCH__)
    const r123::Philox4x64::ctr_type ctr = {{b, tag, 0, 0}};
    const r123::Philox4x64::ctr_type out = r123::Philox4x64{}(ctr, key);
    buf[0] = out.v[0];
    buf[1] = out.v[1];
    buf[2] = out.v[2];
    buf[3] = out.v[3];
#else
    philox4x64_10(b, tag, key.v[0], key.v[1], buf);
#endif
  }
  // Sequential draws: word w of the stream is word w % 4 of block w / 4.
  SCALESIM_HD SCALESIM_MC_INLINE std::uint64_t next() {
    if (used == 4) {
      fill(block + 1);
      used = 0;
    }
    return buf[used++];
  }
  SCALESIM_HD double uniform() {
    return to_uniform(next());
  }
  // Word i of the stream (for per-customer draws: i = customer id), for increasing i; not mixed
  // with next() on the same stream.
  SCALESIM_HD double uniform_at(std::uint64_t i) {
    const std::uint64_t b = i >> 2;
    if (used == 4 || b != block) {
      fill(b);
      used = 0;
    }
    return to_uniform(buf[i & 3]);
  }
};

// ---------------------------------------------------------------------------------------------
// Ziggurat samplers (Marsaglia and Tsang 2000, layers as in Doornik's ZIGNOR; tables in
// mc_ziggurat_tables.h). One 64-bit word gives the layer (low bits) and a 53-bit uniform (top
// bits); ~99% of draws end there with one multiplication and one comparison, the rest take the
// wedge test (mc_exp) or the tail (mc_log). No libm: the same bits on host and device.

#if defined(__CUDACC__)
static __device__ const double kZigExpXDevice[257] = SCALESIM_MC_ZIG_EXP_X;
static __device__ const double kZigExpFDevice[257] = SCALESIM_MC_ZIG_EXP_F;
static __device__ const double kZigNormalXDevice[129] = SCALESIM_MC_ZIG_NORMAL_X;
static __device__ const double kZigNormalFDevice[129] = SCALESIM_MC_ZIG_NORMAL_F;
#endif
inline constexpr double kZigExpXHost[257] = SCALESIM_MC_ZIG_EXP_X;
inline constexpr double kZigExpFHost[257] = SCALESIM_MC_ZIG_EXP_F;
inline constexpr double kZigNormalXHost[129] = SCALESIM_MC_ZIG_NORMAL_X;
inline constexpr double kZigNormalFHost[129] = SCALESIM_MC_ZIG_NORMAL_F;

#if defined(__CUDA_ARCH__)
#define SCALESIM_MC_ZIG(name) kZig##name##Device
#else
#define SCALESIM_MC_ZIG(name) kZig##name##Host
#endif

// The rare part of exponential(): word b missed layer i's rectangle (x = its point); the wedge
// test, the tail, and further tries.
SCALESIM_HD SCALESIM_MC_NOINLINE double exponential_slow(Stream& st, std::uint64_t b, double x) {
  const double* zx = SCALESIM_MC_ZIG(ExpX);
  const double* zf = SCALESIM_MC_ZIG(ExpF);
  for (;;) {
    const int i = static_cast<int>(b & 0xff);
    if (x < zx[i + 1]) return x;
    // The tail beyond R is R plus a standard exponential (memorylessness).
    if (i == 0) return SCALESIM_MC_ZIG_EXP_R - mc_log(st.uniform());
    // The wedge test y < e^-x. e^-x is convex, so it lies above its tangent at x_i and below the
    // chord of the layer: these squeezes decide almost every test without mc_exp, and their
    // margin (far above the few ulps of rounding in either side) keeps each decision the one
    // mc_exp would make, so the draws are the same bits.
    const double y = zf[i] + st.uniform() * (zf[i + 1] - zf[i]);
    const double margin = 1e-12 * zf[i + 1];
    if (y < zf[i] * (1.0 + (zx[i] - x)) - margin) return x;
    const double chord = zf[i] + (zf[i + 1] - zf[i]) * ((zx[i] - x) / (zx[i] - zx[i + 1]));
    if (!(y > chord + margin) && y < mc_exp(-x)) return x;
    b = st.next();
    x = to_uniform(b) * zx[b & 0xff];
  }
}

// Standard exponential (mean 1).
SCALESIM_HD SCALESIM_MC_INLINE double exponential(Stream& st) {
  const std::uint64_t b = st.next();
  const int i = static_cast<int>(b & 0xff);
  const double x = to_uniform(b) * SCALESIM_MC_ZIG(ExpX)[i];
  if (x < SCALESIM_MC_ZIG(ExpX)[i + 1]) return x;
  return exponential_slow(st, b, x);
}

SCALESIM_HD SCALESIM_MC_NOINLINE double normal_slow(Stream& st, std::uint64_t b, double x) {
  const double* zx = SCALESIM_MC_ZIG(NormalX);
  const double* zf = SCALESIM_MC_ZIG(NormalF);
  for (;;) {
    const int i = static_cast<int>(b & 0x7f);
    const double sign = (b & 0x80) != 0 ? -1.0 : 1.0;
    if (x < zx[i + 1]) return sign * x;
    if (i == 0) {
      // Marsaglia's tail: beyond R, R + t with t exponential, accepted when 2y > t^2.
      constexpr double kR = SCALESIM_MC_ZIG_NORMAL_R;
      double t = 0;
      double y = 0;
      do {
        t = -mc_log(st.uniform()) * (1.0 / kR);
        y = -mc_log(st.uniform());
      } while (!(y + y > t * t));
      return sign * (kR + t);
    }
    if (zf[i] + st.uniform() * (zf[i + 1] - zf[i]) < mc_exp(-0.5 * x * x)) return sign * x;
    b = st.next();
    x = to_uniform(b) * zx[b & 0x7f];
  }
}

// Standard normal: bits 0-6 the layer, bit 7 the sign.
SCALESIM_HD SCALESIM_MC_INLINE double normal(Stream& st) {
  const std::uint64_t b = st.next();
  const int i = static_cast<int>(b & 0x7f);
  const double x = to_uniform(b) * SCALESIM_MC_ZIG(NormalX)[i];
  if (x < SCALESIM_MC_ZIG(NormalX)[i + 1]) return (b & 0x80) != 0 ? -x : x;
  return normal_slow(st, b, x);
}

SCALESIM_HD SCALESIM_MC_INLINE double draw(const Dist& d, const NodePlan& np, Stream& st) {
  switch (d.kind) {
    case DistKind::kExponential:
      return d.mean * exponential(st);
    case DistKind::kDeterministic:
      return d.mean;
    case DistKind::kUniform:
      return d.mean * (1.0 + d.shape * (2.0 * st.uniform() - 1.0));
    case DistKind::kLognormal:
      return mc_exp(np.ln_mu + np.ln_sigma * normal(st));
    case DistKind::kErlang: {
      double sum = 0;
      for (int i = 0; i < np.erlang_k; ++i) sum += exponential(st);
      return (d.mean / static_cast<double>(np.erlang_k)) * sum;
    }
  }
  return d.mean;
}

// ---------------------------------------------------------------------------------------------
// Workspace views.

template <class T, bool kStrided>
struct View {
  T* p = nullptr;
  std::int64_t stride = 1;
  SCALESIM_HD T& operator[](std::int64_t i) const {
    if constexpr (kStrided) {
      return p[i * stride];
    } else {
      return p[i];
    }
  }
};

// Element counts of one lane's workspace: doubles then int32s.
SCALESIM_HD inline std::int64_t workspace_doubles(std::int64_t capacity, std::int64_t slots,
                                                  std::int64_t servers) {
  return capacity * (slots + 3) + 2 * servers;
}
SCALESIM_HD inline std::int64_t workspace_ints(std::int64_t capacity) {
  return 2 * capacity;
}

template <bool kS>
struct Workspace {
  View<double, kS> arr;      // slots * capacity arrival times (-1: not reached)
  View<double, kS> create;   // capacity creation times
  View<double, kS> t0, t1;   // capacity sort keys / values
  View<double, kS> servers;  // server free times (min-heap; by index with replicas)
  View<double, kS> covered;  // per replica: end of the busy time counted so far
  View<std::int32_t, kS> i0, i1;
  std::int64_t capacity = 0;

  // dbl/ints: this lane's first element; lanes: the interleave stride (1 on the CPU).
  SCALESIM_HD Workspace(double* dbl, std::int32_t* ints, std::int64_t lanes, std::int64_t cap,
                        std::int64_t slots, std::int64_t max_servers)
      : capacity(cap) {
    arr = {dbl, lanes};
    create = {dbl + slots * cap * lanes, lanes};
    t0 = {dbl + (slots + 1) * cap * lanes, lanes};
    t1 = {dbl + (slots + 2) * cap * lanes, lanes};
    servers = {dbl + (slots + 3) * cap * lanes, lanes};
    covered = {dbl + ((slots + 3) * cap + max_servers) * lanes, lanes};
    i0 = {ints, lanes};
    i1 = {ints + cap * lanes, lanes};
  }
  SCALESIM_HD View<double, kS> slot(std::int32_t s) const {
    return {arr.p + static_cast<std::int64_t>(s) * capacity * arr.stride, arr.stride};
  }
};

// ---------------------------------------------------------------------------------------------
// Sorting of (time, id) pairs, nearly sorted on input.

SCALESIM_HD inline bool key_less(double ta, std::int32_t ia, double tb, std::int32_t ib) {
  return ta < tb || (ta == tb && ia < ib);
}

// Sorts (t0, i0)[0, n) by (time, id); the result is in (t0, i0) when it returns false, in
// (t1, i1) when it returns true. Checks sortedness first, then insertion sort with a budget of
// moves, then natural merge sort.
template <bool kS>
SCALESIM_HD inline bool sort_pairs(View<double, kS> t0, View<std::int32_t, kS> i0,
                                   View<double, kS> t1, View<std::int32_t, kS> i1, std::int64_t n) {
  std::int64_t first = -1;
  for (std::int64_t j = 1; j < n; ++j) {
    if (key_less(t0[j], i0[j], t0[j - 1], i0[j - 1])) {
      first = j;
      break;
    }
  }
  if (first < 0) return false;
  std::int64_t budget = 16 * n + 64;
  std::int64_t j = first;
  for (; j < n; ++j) {
    const double t = t0[j];
    const std::int32_t id = i0[j];
    std::int64_t k = j;
    while (k > 0 && key_less(t, id, t0[k - 1], i0[k - 1])) {
      t0[k] = t0[k - 1];
      i0[k] = i0[k - 1];
      --k;
    }
    t0[k] = t;
    i0[k] = id;
    budget -= j - k;
    if (budget < 0) break;
  }
  if (j >= n) return false;
  // Natural merge sort: merge adjacent ascending runs until one is left.
  View<double, kS> st = t0;
  View<std::int32_t, kS> si = i0;
  View<double, kS> dt = t1;
  View<std::int32_t, kS> di = i1;
  bool in_second = false;
  for (;;) {
    std::int64_t runs = 0;
    std::int64_t a = 0;
    while (a < n) {
      std::int64_t m = a + 1;
      while (m < n && !key_less(st[m], si[m], st[m - 1], si[m - 1])) ++m;
      std::int64_t e = m;
      if (m < n) {
        e = m + 1;
        while (e < n && !key_less(st[e], si[e], st[e - 1], si[e - 1])) ++e;
      }
      std::int64_t x = a;
      std::int64_t y = m;
      std::int64_t o = a;
      while (x < m && y < e) {
        if (key_less(st[y], si[y], st[x], si[x])) {
          dt[o] = st[y];
          di[o++] = si[y++];
        } else {
          dt[o] = st[x];
          di[o++] = si[x++];
        }
      }
      while (x < m) {
        dt[o] = st[x];
        di[o++] = si[x++];
      }
      while (y < e) {
        dt[o] = st[y];
        di[o++] = si[y++];
      }
      ++runs;
      a = e;
    }
    const View<double, kS> tt = st;
    const View<std::int32_t, kS> ti = si;
    st = dt;
    si = di;
    dt = tt;
    di = ti;
    in_second = !in_second;
    if (runs <= 1) return in_second;
  }
}

// The value of rank k (0-based) of v[0, n) (quickselect; reorders v so that v[0, k) <= v[k] <=
// v(k, n): a later call for a larger rank may pass from = k). Deterministic value.
template <bool kS>
SCALESIM_HD inline double select_rank(View<double, kS> v, std::int64_t n, std::int64_t k,
                                      std::int64_t from = 0) {
  std::int64_t lo = from;
  std::int64_t hi = n - 1;
  while (lo < hi) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    double a = v[lo];
    double b = v[mid];
    double c = v[hi];
    if (b < a) {
      const double t = a;
      a = b;
      b = t;
    }
    if (c < b) b = (c < a) ? a : c;
    const double pivot = b;
    std::int64_t i = lo;
    std::int64_t j = hi;
    while (i <= j) {
      while (v[i] < pivot) ++i;
      while (pivot < v[j]) --j;
      if (i <= j) {
        const double t = v[i];
        v[i] = v[j];
        v[j] = t;
        ++i;
        --j;
      }
    }
    if (k <= j) {
      hi = j;
    } else if (k >= i) {
      lo = i;
    } else {
      return v[k];
    }
  }
  return v[k];
}

// The `keep` smallest (kLargest: largest) of the `size` elements src[s * step + step / 2],
// sorted from the extreme inwards into kept[0, keep): a partial insertion sort.
template <bool kS, bool kLargest>
SCALESIM_HD inline void sample_extremes(View<double, kS> src, std::int64_t step, int size, int keep,
                                        double* kept) {
  if (keep < 1) keep = 1;  // (callers ask for 1 to size; this keeps kept[keep - 1] in bounds)
  if (keep > size) keep = size;
  int m = 0;
  for (int s = 0; s < size; ++s) {
    const double x = src[s * step + step / 2];
    int j = m;
    if (m == keep) {
      if (!(kLargest ? kept[keep - 1] < x : x < kept[keep - 1])) continue;
      j = keep - 1;
    } else {
      ++m;
    }
    while (j > 0 && (kLargest ? kept[j - 1] < x : x < kept[j - 1])) {
      kept[j] = kept[j - 1];
      --j;
    }
    kept[j] = x;
  }
}

#if defined(SCALESIM_MC_AVX512)
// Eight values at p against a bracket: the values, which are below lo, which above hi.
struct OutsideMasks {
  __m512d x;
  __mmask8 under;
  __mmask8 over;
};
inline OutsideMasks outside8(const double* p, __m512d lo, __m512d hi) {
  const __m512d x = _mm512_loadu_pd(p);
  return {x, _mm512_cmp_pd_mask(x, lo, _CMP_LT_OQ), _mm512_cmp_pd_mask(hi, x, _CMP_LT_OQ)};
}
#endif

// Below: how many of src[0, n) are < lo; above: how many are > hi.
template <bool kS>
SCALESIM_HD inline void count_outside(View<double, kS> src, std::int64_t n, double lo, double hi,
                                      std::int64_t& below, std::int64_t& above) {
  below = 0;
  above = 0;
  std::int64_t i = 0;
#if defined(SCALESIM_MC_AVX512)
  if constexpr (!kS) {
    const __m512d lov = _mm512_set1_pd(lo);
    const __m512d hiv = _mm512_set1_pd(hi);
    for (; i + 8 <= n; i += 8) {
      const OutsideMasks k = outside8(&src[i], lov, hiv);
      below += __builtin_popcount(k.under);
      above += __builtin_popcount(k.over);
    }
  }
#endif
  for (; i < n; ++i) {
    const double x = src[i];
    below += x < lo ? 1 : 0;
    above += hi < x ? 1 : 0;
  }
}

// Copies, in order, the elements of src[0, n) in `part` (0: below lo, 1: in [lo, hi], 2: above
// hi) to dst and returns how many; counts those below lo into *below when it is not null. dst
// may be src: no write passes the read. Branch-free: integer flags combined with | and &, not
// && (which g++ turns into a branch); AVX-512 builds compress eight at a time.
template <bool kS>
SCALESIM_HD inline std::int64_t keep_part(View<double, kS> src, std::int64_t n, double lo,
                                          double hi, int part, View<double, kS> dst,
                                          std::int64_t* below) {
  std::int64_t m = 0;
  std::int64_t under_count = 0;
  std::int64_t i = 0;
#if defined(SCALESIM_MC_AVX512)
  if constexpr (!kS) {
    const __m512d lov = _mm512_set1_pd(lo);
    const __m512d hiv = _mm512_set1_pd(hi);
    for (; i + 8 <= n; i += 8) {
      const OutsideMasks k = outside8(&src[i], lov, hiv);
      const __mmask8 keep = part == 0   ? k.under
                            : part == 2 ? k.over
                                        : static_cast<__mmask8>(~(k.under | k.over));
      under_count += __builtin_popcount(k.under);
      _mm512_storeu_pd(&dst[m], _mm512_maskz_compress_pd(keep, k.x));
      m += __builtin_popcount(keep);
    }
  }
#endif
  const std::int64_t want_under = part == 0 ? 1 : 0;
  const std::int64_t want_over = part == 2 ? 1 : 0;
  const std::int64_t want_band = part == 1 ? 1 : 0;
  for (; i < n; ++i) {
    const double x = src[i];
    const std::int64_t under = x < lo ? 1 : 0;
    const std::int64_t over = hi < x ? 1 : 0;
    under_count += under;
    dst[m] = x;
    m += (under & want_under) | (over & want_over) | ((1 - (under | over)) & want_band);
  }
  if (below != nullptr) *below = under_count;
  return m;
}

// A bracket [lo, hi] likely to hold rank k of src[0, n). For a rank in a tail (a p95, a p99) of
// a large array: the values of an evenly spaced sample of kSampleSize elements 3 standard
// deviations (plus 1.5) either side of rank k's place, which only needs the sample's few largest
// or smallest. Otherwise (small n, central ranks such as a median, whose bracket would need most
// of the sample sorted and still keep ~43%): one pivot (lo == hi), the element of a sample of 9
// nearest rank k's place.
inline constexpr int kSampleSize = 63;
template <bool kS>
SCALESIM_HD inline void bracket(View<double, kS> src, std::int64_t n, std::int64_t k, double& lo,
                                double& hi) {
  const double inf = double_of(0x7ff0000000000000ULL);
  const double q = (static_cast<double>(k) + 0.5) / static_cast<double>(n);
  double sample[kSampleSize];
  const double tail = q < 0.5 ? q : 1.0 - q;
  if (n <= 4 * kSampleSize || tail > 0.1) {
    constexpr int kPivotSample = 9;
    sample_extremes<kS, false>(src, n / kPivotSample, kPivotSample, kPivotSample, sample);
    const int pos = static_cast<int>(q * kPivotSample);
    lo = sample[pos < kPivotSample ? pos : kPivotSample - 1];
    hi = lo;
    return;
  }
  constexpr int kSample = kSampleSize;
  const std::int64_t step = n / kSample;
  const double centre = q * kSample;
  const double margin = 3.0 * mc_sqrt(kSample * q * (1.0 - q)) + 1.5;
  const double lo_pos = centre - margin;
  const double hi_pos = centre + margin;
  const int lo_rank = lo_pos >= 0.0 ? static_cast<int>(lo_pos) : -1;
  const int hi_rank = hi_pos < kSample ? static_cast<int>(hi_pos) : kSample;
  lo = -inf;
  hi = inf;
  // Only the sample's ranks lo_rank and hi_rank are needed: keep its smallest or largest
  // elements up to them, whichever side is shorter (a p99 needs the top 5 of 63).
  const int need_top = kSample - (lo_rank >= 0 ? lo_rank : 0);
  const int need_bottom = (hi_rank < kSample ? hi_rank : kSample - 1) + 1;
  if (need_top <= need_bottom) {
    sample_extremes<kS, true>(src, step, kSample, need_top, sample);
    if (lo_rank >= 0) lo = sample[kSample - 1 - lo_rank];
    if (hi_rank < kSample) hi = sample[kSample - 1 - hi_rank];
  } else {
    sample_extremes<kS, false>(src, step, kSample, need_bottom, sample);
    if (lo_rank >= 0) lo = sample[lo_rank];
    if (hi_rank < kSample) hi = sample[hi_rank];
  }
}

// The same value as select_rank(v, n, k), without reordering v (so several ranks can be taken
// from one array) and without the data-dependent branches that make a quickselect partition
// mispredict about every other element. Each round takes a bracket (above) and keeps only the
// part of the elements that holds rank k, by a branch-free compaction into scratch (n elements):
// a p99 of a large array keeps ~8% per round, a pivot round about half or less.
// The first round reads v and writes scratch in one pass, betting that rank k falls inside the
// bracket; when it does not, and in later rounds, a counting pass picks the part (below, inside,
// above) before the compaction. A remainder of 16 or fewer, and the odd round that cannot shrink
// (heavy duplicates), go to select_rank. The value is exact either way.
template <bool kS>
SCALESIM_HD inline double select_rank_sampled(View<double, kS> v, std::int64_t n, std::int64_t k,
                                              View<double, kS> scratch) {
  constexpr std::int64_t kSmall = 16;
  View<double, kS> src = v;
  bool in_scratch = false;
  while (n > kSmall) {
    double lo = 0;
    double hi = 0;
    bracket<kS>(src, n, k, lo, hi);
    std::int64_t below = 0;
    std::int64_t band = 0;
    if (!in_scratch) {
      band = keep_part<kS>(src, n, lo, hi, 1, scratch, &below);
      if (k >= below && k < below + band) {
        if (lo == hi) return lo;
        if (band == n) break;  // no progress: select_rank on the copy below
        k -= below;
        n = band;
        src = scratch;
        in_scratch = true;
        continue;
      }
    } else {
      std::int64_t above = 0;
      count_outside<kS>(src, n, lo, hi, below, above);
      band = n - below - above;
    }
    // Keep the part holding rank k: x < lo, lo <= x <= hi, or hi < x.
    int part = 1;
    std::int64_t kept = band;
    if (k < below) {
      part = 0;
      kept = below;
    } else if (k >= below + band) {
      part = 2;
      kept = n - below - band;
    }
    if (part == 1 && lo == hi) return lo;
    if (kept == n) break;
    (void)keep_part<kS>(src, n, lo, hi, part, scratch, nullptr);
    if (part == 1) k -= below;
    if (part == 2) k -= below + band;
    n = kept;
    src = scratch;
    in_scratch = true;
  }
  if (!in_scratch) {
    for (std::int64_t i = 0; i < n; ++i) scratch[i] = v[i];
  }
  return select_rank<kS>(scratch, n, k);
}

// 1-based rank ceil(num / den * n) as a 0-based index, n > 0.
SCALESIM_HD inline std::int64_t quantile_index(std::int64_t n, std::int64_t num, std::int64_t den) {
  std::int64_t r = (num * n + den - 1) / den;
  if (r < 1) r = 1;
  return r - 1;
}

template <bool kS>
SCALESIM_HD inline void heap_replace_top(View<double, kS> h, std::int64_t n, double x) {
  std::int64_t i = 0;
  for (;;) {
    std::int64_t c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && h[c + 1] < h[c]) ++c;
    if (!(h[c] < x)) break;
    h[i] = h[c];
    i = c;
  }
  h[i] = x;
}

// Gives the earliest free server of servers[0, ns) the free time `done` and returns the new
// earliest free time. Servers are alike, so only the multiset of free times matters: up to 8 are
// kept sorted, the earliest dropped and `done` merged in branch-free (element j of the result is
// min(servers[j + 1], max(servers[j], done)), so the new earliest is one min away from `done`
// on the recursion's critical path); more are a heap, whose sift-down mispredicts on small
// pools. Either way the same times come out. Every server is free at 0 at the start (sorted).
inline constexpr std::int64_t kSortedServers = 8;
template <bool kS>
SCALESIM_HD SCALESIM_MC_INLINE double replace_earliest(View<double, kS> servers, std::int64_t ns,
                                                       double done) {
  if (ns > kSortedServers) {
    heap_replace_top<kS>(servers, ns, done);
    return servers[0];
  }
  double below = servers[1];  // the old servers[j], read before servers[j - 1] is written
  const double first = below < done ? below : done;
  servers[0] = first;
  for (std::int64_t j = 1; j + 1 < ns; ++j) {
    const double next = servers[j + 1];
    const double floor = below > done ? below : done;
    servers[j] = next < floor ? next : floor;
    below = next;
  }
  servers[ns - 1] = below > done ? below : done;
  return first;
}

SCALESIM_HD inline bool in_window(double t, double w0, double w1) {
  return t >= w0 && t < w1;
}

// Whether node v, the first to write `to`'s arrival buffer and sending it every customer, stores
// arrival times there outright (the buffer is not initialised).
SCALESIM_HD inline bool stores_first(const Plan& plan, int v, int to) {
  return plan.node[to].first_pred == v && plan.node[to].first_writes_all != 0;
}

// What a station's pass accumulated, as its metric slots o[0, kNodeMetrics). vals: the measured
// customers' sojourns; scratch: cnt elements for the percentile.
struct StationTotals {
  double busy = 0;           // server time inside the window
  double busy_replicas = 0;  // replica time with a server busy inside the window
  double wait_sum = 0;
  double sojourn_sum = 0;
  std::int64_t measured = 0;
  std::int64_t departures = 0;
  std::int64_t services = 0;
  std::int64_t batched = 0;
};

template <bool kS>
SCALESIM_HD inline void station_metrics(double* o, const Node& node, const StationTotals& t,
                                        double window, View<double, kS> vals,
                                        View<double, kS> scratch) {
  o[kStationBusyReplicas] = t.busy_replicas / window;
  if (t.measured > 0) {
    const double dm = static_cast<double>(t.measured);
    o[kStationMeanWait] = t.wait_sum / dm;
    o[kStationMeanSojourn] = t.sojourn_sum / dm;
    o[kStationP99Sojourn] =
        select_rank_sampled<kS>(vals, t.measured, quantile_index(t.measured, 99, 100), scratch);
  }
  o[kStationUtilisation] = t.busy / (static_cast<double>(node.servers) * window);
  if (t.services > 0) {
    o[kStationMeanBatch] = static_cast<double>(t.batched) / static_cast<double>(t.services);
  }
  o[kStationThroughput] = static_cast<double>(t.departures) / window;
  o[kStationVisits] = static_cast<double>(t.measured);
}

// A station without batching or replicas: the Kiefer-Wolfowitz recursion alone, each customer
// to the earliest free of its servers (the same arithmetic, in the same order, as the general
// loop in simulate()). kIdentity: tq is the arrival buffer itself, every customer in id order
// (customer j is id j), so nothing was gathered or sorted.
template <bool kS, bool kIdentity>
SCALESIM_HD inline void serve_plain(const Node& node, const NodePlan& np, double factor, Stream& st,
                                    View<double, kS> tq, View<std::int32_t, kS> iq,
                                    std::int64_t cnt, View<double, kS> outbuf, bool store,
                                    double delay, double w0, double w1, View<double, kS> servers,
                                    View<double, kS> vals, View<double, kS> scratch, double* o) {
  const std::int64_t ns = node.servers < cnt ? node.servers : cnt;
  for (std::int64_t s = 0; s < ns; ++s) servers[s] = 0.0;
  double front = 0.0;  // the earliest free server
  StationTotals t;
  for (std::int64_t i = 0; i < cnt; ++i) {
    const double a = tq[i];
    const double d = front > a ? front : a;
    const double done = d + draw(node.dist, np, st) * factor;
    front = ns == 1 ? done : replace_earliest<kS>(servers, ns, done);
    const double lo = d > w0 ? d : w0;
    const double hi = done < w1 ? done : w1;
    t.busy += hi > lo ? hi - lo : 0.0;
    t.services += in_window(d, w0, w1) ? 1 : 0;
    t.departures += in_window(done, w0, w1) ? 1 : 0;
    const std::int64_t c = kIdentity ? i : iq[i];
    const double leave = done + delay;
    if (store || leave > outbuf[c]) outbuf[c] = leave;
    if (in_window(a, w0, w1)) {
      t.wait_sum += d - a;
      const double so = done - a;
      t.sojourn_sum += so;
      vals[t.measured] = so;
      ++t.measured;
    }
  }
  t.batched = t.services;
  t.busy_replicas = t.busy;
  station_metrics<kS>(o, node, t, w1 - w0, vals, scratch);
}

// ---------------------------------------------------------------------------------------------
// One replication. out: the row of node_count * kNodeMetrics metrics (written in full for the
// model's nodes). visits: station visits. Returns a Status.

template <bool kS>
SCALESIM_HD inline std::int32_t simulate(const McModel& m, const Plan& plan, std::uint64_t seed,
                                         std::uint64_t rep, const Workspace<kS>& w, double* out,
                                         std::uint64_t* visits) {
  const double w0 = m.warmup_s;
  const double w1 = m.end_s;
  const double window = w1 - w0;
  const std::int64_t cap = w.capacity;
  std::uint64_t station_visits = 0;
  for (int k = 0; k < m.node_count * kNodeMetrics; ++k) out[k] = 0.0;

  // Customers of every source, ids in blocks by source index.
  std::int32_t src_begin[kMaxNodes];
  std::int32_t src_end[kMaxNodes];
  std::int64_t n = 0;
  for (int v = 0; v < m.node_count; ++v) {
    src_begin[v] = 0;
    src_end[v] = 0;
    const Node& node = m.nodes[v];
    if (node.kind != NodeKind::kSource) continue;
    Stream st(seed, rep, v, kPurposeSource);
    src_begin[v] = static_cast<std::int32_t>(n);
    double t = 0;
    std::int64_t counted = 0;
    for (;;) {
      t += draw(node.dist, plan.node[v], st);
      if (!(t < w1)) break;
      if (n >= cap) {
        *visits = 0;
        return kCapacityExceeded;
      }
      w.create[n] = t;
      ++n;
      if (t >= w0) ++counted;
    }
    src_end[v] = static_cast<std::int32_t>(n);
    out[v * kNodeMetrics + 0] = static_cast<double>(counted);
  }

  for (int v = 0; v < m.node_count; ++v) {
    const Node& node = m.nodes[v];
    // Initialise the arrival buffers this node is the first to write.
    for (int e = node.first_edge; e < node.first_edge + node.edge_count; ++e) {
      const int to = m.edges[e].to;
      if (plan.node[to].first_pred != v || plan.node[to].first_writes_all != 0) continue;
      const View<double, kS> a = w.slot(plan.node[to].slot);
      for (std::int64_t c = 0; c < n; ++c) a[c] = -1.0;
    }
    double* o = out + v * kNodeMetrics;
    switch (node.kind) {
      case NodeKind::kSource: {
        const Edge& e = m.edges[node.first_edge];
        const View<double, kS> a = w.slot(plan.node[e.to].slot);
        if (stores_first(plan, v, e.to)) {
          for (std::int64_t c = src_begin[v]; c < src_end[v]; ++c) a[c] = w.create[c] + e.delay;
        } else {
          for (std::int64_t c = src_begin[v]; c < src_end[v]; ++c) {
            const double t = w.create[c] + e.delay;
            if (t > a[c]) a[c] = t;
          }
        }
        break;
      }
      case NodeKind::kStation: {
        const View<double, kS> in = w.slot(plan.node[v].slot);
        const Edge& e = m.edges[node.first_edge];
        const View<double, kS> outbuf = w.slot(plan.node[e.to].slot);
        const bool store = stores_first(plan, v, e.to);
        const bool plain = node.max_batch == 1 && node.instances <= 1;
        const double factor = node.batch_table >= 0 ? m.batch_factor[node.batch_table] : 1.0;
        const NodePlan& np = plan.node[v];
        Stream st(seed, rep, v, kPurposeService);
        if (plain && np.reaches_all != 0) {
          // Every customer is here; if in id order already, serve straight from the buffer.
          int unsorted = 0;
          for (std::int64_t c = 1; c < n; ++c) unsorted |= in[c] < in[c - 1] ? 1 : 0;
          if (unsorted == 0) {
            station_visits += static_cast<std::uint64_t>(n);
            if (n > 0) {
              serve_plain<kS, true>(node, np, factor, st, in, w.i0, n, outbuf, store, e.delay, w0,
                                    w1, w.servers, w.t0, w.t1, o);
            }
            break;
          }
        }
        // Gather in id order; ids increase, so the pairs are sorted iff the times never drop.
        std::int64_t cnt = 0;
        double previous = 0.0;
        bool unsorted = false;
        for (std::int64_t c = 0; c < n; ++c) {
          const double t = in[c];
          if (t >= 0.0) {
            w.t0[cnt] = t;
            w.i0[cnt] = static_cast<std::int32_t>(c);
            ++cnt;
            unsorted = unsorted || t < previous;
            previous = t;
          }
        }
        station_visits += static_cast<std::uint64_t>(cnt);
        if (cnt == 0) break;
        const bool second = unsorted && sort_pairs<kS>(w.t0, w.i0, w.t1, w.i1, cnt);
        const View<double, kS> tq = second ? w.t1 : w.t0;
        const View<std::int32_t, kS> iq = second ? w.i1 : w.i0;
        const View<double, kS> vals = second ? w.t0 : w.t1;
        if (plain) {
          serve_plain<kS, false>(node, np, factor, st, tq, iq, cnt, outbuf, store, e.delay, w0, w1,
                                 w.servers, vals, tq, o);
          break;
        }
        const double delay = e.delay;
        std::int64_t ns = node.servers;
        if (ns > cnt) ns = cnt;
        for (std::int64_t s = 0; s < ns; ++s) w.servers[s] = 0.0;
        // Replicas of `instances` servers each; with one instance per replica the heap does.
        const std::int64_t per = node.instances > 1 ? node.instances : 1;
        const std::int64_t replicas = (ns + per - 1) / per;
        for (std::int64_t r = 0; r < replicas; ++r) w.covered[r] = 0.0;
        double front = 0.0;  // the earliest free server (with replicas: unused)
        const std::int64_t batch = node.max_batch;
        const double tau = node.batch_timeout;
        double busy = 0;
        double busy_replicas = 0;
        double wait_sum = 0;
        double sojourn_sum = 0;
        std::int64_t measured = 0;
        std::int64_t departures = 0;
        std::int64_t services = 0;
        std::int64_t batched = 0;
        std::int64_t i = 0;
        while (i < cnt) {
          // The earliest free server.
          double f = front;
          if (per > 1) {
            f = w.servers[0];
            for (std::int64_t s = 1; s < ns; ++s) f = w.servers[s] < f ? w.servers[s] : f;
          }
          const double ai = tq[i];
          double d = f > ai ? f : ai;
          std::int64_t k = i;
          if (batch > 1) {
            // Triton's rule at time d: a full batch, or the largest preferred size the waiting
            // requests make, goes at once; otherwise they are held until the next size is
            // reached or the oldest has waited tau, whichever comes first.
            std::int64_t last = i + batch - 1;
            if (last > cnt - 1) last = cnt - 1;
            while (k < last && tq[k + 1] <= d) ++k;
            std::int64_t waiting = k - i + 1;
            std::int64_t go = waiting == batch ? batch : 0;
            for (int q = node.preferred_count - 1; go == 0 && q >= 0; --q) {
              const std::int64_t p = m.preferred[node.preferred_first + q];
              if (p <= waiting) go = p;
            }
            if (go == 0 && ai + tau > d) {
              // The next size that would trigger: the smallest preferred above `waiting`, or
              // a full batch.
              std::int64_t next = batch;
              for (int q = 0; q < node.preferred_count; ++q) {
                const std::int64_t p = m.preferred[node.preferred_first + q];
                if (p > waiting) {
                  next = p;
                  break;
                }
              }
              const double deadline = ai + tau;
              if (i + next - 1 < cnt && tq[i + next - 1] < deadline) {
                d = tq[i + next - 1];
                go = next;
              } else {
                d = deadline;
                while (k < last && tq[k + 1] <= d) ++k;
                go = k - i + 1;
              }
            } else if (go == 0) {
              go = waiting;
            }
            k = i + go - 1;
          }
          const std::int64_t size = k - i + 1;
          // Which server: with replicas, the least-busy replica's first free server (ties: the
          // lowest replica), and how many of its servers run with this batch.
          std::int64_t server = 0;
          std::int64_t busy_here = 1;
          if (per > 1) {
            std::int64_t best_busy = per + 1;
            for (std::int64_t r = 0; r < replicas; ++r) {
              std::int64_t running = 0;
              std::int64_t free_one = -1;
              const std::int64_t end = (r + 1) * per < ns ? (r + 1) * per : ns;
              for (std::int64_t s = r * per; s < end; ++s) {
                if (w.servers[s] > d) {
                  ++running;
                } else if (free_one < 0) {
                  free_one = s;
                }
              }
              if (free_one >= 0 && running < best_busy) {
                best_busy = running;
                server = free_one;
              }
            }
            busy_here = best_busy + 1;
          }
          double service = draw(node.dist, np, st);
          if (node.batch_table >= 0)
            service =
                service * m.batch_factor[node.batch_table + (busy_here - 1) * batch + size - 1];
          const double done = d + service;
          if (per > 1) {
            w.servers[server] = done;
            // Busy replicas: the union of the replica's busy intervals (starts come in order).
            const std::int64_t r = server / per;
            double lo = d > w0 ? d : w0;
            if (w.covered[r] > lo) lo = w.covered[r];
            const double hi = done < w1 ? done : w1;
            if (hi > lo) busy_replicas += hi - lo;
            if (done > w.covered[r]) w.covered[r] = done;
          } else {
            front = ns == 1 ? done : replace_earliest<kS>(w.servers, ns, done);
          }
          {
            const double lo = d > w0 ? d : w0;
            const double hi = done < w1 ? done : w1;
            if (hi > lo) busy += hi - lo;
          }
          if (in_window(d, w0, w1)) {
            ++services;
            batched += size;
          }
          const bool done_in = in_window(done, w0, w1);
          const double leave = done + delay;
          for (std::int64_t j = i; j <= k; ++j) {
            const double a = tq[j];
            const std::int32_t c = iq[j];
            if (store || leave > outbuf[c]) outbuf[c] = leave;
            if (done_in) ++departures;
            if (in_window(a, w0, w1)) {
              wait_sum += d - a;
              const double so = done - a;
              sojourn_sum += so;
              vals[measured] = so;
              ++measured;
            }
          }
          i = k + 1;
        }
        StationTotals totals;
        totals.busy = busy;
        totals.busy_replicas = per > 1 ? busy_replicas : busy;
        totals.wait_sum = wait_sum;
        totals.sojourn_sum = sojourn_sum;
        totals.measured = measured;
        totals.departures = departures;
        totals.services = services;
        totals.batched = batched;
        station_metrics<kS>(o, node, totals, window, vals, tq);
        break;
      }
      case NodeKind::kRouter: {
        const View<double, kS> in = w.slot(plan.node[v].slot);
        Stream st(seed, rep, v, kPurposeRoute);
        std::int64_t taken[kNodeMetrics] = {0, 0, 0, 0, 0, 0, 0, 0};
        std::int64_t measured = 0;
        const int last = node.edge_count - 1;
        for (std::int64_t c = 0; c < n; ++c) {
          const double t = in[c];
          if (t < 0.0) continue;
          const double u = st.uniform_at(static_cast<std::uint64_t>(c));
          int k = 0;
          double acc = m.edges[node.first_edge].probability;
          while (k < last && !(u < acc)) {
            ++k;
            acc += m.edges[node.first_edge + k].probability;
          }
          const Edge& e = m.edges[node.first_edge + k];
          const double t2 = t + e.delay;
          const View<double, kS> a = w.slot(plan.node[e.to].slot);
          if (t2 > a[c]) a[c] = t2;
          if (in_window(t, w0, w1)) {
            ++measured;
            if (k < kNodeMetrics) ++taken[k];
          }
        }
        if (measured > 0) {
          for (int k = 0; k < kNodeMetrics; ++k) {
            o[k] = static_cast<double>(taken[k]) / static_cast<double>(measured);
          }
        }
        break;
      }
      case NodeKind::kFork: {
        const View<double, kS> in = w.slot(plan.node[v].slot);
        for (int ei = node.first_edge; ei < node.first_edge + node.edge_count; ++ei) {
          const Edge& e = m.edges[ei];
          const View<double, kS> a = w.slot(plan.node[e.to].slot);
          if (stores_first(plan, v, e.to)) {
            for (std::int64_t c = 0; c < n; ++c) a[c] = in[c] + e.delay;
            continue;
          }
          for (std::int64_t c = 0; c < n; ++c) {
            const double t = in[c];
            if (t < 0.0) continue;
            const double t2 = t + e.delay;
            if (t2 > a[c]) a[c] = t2;
          }
        }
        break;
      }
      case NodeKind::kSink: {
        const View<double, kS> in = w.slot(plan.node[v].slot);
        const View<double, kS> vals = w.t0;
        std::int64_t measured = 0;
        std::int64_t arrivals = 0;
        double sum = 0;
        for (std::int64_t c = 0; c < n; ++c) {
          const double t = in[c];
          if (t < 0.0) continue;
          if (in_window(t, w0, w1)) ++arrivals;
          const double cr = w.create[c];
          if (in_window(cr, w0, w1)) {
            const double lat = t - cr;
            sum += lat;
            vals[measured] = lat;
            ++measured;
          }
        }
        o[kSinkThroughput] = static_cast<double>(arrivals) / window;
        o[kSinkCount] = static_cast<double>(measured);
        if (measured > 0) {
          o[kSinkMeanLatency] = sum / static_cast<double>(measured);
          const std::int64_t k50 = quantile_index(measured, 50, 100);
          const std::int64_t k95 = quantile_index(measured, 95, 100);
          const std::int64_t k99 = quantile_index(measured, 99, 100);
          o[kSinkP50Latency] = select_rank_sampled<kS>(vals, measured, k50, w.t1);
          o[kSinkP95Latency] = select_rank_sampled<kS>(vals, measured, k95, w.t1);
          o[kSinkP99Latency] = select_rank_sampled<kS>(vals, measured, k99, w.t1);
        }
        break;
      }
    }
  }
  *visits = station_visits;
  return kOk;
}

}  // namespace SCALESIM_MC_ISA
}  // namespace scalesim::mc::kernel
