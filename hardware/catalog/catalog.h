// The hardware and model catalog: every YAML file under <config>/hardware/ and
// <config>/models/, loaded once, looked up by name with "did you mean" on a miss.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hardware/cpu/cpu_instance.h"
#include "hardware/gpu/gpu_performance.h"
#include "hardware/gpu/gpu_spec.h"
#include "hardware/gpu/model_profile.h"
#include "hardware/network/network_specs.h"
#include "scalesim/config/config_node.h"

namespace scalesim::hardware {

class CatalogError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Catalog {
 public:
  // Loads <dir>/hardware/*.yaml and <dir>/models/*.yaml (sorted by file name).
  static Catalog load(const std::string& dir);
  // $SCALESIM_CONFIG_DIR if set; else, for an installed binary, <prefix>/share/scalesim/configs
  // found from the executable's own path; else the configs/ folder the build was made from
  // (cmake/ScaleSimInstall.cmake).
  static std::string default_dir();

  const GpuSpec& gpu(std::string_view name) const;
  // A GPU by name, or a MIG instance written "A100-SXM4-40GB/3g".
  GpuSpec gpu_or_mig(std::string_view name) const;
  ArchitectureEfficiency efficiency(std::string_view architecture) const;
  const SoftwareStack& stack(std::string_view name) const;
  // The stack whose `match` prefixes the free-text software column of a measurement.
  const SoftwareStack& stack_for_software(std::string_view software) const;
  const ModelProfile& model(std::string_view name) const;
  const CpuInstanceSpec& cpu(std::string_view name) const;
  GpuPerformance performance(std::string_view gpu, std::string_view stack) const;

  // The folder the catalog was loaded from (holding hardware/ and models/).
  const std::string& dir() const { return dir_; }

  // NICs, fabrics and object stores (configs/hardware/network.yaml), typed.
  const NetworkCatalog& network() const { return network_; }

  // Catalog sections kept as configuration (their models parse them): redis_nodes, nics,
  // fabrics, object_stores.
  const std::map<std::string, ConfigNode, std::less<>>& section(std::string_view kind) const;

  const std::map<std::string, GpuSpec, std::less<>>& gpus() const { return gpus_; }
  const std::map<std::string, ModelProfile, std::less<>>& models() const { return models_; }
  const std::map<std::string, CpuInstanceSpec, std::less<>>& cpus() const { return cpus_; }
  const std::map<std::string, SoftwareStack, std::less<>>& stacks() const { return stacks_; }
  std::vector<std::string> architectures() const;
  // The file the fitted GPU efficiencies came from (scalesim calibrate rewrites it).
  const std::string& efficiency_file() const { return efficiency_file_; }

  // A copy whose common GPU efficiency parameters, and eager stacks' per-op overheads, are
  // these instead of the file's (per-architecture overrides still apply): a cross-validation
  // fold's fit, put through the simulator by `scalesim calibrate`.
  Catalog with_common_efficiency(
      const ArchitectureEfficiency& common,
      const std::vector<std::pair<std::string, double>>& per_op_overhead) const;

 private:
  static Catalog load_checked(const std::string& dir);
  void load_file(const std::string& path, bool models_dir);

  std::map<std::string, GpuSpec, std::less<>> gpus_;
  std::map<std::string, ModelProfile, std::less<>> models_;
  std::map<std::string, CpuInstanceSpec, std::less<>> cpus_;
  std::map<std::string, SoftwareStack, std::less<>> stacks_;
  std::map<std::string, ConfigNode, std::less<>> architecture_nodes_;
  std::vector<ConfigNode> common_efficiency_;
  std::optional<ArchitectureEfficiency> common_override_;  // with_common_efficiency()
  std::map<std::string, std::map<std::string, ConfigNode, std::less<>>, std::less<>> sections_;
  std::string efficiency_file_;
  NetworkCatalog network_;
  std::string dir_;
};

// Parses an efficiency block (common or per architecture) over `base`.
ArchitectureEfficiency apply_efficiency(ArchitectureEfficiency base, const ConfigNode& node);

}  // namespace scalesim::hardware
