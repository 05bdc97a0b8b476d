// RunLengthDeflate writes raw deflate streams; zlib's inflate must read back every byte, for
// inputs from all runs to no runs, across calls and block-size limits.
#include "sim/io/run_length_deflate.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace scalesim {
namespace {

using Bytes = std::vector<unsigned char>;

Bytes inflate_raw(const std::vector<std::byte>& stream, std::size_t expected) {
  Bytes out(expected + 16);
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, -15), Z_OK);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(stream.data()));
  z.avail_in = static_cast<uInt>(stream.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
  EXPECT_EQ(z.avail_in, 0U) << "bytes after the final block";
  const auto produced = static_cast<std::ptrdiff_t>(z.total_out);
  inflateEnd(&z);
  out.erase(out.begin() + produced, out.end());  // (not resize: GCC's -Wstringop-overflow)
  return out;
}

// Encodes the pieces (each one call, stored when `noise`) and checks the round trip; returns
// the stream's size.
std::size_t round_trip(const std::vector<Bytes>& pieces, bool noise = false) {
  std::size_t total = 0;
  for (const auto& p : pieces) total += p.size();
  std::vector<std::byte> out(RunLengthDeflate::bound(total, pieces.size()));
  RunLengthDeflate encoder;
  encoder.begin(out.data(), out.size());
  Bytes all;
  for (const auto& p : pieces) {
    if (noise)
      encoder.stored(p.data(), p.size());
    else
      encoder.runs(p.data(), p.size());
    all.insert(all.end(), p.begin(), p.end());
  }
  out.resize(encoder.finish());
  const Bytes back = inflate_raw(out, total);
  EXPECT_EQ(back.size(), all.size());
  EXPECT_TRUE(back == all);
  return out.size();
}

Bytes runs_of(std::size_t n, double p_change, int symbols, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::uniform_int_distribution<int> byte(0, symbols - 1);
  Bytes b(n);
  unsigned char v = static_cast<unsigned char>(byte(rng));
  for (auto& x : b) {
    if (u(rng) < p_change) v = static_cast<unsigned char>(byte(rng));
    x = v;
  }
  return b;
}

TEST(RunLengthDeflate, ConstantBytesShrinkToAFewBytes) {
  // One literal, then 258-byte matches of two bits each (one length code, one distance code).
  const std::size_t size = round_trip({Bytes(65536, 0x2a)});
  EXPECT_LT(size, 120U);
  EXPECT_EQ(round_trip({Bytes(1, 0)}), round_trip({Bytes(1, 0)}));
  round_trip({Bytes(2, 7)});
  round_trip({Bytes(3, 7)});
  round_trip({Bytes(259, 7)});
  round_trip({Bytes(260, 7)});
  round_trip({Bytes(261, 7)});
}

TEST(RunLengthDeflate, RoundTripsRunsOfEveryLengthAndSkew) {
  std::uint32_t seed = 1;
  for (const double p : {0.0005, 0.01, 0.2, 0.7, 1.0})
    for (const int symbols : {2, 5, 40, 256})
      for (const std::size_t n : {std::size_t{1}, std::size_t{17}, std::size_t{1000},
                                  std::size_t{65536}, std::size_t{200000}})
        round_trip({runs_of(n, p, symbols, seed++)});
}

TEST(RunLengthDeflate, RunsContinueAcrossCallsAndStoredBlocks) {
  // A call whose first byte repeats the last byte of the call before starts with a match.
  const Bytes a(1000, 9), b(700, 9), c = runs_of(70000, 1.0, 256, 3), d(100, c.back());
  round_trip({a, b, c, d});
  std::vector<std::byte> out(RunLengthDeflate::bound(a.size() + c.size() + b.size(), 3));
  RunLengthDeflate encoder;
  encoder.begin(out.data(), out.size());
  encoder.runs(a.data(), a.size());
  encoder.stored(c.data(), c.size());  // longer than one stored block
  encoder.runs(b.data(), b.size());
  out.resize(encoder.finish());
  Bytes all(a);
  all.insert(all.end(), c.begin(), c.end());
  all.insert(all.end(), b.begin(), b.end());
  EXPECT_TRUE(inflate_raw(out, all.size()) == all);
}

TEST(RunLengthDeflate, SkewedBytesGetShortCodesAndNoiseIsNotExpanded) {
  // Two symbols at random: literals of one bit or two (a short run's repeat), measured 1.44
  // bits a byte, against the 8 of storing them.
  Bytes two(65536);
  std::mt19937 rng(5);
  for (auto& x : two) x = static_cast<unsigned char>(rng() & 1U) + 100;
  EXPECT_LT(round_trip({two}), 65536 * 3 / 16);
  // Noise through the run coder falls back to stored blocks: at most 5 bytes per 65535 more.
  Bytes noise(200000);
  for (auto& x : noise) x = static_cast<unsigned char>(rng());
  EXPECT_LE(round_trip({noise}), noise.size() + 5 * 4 + 8);
  EXPECT_LE(round_trip({noise}, true), noise.size() + 5 * 4 + 8);
}

TEST(RunLengthDeflate, FibonacciFrequenciesStillGiveCodesOfAtMost15Bits) {
  // Symbol k appears fib(k) times: an unlimited Huffman code would be 24 bits deep.
  Bytes b;
  std::uint64_t f0 = 1, f1 = 1;
  for (int k = 0; k < 25; ++k) {
    for (std::uint64_t i = 0; i < f0; ++i) {
      b.push_back(static_cast<unsigned char>(k));
      b.push_back(static_cast<unsigned char>(200 + k % 2));  // no runs
    }
    const std::uint64_t f2 = f0 + f1;
    f0 = f1;
    f1 = f2;
  }
  round_trip({b});
}

TEST(RunLengthDeflate, RefusesABufferThatIsTooSmall) {
  std::vector<std::byte> out(100);
  RunLengthDeflate encoder;
  encoder.begin(out.data(), out.size());
  const Bytes noise = runs_of(1000, 1.0, 256, 9);
  EXPECT_THROW(encoder.stored(noise.data(), noise.size()), std::logic_error);
}

}  // namespace
}  // namespace scalesim
