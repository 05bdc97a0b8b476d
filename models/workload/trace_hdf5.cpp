// Reading the HDF5 form of a trace (io/trace_h5.h), a block of rows at a time.
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include "models/workload/trace_h5.h"
#include "models/workload/trace_input.h"
#include "scalesim/io/hdf5_file.h"
#ifdef SCALESIM_HAVE_LIBDEFLATE
#include <libdeflate.h>
#endif

namespace scalesim::trace_io {
namespace {

// H5T_VARIABLE, which the header spells with an old-style cast.
constexpr std::size_t kVariableSize = std::numeric_limits<std::size_t>::max();

std::string read_string_attribute(hid_t obj, const char* name, const std::string& where) {
  if (H5Aexists(obj, name) <= 0) {
    throw TraceError(where + ": no attribute '" + name +
                     "' (not a trace written by scalesim trace convert)");
  }
  const H5Handle attr(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose);
  const H5Handle type(H5Aget_type(attr.get()), H5Tclose);
  if (!attr.valid() || !type.valid() || H5Tget_class(type.get()) != H5T_STRING) {
    throw TraceError(where + ": attribute '" + name + "' is not a string");
  }
  std::string out;
  if (H5Tis_variable_str(type.get()) > 0) {
    char* value = nullptr;
    const H5Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mem.get(), kVariableSize);
    if (H5Aread(attr.get(), mem.get(), static_cast<void*>(&value)) < 0 || value == nullptr) {
      throw TraceError(where + ": cannot read attribute '" + name + "'");
    }
    out = value;
    H5free_memory(value);
  } else {
    out.assign(H5Tget_size(type.get()), '\0');
    if (H5Aread(attr.get(), type.get(), out.data()) < 0) {
      throw TraceError(where + ": cannot read attribute '" + name + "'");
    }
    out.resize(out.find('\0') == std::string::npos ? out.size() : out.find('\0'));
  }
  return out;
}

class Hdf5RowStream final : public RowStream {
 public:
  Hdf5RowStream(const std::string& path, const TraceLayout& layout) : file_(path), layout_(layout) {
    auto find = [&](const std::string& name, const char* role) -> int {
      if (name.empty()) return -1;
      const auto& cols = file_.columns();
      for (std::size_t i = 0; i < cols.size(); ++i) {
        if (cols[i].name == name) return static_cast<int>(i);
      }
      std::string have;
      for (const auto& c : cols) have += (have.empty() ? "" : ", ") + c.name;
      throw TraceError(path + ": no " + role + " column '" + name + "' (the file has: " + have +
                       ")");
    };
    time_col_ = find(layout_.time_column, "time");
    size_col_ = find(layout_.size_column, "size");
    aux_col_ = find(layout_.aux_column, "second size");
    const auto& time = file_.columns()[static_cast<std::size_t>(time_col_)];
    const bool datetime = layout_.time_format == TraceLayout::TimeFormat::kDatetime;
    if (datetime && time.kind != ColumnKind::kDatetime) {
      throw TraceError(path + ": column '" + time.name + "' holds " + kind_name(time.kind) +
                       "s, not datetimes: set time_format (s, ms, us or ns)");
    }
    if (!datetime && time.kind == ColumnKind::kDatetime) {
      throw TraceError(path + ": column '" + time.name +
                       "' holds datetimes: set time_format: datetime");
    }
    for (const int c : {size_col_, aux_col_}) {
      if (c >= 0 && file_.columns()[static_cast<std::size_t>(c)].kind == ColumnKind::kDatetime) {
        throw TraceError(path + ": column '" + file_.columns()[static_cast<std::size_t>(c)].name +
                         "' holds datetimes, not sizes");
      }
    }
    set_time_column(layout_.time_column);
  }

  std::string where() const override {
    return file_.path() + ": row " + std::to_string(row_);  // row_: 1-based, the last returned
  }

  bool rewind() override {
    row_ = 0;
    block_first_ = 0;
    block_rows_ = 0;
    restart_order();
    return true;
  }

 protected:
  std::optional<RawRow> parse_next() override {
    if (row_ >= block_first_ + block_rows_) {  // a chunk at a time: flat memory
      if (row_ >= file_.rows()) return std::nullopt;
      load_block(row_);
    }
    const auto i = static_cast<std::size_t>(row_ - block_first_);
    ++row_;
    RawRow r;
    if (layout_.time_format == TraceLayout::TimeFormat::kDatetime) {
      r.raw = time_int_[i];
    } else {
      // As the CSV reader does: the number as a double, scaled to nanoseconds and rounded.
      const double v = time_is_int_ ? static_cast<double>(time_int_[i]) : time_num_[i];
      if (!(std::isfinite(v) && v >= 0 && v < 9e18 / 1e9)) {
        throw TraceError(where() + ": column '" + layout_.time_column + "': bad time " +
                         std::to_string(v));
      }
      r.raw = std::llround(v * time_unit_ns(layout_.time_format));
    }
    r.size = size_of(size_col_, size_, i, layout_.size_column);
    r.aux = size_of(aux_col_, aux_, i, layout_.aux_column);
    return r;
  }

 private:
  struct SizeBlock {
    std::vector<std::int64_t> ints;
    std::vector<double> nums;
  };

  void load_block(std::uint64_t first) {
    const std::uint64_t count = std::min(file_.block_rows(), file_.rows() - first);
    const auto n = static_cast<std::size_t>(count);
    const std::lock_guard lock(hdf5_mutex());
    const H5Quiet quiet;
    const auto& cols = file_.columns();
    const auto tc = static_cast<std::size_t>(time_col_);
    time_is_int_ = cols[tc].kind != ColumnKind::kNumber;
    if (time_is_int_) {
      time_int_.resize(n);
      file_.read(tc, first, count, time_int_.data());
    } else {
      time_num_.resize(n);
      file_.read(tc, first, count, time_num_.data());
    }
    for (auto [col, block] : {std::pair{size_col_, &size_}, std::pair{aux_col_, &aux_}}) {
      if (col < 0) continue;
      const auto c = static_cast<std::size_t>(col);
      if (cols[c].kind == ColumnKind::kNumber) {
        block->nums.resize(n);
        file_.read(c, first, count, block->nums.data());
      } else {
        block->ints.resize(n);
        file_.read(c, first, count, block->ints.data());
      }
    }
    block_first_ = first;
    block_rows_ = count;
  }

  std::uint32_t size_of(int col, const SizeBlock& b, std::size_t i, const std::string& name) {
    if (col < 0) return 0;
    const bool is_num = file_.columns()[static_cast<std::size_t>(col)].kind == ColumnKind::kNumber;
    const double v = is_num ? b.nums[i] : 0;
    const std::int64_t n = is_num ? static_cast<std::int64_t>(v) : b.ints[i];
    if ((is_num && !(v >= 0 && v <= 4294967295.0 && v == std::floor(v))) || n < 0 ||
        n > 0xffffffffLL) {
      throw TraceError(where() + ": column '" + name + "': expected a whole number >= 0, got " +
                       (is_num ? std::to_string(v) : std::to_string(n)));
    }
    return static_cast<std::uint32_t>(n);
  }

  H5TraceFile file_;
  TraceLayout layout_;
  int time_col_ = -1, size_col_ = -1, aux_col_ = -1;
  std::uint64_t row_ = 0;  // rows returned
  std::uint64_t block_first_ = 0, block_rows_ = 0;
  bool time_is_int_ = true;
  std::vector<std::int64_t> time_int_;
  std::vector<double> time_num_;
  SizeBlock size_, aux_;
};

// Whole chunks can be read raw and decoded here when the pipeline is (shuffle,) deflate on
// little-endian 8-byte values: libdeflate inflates several times faster than HDF5's zlib.
void inspect_chunks(H5TraceFile::Column& c) {
  const H5Handle dcpl(H5Dget_create_plist(c.dataset.get()), H5Pclose);
  if (!dcpl.valid() || H5Pget_layout(dcpl.get()) != H5D_CHUNKED) return;
  hsize_t chunk[1] = {0};
  if (H5Pget_chunk(dcpl.get(), 1, chunk) != 1 || chunk[0] == 0) return;
  c.chunk_rows = chunk[0];
  const int filters = H5Pget_nfilters(dcpl.get());
  bool known = filters >= 0;
  for (int i = 0; known && i < filters; ++i) {
    unsigned flags = 0;
    std::size_t nvalues = 0;
    unsigned config = 0;
    const H5Z_filter_t f = H5Pget_filter2(dcpl.get(), static_cast<unsigned>(i), &flags, &nvalues,
                                          nullptr, 0, nullptr, &config);
    if (f == H5Z_FILTER_SHUFFLE && c.deflate_filter < 0 && c.shuffle_filter < 0) {
      c.shuffle_filter = i;
    } else if (f == H5Z_FILTER_DEFLATE && c.deflate_filter < 0) {
      c.deflate_filter = i;
    } else {
      known = false;
    }
  }
  const H5Handle type(H5Dget_type(c.dataset.get()), H5Tclose);
  const hid_t want = c.kind == ColumnKind::kNumber ? H5T_IEEE_F64LE : H5T_STD_I64LE;
  c.direct = known && type.valid() && H5Tequal(type.get(), want) > 0 &&
             std::endian::native == std::endian::little;
#ifndef SCALESIM_HAVE_LIBDEFLATE
  if (c.deflate_filter >= 0) c.direct = false;
#endif
}

}  // namespace

std::mutex& hdf5_mutex() {
  return hdf5_library_mutex();
}

const char* kind_name(ColumnKind kind) {
  switch (kind) {
    case ColumnKind::kNumber:
      return "number";
    case ColumnKind::kDatetime:
      return "datetime";
    case ColumnKind::kInteger:
      break;
  }
  return "integer";
}

struct H5TraceFile::Direct {
#ifdef SCALESIM_HAVE_LIBDEFLATE
  struct Free {
    void operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }
  };
  std::unique_ptr<libdeflate_decompressor, Free> decompressor{libdeflate_alloc_decompressor()};
#endif
  std::vector<char> stored, plain;
};

H5TraceFile::H5TraceFile(std::string path)
    : path_(std::move(path)), direct_(std::make_unique<Direct>()) {
  const std::lock_guard lock(hdf5_mutex());
  const H5Quiet quiet;
  file_ = H5Handle(H5Fopen(path_.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file_.valid()) throw TraceError(path_ + ": cannot open the HDF5 trace");
  const std::string list = read_string_attribute(file_.get(), "columns", path_);
  if (H5Aexists(file_.get(), "csv_line_end") > 0) {
    crlf_ = read_string_attribute(file_.get(), "csv_line_end", path_) == "crlf";
  }
  if (H5Aexists(file_.get(), "csv_final_newline") > 0) {
    const H5Handle a(H5Aopen(file_.get(), "csv_final_newline", H5P_DEFAULT), H5Aclose);
    int v = 1;
    if (a.valid() && H5Aread(a.get(), H5T_NATIVE_INT, &v) >= 0) final_newline_ = v != 0;
  }
  std::vector<std::string_view> names;
  split_csv(list, names);
  for (const auto name : names) {
    Column c;
    c.name = std::string(name);
    const std::string where = path_ + ": column '" + c.name + "'";
    if (c.name.empty() || H5Lexists(file_.get(), c.name.c_str(), H5P_DEFAULT) <= 0) {
      throw TraceError(where + ": listed in 'columns' but there is no such dataset");
    }
    c.dataset = H5Handle(H5Dopen2(file_.get(), c.name.c_str(), H5P_DEFAULT), H5Dclose);
    if (!c.dataset.valid()) throw TraceError(where + ": cannot open the dataset");
    const std::string kind = read_string_attribute(c.dataset.get(), "kind", where);
    if (kind == "integer") {
      c.kind = ColumnKind::kInteger;
    } else if (kind == "number") {
      c.kind = ColumnKind::kNumber;
    } else if (kind == "datetime") {
      c.kind = ColumnKind::kDatetime;
      if (H5Aexists(c.dataset.get(), "fraction_digits") > 0) {
        const H5Handle a(H5Aopen(c.dataset.get(), "fraction_digits", H5P_DEFAULT), H5Aclose);
        if (!a.valid() || H5Aread(a.get(), H5T_NATIVE_INT, &c.fraction_digits) < 0) {
          throw TraceError(where + ": cannot read attribute 'fraction_digits'");
        }
        c.fraction_digits = std::clamp(c.fraction_digits, 0, 9);
      }
    } else {
      std::string msg = where;
      msg += ": unknown kind '" + kind + "' (integer, number or datetime)";
      throw TraceError(msg);
    }
    const H5Handle space(H5Dget_space(c.dataset.get()), H5Sclose);
    hsize_t dims[1] = {0};
    if (!space.valid() || H5Sget_simple_extent_ndims(space.get()) != 1 ||
        H5Sget_simple_extent_dims(space.get(), dims, nullptr) != 1) {
      throw TraceError(where + ": expected a one-dimensional dataset");
    }
    if (!columns_.empty() && dims[0] != rows_) {
      throw TraceError(where + ": " + std::to_string(dims[0]) + " rows, but column '" +
                       columns_.front().name + "' has " + std::to_string(rows_));
    }
    rows_ = dims[0];
    inspect_chunks(c);
    columns_.push_back(std::move(c));
  }
  // Blocks follow the chunks when every column has the same (the converter writes them so).
  if (columns_.front().chunk_rows > 0) {
    block_rows_ = columns_.front().chunk_rows;
    for (const auto& c : columns_) {
      if (c.chunk_rows != block_rows_) block_rows_ = std::uint64_t{1} << 16;
    }
  }
  if (columns_.empty()) throw TraceError(path_ + ": attribute 'columns' lists no columns");
}

H5TraceFile::~H5TraceFile() {
  const std::lock_guard lock(hdf5_mutex());
  columns_.clear();
  file_.reset();
}

bool H5TraceFile::read_direct(const Column& c, std::uint64_t first, std::uint64_t count,
                              void* out) const {
  const hsize_t offset[1] = {first};
  hsize_t stored_bytes = 0;
  if (H5Dget_chunk_storage_size(c.dataset.get(), offset, &stored_bytes) < 0 || stored_bytes == 0) {
    return false;
  }
  Direct& d = *direct_;
  d.stored.resize(stored_bytes);
  std::uint32_t skipped = 0;  // bit i: filter i was not applied to this chunk
  if (H5Dread_chunk(c.dataset.get(), H5P_DEFAULT, offset, &skipped, d.stored.data()) < 0) {
    return false;
  }
  const std::size_t full = c.chunk_rows * 8;
  const char* data = d.stored.data();
  std::size_t size = d.stored.size();
  if (c.deflate_filter >= 0 && (skipped & (1u << c.deflate_filter)) == 0) {
#ifdef SCALESIM_HAVE_LIBDEFLATE
    d.plain.resize(full);
    std::size_t got = 0;
    if (libdeflate_zlib_decompress(d.decompressor.get(), data, size, d.plain.data(), full, &got) !=
        LIBDEFLATE_SUCCESS) {
      return false;
    }
    data = d.plain.data();
    size = got;
#else
    return false;
#endif
  }
  if (size != full) return false;
  auto* dst = static_cast<unsigned char*>(out);
  if (c.shuffle_filter >= 0 && (skipped & (1u << c.shuffle_filter)) == 0) {
    // Shuffled: byte b of every value, then byte b + 1 ...
    const auto* src = reinterpret_cast<const unsigned char*>(data);
    for (std::size_t b = 0; b < 8; ++b) {
      const unsigned char* plane = src + b * c.chunk_rows;
      for (std::size_t i = 0; i < count; ++i) dst[i * 8 + b] = plane[i];
    }
  } else {
    std::memcpy(dst, data, count * 8);
  }
  return true;
}

void H5TraceFile::read_raw(std::size_t column, std::uint64_t first, std::uint64_t count, hid_t type,
                           void* out) const {
  const Column& c = columns_[column];
  const bool same_type = (type == H5T_NATIVE_DOUBLE) == (c.kind == ColumnKind::kNumber);
  if (c.direct && same_type && first % c.chunk_rows == 0 && count <= c.chunk_rows &&
      read_direct(c, first, count, out)) {
    return;
  }
  const H5Handle file_space(H5Dget_space(c.dataset.get()), H5Sclose);
  const hsize_t start[1] = {first};
  const hsize_t n[1] = {count};
  const H5Handle mem_space(H5Screate_simple(1, n, nullptr), H5Sclose);
  if (!file_space.valid() || !mem_space.valid() ||
      H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, n, nullptr) < 0 ||
      H5Dread(c.dataset.get(), type, mem_space.get(), file_space.get(), H5P_DEFAULT, out) < 0) {
    throw TraceError(path_ + ": column '" + c.name + "': cannot read rows " +
                     std::to_string(first + 1) + " to " + std::to_string(first + count) +
                     " (a damaged file?)");
  }
}

void H5TraceFile::read(std::size_t column, std::uint64_t first, std::uint64_t count,
                       std::int64_t* out) const {
  read_raw(column, first, count, H5T_NATIVE_INT64, out);
}

void H5TraceFile::read(std::size_t column, std::uint64_t first, std::uint64_t count,
                       double* out) const {
  read_raw(column, first, count, H5T_NATIVE_DOUBLE, out);
}

std::unique_ptr<RowStream> open_hdf5_rows(const std::string& path, const TraceLayout& layout) {
  return std::make_unique<Hdf5RowStream>(path, layout);
}

}  // namespace scalesim::trace_io
