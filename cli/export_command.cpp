// scalesim export: deployment artefacts from a simulated design. Runs the config (or a sweep's
// chosen point of it) once, then writes Kubernetes manifests, a Kubeflow pipeline, an MLflow
// project or a Feast repository whose numbers come from that run, each saying where from.
#include <boost/program_options.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/export/export_context.h"
#include "models/queueing/queueing_network.h"
#include "scalesim/atomic_file.h"
#include "scalesim/config/config_node.h"
#include "sweep/sweep_results.h"
#include "sweep/sweep_spec.h"

namespace scalesim::cli {

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kTargets = {"kubernetes", "kubeflow", "mlflow", "feast"};

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

// Applies the sweep's point (its chosen optimum, or `point`) to `config`; records where each
// value came from. Throws ConfigError when the sweep is of another config.
std::string apply_sweep_point(ConfigNode& config, const std::string& config_path,
                              const std::string& sweep_path, int point, ExportContext& ctx) {
  const SweepTable t = read_sweep_hdf5(sweep_path);
  if (t.spec_text.empty())
    throw ConfigError(sweep_path + ": not a sweep results file (no /sweep/spec)");
  const SweepSpec spec = load_sweep_spec_string(t.spec_text, sweep_path + ":/sweep/spec",
                                                fs::path(t.spec_path).parent_path().string());
  std::error_code ec;
  const fs::path base = fs::weakly_canonical(spec.base_path, ec);
  const fs::path mine = fs::weakly_canonical(config_path, ec);
  if (base != mine) {
    throw ConfigError(sweep_path + " is a sweep of " + spec.base_path + ", not of " + config_path +
                      ": export the config the sweep varied");
  }
  if (point < 0) point = t.optimum;
  if (point < 0) {
    throw ConfigError(sweep_path +
                      ": the sweep has no optimum (no objective, or no feasible "
                      "point); choose one with --point N");
  }
  if (static_cast<std::size_t>(point) >= t.points.size()) {
    throw ConfigError(sweep_path + ": no point " + std::to_string(point) + " (the sweep has " +
                      std::to_string(t.points.size()) + ")");
  }
  for (const auto& [path, value] : spec.overrides) config.set_path(path, value);
  std::string label;
  for (std::size_t k = 0; k < t.parameter_paths.size(); ++k) {
    const std::string& path = t.parameter_paths[k];
    const std::string& value = t.points[static_cast<std::size_t>(point)][k];
    config.set_path(path, value);
    ctx.overridden[path] =
        "sweep " + sweep_path + ", point " + std::to_string(point) + ": " + path + "=" + value;
    label += (label.empty() ? "" : ", ") + path + "=" + value;
  }
  return "point " + std::to_string(point) + (point == t.optimum ? " (the optimum)" : "") +
         " of sweep " + sweep_path + " (" + label + ")";
}

}  // namespace

int export_command(const std::vector<std::string>& args) {
  std::string config_path, target, output, sweep;
  int point = -1;
  po::options_description opts("scalesim export options");
  opts.add_options()("help,h", "this help")("config", po::value(&config_path), "CONFIG.yaml")(
      "to", po::value(&target), "kubernetes, kubeflow, mlflow or feast")(
      "output,o", po::value(&output), "folder to write into (created if missing)")(
      "from-sweep", po::value(&sweep),
      "take the swept values (replica counts, GPU types...) of a sweep's chosen point")(
      "point", po::value(&point), "with --from-sweep: this point instead of the optimum");
  po::positional_options_description pos;
  pos.add("config", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(opts).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::fprintf(stderr, "scalesim export: %s\n", e.what());
    return kExitUsage;
  }
  if (vm.count("help")) {
    std::cout << "usage: scalesim export CONFIG.yaml --to kubernetes|kubeflow|mlflow|feast -o DIR\n"
                 "       [--from-sweep SWEEP.h5 [--point N]]\n"
              << opts << "\n";
    return kExitOk;
  }
  if (config_path.empty() || target.empty() || output.empty()) {
    std::fprintf(stderr,
                 "scalesim export: give CONFIG.yaml, --to TARGET and -o DIR, e.g. "
                 "scalesim export cascade.yaml --to kubernetes -o deploy/\n");
    return kExitUsage;
  }
  if (std::find(kTargets.begin(), kTargets.end(), target) == kTargets.end()) {
    std::string msg = "unknown target '" + target + "' (kubernetes, kubeflow, mlflow or feast)";
    if (auto near = closest_match(target, kTargets)) msg += "; did you mean '" + *near + "'?";
    std::fprintf(stderr, "scalesim export: %s\n", msg.c_str());
    return kExitUsage;
  }
  if (vm.count("point") && sweep.empty()) {
    std::fprintf(stderr, "scalesim export: --point needs --from-sweep\n");
    return kExitUsage;
  }
  try {
    ExportContext ctx{ConfigNode::load_file(config_path), nullptr, {}, config_path, {}, {}};
    std::string from_sweep;
    if (!sweep.empty()) from_sweep = apply_sweep_point(ctx.root, config_path, sweep, point, ctx);
    QueueingNetwork net = QueueingNetwork::from_config(ctx.root);
    ctx.net = &net;
    const NetworkRun run = simulate(net, net.settings().seed);
    for (const auto& [name, value] : analysis_metrics(net, run)) ctx.metrics[name] = value;
    ctx.origin = "scalesim run of " + config_path + " (seed " +
                 std::to_string(net.settings().seed) + ", " +
                 fmt("%.6g", to_seconds(run.end_time)) + " s simulated" +
                 (from_sweep.empty() ? "" : ", " + from_sweep) + ")";
    std::vector<ExportFile> files;
    if (target == "kubernetes") files = export_kubernetes(ctx);
    if (target == "kubeflow") files = export_kubeflow(ctx);
    if (target == "mlflow") files = export_mlflow(ctx);
    if (target == "feast") files = export_feast(ctx);
    fs::create_directories(output);
    for (const ExportFile& f : files) {
      const std::string path = (fs::path(output) / f.name).string();
      write_file_atomically(path, f.text);
      std::printf("%s\n", path.c_str());
    }
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "scalesim export: %s\n", e.what());
    return kExitConfig;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "scalesim export: %s\n", e.what());
    return kExitConfig;
  }
  return kExitOk;
}

}  // namespace scalesim::cli
