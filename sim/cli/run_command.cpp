// scalesim run: simulate a queueing network described in YAML.
#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>

#include "commands.h"
#include "exit_codes.h"
#include "queueing/queueing_network.h"
#include "scalesim/atomic_file.h"
#include "scalesim/json_writer.h"

namespace scalesim::cli {

namespace po = boost::program_options;

int run_command(const std::vector<std::string>& args) {
  std::string config_path;
  std::string output;
  std::uint64_t seed = 0;
  po::options_description opts("scalesim run CONFIG.yaml options");
  opts.add_options()
      ("help,h", "this help")
      ("config", po::value(&config_path), "the network's YAML config")
      ("seed", po::value(&seed), "random seed (overrides the config's 'seed')")
      ("output,o", po::value(&output), "also write the JSON results to this file (atomically)")
      ("json", "print one JSON object (summary metrics and result_hash) instead of text");
  po::positional_options_description pos;
  pos.add("config", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(opts).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::fprintf(stderr, "scalesim run: %s\n", e.what());
    return kExitUsage;
  }
  if (vm.count("help")) {
    std::cout << "usage: scalesim run CONFIG.yaml [--seed N] [-o OUT.json] [--json]\n" << opts << "\n";
    return kExitOk;
  }
  if (config_path.empty()) {
    std::fprintf(stderr, "scalesim run: give a config file, e.g. scalesim run configs/examples/mmc.yaml\n");
    return kExitUsage;
  }
  try {
    QueueingNetwork net = QueueingNetwork::from_config(ConfigNode::load_file(config_path));
    if (vm.count("seed")) net.settings().seed = seed;
    const NetworkRun run = simulate(net, net.settings().seed);
    JsonWriter j;
    write_json(j, net, run);
    if (!output.empty()) write_file_atomically(output, j.str() + "\n");
    if (vm.count("json")) {
      std::printf("%s\n", j.str().c_str());
    } else {
      std::fputs(summary_text(net, run).c_str(), stdout);
    }
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "scalesim run: %s\n", e.what());
    return kExitConfig;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "scalesim run: %s\n", e.what());
    return kExitRuntime;
  }
  return kExitOk;
}

}  // namespace scalesim::cli
