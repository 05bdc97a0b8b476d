// A 64-bit fingerprint over every output of a run (counters, statistics' bit patterns,
// histogram counts), fed in a fixed order. Equal hashes mean bit-identical results; tests
// compare them across seeds, runs, ranks and threads.
#pragma once

#include <bit>
#include <cstdint>
#include <span>
#include <string_view>

namespace scalesim {

class ResultHash {
 public:
  void add(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) {
      h_ ^= (v >> (8 * i)) & 0xffu;
      h_ *= kPrime;
    }
  }
  void add(std::int64_t v) { add(static_cast<std::uint64_t>(v)); }
  void add(double v) { add(std::bit_cast<std::uint64_t>(v)); }
  void add(std::string_view s) {
    for (char c : s) {
      h_ ^= static_cast<unsigned char>(c);
      h_ *= kPrime;
    }
    add(static_cast<std::uint64_t>(s.size()));
  }
  void add(std::span<const std::uint64_t> values) {
    add(static_cast<std::uint64_t>(values.size()));
    for (auto v : values) add(v);
  }

  std::uint64_t value() const { return h_; }

 private:
  // FNV-1a, 64-bit.
  static constexpr std::uint64_t kPrime = 0x100000001b3ULL;
  std::uint64_t h_ = 0xcbf29ce484222325ULL;
};

}  // namespace scalesim
