// What the deployment exporters read: the config as resolved (a sweep's point applied), the
// network built from it, and the metrics of a run of it, with the words that say where each
// number came from. And a small writer of commented YAML text.
#pragma once

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "models/queueing/queueing_network.h"
#include "scalesim/config/config_node.h"

namespace scalesim::cli {

struct ExportContext {
  ConfigNode root;                        // the config, a sweep's point applied
  ConfigNode file;                        // the config as written (where values came from)
  const QueueingNetwork* net;             // built from it
  std::map<std::string, double> metrics;  // every metric of one run of it
  std::string config_path;
  std::string origin;      // "scalesim run of X (seed 1, 30 s simulated)" (+ sweep point)
  std::string changed_by;  // what set values that differ from the file (a sweep's point)

  // The metric, or nullopt when the run did not report it (or it is NaN).
  std::optional<double> metric(const std::string& name) const {
    const auto it = metrics.find(name);
    if (it == metrics.end() || !std::isfinite(it->second)) return std::nullopt;
    return it->second;
  }
  // Where a config value came from: the config's own line, or the sweep's point.
  std::string source_of(const std::string& path) const;
  // The project name the artefacts use: the config's name as a DNS label.
  std::string project() const;
};

// Appends the pieces to `out` (one allocation at most per piece; no temporaries).
inline void append(std::string& out, std::initializer_list<std::string_view> pieces) {
  for (const std::string_view p : pieces) out.append(p);
}

// A DNS-1123 label (Kubernetes names): lower case, digits and '-', at most `max` characters; a
// longer name keeps its start and ends in a hash of the whole, so distinct names stay distinct.
// (A StatefulSet's name must leave room for its pods' revision label: 52.)
std::string dns_label(const std::string& s, std::size_t max = 63);
// NVIDIA GPU feature discovery's `nvidia.com/gpu.product` label of a catalog GPU.
std::string gpu_product_label(const std::string& gpu);
// The extended resource one replica asks for: nvidia.com/gpu, or a MIG slice's
// (nvidia.com/mig-3g.20gb: the GPU operator's mixed strategy, NVIDIA's profile names).
std::string gpu_resource(const std::string& gpu);
// A Python / Feast identifier: letters, digits and '_'.
std::string identifier(const std::string& s);
// A YAML double-quoted scalar.
std::string yaml_quoted(const std::string& s);
// printf of one number ("%.3f").
std::string number_text(const char* format, double v);
// Kubernetes memory quantities: bytes rounded up to whole MiB ("1536Mi").
std::string mebibytes(double bytes);

// YAML as text, so each number can carry a comment saying where it came from.
class YamlText {
 public:
  // `indent` levels of two spaces; a comment (without '#') after the text when given.
  YamlText& line(int indent, const std::string& text, const std::string& comment = {});
  YamlText& comment(int indent, const std::string& text);
  YamlText& document();  // "---" between documents
  const std::string& str() const { return out_; }

 private:
  std::string out_;
};

// A generated file: its name inside the output folder and its text.
struct ExportFile {
  std::string name;
  std::string text;
};

std::vector<ExportFile> export_kubernetes(const ExportContext& ctx);
std::vector<ExportFile> export_kubeflow(const ExportContext& ctx);
std::vector<ExportFile> export_mlflow(const ExportContext& ctx);
std::vector<ExportFile> export_feast(const ExportContext& ctx);

// Thrown when a config has nothing the target can deploy (exit 3 with the message).
struct NothingToExport : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace scalesim::cli
