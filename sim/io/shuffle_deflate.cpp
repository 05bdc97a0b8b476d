#include "sim/io/shuffle_deflate.h"

#include <zlib.h>
#ifdef SCALESIM_HAVE_LIBDEFLATE
#include <libdeflate.h>
#endif

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace scalesim {

struct ShuffleDeflate::Stream {
  z_stream z{};
};

namespace {

// Whether a byte plane looks like noise: from its first 8 KiB, nearly 8 bits of entropy per
// byte and almost no runs. Such a plane is stored; run-length matching and Huffman codes would
// cost time and save at most a few bytes.
bool looks_like_noise(const unsigned char* plane, std::size_t size) {
  const std::size_t m = std::min<std::size_t>(size, 8192);
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

ShuffleDeflate::ShuffleDeflate(int level)
    : stream_(std::make_unique<Stream>()), level_(level), current_level_(level) {
  if (level < 1 || level > 9) throw std::invalid_argument("deflate level must be 1 to 9");
  // A raw deflate stream (window bits < 0): the zlib header and checksum are written here.
  check(
      deflateInit2(&stream_->z, level, Z_DEFLATED, -15, 8, level == 1 ? Z_RLE : Z_DEFAULT_STRATEGY),
      "init");
}

ShuffleDeflate::~ShuffleDeflate() {
  deflateEnd(&stream_->z);
}

std::span<const std::byte> ShuffleDeflate::compress(const std::byte* rows, std::uint64_t n,
                                                    std::size_t element, std::uint64_t chunk_rows) {
  const std::size_t plane = chunk_rows;
  const std::size_t chunk_bytes = plane * element;
  if (chunk_bytes > std::numeric_limits<uInt>::max())
    throw std::invalid_argument("a chunk of results may not exceed 4 GiB");
  shuffled_.resize(chunk_bytes);
  if (n < chunk_rows) std::fill(shuffled_.begin(), shuffled_.end(), std::byte{0});  // past the end
  // In blocks of rows small enough to stay in L1, each output plane written in order.
  constexpr std::uint64_t kBlock = 256;
  for (std::uint64_t r0 = 0; r0 < n; r0 += kBlock) {
    const std::uint64_t rb = std::min(kBlock, n - r0);
    for (std::size_t b = 0; b < element; ++b) {
      std::byte* dst = shuffled_.data() + b * plane + r0;
      const std::byte* src = rows + r0 * element + b;
      for (std::uint64_t r = 0; r < rb; ++r) dst[r] = src[r * element];
    }
  }

  z_stream& z = stream_->z;
  check(deflateReset(&z), "reset");
  // Room for the worst case: every plane stored (5 bytes per 64 KiB block), plus a block end per
  // plane switch and the stream's header and checksum.
  // (resize() only grows it: shrinking and growing again would zero the buffer every chunk.)
  out_.resize(std::max(out_.size(), chunk_bytes + chunk_bytes / 1024 + 64 * element + 64));
  // RFC 1950 header: deflate with a 32 KiB window (0x78), then FLEVEL and the check bits that
  // make the pair a multiple of 31.
  const unsigned flevel = level_ == 1 ? 0 : (level_ < 6 ? 1 : (level_ == 6 ? 2 : 3));
  unsigned flg = flevel << 6;
  flg += 31 - (0x78 * 256 + flg) % 31;
  out_[0] = std::byte{0x78};
  out_[1] = static_cast<std::byte>(flg);
  z.next_out = reinterpret_cast<Bytef*>(out_.data() + 2);
  z.avail_out = static_cast<uInt>(out_.size() - 6);  // 2 header + 4 checksum bytes
  for (std::size_t b = 0; b < element; ++b) {
    auto* p = reinterpret_cast<unsigned char*>(shuffled_.data() + b * plane);
    if (level_ == 1) {
      const int want = looks_like_noise(p, plane) ? 0 : 1;
      if (want != current_level_) {
        z.next_in = nullptr;
        z.avail_in = 0;
        check(deflateParams(&z, want, Z_RLE), "params");  // ends the block so far
        current_level_ = want;
      }
    }
    z.next_in = p;
    z.avail_in = static_cast<uInt>(plane);
    const int rc = deflate(&z, b + 1 == element ? Z_FINISH : Z_NO_FLUSH);
    if (z.avail_in != 0 || (b + 1 == element && rc != Z_STREAM_END))
      throw std::runtime_error("HDF5 chunk compression: the output buffer is too small");
    check(rc, "deflate");
  }
  const std::size_t end = out_.size() - 4 - z.avail_out;
  const std::uint32_t adler = adler32_of(shuffled_.data(), chunk_bytes);
  for (std::size_t i = 0; i < 4; ++i) out_[end + i] = static_cast<std::byte>(adler >> (24 - 8 * i));
  return {out_.data(), end + 4};
}

}  // namespace scalesim
