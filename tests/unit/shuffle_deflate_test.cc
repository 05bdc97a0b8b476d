// Result chunks compressed by ShuffleDeflate must be exactly what HDF5's shuffle + deflate
// filters decode: a zlib stream (header, raw deflate, Adler-32) of the shuffled chunk.
#include "sim/io/shuffle_deflate.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <span>
#include <vector>

namespace scalesim {
namespace {

// Rows of 13 bytes: a counter (runs in the high bytes), noise, and a constant.
std::vector<std::byte> make_rows(std::uint64_t n, std::uint32_t seed) {
  constexpr std::size_t kElement = 13;
  std::vector<std::byte> rows(n * kElement);
  std::mt19937_64 rng(seed);
  for (std::uint64_t r = 0; r < n; ++r) {
    const std::uint64_t counter = 1'000'000'000 + 333'000 * r;
    const std::uint32_t noise = static_cast<std::uint32_t>(rng());
    std::memcpy(&rows[r * kElement], &counter, 8);
    std::memcpy(&rows[r * kElement + 8], &noise, 4);
    rows[r * kElement + 12] = std::byte{7};
  }
  return rows;
}

// What HDF5 reads back: inflate (checking the zlib header and Adler-32), then unshuffle.
std::vector<std::byte> decode(std::span<const std::byte> chunk, std::size_t element,
                              std::uint64_t chunk_rows) {
  std::vector<std::byte> shuffled(element * chunk_rows);
  uLongf size = shuffled.size();
  EXPECT_EQ(uncompress(reinterpret_cast<Bytef*>(shuffled.data()), &size,
                       reinterpret_cast<const Bytef*>(chunk.data()), chunk.size()),
            Z_OK);
  EXPECT_EQ(size, shuffled.size());
  std::vector<std::byte> rows(shuffled.size());
  for (std::uint64_t r = 0; r < chunk_rows; ++r)
    for (std::size_t b = 0; b < element; ++b) rows[r * element + b] = shuffled[b * chunk_rows + r];
  return rows;
}

TEST(ShuffleDeflate, RoundTripsEveryLevelAndPartialChunks) {
  constexpr std::size_t kElement = 13;
  for (const int level : {1, 4, 9}) {
    ShuffleDeflate compressor(level);
    for (const std::uint64_t n : {std::uint64_t{65536}, std::uint64_t{40003}, std::uint64_t{1}}) {
      const auto rows =
          make_rows(n, static_cast<std::uint32_t>(n) + static_cast<std::uint32_t>(level));
      const auto chunk = compressor.compress(rows.data(), n, kElement, 65536);
      const auto back = decode(chunk, kElement, 65536);
      ASSERT_TRUE(std::equal(rows.begin(), rows.end(), back.begin())) << level << " " << n;
      for (std::size_t i = rows.size(); i < back.size(); ++i)
        ASSERT_EQ(back[i], std::byte{0}) << "rows past n are zeros";
      if (n == 65536) {
        // 4 noise bytes a row cannot shrink; the constant plane and the counter's high bytes
        // nearly vanish. Its low bytes repeat with a period (LZ matches, levels 2-9) but have no
        // runs, so level 1 codes them with Huffman codes only.
        EXPECT_LT(chunk.size(), n * (level == 1 ? 7 : 6)) << level;
        EXPECT_GT(chunk.size(), n * 4) << level;
      }
    }
  }
}

TEST(ShuffleDeflate, NoiseIsStoredNotExpanded) {
  constexpr std::uint64_t kRows = 65536;
  std::vector<std::byte> rows(kRows * 8);
  std::mt19937_64 rng(42);
  for (auto& b : rows) b = static_cast<std::byte>(rng());
  ShuffleDeflate compressor(1);
  const auto chunk = compressor.compress(rows.data(), kRows, 8, kRows);
  EXPECT_LE(chunk.size(), rows.size() + rows.size() / 1000 + 64);
  const auto back = decode(chunk, 8, kRows);
  EXPECT_TRUE(std::equal(rows.begin(), rows.end(), back.begin()));
}

TEST(ShuffleDeflate, RejectsLevelsOutsideDeflates) {
  EXPECT_THROW(ShuffleDeflate(0), std::invalid_argument);
  EXPECT_THROW(ShuffleDeflate(10), std::invalid_argument);
}

}  // namespace
}  // namespace scalesim
