// One chunk of a shuffle + deflate dataset, made here instead of in HDF5's filter pipeline: the
// bytes of the shuffle filter's transposition, then one zlib stream, so any HDF5 reader decodes
// the chunk with its standard filters and no plugin.
//
// Why not one deflate pass over the chunk: after the shuffle each byte plane of a record field
// is a stream of its own, and they differ. The high bytes of times and ids are constant or
// nearly so (long runs), the low bytes of times and latencies are noise. Searching noise for
// matches is where a general deflate spends its time and gains nothing, so at level 1 each
// plane is judged from a sample and written as stored blocks (noise) or as one block of runs
// and Huffman codes of its own (RunLengthDeflate): on the request records 24 ns a record against
// 176 ns for the shuffle and libdeflate level 1, for a file 0.8% larger (bench/RESULTS.md).
// Levels 2-9 deflate the chunk with zlib at that level.
//
// Thread safety: none; one compressor per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace scalesim {

class ShuffleDeflate {
 public:
  explicit ShuffleDeflate(int level);
  ~ShuffleDeflate();
  ShuffleDeflate(const ShuffleDeflate&) = delete;
  ShuffleDeflate& operator=(const ShuffleDeflate&) = delete;

  // Compresses n rows of `element` bytes into a chunk of chunk_rows rows (rows past n are
  // zeros, as HDF5 pads a partial chunk) and returns the zlib stream, valid until the next call.
  // REQUIRES: n <= chunk_rows.
  std::span<const std::byte> compress(const std::byte* rows, std::uint64_t n, std::size_t element,
                                      std::uint64_t chunk_rows);

 private:
  struct Stream;
  std::unique_ptr<Stream> stream_;
  int level_;
  std::vector<std::byte> shuffled_, out_;
};

}  // namespace scalesim
