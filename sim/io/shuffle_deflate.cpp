#include "sim/io/shuffle_deflate.h"

#include <zlib.h>

#include "sim/io/run_length_deflate.h"
#ifdef SCALESIM_HAVE_LIBDEFLATE
#include <libdeflate.h>
#endif

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>

namespace scalesim {

struct ShuffleDeflate::Stream {
  z_stream z{};
  RunLengthDeflate runs;
};

namespace {

// Whether a byte plane looks like noise: from its first 2 KiB, nearly 8 bits of entropy per
// byte and almost no runs. Such a plane is stored; run-length matching and Huffman codes would
// cost time and save at most a few bytes.
bool looks_like_noise(const unsigned char* plane, std::size_t size) {
  const std::size_t m = std::min<std::size_t>(size, 2048);
  if (m < 64) return false;
  std::array<std::uint32_t, 256> count{};
  std::size_t changes = 0;
  ++count[plane[0]];
  for (std::size_t i = 1; i < m; ++i) {
    ++count[plane[i]];
    changes += plane[i] != plane[i - 1] ? 1 : 0;
  }
  double bits = 0;
  for (const std::uint32_t c : count) {
    if (c == 0) continue;
    const double p = static_cast<double>(c) / static_cast<double>(m);
    bits -= p * std::log2(p);
  }
  return bits > 7.5 && static_cast<double>(changes) > 0.9 * static_cast<double>(m);
}

// Transposes an 8 x 8 byte matrix held as eight words (word i = row i, byte j = column j) so
// that word j holds column j: three rounds of swapping 4-, 2- and 1-byte blocks.
void transpose8x8(std::array<std::uint64_t, 8>& w) {
  for (std::size_t i = 0; i < 4; ++i) {
    const std::uint64_t t = ((w[i] >> 32U) ^ w[i + 4]) & 0x00000000FFFFFFFFULL;
    w[i] ^= t << 32U;
    w[i + 4] ^= t;
  }
  for (const std::size_t i : {0U, 1U, 4U, 5U}) {
    const std::uint64_t t = ((w[i] >> 16U) ^ w[i + 2]) & 0x0000FFFF0000FFFFULL;
    w[i] ^= t << 16U;
    w[i + 2] ^= t;
  }
  for (const std::size_t i : {0U, 2U, 4U, 6U}) {
    const std::uint64_t t = ((w[i] >> 8U) ^ w[i + 1]) & 0x00FF00FF00FF00FFULL;
    w[i] ^= t << 8U;
    w[i + 1] ^= t;
  }
}

// HDF5's shuffle: byte b of row r goes to out[b * plane + r]. Eight rows by eight bytes at a
// time through a word transpose (the last group of columns overlaps the one before when the
// row is not a multiple of 8 bytes), a block of rows at a time so that the rows stay in L1:
// about 4x a byte-by-byte gather. Rows past the last multiple of 8 are copied a byte at a time.
void shuffle(const std::byte* rows, std::size_t n, std::size_t element, std::size_t plane,
             std::byte* out) {
  std::size_t done = 0;
  if (element >= 8 && std::endian::native == std::endian::little) {
    constexpr std::size_t kBlock = 512;
    done = n / 8 * 8;
    for (std::size_t r0 = 0; r0 < done; r0 += kBlock) {
      const std::size_t r1 = std::min(done, r0 + kBlock);
      for (std::size_t c = 0;; c += 8) {
        c = std::min(c, element - 8);
        for (std::size_t r = r0; r < r1; r += 8) {
          std::array<std::uint64_t, 8> w{};
          for (std::size_t i = 0; i < 8; ++i) std::memcpy(&w[i], rows + (r + i) * element + c, 8);
          transpose8x8(w);
          for (std::size_t j = 0; j < 8; ++j) std::memcpy(out + (c + j) * plane + r, &w[j], 8);
        }
        if (c + 8 == element) break;
      }
    }
  }
  for (std::size_t b = 0; b < element; ++b)
    for (std::size_t r = done; r < n; ++r) out[b * plane + r] = rows[r * element + b];
}

// The zlib stream's checksum of the uncompressed chunk. zlib's own Adler-32 runs a byte at a time
// and cost a quarter of the compression; libdeflate's is vectorised.
std::uint32_t adler32_of(const std::byte* data, std::size_t size) {
#ifdef SCALESIM_HAVE_LIBDEFLATE
  return libdeflate_adler32(1, data, size);
#else
  return static_cast<std::uint32_t>(
      adler32(1, reinterpret_cast<const Bytef*>(data), static_cast<uInt>(size)));
#endif
}

void check(int rc, const char* what) {
  if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
    throw std::runtime_error(std::string("HDF5 chunk compression: zlib ") + what + " failed");
}

}  // namespace

ShuffleDeflate::ShuffleDeflate(int level) : stream_(std::make_unique<Stream>()), level_(level) {
  if (level < 1 || level > 9) throw std::invalid_argument("deflate level must be 1 to 9");
  // Levels 2-9: zlib, a raw deflate stream (window bits < 0); the zlib header and checksum are
  // written here.
  if (level > 1)
    check(deflateInit2(&stream_->z, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), "init");
}

ShuffleDeflate::~ShuffleDeflate() {
  if (level_ > 1) deflateEnd(&stream_->z);
}

std::span<const std::byte> ShuffleDeflate::compress(const std::byte* rows, std::uint64_t n,
                                                    std::size_t element, std::uint64_t chunk_rows) {
  const std::size_t plane = chunk_rows;
  const std::size_t chunk_bytes = plane * element;
  if (chunk_bytes > std::numeric_limits<uInt>::max())
    throw std::invalid_argument("a chunk of results may not exceed 4 GiB");
  shuffled_.resize(chunk_bytes);
  if (n < chunk_rows) std::fill(shuffled_.begin(), shuffled_.end(), std::byte{0});  // past the end
  shuffle(rows, n, element, plane, shuffled_.data());

  // Room for the worst case: every plane stored, plus the stream's header and checksum.
  // (resize() only grows it: shrinking and growing again would zero the buffer every chunk.)
  out_.resize(std::max(out_.size(), 6 + RunLengthDeflate::bound(chunk_bytes, element)));
  // RFC 1950 header: deflate with a 32 KiB window (0x78), then FLEVEL and the check bits that
  // make the pair a multiple of 31.
  const unsigned flevel = level_ == 1 ? 0 : (level_ < 6 ? 1 : (level_ == 6 ? 2 : 3));
  unsigned flg = flevel << 6;
  flg += 31 - (0x78 * 256 + flg) % 31;
  out_[0] = std::byte{0x78};
  out_[1] = static_cast<std::byte>(flg);
  std::size_t end = 2;
  if (level_ == 1) {
    RunLengthDeflate& runs = stream_->runs;
    runs.begin(out_.data() + 2, out_.size() - 6);  // 2 header + 4 checksum bytes
    for (std::size_t b = 0; b < element; ++b) {
      const auto* p = reinterpret_cast<const unsigned char*>(shuffled_.data() + b * plane);
      if (looks_like_noise(p, plane))
        runs.stored(p, plane);
      else
        runs.runs(p, plane);
    }
    end += runs.finish();
  } else {
    z_stream& z = stream_->z;
    check(deflateReset(&z), "reset");
    z.next_in = reinterpret_cast<Bytef*>(shuffled_.data());
    z.avail_in = static_cast<uInt>(chunk_bytes);
    z.next_out = reinterpret_cast<Bytef*>(out_.data() + 2);
    z.avail_out = static_cast<uInt>(out_.size() - 6);
    if (deflate(&z, Z_FINISH) != Z_STREAM_END)
      throw std::runtime_error("HDF5 chunk compression: the output buffer is too small");
    end = out_.size() - 4 - z.avail_out;
  }
  const std::uint32_t adler = adler32_of(shuffled_.data(), chunk_bytes);
  for (std::size_t i = 0; i < 4; ++i) out_[end + i] = static_cast<std::byte>(adler >> (24 - 8 * i));
  return {out_.data(), end + 4};
}

}  // namespace scalesim
