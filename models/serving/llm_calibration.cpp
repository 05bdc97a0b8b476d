#include "models/serving/llm_calibration.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <stdexcept>

#include "hardware/gpu/calibration_csv.h"
#include "hardware/gpu/gpu_cross_validation.h"
#include "models/serving/llm_step_time.h"

namespace scalesim {

using namespace hardware;

namespace {

// The first integer after `word` in `text` ("batch 64", "chunk_size 512"), if any.
std::optional<double> number_after(const std::string& text, const std::string& word) {
  std::smatch m;
  if (std::regex_search(text, m, std::regex(word + R"(\s*=?\s*(\d+))"))) return std::stod(m[1]);
  return std::nullopt;
}

// The catalog GPU a row's `gpu` column names, and how the label should say it.
// A100s whose form factor a source does not state are read as SXM4 80 GB (NVIDIA's and
// LMDeploy's benchmark machines are DGX/HGX A100 80 GB systems).
std::optional<std::string> catalog_gpu(const std::string& gpu) {
  if (gpu.find("H200") != std::string::npos) return "H200-SXM-141GB";
  if (gpu.find("H100") != std::string::npos) return "H100-SXM5-80GB";
  if (gpu.find("A100-PCIe-80GB") != std::string::npos) return "A100-PCIe-80GB";
  if (gpu.find("A100-SXM4-80GB") != std::string::npos) return "A100-SXM4-80GB";
  if (gpu.find("A100") != std::string::npos &&
      (gpu.find("variant not stated") != std::string::npos ||
       gpu.find("form factor not stated") != std::string::npos)) {
    return "A100-SXM4-80GB";
  }
  return std::nullopt;
}

// Model names as the sources print them ("LLaMA(-2) 7B", "Llama-2-70B", "LLaMA-2 13B",
// "Llama-3.1 8B", "GPT-J 6B", ...) to catalog profiles.
std::optional<std::string> catalog_model(const std::string& model) {
  std::string m;
  for (const char c : model) {
    if (c == '(' || c == ')') continue;
    m += c == ' ' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  const auto starts = [&](const std::string& p) { return m.rfind(p, 0) == 0; };
  if (starts("llama-2-70b") || starts("llama-70b")) return "llama-2-70b";
  if (starts("llama-2-13b") || starts("llama-13b")) return "llama-2-13b";
  if (starts("llama-2-7b") || starts("llama-7b")) return "llama-7b";
  if (starts("llama-3.1-8b") || starts("llama-3-8b")) return "llama-3.1-8b";
  if (starts("llama-3.1-70b") || starts("llama-3-70b")) return "llama-3.1-70b";
  if (starts("mistral-7b")) return "mistral-7b";
  if (starts("yi-34b")) return "yi-34b";
  if (starts("gpt-j-6b")) return "gpt-j-6b";
  return std::nullopt;
}

std::string stack_of(const std::string& system) {
  for (const char* stack :
       {"Splitwise", "Sarathi", "TensorRT-LLM", "Vidur", "LMDeploy", "vLLM", "MLPerf"}) {
    if (system.rfind(stack, 0) == 0)
      return std::string(stack) == "Sarathi" ? "Sarathi-Serve" : stack;
  }
  return system;
}

// Whether a field holds a plain number (sources print "-" or "(not stated)" for a length).
bool is_number(const std::string& s) {
  char* end = nullptr;
  std::strtod(s.c_str(), &end);
  return !s.empty() && end != s.c_str() && *end == '\0';
}

// The iterations of a row, priced on the roofline.
struct Priced {
  double seconds = 0, iterations = 0, sequence_iterations = 0;
  void add(const LlmStepTime& step, const IterationWork& w) {
    seconds += step.iteration_seconds(w);
    iterations += 1;
    sequence_iterations += w.prefill_seqs + w.decode_seqs;
  }
};

IterationWork prefill(double batch, double prompt, double offset = 0) {
  IterationWork w;
  w.prefill_tokens = static_cast<std::uint64_t>(batch * prompt);
  w.prefill_pairs = batch * (prompt * offset + prompt * (prompt + 1) / 2);
  w.prefill_kv_reads = static_cast<std::uint64_t>(batch * offset);
  w.prefill_seqs = static_cast<std::uint32_t>(batch);
  return w;
}

IterationWork decode(double batch, double context) {
  IterationWork w;
  w.decode_seqs = static_cast<std::uint32_t>(batch);
  w.context_tokens = static_cast<std::uint64_t>(std::llround(batch * context));
  return w;
}

// Overhead a * iterations + b * sequence-iterations (a, b >= 0) minimising the squared relative
// error of the rows' times.
std::pair<double, double> fit_overhead(const std::vector<const LlmServingPoint*>& rows) {
  const auto measured_time = [](const LlmServingPoint& p) {
    return p.unit == "tokens/s" ? p.tokens / p.measured : p.measured;
  };
  // Weighted least squares: minimise sum ((r - a K - b S) / m)^2.
  double kk = 0, ks = 0, ss = 0, kr = 0, sr = 0;
  for (const LlmServingPoint* p : rows) {
    const double m = measured_time(*p);
    const double k = p->iterations / m, s = p->sequence_iterations / m;
    const double r = (m - p->roofline_s) / m;
    kk += k * k;
    ks += k * s;
    ss += s * s;
    kr += k * r;
    sr += s * r;
  }
  const auto sse = [&](double a, double b) {
    double e = 0;
    for (const LlmServingPoint* p : rows) {
      const double m = measured_time(*p);
      const double d = (m - p->roofline_s - a * p->iterations - b * p->sequence_iterations) / m;
      e += d * d;
    }
    return e;
  };
  std::vector<std::pair<double, double>> candidates{{0.0, 0.0}};
  if (kk > 0) candidates.emplace_back(std::max(kr / kk, 0.0), 0.0);
  if (ss > 0) candidates.emplace_back(0.0, std::max(sr / ss, 0.0));
  const double det = kk * ss - ks * ks;
  if (rows.size() >= 2 && std::abs(det) > 1e-12 * kk * ss) {
    const double a = (kr * ss - sr * ks) / det, b = (sr * kk - kr * ks) / det;
    if (a >= 0 && b >= 0) candidates.emplace_back(a, b);
  }
  return *std::min_element(candidates.begin(), candidates.end(), [&](auto x, auto y) {
    return sse(x.first, x.second) < sse(y.first, y.second);
  });
}

void predict(LlmServingPoint& p, double a, double b, bool held_out) {
  const double t = p.roofline_s + a * p.iterations + b * p.sequence_iterations;
  const double value = p.unit == "tokens/s" ? p.tokens / t : t;
  if (held_out) {
    p.predicted = value;
    p.error = value / p.measured - 1;
  }
}

}  // namespace

LlmServingCalibration calibrate_llm_serving(const std::string& csv_path, const Catalog& catalog) {
  std::ifstream in(csv_path);
  if (!in) throw CatalogError("cannot open " + csv_path);
  std::string line;
  std::getline(in, line);
  const std::vector<std::string> header = split_csv(line);
  const auto column = [&](std::string_view name) {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end())
      throw CatalogError(csv_path + ":1: no column '" + std::string(name) + "'");
    return static_cast<std::size_t>(it - header.begin());
  };
  const std::size_t c_system = column("system"), c_gpu = column("gpu"),
                    c_tp = column("tensor_parallel"), c_gpus = column("num_gpus"),
                    c_model = column("model"), c_precision = column("precision"),
                    c_scenario = column("scenario"), c_in = column("input_tokens"),
                    c_out = column("output_tokens"),
                    c_batch = column("batch_or_concurrency_or_rate"), c_metric = column("metric"),
                    c_value = column("value"), c_unit = column("unit");
  LlmServingCalibration cal;
  int line_no = 1;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    const std::vector<std::string> f = split_csv(line);
    const std::string where = csv_path + ":" + std::to_string(line_no);
    if (f.size() != header.size()) {
      throw CatalogError(where + ": " + std::to_string(f.size()) + " fields, the header has " +
                         std::to_string(header.size()));
    }
    LlmServingPoint p;
    p.stack = stack_of(f[c_system]);
    p.metric = f[c_metric];
    const std::string& unit = f[c_unit];
    const double value = csv_number(f[c_value], where, "value");
    const bool rate = unit.rfind("tokens/s", 0) == 0 || unit.rfind("tok/s", 0) == 0;
    p.unit = rate ? "tokens/s" : "s";
    p.measured = unit == "ms" ? value * 1e-3 : value;
    const double tp = is_number(f[c_tp]) ? csv_number(f[c_tp], where, "tensor_parallel") : 1;
    const double gpus = csv_number(f[c_gpus], where, "num_gpus");
    const bool per_gpu =
        unit == "tokens/s/GPU" ||
        (p.metric.size() > 8 && p.metric.substr(p.metric.size() - 8) == "_per_gpu");
    if (per_gpu) p.measured = value * gpus;
    const auto gpu = catalog_gpu(f[c_gpu]);
    const auto model = catalog_model(f[c_model]);
    p.label = p.stack + ", " + f[c_model] + (tp > 1 ? " TP" + std::to_string(int(tp)) : "") +
              " on " + (gpu ? *gpu : f[c_gpu]) + ": " + p.metric + ", " + f[c_in] + " in / " +
              f[c_out] + " out, " + f[c_batch];
    if (p.stack == "Vidur") {
      p.skipped =
          "one operator of one layer (no attention, LM head or host time); the step model "
          "prices whole forward passes";
    } else if (!gpu || !model) {
      p.skipped = "GPU or model not in the catalog";
    } else if (!is_number(f[c_tp])) {
      p.skipped = "tensor parallelism not stated";
    } else if (!is_number(f[c_in]) && p.metric != "batch_execution_time") {
      p.skipped = "prompt length not stated";
    } else if (!is_number(f[c_out]) &&
               (p.metric == "decode_step_time" || p.metric == "e2e_latency" ||
                p.metric.rfind("output_tokens_per_s", 0) == 0)) {
      p.skipped = "answer length not stated";
    } else if (p.metric == "TPOT" || p.metric == "ITL") {
      p.skipped = "latency under a load the row does not give as iterations (Poisson arrivals)";
    }
    if (!p.skipped.empty()) {
      cal.points.push_back(p);
      continue;
    }
    // FP8 rows (TensorRT-LLM and MLPerf on Hopper) quantise weights, activations and KV cache.
    const Precision precision =
        f[c_precision].find("fp8") != std::string::npos ? Precision::kFp8 : Precision::kFp16;
    GpuStepModel gpu_model{catalog.performance(*gpu, "tensorrt"), catalog.model(*model), precision,
                           static_cast<int>(tp)};
    // PCIe cards the source says are NVLink-bridged ("A100-PCIe-80GB (pairwise NVLink)").
    gpu_model.nvlink_bridge = tp == 2 && f[c_gpu].find("PCIe") != std::string::npos &&
                              f[c_gpu].find("NVLink") != std::string::npos &&
                              gpu_model.perf.gpu().nvlink_bridge_bandwidth > 0;
    const LlmStepTime step(std::move(gpu_model));
    const double batch = number_after(f[c_batch], "batch").value_or(1);
    Priced work;
    // One prefill of the batch's prompts: Splitwise's prompt_time, a batch-1 TTFT, a
    // Sarathi-Serve prefill-only batch.
    const bool one_prefill =
        p.metric == "prefill_time" || p.metric == "TTFT" ||
        (p.metric == "batch_execution_time" && f[c_scenario].find("prefill") != std::string::npos);
    if (one_prefill) {
      work.add(step, prefill(batch, csv_number(f[c_in], where, "input_tokens")));
    } else if (p.metric == "decode_step_time") {
      // Splitwise's token_time is the mean step over the generated tokens: contexts from the
      // prompt to the prompt + output, on average prompt + output / 2.
      work.add(step, decode(batch, csv_number(f[c_in], where, "input_tokens") +
                                       csv_number(f[c_out], where, "output_tokens") / 2));
    } else if (p.metric == "batch_execution_time") {
      work.add(step, decode(batch, 1022));  // sequence length 1024, context ~1020-1024
    } else if (p.metric == "prefill_execution_time") {
      const double prompt = csv_number(f[c_in], where, "input_tokens");
      const double chunk = number_after(f[c_batch], "chunk_size").value_or(prompt);
      const auto chunks = static_cast<std::int64_t>(std::ceil(prompt / chunk));
      for (std::int64_t k = 0; k < chunks; ++k) {
        const double done = static_cast<double>(k) * chunk;
        work.add(step, prefill(1, std::min(chunk, prompt - done), done));
      }
    } else if (p.metric.rfind("output_tokens_per_s", 0) == 0 || p.metric == "e2e_latency") {
      // A static batch: one prefill of the prompts, then output - 1 decode steps.
      const double prompt = csv_number(f[c_in], where, "input_tokens");
      const double output = csv_number(f[c_out], where, "output_tokens");
      work.add(step, prefill(batch, prompt));
      for (std::int64_t j = 1; j < static_cast<std::int64_t>(output); ++j) {
        work.add(step, decode(batch, prompt + static_cast<double>(j)));
      }
      p.tokens = batch * output;
    } else {
      p.skipped = "metric '" + p.metric + "' has no iteration model here";
      cal.points.push_back(p);
      continue;
    }
    p.roofline_s = work.seconds;
    p.iterations = work.iterations;
    p.sequence_iterations = work.sequence_iterations;
    p.roofline = p.unit == "tokens/s" ? p.tokens / work.seconds : work.seconds;
    p.roofline_error = p.roofline / p.measured - 1;
    cal.points.push_back(p);
  }
  // The overhead per stack: fitted to all of its rows (reported), and to all but each row
  // (that row's prediction).
  std::map<std::string, std::vector<std::size_t>> by_stack;
  for (std::size_t i = 0; i < cal.points.size(); ++i) {
    if (cal.points[i].skipped.empty()) by_stack[cal.points[i].stack].push_back(i);
  }
  std::vector<double> roofline_errors, loo_errors;
  for (const auto& [stack, rows] : by_stack) {
    std::vector<const LlmServingPoint*> all;
    for (std::size_t i : rows) all.push_back(&cal.points[i]);
    const auto [a, b] = fit_overhead(all);
    cal.overheads.push_back(StackOverhead{stack, a, b, rows.size()});
    for (std::size_t i : rows) {
      std::vector<const LlmServingPoint*> others;
      for (std::size_t j : rows) {
        if (j != i) others.push_back(&cal.points[j]);
      }
      const auto [ai, bi] = fit_overhead(others);
      predict(cal.points[i], ai, bi, true);
      roofline_errors.push_back(cal.points[i].roofline_error);
      loo_errors.push_back(cal.points[i].error);
    }
  }
  cal.compared = loo_errors.size();
  cal.roofline_median = median_abs(roofline_errors);
  cal.roofline_worst = max_abs(roofline_errors);
  cal.loo_median = median_abs(loo_errors);
  cal.loo_worst = max_abs(loo_errors);
  return cal;
}

}  // namespace scalesim
