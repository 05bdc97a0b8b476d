// The HDF5 form of a trace (HDF5 builds only): a dataset per CSV column, named as the column,
// at the file's root, in the order the root attribute `columns` lists (comma-separated). Each
// dataset is one-dimensional, chunked and compressed, with an attribute `kind`: "integer"
// (int64), "number" (float64) or "datetime" (int64 nanoseconds since 1970-01-01 UTC, with
// `fraction_digits`, the digits of the seconds' fraction written back to CSV). Written by
// `scalesim trace convert`, read by TraceReader a block of rows at a time.
#pragma once

#ifdef SCALESIM_HAVE_HDF5

#include <hdf5.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace scalesim::trace_io {

// The HDF5 library Debian ships is not thread-safe, and replications read traces from several
// threads while the results writer may write: every trace HDF5 call holds this (the one
// process-wide lock of scalesim/io/hdf5_file.h).
std::mutex& hdf5_mutex();

// An HDF5 handle, closed once.
class H5Handle {
 public:
  H5Handle() = default;
  H5Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  H5Handle(const H5Handle&) = delete;
  H5Handle& operator=(const H5Handle&) = delete;
  H5Handle(H5Handle&& o) noexcept : id_(std::exchange(o.id_, H5I_INVALID_HID)), close_(o.close_) {}
  H5Handle& operator=(H5Handle&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = std::exchange(o.id_, H5I_INVALID_HID);
      close_ = o.close_;
    }
    return *this;
  }
  ~H5Handle() { reset(); }
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  void reset() {
    if (id_ >= 0 && close_ != nullptr) close_(id_);
    id_ = H5I_INVALID_HID;
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
  herr_t (*close_)(hid_t) = nullptr;
};

// Keeps HDF5 from printing its error stack while it lives: failures become TraceErrors.
class H5Quiet {
 public:
  H5Quiet() {
    H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  H5Quiet(const H5Quiet&) = delete;
  H5Quiet& operator=(const H5Quiet&) = delete;
  ~H5Quiet() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

enum class ColumnKind { kInteger, kNumber, kDatetime };
const char* kind_name(ColumnKind kind);

// A trace file opened for reading: its columns in order, each readable a block at a time.
class H5TraceFile {
 public:
  explicit H5TraceFile(std::string path);  // holds hdf5_mutex() while opening
  H5TraceFile(const H5TraceFile&) = delete;
  H5TraceFile& operator=(const H5TraceFile&) = delete;
  ~H5TraceFile();  // holds hdf5_mutex() while closing
  struct Column {
    std::string name;
    ColumnKind kind = ColumnKind::kInteger;
    int fraction_digits = 0;
    H5Handle dataset;
    // Chunking and filters, for reading whole chunks past HDF5's filter pipeline (faster).
    std::uint64_t chunk_rows = 0;
    int shuffle_filter = -1, deflate_filter = -1;  // their places in the pipeline, or -1
    bool direct = false;
  };
  const std::vector<Column>& columns() const { return columns_; }
  std::uint64_t rows() const { return rows_; }
  // Rows a reader should ask for at a time: the columns' chunk when they share one.
  std::uint64_t block_rows() const { return block_rows_; }
  // The CSV's line end, "\r\n" or "\n" (root attribute `csv_line_end`: crlf or lf), for CSV
  // written back.
  const char* line_end() const { return crlf_ ? "\r\n" : "\n"; }
  // Whether the CSV's last line had a line end (root attribute `csv_final_newline`, 1 or 0).
  bool final_newline() const { return final_newline_; }
  // Rows [first, first + count) of a column, as int64 (integer, datetime) or double (number).
  // The caller holds hdf5_mutex().
  void read(std::size_t column, std::uint64_t first, std::uint64_t count, std::int64_t* out) const;
  void read(std::size_t column, std::uint64_t first, std::uint64_t count, double* out) const;
  const std::string& path() const { return path_; }

 private:
  void read_raw(std::size_t column, std::uint64_t first, std::uint64_t count, hid_t type,
                void* out) const;
  bool read_direct(const Column& c, std::uint64_t first, std::uint64_t count, void* out) const;
  std::string path_;
  struct Direct;  // buffers and the decompressor for read_direct()
  std::unique_ptr<Direct> direct_;
  std::uint64_t block_rows_ = std::uint64_t{1} << 16;
  H5Handle file_;
  std::vector<Column> columns_;
  std::uint64_t rows_ = 0;
  bool crlf_ = false;
  bool final_newline_ = true;
};

}  // namespace scalesim::trace_io

#endif
