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
  // Training files have gpus and no batch column; inference files have batch.
  const bool training = !col.contains("batch");
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
      if (col.contains("input")) m.input = f[col["input"]];
      if (col.contains("batch_per_gpu")) {
        m.batch_per_gpu = to_count(f[col["batch_per_gpu"]], where, "batch_per_gpu");
      }
    } else {
      if (col.contains("gpus")) m.gpus = to_count(f[col["gpus"]], where, "gpus");
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

std::string GpuMeasurement::publication() const {
  std::istringstream words(source);
  std::string repo, path;
  words >> repo >> path;
  if (const auto at = repo.find('@'); at != std::string::npos) repo.erase(at);
  while (!path.empty() && (path.back() == ',' || path.back() == ';' || path.back() == ':')) {
    path.pop_back();
  }
  if (repo.starts_with("mlcommons/")) {
    // closed/<submitter>/...: one submitter's results in one round.
    const auto first = path.find('/');
    const auto second = first == std::string::npos ? first : path.find('/', first + 1);
    return repo + " " + path.substr(0, second);
  }
  return repo + " " + path;
}

GpuFit current_fit(const Catalog& catalog) {
  GpuFit fit;
  const auto archs = catalog.architectures();
  fit.common = catalog.efficiency(archs.front());
  for (const auto& [name, s] : catalog.stacks()) {
    if (!s.fused) fit.per_op_overhead.emplace_back(name, s.per_op_overhead);
  }
  return fit;
}

GpuFit prior_fit(const Catalog& catalog) {
  GpuFit fit;
  fit.common.kernel_launch = catalog.efficiency(catalog.architectures().front()).kernel_launch;
  fit.common.fill_cycles = 2100;  // 1.5 us at an A100's 1.41 GHz
  fit.common.memory_efficiency = 0.7;
  fit.common.max_efficiency = {0.7, 0.5, 0.5, 0.5, 0.5, 0.5};
  fit.common.stream_efficiency =
      catalog.efficiency(catalog.architectures().front()).stream_efficiency;
  for (const auto& [name, s] : catalog.stacks()) {
    if (!s.fused) fit.per_op_overhead.emplace_back(name, 20e-6);
  }
  return fit;
}

ResolvedMeasurement resolve(const Catalog& catalog, const GpuMeasurement& m) {
  const auto fail = [&](const std::string& msg) -> CatalogError {
    return CatalogError(m.where() + ": " + msg);
  };
  ResolvedMeasurement r;
  r.m = &m;
  const auto p = parse_precision(m.precision);
  if (!p) throw fail("unknown precision '" + m.precision + "'");
  r.precision = *p;
  try {
    r.gpu = catalog.gpu_or_mig(m.device);
    r.model = &catalog.model(m.model);
    r.stack = catalog.stack_for_software(m.software);
  } catch (const CatalogError& e) {
    throw fail(e.what());
  }
  if (!r.gpu.supports(*p)) throw fail("GPU '" + m.device + "' has no " + m.precision + " support");
  const auto input = r.model->inputs.find(m.input);
  if (m.training && m.input.empty()) {
    r.input = r.model->default_input;
  } else if (input == r.model->inputs.end()) {
    std::string known;
    for (const auto& [name, spec] : r.model->inputs) known += " \"" + name + "\"";
    throw fail("model '" + r.model->name + "' has no input named \"" + m.input +
               "\" (it has:" + known + ")");
  } else {
    r.input = input->second.effective;
  }
  if (m.training) {
    r.batch = m.batch_per_gpu;
    if (r.batch == 0) {
      const auto tb = r.model->training_batch.find(*p);
      if (tb == r.model->training_batch.end()) {
        throw fail("model '" + r.model->name + "' has no training_batch for " + m.precision +
                   " (give the row a batch_per_gpu)");
      }
      r.batch = tb->second;
    }
    return r;
  }
  r.batch = m.batch > 0 ? m.batch : r.model->offline_batch;
  return r;
}

std::vector<ResolvedMeasurement> resolve(const Catalog& catalog,
                                         const std::vector<GpuMeasurement>& data) {
  std::vector<ResolvedMeasurement> out;
  out.reserve(data.size());
  for (const auto& m : data) out.push_back(resolve(catalog, m));
  return out;
}

double predict(const ResolvedMeasurement& r, const GpuFit& fit) {
  ArchitectureEfficiency eff = fit.common;
  eff.architecture = r.gpu.architecture;
  SoftwareStack stack = r.stack;
  for (const auto& [s, t] : fit.per_op_overhead) {
    if (s == stack.name) stack.per_op_overhead = t;
  }
  const GpuPerformance perf(r.gpu, eff, stack);
  const GpuMeasurement& m = *r.m;
  if (m.training) {
    TrainingSetup setup;
    setup.gpus_per_node = m.gpus;
    setup.batch_per_gpu = r.batch;
    setup.input_size = r.input;
    setup.precision = r.precision;
    const TrainingStep s = training_step(perf, *r.model, setup);
    return m.metric == "throughput" ? s.samples_per_second : s.step * 1e3;
  }
  const WorkTime t = perf.batch_latency(*r.model, r.batch, r.input, r.precision);
  return m.metric == "throughput" ? m.gpus * r.batch / t.total : t.total * 1e3;
}

double predict(const Catalog& catalog, const GpuFit& fit, const GpuMeasurement& m) {
  return predict(resolve(catalog, m), fit);
}

FitReport fit_gpu_model(const std::vector<ResolvedMeasurement>& data, GpuFit start, int restarts,
                        int evaluations_per_restart) {
  FitReport report;
  report.fit = std::move(start);
  GpuFit& fit = report.fit;
  if (data.empty()) return report;
  // Physical ranges: efficiencies are fractions of peak; a kernel's ramp is 70-30,000 cycles
  // (0.05-20 us at 1.41 GHz); the launch is measured.
  // Kernel launch and the streaming rate are measured device properties, not fitted.
  std::vector<Bounded> params = {{&fit.common.fill_cycles, 70, 30000},
                                 {&fit.common.memory_efficiency, 0.3, 0.95}};
  std::vector<bool> used(kPrecisionCount, false);
  std::vector<std::string> stacks;
  for (const auto& r : data) {
    used[index_of(r.precision == Precision::kBf16 ? Precision::kFp16 : r.precision)] = true;
    if (!r.stack.fused) stacks.push_back(r.stack.name);
  }
  for (std::size_t i = 0; i < kPrecisionCount; ++i) {
    if (used[i]) params.push_back({&fit.common.max_efficiency[i], 0.05, 0.95});
  }
  for (auto& [s, t] : fit.per_op_overhead) {
    if (std::find(stacks.begin(), stacks.end(), s) != stacks.end()) {
      params.push_back({&t, 1e-6, 200e-6});
    }
  }
  const auto objective = [&](const std::vector<double>& x) {
    for (std::size_t i = 0; i < params.size(); ++i) params[i].from_free(x[i]);
    // bf16 runs on the same tensor cores as fp16.
    fit.common.max_efficiency[index_of(Precision::kBf16)] =
        fit.common.max_efficiency[index_of(Precision::kFp16)];
    // FP8 without measurements of its own runs on the 8-bit path at INT8's efficiency.
    if (!used[index_of(Precision::kFp8)]) {
      fit.common.max_efficiency[index_of(Precision::kFp8)] =
          fit.common.max_efficiency[index_of(Precision::kInt8)];
    }
    double sum = 0;
    for (const auto& r : data) {
      const double e = std::log(predict(r, fit) / r.m->value);
      sum += e * e;
    }
    return sum;
  };
  std::vector<double> x(params.size());
  for (std::size_t i = 0; i < params.size(); ++i) x[i] = params[i].to_free();
  // Restarts from the best point shake the simplex out of flat valleys.
  for (int restart = 0; restart < restarts; ++restart) {
    x = nelder_mead(objective, x, restart == 0 ? 1.0 : 0.3,
                    report.evaluations + evaluations_per_restart, report.evaluations);
  }
  report.rms_log_error = std::sqrt(objective(x) / static_cast<double>(data.size()));
  return report;
}

FitReport fit_gpu_model(const Catalog& catalog, const std::vector<GpuMeasurement>& data) {
  return fit_gpu_model(resolve(catalog, data), prior_fit(catalog));
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
       "# batch-norm and activation op, each reading and writing: 6; TensorFlow with XLA fuses "
       "each\n"
       "# elementwise chain into one kernel: 4); only per_op_overhead is fitted. mlperf-mxnet is "
       "NVIDIA's\n"
       "# MLPerf Training MXNet code: cuDNN NHWC convolutions that also gather the batch-norm "
       "statistics,\n"
       "# one fused BN+ReLU(+add) kernel after each (4 crossings), and the whole step replayed as "
       "one\n"
       "# CUDA graph (E2E_CUDA_GRAPHS=1 in its configs: no per-op host work, so `fused`); nothing "
       "of it\n"
       "# is fitted.\n";
  o << "common:\n  kernel_launch: " << format_seconds(fit.common.kernel_launch)
    << "  # measured, not fitted: back-to-back empty kernels on the H200, "
       "calibration/gpu_microbench_h200-sxm-141gb.csv"
    << "\n  fill_cycles: " << format_fraction(fit.common.fill_cycles)
    << "\n  stream_efficiency: " << format_fraction(fit.common.stream_efficiency)
    << "  # measured, not fitted: H200 copy/triad, calibration/gpu_microbench_h200-sxm-141gb.csv"
    << "\n  memory_efficiency: " << format_fraction(fit.common.memory_efficiency)
    << "\n  max_efficiency: {";
  for (std::size_t i = 0; i < kPrecisionCount; ++i) {
    // FP8 is written only when it differs from INT8's (which it takes by default).
    if (i == index_of(Precision::kFp8) &&
        fit.common.max_efficiency[i] == fit.common.max_efficiency[index_of(Precision::kInt8)]) {
      continue;
    }
    o << (i ? ", " : "") << kPrecisionNames[i] << ": "
      << format_fraction(fit.common.max_efficiency[i]);
  }
  // Architectures override nothing fitted; they carry their measured GEMM efficiency.
  o << "}\n# gemm_efficiency (measured, not fitted): the share of peak large dense GEMMs reach at "
       "LLM layer\n"
       "# shapes. hopper: the median over the Llama-2-7B/70B layer GEMMs with >= 2048 tokens in\n"
       "# calibration/gpu_microbench_h200-sxm-141gb.csv (fp16 and bf16 together; fp8 apart). "
       "ampere:\n"
       "# Vidur's A100 profile of Llama-2-7B's gate+up GEMM at 4096 tokens (3.3655 ms for 2 x 4096 "
       "x\n"
       "# 4096 x 22016 FLOPs), calibration/llm_serving_public.csv.\n"
       "architectures:\n";
  for (const auto& a : catalog.architectures()) {
    const auto& g = catalog.efficiency(a).gemm_efficiency;
    o << "  " << a << ": {";
    bool any = false;
    for (std::size_t i = 0; i < kPrecisionCount; ++i) {
      if (g[i] <= 0) continue;
      o << (any ? ", " : "gemm_efficiency: {") << kPrecisionNames[i] << ": "
        << format_fraction(g[i]);
      any = true;
    }
    o << (any ? "}}" : "}") << "\n";
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
    if (m.gpus > 1 && !m.training) r.scenario += " x" + std::to_string(m.gpus);
    r.rel_error = (r.modelled - r.measured) / r.measured;
    r.tolerance = tolerance;
    r.within = std::abs(r.rel_error) <= tolerance;
    r.source = m.source;
    rows.push_back(std::move(r));
  }
  return rows;
}

}  // namespace scalesim::hardware
