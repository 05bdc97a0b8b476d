#include "hardware/gpu/gpu_microbenchmark.h"

#include <fstream>
#include <map>

#include "hardware/gpu/calibration_csv.h"
#include "hardware/gpu/gpu_performance.h"

namespace scalesim::hardware {

std::string MicrobenchFile::meta_value(const std::string& key) const {
  for (const auto& [k, v] : meta) {
    if (k == key) return v;
  }
  return "";
}

MicrobenchFile read_microbenchmark(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw CatalogError(path + ": cannot open the microbenchmark file");
  MicrobenchFile file;
  file.path = path;
  std::string line;
  int number = 0;
  std::vector<std::string> header;
  std::map<std::string, std::size_t> col;
  const std::vector<std::string> needed = {"kind",  "name",    "precision", "m",
                                           "n",     "k",       "batch",     "flops",
                                           "bytes", "seconds", "value",     "unit"};
  while (std::getline(in, line)) {
    ++number;
    const std::string where = path + ":" + std::to_string(number);
    if (line.empty() || line == "\r") continue;
    if (line[0] == '#') {
      const auto colon = line.find(": ");
      if (colon != std::string::npos) {
        file.meta.emplace_back(line.substr(2, colon - 2), line.substr(colon + 2));
      }
      continue;
    }
    const auto f = split_csv(line);
    if (header.empty()) {
      header = f;
      for (std::size_t i = 0; i < header.size(); ++i) col[header[i]] = i;
      for (const auto& c : needed) {
        if (!col.contains(c)) {
          std::string msg = where;
          msg += ": missing column '";
          msg += c;
          throw CatalogError(msg + "'");
        }
      }
      continue;
    }
    if (f.size() != header.size()) {
      throw CatalogError(where + ": expected " + std::to_string(header.size()) + " columns, got " +
                         std::to_string(f.size()));
    }
    MicrobenchCase c;
    c.line = number;
    c.kind = f[col["kind"]];
    c.name = f[col["name"]];
    c.precision = f[col["precision"]];
    c.unit = f[col["unit"]];
    c.m = csv_number(f[col["m"]], where, "m");
    c.n = csv_number(f[col["n"]], where, "n");
    c.k = csv_number(f[col["k"]], where, "k");
    c.batch = csv_number(f[col["batch"]], where, "batch");
    c.flops = csv_number(f[col["flops"]], where, "flops");
    c.bytes = csv_number(f[col["bytes"]], where, "bytes");
    c.seconds = csv_number(f[col["seconds"]], where, "seconds");
    c.value = csv_number(f[col["value"]], where, "value");
    if (!(c.seconds > 0) || !(c.value > 0)) {
      throw CatalogError(where + ": columns 'seconds' and 'value' must be greater than zero");
    }
    if (c.unit != "TFLOP/s" && c.unit != "GB/s" && c.unit != "us") {
      throw CatalogError(where + ": column 'unit': expected TFLOP/s, GB/s or us, got \"" + c.unit +
                         "\"");
    }
    file.cases.push_back(std::move(c));
  }
  if (header.empty()) throw CatalogError(path + ": no CSV header");
  if (file.cases.empty()) throw CatalogError(path + ": no cases after the header");
  return file;
}

namespace {

// A time in the case's unit.
double in_unit(const MicrobenchCase& c, double seconds) {
  if (c.unit == "TFLOP/s") return c.flops / seconds / 1e12;
  if (c.unit == "GB/s") return c.bytes / seconds / 1e9;
  return seconds * 1e6;
}

}  // namespace

std::vector<MicrobenchComparison> compare_microbenchmark(const Catalog& catalog,
                                                         const MicrobenchFile& file) {
  const std::string name = file.meta_value("catalog_gpu");
  if (name.empty()) {
    throw CatalogError(file.path + ": no '# catalog_gpu: NAME' line naming the catalog's GPU");
  }
  GpuSpec gpu;
  try {
    gpu = catalog.gpu_or_mig(name);
  } catch (const CatalogError& e) {
    throw CatalogError(file.path + ": catalog_gpu: " + e.what());
  }
  SoftwareStack kernels;  // one kernel as launched: fused, nothing per batch
  kernels.name = "kernel";
  const GpuPerformance perf(gpu, catalog.efficiency(gpu.architecture), kernels);
  std::vector<MicrobenchComparison> out;
  for (const auto& c : file.cases) {
    MicrobenchComparison r;
    r.measured = c;
    const auto p = parse_precision(c.precision);
    if (c.kind == "gemm" || c.kind == "batched_gemm" || c.kind == "stream") {
      if (!p || !gpu.supports(*p)) {
        r.why_none = "no " + c.precision + " peak in the catalog";
      } else {
        BatchWork w;
        w.flops = c.flops;
        w.weight_bytes = c.bytes;  // every operand crosses HBM once
        w.kernels = 1;
        r.predicted = in_unit(c, perf.forward(w, *p).total);
      }
    } else if (c.kind == "launch" && c.name.find("back to back") != std::string::npos) {
      BatchWork w;
      w.kernels = 1;
      r.predicted = in_unit(c, perf.forward(w, Precision::kFp32).total);
    } else if (c.kind == "copy" && c.name.find("pinned") != std::string::npos) {
      r.predicted = gpu.host_link_bandwidth / 1e9;  // the datasheet link, no efficiency term
    } else {
      r.why_none = "not a term of the model";
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace scalesim::hardware
