#include "scalesim/io/hdf5_file.h"

#include <algorithm>
#include <atomic>
#include <stdexcept>

#ifdef SCALESIM_HDF5_PARALLEL
#include <mpi.h>
#endif
#ifdef SCALESIM_HAVE_ZLIB
#include "sim/io/shuffle_deflate.h"
#endif
#ifdef _OPENMP
#include <omp.h>
#endif

namespace scalesim {
namespace {

void check(herr_t rc, const std::string& what) {
  if (rc < 0) throw std::runtime_error("HDF5: cannot " + what);
}

H5Handle scalar_space() {
  return H5Handle(H5Screate(H5S_SCALAR), H5Sclose, "create a scalar dataspace");
}

// Selects `pieces` (n rows in all) of a 1-D dataset's file space; with none, nothing in memory
// either (a rank that writes nothing still joins a collective write).
void select_pieces(const H5Handle& file_space, const H5Handle& mem, hsize_t n,
                   const std::vector<Hdf5Group::Piece>& pieces) {
  check(H5Sselect_none(file_space.get()), "select nothing");
  if (n == 0) check(H5Sselect_none(mem.get()), "select nothing");
  for (const auto& p : pieces) {
    if (p.count == 0) continue;
    const hsize_t start = p.offset, count = p.count;
    check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_OR, &start, nullptr, &count, nullptr),
          "select a slice");
  }
}

H5Handle string_type(std::size_t length) {
  H5Handle t(H5Tcopy(H5T_C_S1), H5Tclose, "copy the string type");
  check(H5Tset_size(t.get(), std::max<std::size_t>(length, 1)), "size a string type");
  check(H5Tset_strpad(t.get(), H5T_STR_NULLPAD), "pad a string type");
  return t;
}

#ifdef SCALESIM_HAVE_ZLIB
// Writes a whole chunked, shuffle+deflate dataset by compressing its chunks on every core and
// handing them to HDF5 ready-made (H5Dwrite_chunk): HDF5's own filter pipeline runs on one
// core.
void write_chunks_direct(hid_t dataset, hid_t xfer, const std::byte* rows, std::size_t element,
                         std::uint64_t total, std::uint64_t chunk_rows, int level) {
  const std::uint64_t chunks = (total + chunk_rows - 1) / chunk_rows;
  std::vector<std::vector<std::byte>> compressed(chunks);
  std::atomic<bool> failed{false};
#ifdef _OPENMP
#pragma omp parallel
#endif
  {
    ShuffleDeflate compressor(level);
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
    for (std::uint64_t c = 0; c < chunks; ++c) {
      const std::uint64_t first = c * chunk_rows;
      const std::uint64_t n = std::min(chunk_rows, total - first);
      try {
        const auto chunk = compressor.compress(rows + first * element, n, element, chunk_rows);
        compressed[c].assign(chunk.begin(), chunk.end());
      } catch (const std::exception&) {
        failed.store(true);  // no exception may leave an OpenMP region
      }
    }
  }
  if (failed) throw std::runtime_error("HDF5: cannot compress a chunk of results");
  for (std::uint64_t c = 0; c < chunks; ++c) {
    const hsize_t offset = c * chunk_rows;
    check(H5Dwrite_chunk(dataset, xfer, 0, &offset, compressed[c].size(), compressed[c].data()),
          "write a chunk");
  }
}
#endif

}  // namespace

H5Handle::H5Handle(hid_t id, Closer closer, const std::string& what) : id_(id), closer_(closer) {
  if (id < 0) throw std::runtime_error("HDF5: cannot " + what);
}

void H5Handle::reset() {
  if (id_ >= 0 && closer_ != nullptr) closer_(id_);
  id_ = H5I_INVALID_HID;
}

CompoundType::CompoundType(std::size_t row_size)
    : memory_(H5Tcreate(H5T_COMPOUND, row_size), H5Tclose, "create a compound type") {}

CompoundType& CompoundType::add(const char* name, std::size_t offset, hid_t native_type) {
  check(H5Tinsert(memory_.get(), name, offset, native_type), std::string("add field ") + name);
  return *this;
}

CompoundType& CompoundType::add_string(const char* name, std::size_t offset, std::size_t length) {
  strings_.push_back(string_type(length));
  return add(name, offset, strings_.back().get());
}

hid_t CompoundType::file() const {
  if (file_.get() < 0) {
    file_ = H5Handle(H5Tcopy(memory_.get()), H5Tclose, "copy a compound type");
    check(H5Tpack(file_.get()), "pack a compound type");
  }
  return file_.get();
}

Hdf5File::Hdf5File(const std::string& path, bool parallel, int rank)
    : rank_(rank), parallel_(parallel) {
  H5Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "create file access properties");
  xfer_ = H5Handle(H5Pcreate(H5P_DATASET_XFER), H5Pclose, "create transfer properties");
#ifdef SCALESIM_HDF5_PARALLEL
  if (parallel) {
    check(H5Pset_fapl_mpio(fapl.get(), MPI_COMM_WORLD, MPI_INFO_NULL), "select the MPI-IO driver");
    check(H5Pset_all_coll_metadata_ops(fapl.get(), true), "make metadata reads collective");
    check(H5Pset_coll_metadata_write(fapl.get(), true), "make metadata writes collective");
    check(H5Pset_dxpl_mpio(xfer_.get(), H5FD_MPIO_COLLECTIVE), "select collective transfers");
  }
#else
  if (parallel)
    throw std::runtime_error(
        "this build's HDF5 has no MPI support: cannot write one file from many ranks");
#endif
  file_ = H5Handle(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()), H5Fclose,
                   "create " + path);
}

Hdf5Group Hdf5File::root() const {
  return Hdf5Group(
      H5Handle(H5Gopen2(file_.get(), "/", H5P_DEFAULT), H5Gclose, "open the root group"),
      xfer_.get(), rank_, parallel_);
}

void Hdf5File::flush() {
  if (file_.get() >= 0) check(H5Fflush(file_.get(), H5F_SCOPE_GLOBAL), "flush the file");
}

void Hdf5File::close() {
  if (file_.get() >= 0) check(H5Fflush(file_.get(), H5F_SCOPE_GLOBAL), "flush the file");
  file_.reset();
}

Hdf5Group Hdf5Group::group(const std::string& name) const {
  return Hdf5Group(
      H5Handle(H5Gcreate2(h_.get(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose,
               "create group " + name),
      xfer_, rank_, parallel_);
}

void Hdf5Group::attribute(const std::string& name, const std::string& value) const {
  const htri_t exists = H5Aexists(h_.get(), name.c_str());
  check(exists, "look up attribute " + name);
  if (exists > 0) check(H5Adelete(h_.get(), name.c_str()), "replace attribute " + name);
  const H5Handle type = string_type(value.size());
  const H5Handle space = scalar_space();
  const H5Handle a(
      H5Acreate2(h_.get(), name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
      H5Aclose, "create attribute " + name);
  check(H5Awrite(a.get(), type.get(), value.data()), "write attribute " + name);
}

namespace {
template <class T>
void numeric_attribute(hid_t obj, const std::string& name, hid_t type, const T& value) {
  const H5Handle space = scalar_space();
  const H5Handle a(H5Acreate2(obj, name.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT),
                   H5Aclose, "create attribute " + name);
  check(H5Awrite(a.get(), type, &value), "write attribute " + name);
}
}  // namespace

void Hdf5Group::attribute(const std::string& name, std::int64_t value) const {
  numeric_attribute(h_.get(), name, H5T_NATIVE_INT64, value);
}
void Hdf5Group::attribute(const std::string& name, std::uint64_t value) const {
  numeric_attribute(h_.get(), name, H5T_NATIVE_UINT64, value);
}
void Hdf5Group::attribute(const std::string& name, double value) const {
  numeric_attribute(h_.get(), name, H5T_NATIVE_DOUBLE, value);
}

namespace {
// Fixed-width, NUL-padded copies of `values` (at least one element wide), for HDF5 string types.
std::vector<char> pack_strings(const std::vector<std::string>& values, std::size_t& width) {
  width = 1;
  for (const auto& v : values) width = std::max(width, v.size());
  std::vector<char> packed(width * std::max<std::size_t>(values.size(), 1), '\0');
  for (std::size_t i = 0; i < values.size(); ++i)
    std::copy(values[i].begin(), values[i].end(),
              packed.begin() + static_cast<std::ptrdiff_t>(i * width));
  return packed;
}
}  // namespace

void Hdf5Group::attribute(const std::string& name, const std::vector<std::string>& values) const {
  std::size_t width = 1;
  const std::vector<char> packed = pack_strings(values, width);
  const H5Handle type = string_type(width);
  const hsize_t n = values.size();
  const H5Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose, "create a dataspace");
  const H5Handle a(
      H5Acreate2(h_.get(), name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
      H5Aclose, "create attribute " + name);
  check(H5Awrite(a.get(), type.get(), packed.data()), "write attribute " + name);
}

void Hdf5Group::text(const std::string& name, const std::string& text) const {
  const H5Handle type = string_type(text.size());
  const H5Handle space = scalar_space();
  const H5Handle d(H5Dcreate2(h_.get(), name.c_str(), type.get(), space.get(), H5P_DEFAULT,
                              H5P_DEFAULT, H5P_DEFAULT),
                   H5Dclose, "create dataset " + name);
  const H5Handle mem = scalar_space();
  if (rank_ != 0) check(H5Sselect_none(mem.get()), "select nothing");
  H5Handle file_space(H5Dget_space(d.get()), H5Sclose, "get a dataspace");
  if (rank_ != 0) check(H5Sselect_none(file_space.get()), "select nothing");
  check(H5Dwrite(d.get(), type.get(), mem.get(), file_space.get(), xfer_, text.data()),
        "write dataset " + name);
}

void Hdf5Group::table(const std::string& name, const CompoundType& type, const void* rows,
                      std::size_t count) const {
  write_by_root(name, type.file(), type.memory(), rows, count);
}

void Hdf5Group::array(const std::string& name, const std::vector<std::uint64_t>& values) const {
  write_by_root(name, H5T_STD_U64LE, H5T_NATIVE_UINT64, values.data(), values.size());
}

namespace {
// Rank 0's `data` as an N-D dataset of shape `dims` (the other ranks select nothing).
void write_nd_by_root(hid_t group, hid_t xfer, int rank, const std::string& name, hid_t file_type,
                      hid_t memory_type, const void* data, std::size_t count,
                      const std::vector<std::uint64_t>& dims) {
  std::vector<hsize_t> shape(dims.begin(), dims.end());
  std::uint64_t total = 1;
  for (auto d : dims) total *= d;
  if (shape.empty() || total != count)
    throw std::invalid_argument("HDF5: dataset " + name + ": the shape does not match the values");
  const auto rank_n = static_cast<int>(shape.size());
  const H5Handle space(H5Screate_simple(rank_n, shape.data(), nullptr), H5Sclose,
                       "create a dataspace");
  const H5Handle d(H5Dcreate2(group, name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT,
                              H5P_DEFAULT),
                   H5Dclose, "create dataset " + name);
  const H5Handle mem(H5Screate_simple(rank_n, shape.data(), nullptr), H5Sclose,
                     "create a dataspace");
  H5Handle file_space(H5Dget_space(d.get()), H5Sclose, "get a dataspace");
  if (rank != 0 || total == 0) {
    check(H5Sselect_none(mem.get()), "select nothing");
    check(H5Sselect_none(file_space.get()), "select nothing");
  }
  check(H5Dwrite(d.get(), memory_type, mem.get(), file_space.get(), xfer, data),
        "write dataset " + name);
}
}  // namespace

void Hdf5Group::doubles(const std::string& name, const std::vector<double>& values,
                        const std::vector<std::uint64_t>& dims) const {
  write_nd_by_root(h_.get(), xfer_, rank_, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, values.data(),
                   values.size(), dims);
}

void Hdf5Group::bytes(const std::string& name, const std::vector<std::uint8_t>& values,
                      const std::vector<std::uint64_t>& dims) const {
  write_nd_by_root(h_.get(), xfer_, rank_, name, H5T_STD_U8LE, H5T_NATIVE_UINT8, values.data(),
                   values.size(), dims);
}

void Hdf5Group::strings(const std::string& name, const std::vector<std::string>& values,
                        const std::vector<std::uint64_t>& dims) const {
  std::size_t width = 1;
  const std::vector<char> packed = pack_strings(values, width);
  const H5Handle type = string_type(width);
  write_nd_by_root(h_.get(), xfer_, rank_, name, type.get(), type.get(), packed.data(),
                   values.size(), dims);
}

void Hdf5Group::write_by_root(const std::string& name, hid_t file_type, hid_t memory_type,
                              const void* data, std::size_t count) const {
  write_nd_by_root(h_.get(), xfer_, rank_, name, file_type, memory_type, data, count, {count});
}

Hdf5Group Hdf5Group::sliced_table(const std::string& name, const CompoundType& type,
                                  const void* rows, const std::vector<Piece>& pieces,
                                  std::uint64_t total, std::uint64_t chunk_rows,
                                  int deflate_level) const {
  const hsize_t dims = total, max_dims = H5S_UNLIMITED,
                chunk = std::max<std::uint64_t>(chunk_rows, 1);
  const H5Handle space(H5Screate_simple(1, &dims, &max_dims), H5Sclose, "create a dataspace");
  const H5Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, "create dataset properties");
  check(H5Pset_chunk(dcpl.get(), 1, &chunk), "set the chunk size");
  check(H5Pset_shuffle(dcpl.get()), "add the shuffle filter");
  check(H5Pset_deflate(dcpl.get(), static_cast<unsigned>(deflate_level)), "add the deflate filter");
  H5Handle d(H5Dcreate2(h_.get(), name.c_str(), type.file(), space.get(), H5P_DEFAULT, dcpl.get(),
                        H5P_DEFAULT),
             H5Dclose, "create dataset " + name);
#ifdef SCALESIM_HAVE_ZLIB
  // One writer, rows in memory exactly as in the file: compress in parallel ourselves.
  const std::size_t element = H5Tget_size(type.file());
  if (!parallel_ && H5Tget_size(type.memory()) == element &&
      H5Tequal(type.memory(), type.file()) > 0) {
    std::uint64_t n_rows = 0;
    for (const auto& p : pieces) n_rows += p.count;
    if (n_rows != total) throw std::logic_error("a single writer must supply every row");
    if (total > 0) {
      write_chunks_direct(d.get(), xfer_, static_cast<const std::byte*>(rows), element, total,
                          chunk, deflate_level);
    }
    return Hdf5Group(std::move(d), xfer_, rank_, parallel_);
  }
#endif
  hsize_t n = 0;
  for (const auto& p : pieces) n += p.count;
  const H5Handle mem(H5Screate_simple(1, &n, nullptr), H5Sclose, "create a dataspace");
  H5Handle file_space(H5Dget_space(d.get()), H5Sclose, "get a dataspace");
  select_pieces(file_space, mem, n, pieces);
  check(H5Dwrite(d.get(), type.memory(), mem.get(), file_space.get(), xfer_, rows),
        "write dataset " + name);
  return Hdf5Group(std::move(d), xfer_, rank_, parallel_);
}

Hdf5GrowingTable::Hdf5GrowingTable(const Hdf5Group& parent, const std::string& name,
                                   const CompoundType& type, std::uint64_t chunk_rows,
                                   int deflate_level)
    : d_(parent.sliced_table(name, type, nullptr, {}, 0, chunk_rows, deflate_level)),
      element_(H5Tget_size(type.file())),
      memory_type_(H5Tcopy(type.memory()), H5Tclose, "copy a compound type"),
      chunk_(std::max<std::uint64_t>(chunk_rows, 1)),
      level_(deflate_level),
      parallel_(parent.parallel()) {
  if (H5Tget_size(type.memory()) != element_ || H5Tequal(type.memory(), type.file()) <= 0)
    throw std::logic_error("a growing table's rows must be laid out as in the file");
}

Hdf5GrowingTable::~Hdf5GrowingTable() = default;
Hdf5GrowingTable::Hdf5GrowingTable(Hdf5GrowingTable&&) noexcept = default;
Hdf5GrowingTable& Hdf5GrowingTable::operator=(Hdf5GrowingTable&&) noexcept = default;

void Hdf5GrowingTable::grow(std::uint64_t rows) {
  if (rows <= size_) return;
  const hsize_t dims = rows;
  check(H5Dset_extent(d_.id(), &dims), "extend a table");
  size_ = rows;
}

void Hdf5GrowingTable::write(std::uint64_t offset, const void* rows, std::uint64_t count) {
  if (count == 0) return;
  if (parallel_ || offset % chunk_ != 0)
    throw std::logic_error("a growing table is written by one writer, a chunk at a time");
  grow(offset + count);
  const auto* in = static_cast<const std::byte*>(rows);
#ifdef SCALESIM_HAVE_ZLIB
  if (!compressor_) compressor_ = std::make_unique<ShuffleDeflate>(level_);
  for (std::uint64_t first = 0; first < count; first += chunk_) {
    const std::uint64_t n = std::min(chunk_, count - first);
    const auto chunk = compressor_->compress(in + first * element_, n, element_, chunk_);
    const hsize_t at = offset + first;
    check(H5Dwrite_chunk(d_.id(), d_.transfer(), 0, &at, chunk.size(), chunk.data()),
          "write a chunk");
  }
#else
  static_cast<void>(level_);  // HDF5's own deflate filter, at the dataset's level
  const hsize_t start = offset, n = count;
  const H5Handle mem(H5Screate_simple(1, &n, nullptr), H5Sclose, "create a dataspace");
  const H5Handle file_space(H5Dget_space(d_.id()), H5Sclose, "get a dataspace");
  check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &start, nullptr, &n, nullptr),
        "select a slice");
  check(H5Dwrite(d_.id(), memory_type_.get(), mem.get(), file_space.get(), d_.transfer(), in),
        "write a table");
#endif
}

void Hdf5GrowingTable::write_pieces(const void* rows, const std::vector<Hdf5Group::Piece>& pieces,
                                    std::uint64_t total) {
  grow(total);
  hsize_t n = 0;
  for (const auto& p : pieces) n += p.count;
  const hsize_t mem_n = std::max<hsize_t>(n, 1);
  const H5Handle mem(H5Screate_simple(1, &mem_n, nullptr), H5Sclose, "create a dataspace");
  const H5Handle file_space(H5Dget_space(d_.id()), H5Sclose, "get a dataspace");
  select_pieces(file_space, mem, n, pieces);
  check(H5Dwrite(d_.id(), memory_type_.get(), mem.get(), file_space.get(), d_.transfer(), rows),
        "write a table");
}

std::mutex& hdf5_library_mutex() {
  static std::mutex m;
  return m;
}

}  // namespace scalesim
