// Numeric precisions of GPU work. "amp" (automatic mixed precision) computes in FP16 on the
// tensor cores, so it is read as fp16.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace scalesim::hardware {

// FP8 (E4M3/E5M2, Hopper and Ada tensor cores): weights, activations and KV cache in one byte.
enum class Precision : std::uint8_t { kFp32, kTf32, kFp16, kBf16, kInt8, kFp8 };
inline constexpr std::size_t kPrecisionCount = 6;
inline constexpr std::array<std::string_view, kPrecisionCount> kPrecisionNames = {
    "fp32", "tf32", "fp16", "bf16", "int8", "fp8"};

constexpr std::size_t index_of(Precision p) {
  return static_cast<std::size_t>(p);
}
constexpr std::string_view to_string(Precision p) {
  return kPrecisionNames[index_of(p)];
}

// Bytes per stored element: TF32 is an FP32 storage format with a shorter mantissa in the math.
constexpr double bytes_per_element(Precision p) {
  switch (p) {
    case Precision::kFp32:
    case Precision::kTf32:
      return 4.0;
    case Precision::kFp16:
    case Precision::kBf16:
      return 2.0;
    case Precision::kInt8:
    case Precision::kFp8:
      return 1.0;
  }
  return 4.0;
}

inline std::optional<Precision> parse_precision(std::string_view s) {
  if (s == "amp" || s == "mixed") return Precision::kFp16;
  for (std::size_t i = 0; i < kPrecisionCount; ++i) {
    if (kPrecisionNames[i] == s) return static_cast<Precision>(i);
  }
  return std::nullopt;
}

}  // namespace scalesim::hardware
