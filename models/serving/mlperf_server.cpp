#include "models/serving/mlperf_server.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>

#include "hardware/gpu/calibration_csv.h"
#include "hardware/gpu/gpu_calibration.h"
#include "models/patterns/capacity_search.h"
#include "models/queueing/queueing_network.h"

namespace scalesim {

using namespace hardware;

namespace {

constexpr const char* kColumns[] = {"device",
                                    "gpus",
                                    "model",
                                    "input",
                                    "precision",
                                    "software",
                                    "gpu_batch_size",
                                    "gpu_inference_streams",
                                    "deque_timeout_us",
                                    "latency_bound_ms",
                                    "scheduled_samples_per_s",
                                    "p99_latency_ms",
                                    "source",
                                    "config_source"};

std::string number_text(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// The system as a topology: LoadGen's Poisson queries of one sample each, the submitter's
// server harness as a model server (one replica per GPU fed from one queue), a sink that
// measures from issue to completion.
std::string topology(const MlperfServerPoint& p, double input, double rate,
                     const MlperfServerOptions& o) {
  std::string y = "name: mlperf_server\nseed: " + std::to_string(o.seed) +
                  "\nwarmup: {requests: " + std::to_string(o.warmup) + "}\ncomponents:\n";
  y += "  loadgen:\n    type: source\n    arrivals: {process: poisson, rate: " + number_text(rate) +
       "/s}\n    customers: " + std::to_string(o.warmup + o.requests) + "\n    to: sut\n";
  y += "  sut:\n    type: model_server\n    model: " + p.model +
       "\n    input: " + number_text(input) + "\n    precision: " + p.precision +
       "\n    gpu: " + p.device + "\n    software: " + p.software +
       "\n    replicas: " + std::to_string(p.gpus) +
       "\n    instances: " + std::to_string(p.instances) +
       "\n    dynamic_batching: {max_batch_size: " + std::to_string(p.max_batch) +
       ", max_queue_delay: " + number_text(p.queue_delay_s * 1e6) + "us}\n    to: done\n";
  y += "  done:\n    type: sink\n";
  return y;
}

double metric(const Metrics& metrics, const std::string& name) {
  for (const auto& [n, v] : metrics) {
    if (n == name) return v;
  }
  throw std::logic_error("mlperf server replay: the run reports no " + name);
}

double effective_input(const Catalog& catalog, const MlperfServerPoint& p) {
  const ModelProfile& model = catalog.model(p.model);
  const auto it = model.inputs.find(p.input);
  if (it == model.inputs.end()) return model.default_input;
  return it->second.effective > 0 ? it->second.effective : it->second.size;
}

std::vector<MlperfServerPoint> read_points(const std::string& path, const Catalog& catalog) {
  std::ifstream in(path);
  if (!in) throw CatalogError(path + ": cannot open");
  std::string line;
  std::getline(in, line);
  const auto header = split_csv(line);
  std::map<std::string, std::size_t> col;
  for (std::size_t i = 0; i < header.size(); ++i) col[header[i]] = i;
  for (const char* c : kColumns) {
    if (!col.count(c)) throw CatalogError(path + ":1: missing column '" + c + "'");
  }
  std::vector<MlperfServerPoint> points;
  int n = 1;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    const auto f = split_csv(line);
    const std::string where = path + ":" + std::to_string(n);
    if (f.size() != header.size()) {
      throw CatalogError(where + ": " + std::to_string(f.size()) + " fields, the header has " +
                         std::to_string(header.size()));
    }
    const auto field = [&](const char* c) { return f[col.at(c)]; };
    const auto whole = [&](const char* c, int lo, int hi) {
      const double v = csv_number(field(c), where, c);
      if (v != std::floor(v) || v < lo || v > hi) {
        throw CatalogError(where + ": column '" + c + "': an integer in [" + std::to_string(lo) +
                           ", " + std::to_string(hi) + "] expected, got '" + field(c) + "'");
      }
      return static_cast<int>(v);
    };
    const auto positive = [&](const char* c) {
      const double v = csv_number(field(c), where, c);
      if (!(v > 0)) throw CatalogError(where + ": column '" + c + "': must be > 0");
      return v;
    };
    MlperfServerPoint p;
    p.file = path;
    p.line = n;
    p.device = field("device");
    p.model = field("model");
    p.input = field("input");
    p.precision = field("precision");
    p.software = field("software");
    p.gpus = whole("gpus", 1, 64);
    p.max_batch = whole("gpu_batch_size", 1, 65536);
    p.instances = whole("gpu_inference_streams", 1, 64);
    p.queue_delay_s = csv_number(field("deque_timeout_us"), where, "deque_timeout_us") * 1e-6;
    if (p.queue_delay_s < 0) throw CatalogError(where + ": column 'deque_timeout_us': < 0");
    p.bound_s = positive("latency_bound_ms") * 1e-3;
    p.measured = positive("scheduled_samples_per_s");
    p.measured_p99_s = positive("p99_latency_ms") * 1e-3;
    p.source = field("source");
    p.config_source = field("config_source");
    if (!parse_precision(p.precision)) {
      throw CatalogError(where + ": column 'precision': unknown precision '" + p.precision + "'");
    }
    try {
      (void)catalog.gpu(p.device);
      (void)catalog.stack(p.software);
      const ModelProfile& model = catalog.model(p.model);
      if (!model.inputs.count(p.input)) {
        throw CatalogError("model '" + p.model + "' has no input named '" + p.input + "'");
      }
    } catch (const CatalogError& e) {
      throw CatalogError(where + ": " + e.what());
    }
    GpuMeasurement m;
    m.source = p.source;
    p.publication = m.publication();
    char buf[256];
    std::snprintf(buf, sizeof buf, "%s x%d, %s %s, batch %d x %d stream%s", p.device.c_str(),
                  p.gpus, p.model.c_str(), p.precision.c_str(), p.max_batch, p.instances,
                  p.instances > 1 ? "s" : "");
    p.label = buf;
    points.push_back(std::move(p));
  }
  return points;
}

}  // namespace

std::pair<double, double> server_capacity(const MlperfServerPoint& point, const Catalog& catalog,
                                          double start, const MlperfServerOptions& options) {
  const double input = effective_input(catalog, point);
  // The p99 of the fastest rate that met the bound: the search's answer, so no rerun is needed.
  double p99_at = 0, best_met = 0;
  const auto trial = [&](double rate) {
    QueueingNetwork net = QueueingNetwork::from_config(
        ConfigNode::load_string(topology(point, input, rate, options), point.label), catalog);
    const NetworkRun run = simulate(net, options.seed);
    CapacityTrial t;
    t.rate = rate;
    const double p99 = metric(headline_metrics(net, run), "done.p99_latency_s");
    t.met = p99 < point.bound_s;
    if (t.met && rate > best_met) {
      best_met = rate;
      p99_at = p99;
    }
    return t;
  };
  const CapacityResult found = search_capacity(start, options.tolerance, 40, trial);
  return {found.capacity, p99_at};
}

MlperfServerReplay replay_mlperf_server(const std::string& csv_path, const Catalog& catalog,
                                        const CrossValidation* lopo,
                                        const MlperfServerOptions& options) {
  MlperfServerReplay replay;
  replay.points = read_points(csv_path, catalog);
  std::map<std::string, Catalog> folds;
  std::vector<double> in_errors, out_errors;
  for (auto& p : replay.points) {
    // Start where the server's largest batches back to back would take it.
    const GpuPerformance perf = catalog.performance(p.device, p.software);
    const ModelProfile& model = catalog.model(p.model);
    const double t = perf.batch_latency(model, p.max_batch, effective_input(catalog, p),
                                        *parse_precision(p.precision))
                         .total;
    const double start = 0.8 * p.gpus * p.max_batch / t;
    const auto [in, p99] = server_capacity(p, catalog, start, options);
    p.in_sample = in;
    p.p99_at_capacity_s = p99;
    p.in_sample_error = (in - p.measured) / p.measured;
    in_errors.push_back(p.in_sample_error);
    const GpuFit* fit = lopo ? lopo->fit_without(p.publication) : nullptr;
    if (fit == nullptr) continue;
    auto it = folds.find(p.publication);
    if (it == folds.end()) {
      it = folds
               .emplace(p.publication,
                        catalog.with_common_efficiency(fit->common, fit->per_op_overhead))
               .first;
    }
    p.out_of_sample = server_capacity(p, it->second, start, options).first;
    p.out_of_sample_error = (p.out_of_sample - p.measured) / p.measured;
    out_errors.push_back(p.out_of_sample_error);
  }
  replay.in_median = median_abs(in_errors);
  replay.in_worst = max_abs(in_errors);
  replay.out_median = median_abs(out_errors);
  replay.out_worst = max_abs(out_errors);
  return replay;
}

}  // namespace scalesim
