// Deterministic math for the kernel: + - * / and sqrt only (own mc_log/mc_exp, no libm or CUDA
// math library), so host and device give the same bits.
#pragma once

#include "sweep/mc/mc_log_table.h"
#include "sweep/mc/mc_platform.h"

namespace scalesim::mc::kernel {
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
}  // namespace SCALESIM_MC_ISA
}  // namespace scalesim::mc::kernel
