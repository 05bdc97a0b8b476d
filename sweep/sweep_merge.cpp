// Reading a sweep's HDF5 results back, for `scalesim merge` (shards of a job array).
#include <hdf5.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "sweep/sweep_results.h"

namespace scalesim {

namespace {

// HDF5's macros are C casts; named constants keep -Wold-style-cast quiet here.
constexpr hid_t kAll = 0;                                        // kAll
constexpr std::size_t kVariable = static_cast<std::size_t>(-1);  // H5T_VARIABLE

// RAII over one HDF5 identifier for reading.
struct Id {
  hid_t id;
  herr_t (*close)(hid_t);
  Id(hid_t i, herr_t (*c)(hid_t), const std::string& what) : id(i), close(c) {
    if (i < 0) throw std::runtime_error("cannot " + what);
  }
  ~Id() {
    if (id >= 0) close(id);
  }
  Id(const Id&) = delete;
  Id& operator=(const Id&) = delete;
};

std::string read_string_attribute(hid_t obj, const char* name, const std::string& file) {
  if (H5Aexists(obj, name) <= 0) return {};
  const Id a(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose,
             "open attribute " + std::string(name) + " in " + file);
  const Id t(H5Aget_type(a.id), H5Tclose, "read a type");
  if (H5Tis_variable_str(t.id) > 0) {
    char* p = nullptr;
    const Id mt(H5Tcopy(H5T_C_S1), H5Tclose, "copy a type");
    H5Tset_size(mt.id, kVariable);
    if (H5Aread(a.id, mt.id, static_cast<void*>(&p)) < 0)
      throw std::runtime_error(file + ": cannot read attribute " + name);
    std::string s = p ? p : "";
    H5free_memory(p);
    return s;
  }
  std::string s(H5Tget_size(t.id), '\0');
  if (H5Aread(a.id, t.id, s.data()) < 0)
    throw std::runtime_error(file + ": cannot read attribute " + name);
  return s.substr(0, s.find('\0'));
}

template <class T>
T read_attribute(hid_t obj, const char* name, hid_t type, const std::string& file) {
  const Id a(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose,
             "open attribute " + std::string(name) + " in " + file + " (not a sweep result?)");
  T v{};
  if (H5Aread(a.id, type, &v) < 0)
    throw std::runtime_error(file + ": cannot read attribute " + name);
  return v;
}

std::vector<hsize_t> dims_of(hid_t d) {
  const Id space(H5Dget_space(d), H5Sclose, "read a dataspace");
  const int rank = H5Sget_simple_extent_ndims(space.id);
  std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(rank, 0)));
  H5Sget_simple_extent_dims(space.id, dims.data(), nullptr);
  return dims;
}

std::vector<double> read_doubles(hid_t g, const char* name, const std::string& file) {
  const Id d(H5Dopen2(g, name, H5P_DEFAULT), H5Dclose,
             "open /sweep/" + std::string(name) + " in " + file);
  std::size_t n = 1;
  for (const auto x : dims_of(d.id)) n *= x;
  std::vector<double> v(n);
  if (n && H5Dread(d.id, H5T_NATIVE_DOUBLE, kAll, kAll, H5P_DEFAULT, v.data()) < 0)
    throw std::runtime_error(file + ": cannot read /sweep/" + name);
  return v;
}

std::vector<std::string> read_strings(hid_t g, const char* name, const std::string& file) {
  const Id d(H5Dopen2(g, name, H5P_DEFAULT), H5Dclose,
             "open /sweep/" + std::string(name) + " in " + file);
  std::size_t n = 1;
  for (const auto x : dims_of(d.id)) n *= x;
  const Id t(H5Dget_type(d.id), H5Tclose, "read a type");
  const std::size_t width = H5Tget_size(t.id);
  std::vector<char> buf(n * width);
  if (n && H5Dread(d.id, t.id, kAll, kAll, H5P_DEFAULT, buf.data()) < 0)
    throw std::runtime_error(file + ": cannot read /sweep/" + name);
  std::vector<std::string> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    const char* p = buf.data() + i * width;
    std::size_t len = 0;
    while (len < width && p[len] != '\0') ++len;
    out[i].assign(p, len);
  }
  return out;
}

}  // namespace

SweepTable read_sweep_hdf5(const std::string& path) {
  // Our own messages name the file and what is missing; HDF5's error stack would bury them.
  H5E_auto2_t handler = nullptr;
  void* handler_data = nullptr;
  H5Eget_auto2(H5E_DEFAULT, &handler, &handler_data);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  struct Restore {
    H5E_auto2_t h;
    void* d;
    ~Restore() { H5Eset_auto2(H5E_DEFAULT, h, d); }
  } restore{handler, handler_data};
  const Id f(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, "open " + path);
  const Id g(H5Gopen2(f.id, "sweep", H5P_DEFAULT), H5Gclose, "find /sweep in " + path);
  SweepTable t;
  t.backend = read_string_attribute(g.id, "backend", path);
  t.spec_path = read_string_attribute(g.id, "spec_path", path);
  t.shard = read_string_attribute(g.id, "shard", path);
  t.seed = read_attribute<std::uint64_t>(g.id, "seed", H5T_NATIVE_UINT64, path);
  t.replications =
      static_cast<int>(read_attribute<std::int64_t>(g.id, "replications", H5T_NATIVE_INT64, path));
  t.fingerprint = read_attribute<std::uint64_t>(g.id, "fingerprint", H5T_NATIVE_UINT64, path);
  t.wall_seconds = read_attribute<double>(g.id, "wall_seconds", H5T_NATIVE_DOUBLE, path);
  t.runs_done_here = read_attribute<std::uint64_t>(g.id, "runs_done_here", H5T_NATIVE_UINT64, path);
  t.station_visits = read_attribute<std::uint64_t>(g.id, "station_visits", H5T_NATIVE_UINT64, path);
  if (H5Aexists(g.id, "optimum") > 0) {
    t.optimum =
        static_cast<int>(read_attribute<std::int64_t>(g.id, "optimum", H5T_NATIVE_INT64, path));
  }
  if (H5Lexists(g.id, "spec", H5P_DEFAULT) > 0)
    t.spec_text = read_strings(g.id, "spec", path).front();
  t.parameter_paths = read_strings(g.id, "parameters", path);
  t.metric_names = read_strings(g.id, "metric_names", path);
  const auto flat = read_strings(g.id, "points", path);
  const std::size_t np = t.parameter_paths.size();
  const std::size_t n = np ? flat.size() / np : 0;
  for (std::size_t i = 0; i < n; ++i)
    t.points.emplace_back(flat.begin() + static_cast<std::ptrdiff_t>(i * np),
                          flat.begin() + static_cast<std::ptrdiff_t>((i + 1) * np));
  t.values = read_doubles(g.id, "values", path);
  if (t.values.size() != n * static_cast<std::size_t>(t.replications) * t.metric_names.size())
    throw std::runtime_error(path +
                             ": /sweep/values does not match points x replications x metrics");
  return t;
}

}  // namespace scalesim
