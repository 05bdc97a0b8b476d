// Random streams and samplers of the kernel: Philox keyed by (seed, replication), ziggurat
// exponential and normal draws, and the service and inter-arrival laws built on them.
#pragma once

#include "sweep/mc/mc_math.h"
#include "sweep/mc/mc_plan.h"
#include "sweep/mc/mc_ziggurat_tables.h"

namespace scalesim::mc::kernel {
inline namespace SCALESIM_MC_ISA {

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
}  // namespace SCALESIM_MC_ISA
}  // namespace scalesim::mc::kernel
