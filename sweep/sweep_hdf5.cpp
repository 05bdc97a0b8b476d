// A finished sweep as /sweep/ in an HDF5 file (docs/hdf5-schema.md), written by rank 0 alone
// to NAME.partial and renamed over NAME when complete.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>

#include "scalesim/io/hdf5_file.h"
#include "sweep/sweep_results.h"

namespace scalesim {
namespace {

constexpr std::int64_t kSweepSchemaVersion = 1;

double numeric_or_nan(const std::string& text) {
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec == std::errc() && end == text.data() + text.size()) return v;
  return std::numeric_limits<double>::quiet_NaN();
}

void write_contents(const Hdf5Group& root, const SweepTable& t) {
  const std::uint64_t n = t.point_count();
  const std::uint64_t np = t.parameter_paths.size();
  const std::uint64_t nm = t.metric_names.size();
  const auto nr = static_cast<std::uint64_t>(std::max(t.replications, 0));
  if (t.values.size() != n * nr * nm)
    throw std::invalid_argument("sweep table: values do not match points x replications x metrics");
  root.attribute("schema_version", kSweepSchemaVersion);
  root.attribute("scalesim_version", std::string(SCALESIM_VERSION));

  const Hdf5Group g = root.group("sweep");
  g.attribute("backend", t.backend);
  g.attribute("seed", t.seed);
  g.attribute("replications", std::int64_t{t.replications});
  g.attribute("level", t.level);
  g.attribute("fingerprint", t.fingerprint);
  g.attribute("wall_seconds", t.wall_seconds);
  g.attribute("runs_done_here", t.runs_done_here);
  g.attribute("station_visits", t.station_visits);
  g.attribute("ranks", std::int64_t{t.ranks});
  g.attribute("threads", std::int64_t{t.threads});
  g.attribute("optimum", std::int64_t{t.optimum});
  g.text("spec", t.spec_text);
  g.attribute("spec_path", t.spec_path);
  g.attribute("shard", t.shard);

  g.strings("parameters", t.parameter_paths, {np});
  std::vector<std::string> flat;
  std::vector<double> numeric;
  flat.reserve(n * np);
  numeric.reserve(n * np);
  for (const auto& row : t.points) {
    if (row.size() != np)
      throw std::invalid_argument("sweep table: a point's value count differs from the parameters");
    for (const auto& v : row) {
      flat.push_back(v);
      numeric.push_back(numeric_or_nan(v));
    }
  }
  g.strings("points", flat, {n, np});
  g.doubles("point_values", numeric, {n, np});
  g.strings("metric_names", t.metric_names, {nm});
  g.doubles("values", t.values, {n, nr, nm});
  const bool summarised =
      t.mean.size() == n * nm && t.half_width.size() == n * nm && t.feasible.size() == n;
  const std::vector<double> nan(summarised ? 0 : n * nm, std::numeric_limits<double>::quiet_NaN());
  g.doubles("mean", summarised ? t.mean : nan, {n, nm});
  g.doubles("half_width", summarised ? t.half_width : nan, {n, nm});
  g.bytes("feasible", summarised ? t.feasible : std::vector<std::uint8_t>(n, 0), {n});
}

}  // namespace

void write_sweep_hdf5(const std::string& path, const SweepTable& table) {
  const std::string partial = path + ".partial";
  try {
    Hdf5File file(partial, /*parallel=*/false, /*rank=*/0);
    write_contents(file.root(), table);
    file.close();
  } catch (...) {
    std::remove(partial.c_str());
    throw;
  }
  if (std::rename(partial.c_str(), path.c_str()) != 0) {
    std::remove(partial.c_str());
    throw std::runtime_error(path + ": cannot rename the finished sweep results file");
  }
}

}  // namespace scalesim
