#include "hardware/catalog/catalog.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace scalesim::hardware {
namespace {

constexpr std::string_view kSections[] = {"redis_nodes", "nics", "fabrics", "object_stores"};

template <class Map>
const typename Map::mapped_type& find_named(const Map& map, std::string_view name,
                                            std::string_view what) {
  const auto it = map.find(name);
  if (it != map.end()) return it->second;
  std::vector<std::string> names;
  names.reserve(map.size());
  for (const auto& entry : map) names.push_back(entry.first);
  std::string msg = "unknown " + std::string(what) + " '" + std::string(name) + "'";
  if (const auto guess = closest_match(name, names)) msg += "; did you mean '" + *guess + "'?";
  msg += " (the catalog has:";
  for (const auto& n : names) msg += " " + n;
  throw CatalogError(msg + ")");
}

SoftwareStack stack_from_config(const std::string& name, const ConfigNode& node) {
  node.expect_map();
  node.expect_keys(
      {"match", "fused", "activation_passes", "per_op_overhead", "per_batch_overhead", "note"});
  SoftwareStack s;
  s.name = name;
  const ConfigNode match = node.at("match");
  match.expect_sequence();
  for (std::size_t i = 0; i < match.size(); ++i) s.match.push_back(match[i].as_string());
  s.fused = node.boolean_or("fused", true);
  s.activation_passes = node.number_or("activation_passes", 2.0);
  if (s.activation_passes < 2) node.at("activation_passes").fail("at least 2 (read and write)");
  s.per_op_overhead = to_seconds(node.duration_or("per_op_overhead", 0));
  s.per_batch_overhead = to_seconds(node.duration_or("per_batch_overhead", 0));
  return s;
}

double fraction(const ConfigNode& node) {
  const double v = node.as_double();
  if (!(v > 0 && v <= 1)) node.fail("an efficiency is a fraction in (0, 1]");
  return v;
}

}  // namespace

ArchitectureEfficiency apply_efficiency(ArchitectureEfficiency e, const ConfigNode& node) {
  node.expect_map();
  node.expect_keys({"kernel_launch", "fill_cycles", "max_efficiency", "memory_efficiency",
                    "stream_efficiency", "gemm_efficiency", "note"});
  if (const auto k = node.find("kernel_launch")) e.kernel_launch = to_seconds(k->as_duration());
  if (const auto f = node.find("fill_cycles")) {
    e.fill_cycles = f->as_double();
    if (!(e.fill_cycles > 0)) f->fail("fill_cycles must be greater than zero");
  }
  if (const auto m = node.find("memory_efficiency")) e.memory_efficiency = fraction(*m);
  if (const auto m = node.find("stream_efficiency")) e.stream_efficiency = fraction(*m);
  // {precision: fraction, ...}
  const auto per_precision = [](const ConfigNode& map, auto& out) {
    map.expect_map();
    for (const auto& [key, value] : map.entries()) {
      const auto p = parse_precision(key);
      if (!p || key == "amp") value.fail("unknown precision '" + key + "'");
      out[index_of(*p)] = fraction(value);
    }
  };
  if (const auto ge = node.find("gemm_efficiency")) per_precision(*ge, e.gemm_efficiency);
  if (const auto me = node.find("max_efficiency")) {
    per_precision(*me, e.max_efficiency);
    // No FP8 measurements to fit: FP8 runs on the same 8-bit tensor-core path, at the same
    // peak, as INT8, and takes INT8's efficiency unless the file gives its own.
    if (!me->has("fp8")) {
      e.max_efficiency[index_of(Precision::kFp8)] = e.max_efficiency[index_of(Precision::kInt8)];
    }
  }
  return e;
}

std::string Catalog::default_dir() {
  namespace fs = std::filesystem;
  if (const char* env = std::getenv("SCALESIM_CONFIG_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
  const auto has_catalog = [](const fs::path& dir) {
    std::error_code ec;
    return fs::is_directory(dir / "hardware", ec) && fs::is_directory(dir / "models", ec);
  };
#ifdef SCALESIM_CONFIG_DIR_FROM_BINDIR
  // An installed scalesim (<prefix>/bin/scalesim) reads the catalog installed beside it
  // (<prefix>/share/scalesim/configs), wherever the prefix was moved to.
  std::error_code ec;
  if (const fs::path exe = fs::read_symlink("/proc/self/exe", ec); !ec) {
    const fs::path installed =
        (exe.parent_path() / SCALESIM_CONFIG_DIR_FROM_BINDIR).lexically_normal();
    if (has_catalog(installed)) return installed.string();
  }
#endif
  if (has_catalog(SCALESIM_DEFAULT_CONFIG_DIR)) return SCALESIM_DEFAULT_CONFIG_DIR;
#ifdef SCALESIM_INSTALLED_CONFIG_DIR
  // A program linking the installed libraries, away from the prefix, with the source tree gone.
  if (has_catalog(SCALESIM_INSTALLED_CONFIG_DIR)) return SCALESIM_INSTALLED_CONFIG_DIR;
#endif
  return SCALESIM_DEFAULT_CONFIG_DIR;
}

Catalog Catalog::load(const std::string& dir) {
  try {
    return load_checked(dir);
  } catch (const std::filesystem::filesystem_error& e) {
    // A path the file system refuses (too long, no permission) is the user's input.
    throw CatalogError("catalog folder '" + dir + "': " + e.code().message());
  }
}

Catalog Catalog::load_checked(const std::string& dir) {
  namespace fs = std::filesystem;
  Catalog c;
  c.dir_ = dir;
  for (const auto& [sub, models] : {std::pair{"hardware", false}, std::pair{"models", true}}) {
    const fs::path folder = fs::path(dir) / sub;
    if (!fs::is_directory(folder)) {
      throw CatalogError("catalog folder '" + folder.string() +
                         "' not found (set SCALESIM_CONFIG_DIR or --catalog)");
    }
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(folder)) {
      if (entry.path().extension() == ".yaml") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) c.load_file(f.string(), models);
  }
  const fs::path network = fs::path(dir) / "hardware" / "network.yaml";
  if (fs::exists(network)) c.network_ = NetworkCatalog::load_file(network.string());
  // Every GPU's architecture must have fitted efficiencies.
  for (const auto& [name, g] : c.gpus_) {
    if (!c.architecture_nodes_.contains(g.architecture)) {
      throw CatalogError(
          "GPU '" + name + "' has architecture '" + g.architecture +
          "' but no efficiencies are given for it (architectures: in " +
          (c.efficiency_file_.empty() ? std::string("gpu_efficiency.yaml") : c.efficiency_file_) +
          ")");
    }
  }
  return c;
}

void Catalog::load_file(const std::string& path, bool models_dir) {
  const ConfigNode root = ConfigNode::load_file(path);
  root.expect_map();
  if (models_dir) {
    root.expect_keys({"models"});
  } else {
    root.expect_keys({"gpus", "cpus", "redis_nodes", "nics", "fabrics", "object_stores", "common",
                      "architectures", "software"});
  }
  auto unique = [&](const auto& map, const std::string& name, const ConfigNode& node) {
    if (map.contains(name)) node.fail("'" + name + "' is defined twice in the catalog");
  };
  for (const auto& [kind, body] : root.entries()) {
    if (kind == "common") {
      apply_efficiency(ArchitectureEfficiency{}, body);  // validate now
      common_efficiency_.push_back(body);
      efficiency_file_ = path;
      continue;
    }
    body.expect_map();
    for (const auto& [name, node] : body.entries()) {
      if (kind == "gpus") {
        unique(gpus_, name, node);
        gpus_.emplace(name, GpuSpec::from_config(name, node));
      } else if (kind == "models") {
        unique(models_, name, node);
        models_.emplace(name, ModelProfile::from_config(name, node));
      } else if (kind == "cpus") {
        unique(cpus_, name, node);
        cpus_.emplace(name, CpuInstanceSpec::from_config(name, node));
      } else if (kind == "software") {
        unique(stacks_, name, node);
        stacks_.emplace(name, stack_from_config(name, node));
      } else if (kind == "architectures") {
        unique(architecture_nodes_, name, node);
        apply_efficiency(ArchitectureEfficiency{}, node);
        architecture_nodes_.emplace(name, node);
        efficiency_file_ = path;
      } else {
        auto& section = sections_[kind];
        unique(section, name, node);
        section.emplace(name, node);
      }
    }
  }
}

const GpuSpec& Catalog::gpu(std::string_view name) const {
  return find_named(gpus_, name, "GPU");
}

GpuSpec Catalog::gpu_or_mig(std::string_view name) const {
  const auto slash = name.find('/');
  if (slash == std::string_view::npos) return gpu(name);
  const GpuSpec& whole = gpu(name.substr(0, slash));
  const std::string_view slice = name.substr(slash + 1);
  if (slice.size() < 2 || slice[1] != 'g' || slice[0] < '1' || slice[0] > '7') {
    throw CatalogError("MIG instance '" + std::string(name) +
                       "': write the slice as 1g, 2g, 3g, 4g or 7g");
  }
  try {
    return whole.mig_instance(slice[0] - '0');
  } catch (const std::invalid_argument& e) {
    throw CatalogError(e.what());
  }
}

ArchitectureEfficiency Catalog::efficiency(std::string_view architecture) const {
  ArchitectureEfficiency e;
  if (common_override_) {
    e = *common_override_;
  } else {
    for (const auto& common : common_efficiency_) e = apply_efficiency(e, common);
  }
  e.architecture = std::string(architecture);
  return apply_efficiency(e, find_named(architecture_nodes_, architecture, "GPU architecture"));
}

Catalog Catalog::with_common_efficiency(
    const ArchitectureEfficiency& common,
    const std::vector<std::pair<std::string, double>>& per_op_overhead) const {
  Catalog c = *this;
  c.common_override_ = common;
  for (const auto& [name, t] : per_op_overhead) {
    if (const auto it = c.stacks_.find(name); it != c.stacks_.end()) it->second.per_op_overhead = t;
  }
  return c;
}

const SoftwareStack& Catalog::stack(std::string_view name) const {
  return find_named(stacks_, name, "software stack");
}

const SoftwareStack& Catalog::stack_for_software(std::string_view software) const {
  for (const auto& [name, s] : stacks_) {
    for (const auto& prefix : s.match) {
      if (software.starts_with(prefix)) return s;
    }
  }
  throw CatalogError("no software stack in the catalog matches \"" + std::string(software) +
                     "\" (add a `match:` prefix under software:)");
}

const ModelProfile& Catalog::model(std::string_view name) const {
  return find_named(models_, name, "model");
}

const CpuInstanceSpec& Catalog::cpu(std::string_view name) const {
  return find_named(cpus_, name, "CPU instance type");
}

GpuPerformance Catalog::performance(std::string_view gpu_name, std::string_view stack_name) const {
  GpuSpec g = gpu_or_mig(gpu_name);
  ArchitectureEfficiency e = efficiency(g.architecture);
  return GpuPerformance(std::move(g), std::move(e), stack(stack_name));
}

const std::map<std::string, ConfigNode, std::less<>>& Catalog::section(
    std::string_view kind) const {
  static const std::map<std::string, ConfigNode, std::less<>> kEmpty;
  if (std::find(std::begin(kSections), std::end(kSections), kind) == std::end(kSections)) {
    throw CatalogError("unknown catalog section '" + std::string(kind) + "'");
  }
  const auto it = sections_.find(kind);
  return it == sections_.end() ? kEmpty : it->second;
}

std::vector<std::string> Catalog::architectures() const {
  std::vector<std::string> out;
  for (const auto& [name, node] : architecture_nodes_) out.push_back(name);
  return out;
}

}  // namespace scalesim::hardware
