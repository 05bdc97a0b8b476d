#include "sweep/backends.h"

#include <cmath>
#include <map>

#include "scalesim/config/config_node.h"

namespace scalesim {

std::vector<std::string> select_metrics(const SweepSpec& spec,
                                        const std::vector<std::string>& reported) {
  if (spec.metrics.empty()) return reported;
  const ConfigNode file = ConfigNode::load_file(spec.path);
  for (std::size_t i = 0; i < spec.metrics.size(); ++i) {
    const std::string& m = spec.metrics[i];
    if (std::find(reported.begin(), reported.end(), m) != reported.end()) continue;
    std::string msg = "no reported metric '" + m + "' for this backend";
    if (auto near = closest_match(m, reported)) msg += "; did you mean '" + *near + "'?";
    if (auto list = file.find("metrics"); list && list->is_sequence() && i < list->size())
      (*list)[i].fail(msg);
    throw ConfigError(spec.path + ": metrics: " + msg);
  }
  return spec.metrics;
}

namespace {

std::vector<double> pick(const Metrics& all, const std::vector<std::string>& names) {
  std::vector<double> out(names.size(), std::nan(""));
  for (std::size_t i = 0; i < names.size(); ++i) {
    for (const auto& [n, v] : all) {
      if (n == names[i]) {
        out[i] = v;
        break;
      }
    }
  }
  return out;
}

std::string point_label(const SweepSpec& spec, std::size_t p) {
  std::string s = "sweep point " + std::to_string(p) + " (";
  for (std::size_t k = 0; k < spec.parameters.size(); ++k) {
    s += (k ? ", " : "") + spec.parameters[k].path + "=" + spec.points[p][k];
  }
  return s + ")";
}

QueueingNetwork build_point(const SweepSpec& spec, std::size_t p) {
  try {
    return QueueingNetwork::from_config(spec.config_for(p));
  } catch (const ConfigError& e) {
    throw ConfigError(point_label(spec, p) + ": " + e.what());
  }
}

}  // namespace

DesBackend::DesBackend(const SweepSpec& spec) {
  // Every point is built once up front, so a bad value fails before any run starts.
  for (std::size_t p = 0; p < spec.points.size(); ++p) {
    const QueueingNetwork net = build_point(spec, p);
    if (p == 0) {
      for (const auto& [name, v] : headline_metrics(net, NetworkRun{})) reported.push_back(name);
    }
  }
}

SweepCompute DesBackend::compute(const SweepSpec& spec,
                                 const std::vector<std::string>& metrics) const {
  return [&spec, metrics](std::span<const SweepTask> tasks, int /*worker*/) {
    std::vector<SweepRunResult> out;
    for (const SweepTask& t : tasks) {
      QueueingNetwork net = QueueingNetwork::from_config(spec.config_for(t.point));
      const NetworkRun run = simulate(net, spec.seed + t.replication);
      // A run cut short by SIGINT/SIGTERM is not a result: it is left for the resumed sweep.
      if (run.counters.interrupted) break;
      out.push_back({t.point, t.replication, pick(headline_metrics(net, run), metrics)});
    }
    return out;
  };
}

McBackend::McBackend(const SweepSpec& spec, Device device, int thread_count)
    : threads(thread_count) {
  mappings.reserve(spec.points.size());
  for (std::size_t p = 0; p < spec.points.size(); ++p) {
    const QueueingNetwork net = build_point(spec, p);
    try {
      mappings.push_back(map_to_mc(net));
    } catch (const mc::McModelError& e) {
      throw ConfigError(spec.base_path + ": " + point_label(spec, p) + ": " + e.what());
    }
  }
  reported = mappings.front().metric_names;
  for (const auto& m : mappings) {
    if (m.metric_names != reported)
      throw ConfigError(spec.path +
                        ": the sweep's points report different metrics (a parameter changes the "
                        "topology); sweep them separately");
  }
  if (device == Device::kGpu && !mc::cuda_available()) {
    throw std::invalid_argument(mc::built_with_cuda()
                                    ? "--device gpu: no CUDA device is visible"
                                    : "--device gpu: this build has no CUDA support");
  }
  on_gpu = device != Device::kCpu && mc::cuda_available();
}

SweepCompute McBackend::compute(const SweepSpec& spec, const std::vector<std::string>& metrics,
                                std::uint64_t* station_visits) const {
  std::vector<std::size_t> index;  // metric i of the sweep = mapping metric index[i]
  index.reserve(metrics.size());
  for (const auto& m : metrics) {
    index.push_back(static_cast<std::size_t>(std::find(reported.begin(), reported.end(), m) -
                                             reported.begin()));
  }
  return [this, &spec, index, station_visits](std::span<const SweepTask> tasks, int /*worker*/) {
    // Chunks hold whole points (every replication), in point order.
    std::vector<std::uint32_t> points;
    for (const SweepTask& t : tasks) {
      if (points.empty() || points.back() != t.point) points.push_back(t.point);
    }
    std::vector<mc::McModel> models;
    models.reserve(points.size());
    for (const auto p : points) models.push_back(mappings[p].model);
    const mc::McResult r = on_gpu ? mc::run_cuda(models, spec.replications, spec.seed)
                                  : mc::run_cpu(models, spec.replications, spec.seed, threads);
    *station_visits += r.station_visits;
    std::vector<SweepRunResult> out;
    for (std::size_t i = 0; i < points.size(); ++i) {
      for (int rep = 0; rep < spec.replications; ++rep) {
        const auto all = mappings[points[i]].metrics(r, static_cast<int>(i), rep);
        std::vector<double> values;
        values.reserve(index.size());
        for (const auto k : index) values.push_back(all[k]);
        out.push_back({points[i], static_cast<std::uint32_t>(rep), std::move(values)});
      }
    }
    return out;
  };
}

}  // namespace scalesim
