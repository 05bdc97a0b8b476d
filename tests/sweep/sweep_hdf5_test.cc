#include <gtest/gtest.h>
#include <hdf5.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <string>

#include "sweep/sweep_results.h"
#include "sweep_test_util.h"

namespace scalesim {
namespace {

using test::TempDir;

constexpr hid_t kAllSpace = 0;  // H5S_ALL, whose macro is an old-style cast

SweepTable sample_table() {
  SweepTable t;
  t.backend = "mc";
  t.parameter_paths = {"components.gate.threshold", "components.fast.model"};
  t.points = {{"0.5", "distilbert"}, {"0.75", "bert-base"}, {"1", "bert-large"}};
  t.metric_names = {"done.p99_latency_s", "cost.per_hour"};
  t.replications = 2;
  t.seed = 11;
  for (int i = 0; i < 12; ++i) t.values.push_back(i * 0.5);
  t.values[5] = std::numeric_limits<double>::quiet_NaN();
  t.mean = {1, 2, 3, 4, 5, 6};
  t.half_width = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6};
  t.feasible = {0, 1, 1};
  t.optimum = 2;
  t.wall_seconds = 1.5;
  t.runs_done_here = 4;
  t.station_visits = 123456;
  t.ranks = 2;
  t.threads = 3;
  t.spec_text = "base: cascade.yaml\n";
  t.fingerprint = 0xfeedfacecafebeefULL;
  return t;
}

std::vector<hsize_t> dims_of(hid_t file, const char* name) {
  const hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
  EXPECT_GE(d, 0) << name;
  const hid_t s = H5Dget_space(d);
  std::vector<hsize_t> dims(static_cast<std::size_t>(H5Sget_simple_extent_ndims(s)));
  H5Sget_simple_extent_dims(s, dims.data(), nullptr);
  H5Sclose(s);
  H5Dclose(d);
  return dims;
}

template <class T>
std::vector<T> read_all(hid_t file, const char* name, hid_t type, std::size_t n) {
  std::vector<T> out(n);
  const hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
  EXPECT_GE(H5Dread(d, type, kAllSpace, kAllSpace, H5P_DEFAULT, out.data()), 0) << name;
  H5Dclose(d);
  return out;
}

std::vector<std::string> read_strings(hid_t file, const char* name, std::size_t n) {
  const hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
  const hid_t type = H5Dget_type(d);
  const std::size_t width = H5Tget_size(type);
  std::vector<char> buf(width * n);
  EXPECT_GE(H5Dread(d, type, kAllSpace, kAllSpace, H5P_DEFAULT, buf.data()), 0) << name;
  H5Tclose(type);
  H5Dclose(d);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i) {
    std::string s(buf.data() + i * width, width);
    s.resize(s.find('\0') == std::string::npos ? s.size() : s.find('\0'));
    out.push_back(s);
  }
  return out;
}

template <class T>
T attribute(hid_t file, const char* name, hid_t type) {
  T v{};
  const hid_t a = H5Aopen_by_name(file, "/sweep", name, H5P_DEFAULT, H5P_DEFAULT);
  EXPECT_GE(a, 0) << name;
  EXPECT_GE(H5Aread(a, type, &v), 0) << name;
  H5Aclose(a);
  return v;
}

TEST(SweepHdf5, WritesTheLayout) {
  TempDir dir;
  const std::string path = dir.file("sweep.h5");
  write_sweep_hdf5(path, sample_table());
  EXPECT_FALSE(std::filesystem::exists(path + ".partial"));
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  EXPECT_EQ(dims_of(f, "/sweep/values"), (std::vector<hsize_t>{3, 2, 2}));
  EXPECT_EQ(dims_of(f, "/sweep/mean"), (std::vector<hsize_t>{3, 2}));
  EXPECT_EQ(dims_of(f, "/sweep/half_width"), (std::vector<hsize_t>{3, 2}));
  EXPECT_EQ(dims_of(f, "/sweep/points"), (std::vector<hsize_t>{3, 2}));
  EXPECT_EQ(dims_of(f, "/sweep/point_values"), (std::vector<hsize_t>{3, 2}));
  EXPECT_EQ(dims_of(f, "/sweep/feasible"), (std::vector<hsize_t>{3}));
  EXPECT_EQ(dims_of(f, "/sweep/parameters"), (std::vector<hsize_t>{2}));
  EXPECT_EQ(dims_of(f, "/sweep/metric_names"), (std::vector<hsize_t>{2}));
  const auto values = read_all<double>(f, "/sweep/values", H5T_NATIVE_DOUBLE, 12);
  EXPECT_EQ(values[7], 3.5);  // point 1, replication 1, metric 1
  EXPECT_TRUE(std::isnan(values[5]));
  const auto hw = read_all<double>(f, "/sweep/half_width", H5T_NATIVE_DOUBLE, 6);
  EXPECT_EQ(hw[3], 0.4);
  const auto pv = read_all<double>(f, "/sweep/point_values", H5T_NATIVE_DOUBLE, 6);
  EXPECT_EQ(pv[2], 0.75);
  EXPECT_TRUE(std::isnan(pv[3]));  // "bert-base" is not a number
  EXPECT_EQ(read_all<std::uint8_t>(f, "/sweep/feasible", H5T_NATIVE_UINT8, 3),
            (std::vector<std::uint8_t>{0, 1, 1}));
  EXPECT_EQ(read_strings(f, "/sweep/points", 6)[5], "bert-large");
  EXPECT_EQ(read_strings(f, "/sweep/parameters", 2)[1], "components.fast.model");
  EXPECT_EQ(read_strings(f, "/sweep/metric_names", 2)[0], "done.p99_latency_s");
  EXPECT_EQ(read_strings(f, "/sweep/spec", 1)[0], "base: cascade.yaml\n");
  EXPECT_EQ(attribute<std::int64_t>(f, "optimum", H5T_NATIVE_INT64), 2);
  EXPECT_EQ(attribute<std::int64_t>(f, "replications", H5T_NATIVE_INT64), 2);
  EXPECT_EQ(attribute<std::uint64_t>(f, "fingerprint", H5T_NATIVE_UINT64), 0xfeedfacecafebeefULL);
  EXPECT_EQ(attribute<std::uint64_t>(f, "station_visits", H5T_NATIVE_UINT64), 123456u);
  EXPECT_EQ(attribute<double>(f, "level", H5T_NATIVE_DOUBLE), 0.95);
  H5Fclose(f);
}

TEST(SweepHdf5, NothingUnderTheFinalNameWhenWritingFails) {
  TempDir dir;
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // the failures below are expected
  // An unwritable place.
  const std::string missing = dir.file("no-such-dir/sweep.h5");
  EXPECT_THROW(write_sweep_hdf5(missing, sample_table()), std::runtime_error);
  EXPECT_FALSE(std::filesystem::exists(missing));
  // A failure half way through the file.
  SweepTable bad = sample_table();
  bad.values.pop_back();
  const std::string path = dir.file("sweep.h5");
  EXPECT_THROW(write_sweep_hdf5(path, bad), std::invalid_argument);
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(path + ".partial"));
  // The rename cannot happen: the final name is a non-empty directory.
  std::filesystem::create_directories(path + "/x");
  EXPECT_THROW(write_sweep_hdf5(path, sample_table()), std::runtime_error);
  EXPECT_TRUE(std::filesystem::is_directory(path));
  EXPECT_FALSE(std::filesystem::exists(path + ".partial"));
}

}  // namespace
}  // namespace scalesim
