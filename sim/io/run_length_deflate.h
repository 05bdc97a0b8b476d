// A raw deflate stream (RFC 1951) for data whose only redundancy is runs of one byte and a
// skewed byte histogram: the byte planes of shuffled result records. Each call writes one block
// per input: matches at distance 1 for the runs and Huffman codes built for that block, or the
// bytes stored when that is no larger. Any inflater reads it (zlib, HDF5's deflate filter).
//
// Why not zlib's own run-length strategy: it produces the same kind of stream, but its general
// match loop, block splitting and byte-at-a-time bit output cost about 3x this encoder's time
// per request record (bench/RESULTS.md, streamed records), which on one core is a visible share
// of a whole replay.
//
// Thread safety: none; one encoder per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace scalesim {

class RunLengthDeflate {
 public:
  // The most bytes a stream can take whose inputs total `bytes` over `calls` calls.
  static std::size_t bound(std::size_t bytes, std::size_t calls);

  // Starts a stream written to out[0, capacity).
  void begin(std::byte* out, std::size_t capacity);
  // Appends data[0, n) as one block coded with runs and Huffman codes (or stored, if smaller).
  void runs(const unsigned char* data, std::size_t n);
  // Appends data[0, n) as stored blocks: for bytes known to be noise.
  void stored(const unsigned char* data, std::size_t n);
  // Ends the stream and returns its size in bytes.
  std::size_t finish();

 private:
  // The output as a stream of bits, least significant first. A value type, so that the coding
  // loop keeps it in registers.
  struct BitSink {
    std::byte* out = nullptr;
    std::uint64_t acc = 0;  // bits not yet written, the oldest in the low bits
    int pending = 0;        // how many bits acc holds (< 8 between calls)

    // Branch-free: stores eight bytes and keeps the bits of the last incomplete one, so up to
    // 7 + 25 bits may be pending and eight bytes past the end must be writable.
    void put(std::uint64_t bits, int count) {
      acc |= bits << pending;
      pending += count;
      for (int i = 0; i < 8; ++i) out[i] = static_cast<std::byte>(acc >> (8 * i));
      const int whole = pending >> 3;
      out += whole;
      acc >>= 8 * whole;
      pending &= 7;
    }
    void align();
  };

  void reserve(std::size_t bytes) const;

  std::byte* start_ = nullptr;
  std::byte* end_ = nullptr;
  BitSink bits_;
  int prev_ = -1;  // the stream's last byte, for a run that continues across calls
  std::vector<std::uint16_t> tokens_;  // < 256: a literal; 256 + length: a match at distance 1
};

}  // namespace scalesim
