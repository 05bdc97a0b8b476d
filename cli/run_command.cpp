// scalesim run: simulate a queueing network described in YAML.
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "models/queueing/queueing_network.h"
#include "scalesim/atomic_file.h"
#include "scalesim/interrupt.h"
#include "scalesim/json_writer.h"
#ifdef SCALESIM_HAVE_HDF5
#include "models/queueing/network_hdf5.h"
#endif

namespace scalesim::cli {

namespace po = boost::program_options;

namespace {

bool is_hdf5_name(const std::string& path) {
  for (const char* ext : {".h5", ".hdf5"}) {
    const std::string e(ext);
    if (path.size() >= e.size() && path.compare(path.size() - e.size(), e.size(), e) == 0)
      return true;
  }
  return false;
}

}  // namespace

int run_command(const std::vector<std::string>& args, Transport& transport) {
  const bool root = transport.rank() == 0;
  std::string config_path;
  std::string output;
  std::string partition = "metis";
  std::uint64_t seed = 0;
  int threads = 0;
  int replications = 0;
  std::uint64_t records_chunk = 65536;
  std::vector<std::string> overrides;
  po::options_description opts("scalesim run CONFIG.yaml options");
  opts.add_options()("help,h", "this help")("config", po::value(&config_path),
                                            "the network's YAML config")(
      "seed", po::value(&seed), "random seed (overrides the config's 'seed')")(
      "set", po::value(&overrides)->composing(),
      "override a config value by its dotted path, e.g. --set components.gate.threshold=0.7 "
      "(repeatable; the value is YAML)")(
      "output,o", po::value(&output),
      "also write the results to this file: HDF5 when it ends in .h5 or .hdf5 "
      "(docs/hdf5-schema.md), "
      "else JSON; written atomically")(
      "records-chunk", po::value(&records_chunk)->default_value(records_chunk),
      "HDF5 output: /requests rows per chunk, and per block a sink hands over as the run goes "
      "(memory per sink; docs/hdf5-schema.md)")(
      "threads", po::value(&threads), "OpenMP threads per rank (default: OMP_NUM_THREADS, else 1)")(
      "partition", po::value(&partition)->default_value(partition), "metis or block")(
      "replications", po::value(&replications),
      "K independent replications (seeds seed..seed+K-1) over ranks x threads, "
      "merged with 99% confidence intervals")("stats", "print per-rank counters of a parallel run")(
      "sort-trace",
      "sort every trace by time in memory instead of rejecting one out of order (sets sort: true "
      "on each trace component)")(
      "json", "print one JSON object (summary metrics and result_hash) instead of text");
  po::positional_options_description pos;
  pos.add("config", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(opts).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    if (root) std::fprintf(stderr, "scalesim run: %s\n", e.what());
    return kExitUsage;
  }
  if (vm.count("help")) {
    if (root) std::cout << "usage: scalesim run CONFIG.yaml [options]\n" << opts << "\n";
    return kExitOk;
  }
  if (config_path.empty()) {
    if (root)
      std::fprintf(
          stderr,
          "scalesim run: give a config file, e.g. scalesim run configs/examples/mmc.yaml\n");
    return kExitUsage;
  }
  threads = vm.count("threads") ? threads : resolve_threads(0);
  if (threads < 1 || (vm.count("replications") && replications < 1)) {
    if (root)
      std::fprintf(stderr, "scalesim run: --threads and --replications must be at least 1\n");
    return kExitUsage;
  }
#ifndef SCALESIM_HAVE_HDF5
  if (is_hdf5_name(output)) {
    if (root)
      std::fprintf(stderr,
                   "scalesim run: this build has no HDF5 support; write JSON (-o FILE.json)\n");
    return kExitUsage;
  }
#endif
  install_stop_handlers();
  try {
    ConfigNode config = ConfigNode::load_file(config_path);
    if (vm.count("seed")) config.set("seed", std::to_string(seed));
    if (vm.count("sort-trace")) {
      if (const auto comps = config.find("components"); comps && comps->is_map()) {
        for (const auto& [name, node] : comps->entries()) {
          if (node.is_map() && node.string_or("type", "") == "trace")
            config.set_path("components." + name + ".sort", "true");
        }
      }
    }
    // Every rank builds the whole network, so each would read the pipe; only one can.
    if (transport.size() > 1) {
      if (const auto comps = config.find("components"); comps && comps->is_map()) {
        for (const auto& [name, node] : comps->entries()) {
          if (!node.is_map() || node.string_or("type", "") != "trace") continue;
          const std::string file = node.string_or("file", "");
          if (file == "-" || file == "/dev/stdin") {
            node.at("file").fail(
                "a trace from standard input runs on one rank (ranks cannot share a pipe): run "
                "it without mpirun (--threads for cores), or give a file");
          }
        }
      }
    }
    for (const auto& o : overrides) {
      const auto eq = o.find('=');
      if (eq == std::string::npos || eq == 0) {
        throw ConfigError("--set " + o + ": write it as PATH=VALUE");
      }
      config.set_path(o.substr(0, eq), o.substr(eq + 1));
    }
    QueueingNetwork net = QueueingNetwork::from_config(config);
    net.record_requests(is_hdf5_name(output));
    JsonWriter j;
    std::string text;
    std::string written_note;  // printed after the summary
    if (vm.count("replications") && is_hdf5_name(output)) {
      if (root)
        std::fprintf(
            stderr,
            "scalesim run: --replications writes its merged results as JSON: use -o FILE.json\n");
      return kExitUsage;
    }
    if (vm.count("replications")) {
      const ReplicationSummary e =
          run_replications(net, net.settings().seed, replications, transport, threads);
      write_json(j, e);
      text = summary_text(e);
    } else {
      ParallelOptions options;
      options.threads = threads;
      options.partition = parse_partition_method(partition);
#ifdef SCALESIM_HAVE_HDF5
      // Open before the run: request records stream into it as sinks fill blocks.
      std::unique_ptr<ResultsFile> results;
      if (is_hdf5_name(output))
        results = std::make_unique<ResultsFile>(output, net, transport, threads, records_chunk);
#endif
      const NetworkRun run = simulate(net, net.settings().seed, transport, options);
      write_json(j, net, run);
      text = summary_text(net, run);
      if (vm.count("stats") && root && !run.rank_stats.empty())
        std::fputs(stats_text(run).c_str(), stderr);
      const bool interrupted = run.counters.interrupted;
#ifdef SCALESIM_HAVE_HDF5
      if (is_hdf5_name(output)) {
        const auto t0 = std::chrono::steady_clock::now();
        const std::string written =
            results->finish(net, run, interrupted ? "interrupted" : "complete");
        char line[512];
        std::snprintf(line, sizeof line, "results: %s (written in %.3f s)\n", written.c_str(),
                      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        written_note = line;
        output.clear();
      }
#endif
      if (interrupted) {
        // Nothing goes under a final JSON name for an unfinished run; HDF5 got its own name.
        if (root) {
          std::fputs(vm.count("json") ? (j.str() + "\n").c_str() : text.c_str(), stdout);
          std::fflush(stdout);
          std::fputs(written_note.c_str(), stderr);
          std::fprintf(stderr,
                       "scalesim run: interrupted by signal %d at t=%.6g s of simulated time\n",
                       stop_signal(), to_seconds(run.end_time));
        }
        return 128 + stop_signal();
      }
    }
    if (!root) return kExitOk;
    if (!output.empty()) write_file_atomically(output, j.str() + "\n");
    std::fputs(vm.count("json") ? (j.str() + "\n").c_str() : text.c_str(), stdout);
    std::fflush(stdout);
    std::fputs(written_note.c_str(), stderr);
  } catch (const ConfigError& e) {
    if (root) std::fprintf(stderr, "scalesim run: %s\n", e.what());
    return kExitConfig;
  } catch (const std::invalid_argument& e) {
    if (root) std::fprintf(stderr, "scalesim run: %s\n", e.what());
    return kExitUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "scalesim run (rank %d): %s\n", transport.rank(), e.what());
    if (transport.size() > 1) transport.abort(kExitRuntime, e.what());
    return kExitRuntime;
  }
  return kExitOk;
}

}  // namespace scalesim::cli
