// scalesim sweep: a parameter sweep over a base config (docs/sweeps.md), with the des backend
// (full simulations) or the mc backend (the Monte Carlo kernel), resumable from its journal.
#include <boost/program_options.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "scalesim/atomic_file.h"
#include "scalesim/interrupt.h"
#include "scalesim/json_writer.h"
#include "sweep/backends.h"

namespace scalesim::cli {

namespace po = boost::program_options;

namespace {

bool ends_with(const std::string& s, const std::string& e) {
  return s.size() >= e.size() && s.compare(s.size() - e.size(), e.size(), e) == 0;
}

std::string default_output(const SweepSpec& spec) {
  std::string stem = spec.path;
  if (const auto slash = stem.find_last_of('/'); slash != std::string::npos)
    stem = stem.substr(slash + 1);
  if (const auto dot = stem.rfind('.'); dot != std::string::npos) stem = stem.substr(0, dot);
#ifdef SCALESIM_HAVE_HDF5
  return stem + ".sweep.h5";
#else
  return stem + ".sweep.json";
#endif
}

}  // namespace

int sweep_command(const std::vector<std::string>& args, Transport& transport) {
  const bool root = transport.rank() == 0;
  std::string spec_path, output, backend = "des", device = "auto";
  int threads = 0;
  std::uint64_t chunk = 0;
  double log_interval = 10.0;
  std::string shard;
  po::options_description opts("scalesim sweep SPEC.yaml options");
  opts.add_options()("help,h", "this help")("spec", po::value(&spec_path), "the sweep spec")(
      "backend", po::value(&backend)->default_value(backend),
      "des (a full simulation per run) or mc (the Monte Carlo kernel; feed-forward networks)")(
      "output,o", po::value(&output),
      "results: HDF5 when it ends in .h5/.hdf5 (the /sweep group), else JSON; default "
      "SPEC-NAME.sweep.h5 in the current folder. Finished runs are journaled next to it "
      "(OUT.journal.RANK) so the same command resumes after a crash")(
      "threads", po::value(&threads), "OpenMP threads per rank (default: OMP_NUM_THREADS, else 1)")(
      "device", po::value(&device)->default_value(device),
      "mc backend: auto (the GPU when one is visible), cpu or gpu")(
      "chunk", po::value(&chunk),
      "runs (des) or points (mc) a worker takes at a time (default 1 for des, points / "
      "(8 x ranks) for mc)")("log-interval", po::value(&log_interval)->default_value(log_interval),
                             "seconds between progress lines when stderr is not a terminal")(
      "shard", po::value(&shard),
      "I/N: run only shard I (0-based) of N, the points p with p % N == I, for job arrays; "
      "join the shards' outputs with scalesim merge")("quiet,q", "no progress output")(
      "json", "print the results as one JSON object");
  po::positional_options_description pos;
  pos.add("spec", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(opts).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    if (root) std::fprintf(stderr, "scalesim sweep: %s\n", e.what());
    return kExitUsage;
  }
  if (vm.count("help")) {
    if (root) std::cout << "usage: scalesim sweep SPEC.yaml [options]\n" << opts << "\n";
    return kExitOk;
  }
  auto usage = [&](const std::string& msg) {
    if (root) std::fprintf(stderr, "scalesim sweep: %s\n", msg.c_str());
    return kExitUsage;
  };
  if (spec_path.empty())
    return usage("give a sweep spec, e.g. scalesim sweep configs/sweeps/cascade_mc.yaml");
  if (backend != "des" && backend != "mc") return usage("--backend must be des or mc");
  if (device != "auto" && device != "cpu" && device != "gpu")
    return usage("--device must be auto, cpu or gpu");
  threads = vm.count("threads") ? threads : resolve_threads(0);
  if (threads < 1) return usage("--threads must be at least 1");
  if (vm.count("chunk") && chunk < 1) return usage("--chunk must be at least 1");
  std::uint32_t shard_index = 0, shard_count = 1;
  if (!shard.empty()) {
    unsigned i = 0, n = 0;
    char tail = 0;
    if (std::sscanf(shard.c_str(), "%u/%u%c", &i, &n, &tail) != 2 || n < 1 || i >= n)
      return usage("--shard takes I/N with 0 <= I < N, e.g. --shard 3/16");
    shard_index = i;
    shard_count = n;
  }
#ifndef SCALESIM_HAVE_HDF5
  if (ends_with(output, ".h5") || ends_with(output, ".hdf5"))
    return usage("this build has no HDF5 support; write JSON (-o FILE.json)");
#endif
  install_stop_handlers();
  try {
    const SweepSpec spec = load_sweep_spec(spec_path);
    if (output.empty()) output = default_output(spec);
    const bool hdf5 = ends_with(output, ".h5") || ends_with(output, ".hdf5");
    const auto start = std::chrono::steady_clock::now();
    SweepDriverOptions options;
    options.output = output;
    options.log_interval_s = log_interval;
    options.quiet = vm.count("quiet") > 0 || vm.count("json") > 0;
    options.shard_index = shard_index;
    options.shard_count = shard_count;
    std::uint64_t station_visits = 0;
    std::vector<std::string> metrics;
    SweepDriverOutcome outcome;
    if (backend == "des") {
      const DesBackend des(spec);
      metrics = select_metrics(spec, des.reported);
      options.workers = threads;
      options.chunk = vm.count("chunk") ? chunk : 1;
      outcome = drive_sweep(spec, metrics, transport, options, des.compute(spec, metrics));
    } else {
      const McBackend mcb(spec,
                          device == "gpu"   ? McBackend::Device::kGpu
                          : device == "cpu" ? McBackend::Device::kCpu
                                            : McBackend::Device::kAuto,
                          threads);
      metrics = select_metrics(spec, mcb.reported);
      options.workers = 1;  // the kernel call itself uses every thread (or the GPU)
      options.whole_points = true;
      const std::uint64_t points = spec.points.size();
      const auto ranks = static_cast<std::uint64_t>(transport.size());
      options.chunk = vm.count("chunk") ? chunk : std::max<std::uint64_t>(1, points / (8 * ranks));
      outcome = drive_sweep(spec, metrics, transport, options,
                            mcb.compute(spec, metrics, &station_visits));
      std::vector<std::uint64_t> v = {station_visits};
      transport.allreduce_sum(v);
      station_visits = v[0];
    }
    if (outcome.interrupted) {
      if (root) {
        std::fprintf(stderr,
                     "scalesim sweep: interrupted by signal %d; %llu runs are kept in %s.journal.* "
                     "— run the same command again to resume\n",
                     stop_signal(),
                     static_cast<unsigned long long>(outcome.runs_done_here) +
                         static_cast<unsigned long long>(outcome.runs_resumed),
                     output.c_str());
      }
      return 128 + stop_signal();
    }
    if (!root) return kExitOk;
    SweepTable table = make_table(spec, metrics, backend, outcome.results);
    table.wall_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    table.runs_done_here = outcome.runs_done_here;
    table.station_visits = station_visits;
    table.ranks = transport.size();
    table.threads = threads;
    table.spec_path = std::filesystem::absolute(spec.path).lexically_normal().string();
    if (shard_count > 1) table.shard = shard;
    summarise(table, spec);
    if (hdf5) {
#ifdef SCALESIM_HAVE_HDF5
      write_sweep_hdf5(output, table);
#endif
    } else {
      write_file_atomically(output, sweep_json(table, spec) + "\n");
    }
    SweepJournal::remove_all(output);
    if (vm.count("json")) {
      std::fputs((sweep_json(table, spec) + "\n").c_str(), stdout);
    } else {
      const double runs = static_cast<double>(table.point_count()) * spec.replications;
      std::printf(
          "ScaleSim sweep: %s, backend %s%s, %zu points x %d replications on %d ranks x %d "
          "threads\n",
          spec.path.c_str(), backend.c_str(),
          backend == "mc"
              ? (station_visits > 0 && mc::cuda_available() && device != "cpu" ? " (GPU)"
                 : mc::cpu_avx512_available()                                  ? " (CPU, AVX-512)"
                                                                               : " (CPU)")
              : "",
          table.point_count(), spec.replications, table.ranks, threads);
      std::printf("  %.0f runs, %llu computed now, %llu resumed from the journal, %.3f s wall",
                  runs, static_cast<unsigned long long>(outcome.runs_done_here),
                  static_cast<unsigned long long>(outcome.runs_resumed), table.wall_seconds);
      if (table.wall_seconds > 0 && outcome.runs_done_here > 0)
        std::printf(", %.4g runs/h",
                    static_cast<double>(outcome.runs_done_here) * 3600.0 / table.wall_seconds);
      if (backend == "mc" && table.wall_seconds > 0)
        std::printf(", %.4g station visits/s",
                    static_cast<double>(station_visits) / table.wall_seconds);
      std::printf("\n%s\nresults: %s\n", optimum_text(table, spec).c_str(), output.c_str());
    }
    std::fflush(stdout);
  } catch (const ConfigError& e) {
    if (root) std::fprintf(stderr, "scalesim sweep: %s\n", e.what());
    return kExitConfig;
  } catch (const std::invalid_argument& e) {
    if (root) std::fprintf(stderr, "scalesim sweep: %s\n", e.what());
    return kExitUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "scalesim sweep (rank %d): %s\n", transport.rank(), e.what());
    if (transport.size() > 1) transport.abort(kExitRuntime, e.what());
    return kExitRuntime;
  }
  return kExitOk;
}

int merge_command(const std::vector<std::string>& args) {
  std::string output;
  std::vector<std::string> inputs;
  po::options_description opts("scalesim merge -o OUT.h5 SHARD.h5 ... options");
  opts.add_options()("help,h", "this help")("output,o", po::value(&output),
                                            "the merged file (HDF5), written atomically")(
      "inputs", po::value(&inputs)->composing(), "the shards' files (scalesim sweep --shard I/N)")(
      "json", "print the merged results as one JSON object");
  po::positional_options_description pos;
  pos.add("inputs", -1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(opts).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::fprintf(stderr, "scalesim merge: %s\n", e.what());
    return kExitUsage;
  }
  if (vm.count("help")) {
    std::cout << "usage: scalesim merge -o OUT.h5 SHARD.h5 ...\n" << opts << "\n";
    return kExitOk;
  }
  if (output.empty() || inputs.empty()) {
    std::fprintf(stderr, "scalesim merge: give -o OUT.h5 and the shards' files\n");
    return kExitUsage;
  }
#ifndef SCALESIM_HAVE_HDF5
  std::fprintf(stderr, "scalesim merge: this build has no HDF5 support\n");
  return kExitUsage;
#else
  try {
    std::vector<SweepTable> shards;
    shards.reserve(inputs.size());
    for (const auto& in : inputs) shards.push_back(read_sweep_hdf5(in));
    const SweepTable& first = shards.front();
    for (std::size_t i = 1; i < shards.size(); ++i) {
      const SweepTable& s = shards[i];
      if (s.fingerprint != first.fingerprint || s.metric_names != first.metric_names ||
          s.replications != first.replications || s.points != first.points ||
          s.backend != first.backend) {
        throw ConfigError(inputs[i] + ": not a shard of the same sweep as " + inputs[0] +
                          " (spec, backend, metrics or points differ)");
      }
    }
    const SweepSpec spec = load_sweep_spec(first.spec_path);
    if (spec.fingerprint != first.fingerprint) {
      throw ConfigError(first.spec_path + ": the spec has changed since the shards ran (its " +
                        "fingerprint differs); rerun the sweep");
    }
    SweepTable merged = first;
    const std::size_t m = merged.metric_names.size();
    const std::size_t runs = merged.values.size() / std::max<std::size_t>(m, 1);
    std::vector<std::string> missing;
    for (std::size_t k = 0; k < runs; ++k) {
      bool found = false;
      for (const SweepTable& s : shards) {
        bool any = false;
        for (std::size_t j = 0; j < m; ++j) any = any || !std::isnan(s.values[k * m + j]);
        if (any) {
          std::copy_n(s.values.begin() + static_cast<std::ptrdiff_t>(k * m), m,
                      merged.values.begin() + static_cast<std::ptrdiff_t>(k * m));
          found = true;
          break;
        }
      }
      if (!found && missing.size() < 5) {
        const auto reps = static_cast<std::size_t>(merged.replications);
        missing.push_back("point " + std::to_string(k / reps) + " replication " +
                          std::to_string(k % reps));
      }
    }
    if (!missing.empty()) {
      std::string list;
      for (const auto& x : missing) list += (list.empty() ? "" : ", ") + x;
      throw ConfigError("the shards leave runs missing (" + list +
                        (missing.size() == 5 ? ", ..." : "") +
                        "): did every array task finish? Rerun the missing shards and merge again");
    }
    merged.shard.clear();
    merged.wall_seconds = 0;
    merged.runs_done_here = 0;
    merged.station_visits = 0;
    for (const SweepTable& s : shards) {
      merged.wall_seconds = std::max(merged.wall_seconds, s.wall_seconds);
      merged.runs_done_here += s.runs_done_here;
      merged.station_visits += s.station_visits;
    }
    merged.spec_text = spec.text;
    summarise(merged, spec);
    write_sweep_hdf5(output, merged);
    if (vm.count("json")) {
      std::fputs((sweep_json(merged, spec) + "\n").c_str(), stdout);
    } else {
      std::printf(
          "ScaleSim merge: %zu shards of %s, %zu points x %d replications\n%s\nresults: %s\n",
          shards.size(), first.spec_path.c_str(), merged.point_count(), merged.replications,
          optimum_text(merged, spec).c_str(), output.c_str());
    }
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "scalesim merge: %s\n", e.what());
    return kExitConfig;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "scalesim merge: %s\n", e.what());
    return kExitRuntime;
  }
  return kExitOk;
#endif
}

}  // namespace scalesim::cli
