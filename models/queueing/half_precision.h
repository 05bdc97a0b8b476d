// IEEE 754 binary16 ("half") encoding of a non-negative duration in seconds, for figures a
// request carries in its 32-byte payload (Customer), where a float or a SimTime does not fit:
// 11 significant bits (relative error <= 2^-11, 0.05%) from 61 us to 65,504 s, below 61 us a
// step of 60 ns. Round to nearest, ties to even, as a hardware conversion does.
#pragma once

#include <bit>
#include <cstdint>

namespace scalesim {

inline constexpr std::uint16_t kNoHalf = 0x7e00;  // a quiet NaN: no value

constexpr std::uint16_t to_half(float f) {
  const auto x = std::bit_cast<std::uint32_t>(f);
  const auto sign = static_cast<std::uint16_t>((x >> 16U) & 0x8000U);
  const std::uint32_t a = x & 0x7fffffffU;
  if (a > 0x7f800000U) return static_cast<std::uint16_t>(sign | kNoHalf);   // NaN
  if (a >= 0x477ff000U) return static_cast<std::uint16_t>(sign | 0x7c00U);  // >= 65,520: inf
  if (a < 0x38800000U) {                            // below 2^-14: a subnormal half, or zero
    if (a < 0x33000000U) return sign;               // at most 2^-25: rounds to zero
    const std::uint32_t shift = 126U - (a >> 23U);  // 14..24
    const std::uint32_t m = (a & 0x7fffffU) | 0x800000U;
    std::uint32_t r = m >> shift;
    const std::uint32_t rest = m & ((1U << shift) - 1U), tie = 1U << (shift - 1U);
    if (rest > tie || (rest == tie && (r & 1U) != 0)) ++r;  // may become the least normal
    return static_cast<std::uint16_t>(sign | r);
  }
  std::uint32_t h = (a - 0x38000000U) >> 13U;  // exponent bias 127 -> 15, 10 mantissa bits
  const std::uint32_t rest = a & 0x1fffU;
  if (rest > 0x1000U || (rest == 0x1000U && (h & 1U) != 0)) ++h;  // a carry is exact
  return static_cast<std::uint16_t>(sign | h);
}

constexpr float from_half(std::uint16_t h) {
  const std::uint32_t sign = (std::uint32_t{h} & 0x8000U) << 16U;
  const std::uint32_t e = (std::uint32_t{h} >> 10U) & 0x1fU, m = std::uint32_t{h} & 0x3ffU;
  if (e == 0x1fU) return std::bit_cast<float>(sign | 0x7f800000U | (m << 13U));  // inf, NaN
  if (e == 0) {
    const float v = static_cast<float>(m) * 0x1p-24F;  // exact
    return sign != 0 ? -v : v;
  }
  return std::bit_cast<float>(sign | ((e + 112U) << 23U) | (m << 13U));
}

}  // namespace scalesim
