#include "hardware/gpu/gpu_calibration.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "hardware/gpu/calibration_csv.h"
#include "scalesim/atomic_file.h"

namespace scalesim::hardware {
namespace {

// A batch size or GPU count: a whole number from 1 to 1000000 (anything else would not convert
// to int, or would mean nothing).
int to_count(const std::string& s, const std::string& where, const std::string& column) {
  const double v = csv_number(s, where, column);
  if (!(v >= 1 && v <= 1e6) || v != std::floor(v)) {
    throw CatalogError(where + ": column '" + column +
                       "': expected a whole number from 1 to 1000000, got \"" + s + "\"");
  }
  return static_cast<int>(v);
}

// Bounded parameters mapped to an unbounded space, so Nelder-Mead needs no constraints.
struct Bounded {
  double* value;
  double lo, hi;
  double to_free() const {
    const double u = std::clamp((*value - lo) / (hi - lo), 1e-9, 1.0 - 1e-9);
    return std::log(u / (1.0 - u));
  }
  void from_free(double x) const { *value = lo + (hi - lo) / (1.0 + std::exp(-x)); }
};

std::vector<double> nelder_mead(const std::function<double(const std::vector<double>&)>& f,
                                const std::vector<double>& x0, double step, int max_evals,
                                int& evals) {
  const std::size_t n = x0.size();
  std::vector<std::vector<double>> simplex(n + 1, x0);
  for (std::size_t i = 0; i < n; ++i) simplex[i + 1][i] += step;
  std::vector<double> fx(n + 1);
  for (std::size_t i = 0; i <= n; ++i) fx[i] = f(simplex[i]);
  evals += static_cast<int>(n + 1);
  std::vector<std::size_t> order(n + 1);
  while (evals < max_evals) {
    for (std::size_t i = 0; i <= n; ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return fx[a] < fx[b] || (fx[a] == fx[b] && a < b);
    });
    const std::size_t best = order.front(), worst = order.back(), second = order[n - 1];
    if (std::abs(fx[worst] - fx[best]) < 1e-12) break;
    std::vector<double> centroid(n, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = 0; j <= n; ++j) {
        if (j != worst) centroid[i] += simplex[j][i] / static_cast<double>(n);
      }
    }
    auto along = [&](double t) {
      std::vector<double> p(n);
      for (std::size_t i = 0; i < n; ++i)
        p[i] = centroid[i] + t * (simplex[worst][i] - centroid[i]);
      return p;
    };
    const auto reflected = along(-1.0);
    const double fr = f(reflected);
    ++evals;
    if (fr < fx[best]) {
      const auto expanded = along(-2.0);
      const double fe = f(expanded);
      ++evals;
      if (fe < fr) {
        simplex[worst] = expanded;
        fx[worst] = fe;
      } else {
        simplex[worst] = reflected;
        fx[worst] = fr;
      }
    } else if (fr < fx[second]) {
      simplex[worst] = reflected;
      fx[worst] = fr;
    } else {
      const auto contracted = along(fr < fx[worst] ? -0.5 : 0.5);
      const double fc = f(contracted);
      ++evals;
      if (fc < std::min(fr, fx[worst])) {
        simplex[worst] = contracted;
        fx[worst] = fc;
      } else {
        for (std::size_t j = 0; j <= n; ++j) {
          if (j == best) continue;
          for (std::size_t i = 0; i < n; ++i) {
            simplex[j][i] = simplex[best][i] + 0.5 * (simplex[j][i] - simplex[best][i]);
          }
          fx[j] = f(simplex[j]);
          ++evals;
        }
      }
    }
  }
  const auto it = std::min_element(fx.begin(), fx.end());
  return simplex[static_cast<std::size_t>(it - fx.begin())];
}

std::string format_seconds(double s) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.3fus", s * 1e6);
  return buf;
}

std::string format_fraction(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  return buf;
}

}  // namespace

std::vector<GpuMeasurement> read_gpu_measurements(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw CatalogError(path + ": cannot open the measurement file");
  std::string line;
  if (!std::getline(in, line)) throw CatalogError(path + ":1: empty file, expected a CSV header");
  const auto header = split_csv(line);
  std::map<std::string, std::size_t> col;
  for (std::size_t i = 0; i < header.size(); ++i) col[header[i]] = i;
  const bool training = col.contains("gpus");
  const std::vector<std::string> needed =
      training ? std::vector<std::string>{"device", "gpus",  "model", "precision", "software",
                                          "metric", "value", "unit",  "source"}
               : std::vector<std::string>{"device", "model",  "input", "precision", "software",
                                          "batch",  "metric", "value", "unit",      "source"};
  for (const auto& c : needed) {
    if (!col.contains(c)) {
      std::string msg = path;
      msg += ":1: missing column '";
      msg += c;
      throw CatalogError(msg + "'");
    }
  }
  std::vector<GpuMeasurement> out;
  int number = 1;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line == "\r") continue;
    const auto f = split_csv(line);
    const std::string where = path + ":" + std::to_string(number);
    if (f.size() != header.size()) {
      throw CatalogError(where + ": expected " + std::to_string(header.size()) + " columns, got " +
                         std::to_string(f.size()));
    }
    GpuMeasurement m;
    m.file = path;
    m.line = number;
    m.training = training;
    m.device = f[col["device"]];
    m.model = f[col["model"]];
    m.precision = f[col["precision"]];
    m.software = f[col["software"]];
    m.metric = f[col["metric"]];
    m.unit = f[col["unit"]];
    m.source = f[col["source"]];
    m.value = csv_number(f[col["value"]], where, "value");
    if (!(m.value > 0)) throw CatalogError(where + ": column 'value' must be greater than zero");
    if (training) {
      m.gpus = to_count(f[col["gpus"]], where, "gpus");
    } else {
      m.input = f[col["input"]];
      const std::string& b = f[col["batch"]];
      m.batch = b == "offline" ? 0 : to_count(b, where, "batch");
    }
    if (m.metric != "throughput" && m.metric != "mean_latency") {
      throw CatalogError(where + ": column 'metric': expected throughput or mean_latency, got \"" +
                         m.metric + "\"");
    }
    if (m.metric == "mean_latency" && m.unit != "ms") {
      throw CatalogError(where + ": latency must be in ms, got \"" + m.unit + "\"");
    }
    out.push_back(std::move(m));
  }
  if (out.empty()) throw CatalogError(path + ": no measurements after the header");
  return out;
}

GpuFit current_fit(const Catalog& catalog) {
  GpuFit fit;
  const auto archs = catalog.architectures();
  fit.common = catalog.efficiency(archs.front());
  for (const auto& a : archs)
    fit.kernel_launch.emplace_back(a, catalog.efficiency(a).kernel_launch);
  for (const auto& [name, s] : catalog.stacks()) {
    if (!s.fused) fit.per_op_overhead.emplace_back(name, s.per_op_overhead);
  }
  return fit;
}

double predict(const Catalog& catalog, const GpuFit& fit, const GpuMeasurement& m) {
  const auto fail = [&](const std::string& msg) -> CatalogError {
    return CatalogError(m.where() + ": " + msg);
  };
  const auto p = parse_precision(m.precision);
  if (!p) throw fail("unknown precision '" + m.precision + "'");
  GpuSpec gpu;
  const ModelProfile* model = nullptr;
  SoftwareStack stack;
  try {
    gpu = catalog.gpu_or_mig(m.device);
    model = &catalog.model(m.model);
    stack = catalog.stack_for_software(m.software);
  } catch (const CatalogError& e) {
    throw fail(e.what());
  }
  ArchitectureEfficiency eff = fit.common;
  eff.architecture = gpu.architecture;
  for (const auto& [a, t] : fit.kernel_launch) {
    if (a == gpu.architecture) eff.kernel_launch = t;
  }
  for (const auto& [s, t] : fit.per_op_overhead) {
    if (s == stack.name) stack.per_op_overhead = t;
  }
  const GpuPerformance perf(gpu, eff, stack);
  if (m.training) {
    const auto tb = model->training_batch.find(*p);
    if (tb == model->training_batch.end()) {
      throw fail("model '" + model->name + "' has no training_batch for " + m.precision);
    }
    TrainingSetup setup;
    setup.gpus_per_node = m.gpus;
    setup.batch_per_gpu = tb->second;
    setup.input_size = model->default_input;
    setup.precision = *p;
    const TrainingStep s = training_step(perf, *model, setup);
    return m.metric == "throughput" ? s.samples_per_second : s.step * 1e3;
  }
  const auto input = model->inputs.find(m.input);
  if (input == model->inputs.end()) {
    std::string known;
    for (const auto& [name, spec] : model->inputs) known += " \"" + name + "\"";
    throw fail("model '" + model->name + "' has no input named \"" + m.input +
               "\" (it has:" + known + ")");
  }
  const int batch = m.batch > 0 ? m.batch : model->offline_batch;
  const WorkTime t = perf.batch_latency(*model, batch, input->second.effective, *p);
  return m.metric == "throughput" ? batch / t.total : t.total * 1e3;
}

FitReport fit_gpu_model(const Catalog& catalog, const std::vector<GpuMeasurement>& data) {
  FitReport report;
  report.fit = current_fit(catalog);
  GpuFit& fit = report.fit;
  // Physical ranges: efficiencies are fractions of peak; launch and fill are microseconds.
  std::vector<Bounded> params = {{&fit.common.fill_time, 0.05e-6, 20e-6},
                                 {&fit.common.memory_efficiency, 0.3, 0.95}};
  std::vector<bool> used(kPrecisionCount, false);
  for (const auto& m : data) {
    if (const auto p = parse_precision(m.precision)) used[index_of(*p)] = true;
  }
  for (std::size_t i = 0; i < kPrecisionCount; ++i) {
    if (used[i] && static_cast<Precision>(i) != Precision::kBf16) {
      params.push_back({&fit.common.max_efficiency[i], 0.05, 0.95});
    }
  }
  // Only architectures with a measurement are fitted: the others keep the catalog's value (a
  // parameter no point depends on would only widen the simplex).
  std::vector<std::string> measured_archs;
  for (const auto& m : data) {
    try {
      measured_archs.push_back(catalog.gpu_or_mig(m.device).architecture);
    } catch (const CatalogError& e) {
      throw CatalogError(m.where() + ": " + e.what());
    }
  }
  for (auto& [a, t] : fit.kernel_launch) {
    if (std::find(measured_archs.begin(), measured_archs.end(), a) != measured_archs.end()) {
      params.push_back({&t, 0.5e-6, 30e-6});
    }
  }
  for (auto& [s, t] : fit.per_op_overhead) params.push_back({&t, 1e-6, 200e-6});
  const auto objective = [&](const std::vector<double>& x) {
    for (std::size_t i = 0; i < params.size(); ++i) params[i].from_free(x[i]);
    // bf16 runs on the same tensor cores as fp16.
    fit.common.max_efficiency[index_of(Precision::kBf16)] =
        fit.common.max_efficiency[index_of(Precision::kFp16)];
    double sum = 0;
    for (const auto& m : data) {
      const double r = std::log(predict(catalog, fit, m) / m.value);
      sum += r * r;
    }
    return sum;
  };
  std::vector<double> x(params.size());
  for (std::size_t i = 0; i < params.size(); ++i) x[i] = params[i].to_free();
  // Restarts from the best point shake the simplex out of flat valleys.
  for (int restart = 0; restart < 6; ++restart) {
    x = nelder_mead(objective, x, restart == 0 ? 1.0 : 0.3, report.evaluations + 4000,
                    report.evaluations);
  }
  report.rms_log_error = std::sqrt(objective(x) / static_cast<double>(data.size()));
  return report;
}

void write_efficiency_file(const Catalog& catalog, const GpuFit& fit, const std::string& path) {
  std::ostringstream o;
  o << "# Achieved-efficiency parameters of the GPU model (hardware/gpu/gpu_performance.h), fitted "
       "by\n"
       "#   scalesim calibrate calibration/gpu_inference.csv calibration/gpu_training.csv --write\n"
       "# to the published measurements in calibration/ (each row names its source). `common` "
       "holds the\n"
       "# parameters shared by every architecture; an architecture may override any of them.\n"
       "# Software stacks: `activation_passes` counts HBM crossings per activation element and "
       "forward\n"
       "# (a fused conv/GEMM reads its input and writes its output: 2; PyTorch eager adds a "
       "separate\n"
       "# batch-norm and activation op, each reading and writing: 6); only per_op_overhead is "
       "fitted.\n";
  o << "common:\n  fill_time: " << format_seconds(fit.common.fill_time)
    << "\n  memory_efficiency: " << format_fraction(fit.common.memory_efficiency)
    << "\n  max_efficiency: {";
  for (std::size_t i = 0; i < kPrecisionCount; ++i) {
    o << (i ? ", " : "") << kPrecisionNames[i] << ": "
      << format_fraction(fit.common.max_efficiency[i]);
  }
  o << "}\narchitectures:\n";
  for (const auto& [a, t] : fit.kernel_launch) {
    o << "  " << a << ":\n    kernel_launch: " << format_seconds(t) << "\n";
  }
  o << "software:\n";
  for (const auto& [name, s] : catalog.stacks()) {
    double overhead = s.per_op_overhead;
    for (const auto& [n, t] : fit.per_op_overhead) {
      if (n == name) overhead = t;
    }
    o << "  " << name << ":\n    match: [";
    for (std::size_t i = 0; i < s.match.size(); ++i)
      o << (i ? ", " : "") << '"' << s.match[i] << '"';
    o << "]\n    fused: " << (s.fused ? "true" : "false")
      << "\n    activation_passes: " << s.activation_passes << "\n";
    if (!s.fused) o << "    per_op_overhead: " << format_seconds(overhead) << "\n";
    if (s.per_batch_overhead > 0) {
      o << "    per_batch_overhead: " << format_seconds(s.per_batch_overhead) << "\n";
    }
  }
  write_file_atomically(path, o.str());
}

std::vector<ComparisonRow> compare_gpu(const Catalog& catalog,
                                       const std::vector<GpuMeasurement>& data, double tolerance) {
  const GpuFit fit = current_fit(catalog);
  std::vector<ComparisonRow> rows;
  for (const auto& m : data) {
    ComparisonRow r;
    r.scenario = m.device + " " + m.model + " " + m.precision + " " +
                 catalog.stack_for_software(m.software).name +
                 (m.training ? " training x" + std::to_string(m.gpus)
                             : " " + (m.input.empty() ? "" : m.input + " ") + "batch " +
                                   (m.batch > 0 ? std::to_string(m.batch) : "offline"));
    r.metric = m.metric;
    r.unit = m.unit;
    r.measured = m.value;
    r.modelled = predict(catalog, fit, m);
    r.rel_error = (r.modelled - r.measured) / r.measured;
    r.tolerance = tolerance;
    r.within = std::abs(r.rel_error) <= tolerance;
    r.source = m.source;
    rows.push_back(std::move(r));
  }
  return rows;
}

}  // namespace scalesim::hardware
