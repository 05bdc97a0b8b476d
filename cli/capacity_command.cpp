// scalesim capacity: the highest arrival rate at which a config meets its SLOs (MLPerf
// Inference's server scenario: the highest Poisson query rate whose p99 latency stays under the
// bound), found by a search over `run`.
//
// Every trial is a full run with the same seed, so trials differ only in the rate (common random
// numbers): the answer is deterministic, and bit-identical for any ranks and threads. The search
// (models/patterns/capacity_search.h) starts from the config's own rate; a trial log shows
// every rate tried.
#include <algorithm>
#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>
#include <limits>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "models/patterns/capacity_search.h"
#include "models/patterns/slo.h"
#include "models/queueing/queueing_network.h"
#include "scalesim/json_writer.h"

namespace scalesim::cli {

namespace po = boost::program_options;

namespace {

// "done.p99_latency_s < 15ms" as an SLO.
SloSpec slo_from_argument(const std::string& text) {
  const auto space = text.find_first_of(" <>=");
  if (space == std::string::npos || space == 0) {
    throw ConfigError("--slo '" + text +
                      "': write it as 'METRIC OP TARGET', e.g. "
                      "'done.p99_latency_s < 15ms'");
  }
  std::string metric = text.substr(0, space);
  std::string target = text.substr(space);
  target.erase(0, target.find_first_not_of(' '));
  auto quoted = [](const std::string& s) {
    std::string q = "'";
    for (const char c : s) q += c == '\'' ? std::string("''") : std::string(1, c);
    return q + "'";
  };
  return SloSpec::from_config(ConfigNode::load_string("{name: " + quoted(text) +
                                                          ", metric: " + quoted(metric) +
                                                          ", target: " + quoted(target) + "}",
                                                      "--slo"));
}

// The source whose rate the search moves (the one named, or the config's only source): the
// dotted path of its rate and the rate it has.
std::pair<std::string, double> rate_path(const ConfigNode& config, const std::string& named) {
  const ConfigNode comps = config.at("components");
  std::vector<std::string> sources;
  for (const auto& [name, node] : comps.entries()) {
    if (node.is_map() && node.string_or("type", "") == "source") sources.push_back(name);
  }
  std::string source = named;
  if (source.empty()) {
    if (sources.size() != 1) {
      std::string list;
      for (const auto& s : sources) list += (list.empty() ? "" : ", ") + s;
      comps.fail("the config has " + std::to_string(sources.size()) + " sources (" +
                 (list.empty() ? "none" : list) +
                 "): name the one whose rate to search with --source");
    }
    source = sources.front();
  }
  const ConfigNode node = comps.at(source);
  if (node.string_or("type", "") != "source") node.fail("'" + source + "' is not a source");
  const ConfigNode arrivals = node.at("arrivals");
  if (!arrivals.has("rate")) {
    arrivals.fail("the capacity search moves `rate:`; give the arrivals as a rate");
  }
  const double rate = arrivals.at("rate").as_rate();
  if (!(rate > 0)) arrivals.at("rate").fail("must be greater than zero");
  return {"components." + source + ".arrivals.rate", rate};
}

std::string rate_text(double rate) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g/s", rate);
  return buf;
}

}  // namespace

int capacity_command(const std::vector<std::string>& args, Transport& transport) {
  const bool root = transport.rank() == 0;
  std::string config_path, source;
  std::vector<std::string> slo_args, overrides;
  double tolerance = 0.01;
  int max_runs = 40;
  std::uint64_t seed = 0;
  int threads = 0;
  po::options_description opts("scalesim capacity CONFIG.yaml options");
  opts.add_options()("help,h", "this help")("config", po::value(&config_path),
                                            "the network's YAML config")(
      "source", po::value(&source), "the source whose rate to search (default: the only one)")(
      "slo", po::value(&slo_args)->composing(),
      "an SLO every trial must meet, 'METRIC OP TARGET' (repeatable; default: the config's "
      "slos), e.g. --slo 'done.p99_latency_s < 15ms'")(
      "tolerance", po::value(&tolerance)->default_value(tolerance),
      "stop when the highest passing and lowest failing rates are within this ratio")(
      "max-runs", po::value(&max_runs)->default_value(max_runs), "at most this many trials")(
      "seed", po::value(&seed), "random seed of every trial (overrides the config's 'seed')")(
      "set", po::value(&overrides)->composing(), "override a config value, as for run")(
      "threads", po::value(&threads), "OpenMP threads per rank")("json", "print JSON");
  po::positional_options_description pos;
  pos.add("config", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(opts).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    if (root) std::fprintf(stderr, "scalesim capacity: %s\n", e.what());
    return kExitUsage;
  }
  if (vm.count("help") || config_path.empty()) {
    if (root) std::cout << "usage: scalesim capacity CONFIG.yaml [options]\n" << opts << "\n";
    return vm.count("help") ? kExitOk : kExitUsage;
  }
  if (!(tolerance > 0 && tolerance < 1) || max_runs < 2) {
    if (root) std::fprintf(stderr, "scalesim capacity: --tolerance in (0, 1), --max-runs >= 2\n");
    return kExitUsage;
  }
  try {
    ConfigNode config = ConfigNode::load_file(config_path);
    if (vm.count("seed")) config.set("seed", std::to_string(seed));
    for (const auto& o : overrides) {
      const auto eq = o.find('=');
      if (eq == std::string::npos || eq == 0) {
        throw ConfigError("--set " + o + ": write it as PATH=VALUE");
      }
      config.set_path(o.substr(0, eq), o.substr(eq + 1));
    }
    const auto found = rate_path(config, source);
    const std::string path = found.first;
    const double start = found.second;
    std::vector<SloSpec> slos;
    slos.reserve(slo_args.size());
    for (const auto& s : slo_args) slos.push_back(slo_from_argument(s));
    if (slos.empty()) {
      slos = QueueingNetwork::from_config(config).settings().slos;
      if (slos.empty()) {
        throw ConfigError(config_path + ": no slos: declare them in the config or give --slo");
      }
    }
    ParallelOptions options;
    options.threads = resolve_threads(threads);
    std::uint64_t used_seed = 0;
    const auto trial = [&](double rate) {
      ConfigNode c = config;
      c.set_path(path, rate_text(rate));
      QueueingNetwork net = QueueingNetwork::from_config(c);
      const NetworkRun run = simulate(net, net.settings().seed, transport, options);
      used_seed = net.settings().seed;
      CapacityTrial t;
      t.rate = rate;
      std::int64_t met = std::numeric_limits<std::int64_t>::max();
      std::string error;
      if (root) {  // results are complete on rank 0, which decides for every rank
        const Metrics metrics = analysis_metrics(net, run);
        try {
          std::vector<std::pair<SloSpec, ConfigNode>> named;
          named.reserve(slos.size());
          for (const auto& s : slos) {
            named.emplace_back(s, ConfigNode::load_string("metric: " + s.metric, "--slo"));
          }
          check_slo_metrics(named, metrics);  // an unknown metric, with "did you mean"
          t.slos = evaluate_slos(slos, metrics);
          met = std::all_of(t.slos.begin(), t.slos.end(), [](const SloResult& r) { return r.met; })
                    ? 1
                    : 0;
        } catch (const ConfigError& e) {
          error = e.what();
          met = -1;
        }
      }
      met = transport.allreduce_min(met);
      if (met < 0) throw ConfigError(error);  // every rank stops; rank 0 says why
      t.met = met == 1;
      return t;
    };
    const CapacityResult found_rate = search_capacity(start, tolerance, max_runs, trial);
    const auto& trials = found_rate.trials;
    const double lo = found_rate.capacity;
    const double hi = found_rate.first_missed;
    const bool bracketed = found_rate.converged;
    if (!root) return kExitOk;
    if (vm.count("json")) {
      JsonWriter j;
      j.begin_object().value("rate_path", path).value("capacity_per_s", lo);
      j.value("first_missed_per_s", hi).value("converged", bracketed).begin_array("trials");
      for (const auto& t : trials) {
        j.begin_object().value("rate_per_s", t.rate).value("met", t.met).begin_array("slos");
        for (const auto& r : t.slos) {
          j.begin_object()
              .value("name", r.spec.name)
              .value("metric", r.spec.metric)
              .value("value", r.value)
              .value("met", r.met)
              .end_object();
        }
        j.end_array().end_object();
      }
      j.end_array().end_object();
      std::printf("%s\n", j.str().c_str());
    } else {
      std::printf("capacity search over %s (seed %llu, %zu trials):\n", path.c_str(),
                  static_cast<unsigned long long>(used_seed), trials.size());
      for (const auto& t : trials) {
        std::printf("  %14.6g/s  %s", t.rate, t.met ? "met   " : "missed");
        for (const auto& r : t.slos) {
          std::printf("  %s = %.6g%s", r.spec.metric.c_str(), r.value, r.met ? "" : " (missed)");
        }
        std::printf("\n");
      }
      if (lo > 0) {
        std::printf("capacity: %.6g/s meets every SLO", lo);
        if (hi > 0) std::printf("; %.6g/s misses one", hi);
        std::printf("%s\n", bracketed ? "" : " (not converged: raise --max-runs)");
      } else {
        std::printf("no rate tried meets every SLO (lowest tried: %.6g/s)\n", hi);
      }
    }
    if (lo <= 0) return kExitRuntime;
  } catch (const ConfigError& e) {
    if (root) std::fprintf(stderr, "scalesim capacity: %s\n", e.what());
    return kExitConfig;
  } catch (const std::exception& e) {
    if (root) std::fprintf(stderr, "scalesim capacity: %s\n", e.what());
    return kExitRuntime;
  }
  return kExitOk;
}

}  // namespace scalesim::cli
