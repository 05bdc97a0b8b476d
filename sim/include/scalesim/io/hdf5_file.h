// A small RAII layer over the HDF5 C API for writing result files: groups, attributes, tables of
// compound rows, and one large chunked, compressed table written in slices by every rank.
//
// Parallel use (HDF5 built with MPI): every rank calls every function in the same order with the
// same names and attribute values (metadata operations are collective). Small tables are written
// by rank 0 with collective transfers (the other ranks select nothing); the large table is
// written by each rank at its own offset.
#pragma once

#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace scalesim {

// Owns one HDF5 identifier and closes it with the right function.
class H5Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  H5Handle() = default;
  H5Handle(hid_t id, Closer closer, const std::string& what);
  ~H5Handle() { reset(); }
  H5Handle(H5Handle&& o) noexcept : id_(o.id_), closer_(o.closer_) { o.id_ = H5I_INVALID_HID; }
  H5Handle& operator=(H5Handle&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = o.id_;
      closer_ = o.closer_;
      o.id_ = H5I_INVALID_HID;
    }
    return *this;
  }
  H5Handle(const H5Handle&) = delete;
  H5Handle& operator=(const H5Handle&) = delete;
  hid_t get() const { return id_; }
  void reset();

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

// Describes a C++ row struct field by field; the file type is the packed form.
class CompoundType {
 public:
  explicit CompoundType(std::size_t row_size);
  CompoundType& add(const char* name, std::size_t offset, hid_t native_type);
  CompoundType& add_string(const char* name, std::size_t offset, std::size_t length);
  hid_t memory() const { return memory_.get(); }
  hid_t file() const;  // packed copy, built on first use

 private:
  H5Handle memory_;
  mutable H5Handle file_;
  std::vector<H5Handle> strings_;
};

class Hdf5Group {
 public:
  Hdf5Group(H5Handle handle, hid_t transfer, int rank, bool parallel)
      : h_(std::move(handle)), xfer_(transfer), rank_(rank), parallel_(parallel) {}
  Hdf5Group group(const std::string& name) const;

  // Writes or replaces the attribute (a run's status is written first and replaced at the end).
  void attribute(const std::string& name, const std::string& value) const;
  void attribute(const std::string& name, std::int64_t value) const;
  void attribute(const std::string& name, std::uint64_t value) const;
  void attribute(const std::string& name, double value) const;
  void attribute(const std::string& name, const std::vector<std::string>& values) const;

  // Rank 0's `text` as a scalar string dataset.
  void text(const std::string& name, const std::string& text) const;
  // Rank 0's values as a 1-D uint64 dataset.
  void array(const std::string& name, const std::vector<std::uint64_t>& values) const;
  // Rank 0's values, row-major, as an N-D dataset of shape `dims` (product of dims ==
  // values.size()): float64, uint8, or fixed-length ASCII strings (the longest value's width,
  // NUL-padded).
  void doubles(const std::string& name, const std::vector<double>& values,
               const std::vector<std::uint64_t>& dims) const;
  void bytes(const std::string& name, const std::vector<std::uint8_t>& values,
             const std::vector<std::uint64_t>& dims) const;
  void strings(const std::string& name, const std::vector<std::string>& values,
               const std::vector<std::uint64_t>& dims) const;
  // Rank 0's rows as a 1-D compound dataset (contiguous).
  void table(const std::string& name, const CompoundType& type, const void* rows,
             std::size_t count) const;
  // A 1-D chunked, shuffle+deflate compressed compound dataset of `total` rows, to which this
  // rank contributes `rows`: the pieces (offset, count), in increasing offset order, laid end
  // to end (all ranks call it; a rank may contribute nothing). Returns the dataset so
  // attributes can be attached.
  struct Piece {
    std::uint64_t offset;
    std::uint64_t count;
  };
  Hdf5Group sliced_table(const std::string& name, const CompoundType& type, const void* rows,
                         const std::vector<Piece>& pieces, std::uint64_t total,
                         std::uint64_t chunk_rows, int deflate_level) const;

  hid_t id() const { return h_.get(); }
  hid_t transfer() const { return xfer_; }
  int rank() const { return rank_; }
  bool parallel() const { return parallel_; }

 private:
  void write_by_root(const std::string& name, hid_t file_type, hid_t memory_type, const void* data,
                     std::size_t count) const;

  H5Handle h_;
  hid_t xfer_;
  int rank_;
  bool parallel_;
};

// A 1-D chunked, shuffle+deflate compressed compound dataset that grows as rows are written, so
// a long table is written a chunk at a time and never held whole. Rows are in memory exactly as
// in the file (the type's memory and file layouts agree).
class ShuffleDeflate;

class Hdf5GrowingTable {
 public:
  // Creates `name` under `parent` with no rows (collective, like every metadata operation).
  Hdf5GrowingTable(const Hdf5Group& parent, const std::string& name, const CompoundType& type,
                   std::uint64_t chunk_rows, int deflate_level);
  ~Hdf5GrowingTable();
  Hdf5GrowingTable(Hdf5GrowingTable&&) noexcept;
  Hdf5GrowingTable& operator=(Hdf5GrowingTable&&) noexcept;
  // One writer: rows [offset, offset + count), offset a multiple of chunk_rows; the table grows
  // to hold them. Whole chunks are compressed here and handed to HDF5 ready-made.
  void write(std::uint64_t offset, const void* rows, std::uint64_t count);
  // Collective: every rank grows the table to `total` rows and writes its pieces (rows laid end
  // to end, pieces in increasing offset order; a rank may write nothing).
  void write_pieces(const void* rows, const std::vector<Hdf5Group::Piece>& pieces,
                    std::uint64_t total);
  std::uint64_t size() const { return size_; }
  std::uint64_t chunk_rows() const { return chunk_; }
  const Hdf5Group& dataset() const { return d_; }

 private:
  void grow(std::uint64_t rows);

  Hdf5Group d_;
  std::size_t element_;
  H5Handle memory_type_;  // a copy: the caller's CompoundType may go
  std::uint64_t chunk_;
  int level_;
  bool parallel_;
  std::uint64_t size_ = 0;
  std::unique_ptr<ShuffleDeflate> compressor_;  // made at the first write, reused
};

// Debian's HDF5 library is not thread-safe: a thread that calls it while another thread may
// (the results writer thread, trace readers on replication threads) holds this.
std::mutex& hdf5_library_mutex();

class Hdf5File {
 public:
  // Creates (truncates) `path`. With `parallel`, opens it with the MPI-IO driver on every rank of
  // the job (collective); otherwise rank 0 alone may call this.
  Hdf5File(const std::string& path, bool parallel, int rank);
  Hdf5Group root() const;
  void close();  // flushes and closes; the file is complete on disk afterwards
  void flush();  // what is written so far reaches the file: readable if the process then dies

 private:
  H5Handle file_;
  H5Handle xfer_;
  int rank_;
  bool parallel_;
};

}  // namespace scalesim
