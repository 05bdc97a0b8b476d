// Per-LP random streams: counter-based Philox4x64-10 (Random123), keyed by (seed, LP id).
//
// Each LP owns one stream and advances only its own counter, so the numbers an LP draws do not
// depend on how LPs are placed on ranks or threads, or on what other LPs do. The generator is a
// pure function of (key, counter) and compiles unchanged in CUDA device code.
#pragma once

#include <Random123/philox.h>

#include <cmath>
#include <cstdint>

namespace scalesim {

class LpRandom {
  __extension__ using U128 = unsigned __int128;  // GCC/Clang/NVCC extension, not ISO

 public:
  LpRandom() = default;
  LpRandom(std::uint64_t seed, std::uint64_t stream) : key_{{seed, stream}} {}

  // Next raw 64-bit output. One Philox block yields four.
  std::uint64_t next_u64() {
    if (used_ == 4) refill();
    return block_[used_++];
  }

  // Uniform on the open interval (0, 1) with 53 random bits; never 0, so log() is safe.
  double uniform() { return (static_cast<double>(next_u64() >> 11) + 0.5) * 0x1.0p-53; }

  // Exponential with the given mean.
  double exponential(double mean) { return -mean * std::log(uniform()); }

  // Standard normal (Box-Muller; uses two uniforms per draw so the stream position is fixed).
  double normal() {
    const double r = std::sqrt(-2.0 * std::log(uniform()));
    return r * std::cos(kTwoPi * uniform());
  }

  // Lognormal with parameters of the underlying normal.
  double lognormal(double mu, double sigma) { return std::exp(mu + sigma * normal()); }

  // Uniform integer in [0, n), n > 0. Lemire's multiply-and-reject: exactly uniform.
  std::uint64_t uniform_int(std::uint64_t n) {
    U128 m = static_cast<U128>(next_u64()) * n;
    auto low = static_cast<std::uint64_t>(m);
    if (low < n) {
      const std::uint64_t threshold = (0 - n) % n;
      while (low < threshold) {
        m = static_cast<U128>(next_u64()) * n;
        low = static_cast<std::uint64_t>(m);
      }
    }
    return static_cast<std::uint64_t>(m >> 64);
  }

  // Number of Philox blocks drawn so far (for tests and checkpoints).
  std::uint64_t blocks_drawn() const { return counter_; }

 private:
  using Philox = r123::Philox4x64;
  static constexpr double kTwoPi = 6.283185307179586476925286766559;

  void refill() {
    const Philox::ctr_type ctr = {{counter_, 0, 0, 0}};
    const Philox::ctr_type out = Philox{}(ctr, key_);
    for (int i = 0; i < 4; ++i) block_[i] = out[static_cast<unsigned>(i)];
    ++counter_;
    used_ = 0;
  }

  Philox::key_type key_ = {{0, 0}};
  std::uint64_t counter_ = 0;
  std::uint64_t block_[4] = {0, 0, 0, 0};
  std::uint32_t used_ = 4;
};

}  // namespace scalesim
