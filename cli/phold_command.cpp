// scalesim phold: the PHOLD benchmark with ROSS's flag names, so runs compare one to one.
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "models/phold/phold.h"
#include "scalesim/event_queue/adaptive_queue.h"
#include "scalesim/event_queue/calendar_queue.h"
#include "scalesim/json_writer.h"
#include "scalesim/kernel.h"
#include "scalesim/parallel/parallel_kernel.h"
#include "scalesim/result_hash.h"

namespace scalesim::cli {
namespace {

namespace po = boost::program_options;

struct PholdOutcome {
  KernelCounters counters;
  std::vector<std::uint64_t> per_lp;
  double wall_s = 0.0;
  std::uint64_t hash = 0;
  std::string partition;
  std::vector<ParallelStats> stats;  // on rank 0, one per rank
};

std::uint64_t hash_of(const PholdOutcome& o) {
  ResultHash h;
  h.add(o.counters.events_processed);
  h.add(o.counters.events_past_end);
  h.add(o.counters.last_event_time);
  h.add(std::span<const std::uint64_t>(o.per_lp));
  return h.value();
}

template <class Queue>
PholdOutcome run_sequential(const PholdParams& p, std::uint64_t seed) {
  Phold model(p);
  SequentialKernel<Phold, Queue> kernel(model, seed, EndCondition{from_seconds(p.end), UINT64_MAX});
  const auto start = std::chrono::steady_clock::now();
  kernel.init();
  PholdOutcome out;
  out.counters = kernel.run();
  out.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  out.per_lp = kernel.processed_per_lp();
  return out;
}

template <class Queue>
PholdOutcome run_parallel(const PholdParams& p, std::uint64_t seed, Transport& transport,
                          int threads, PartitionMethod method) {
  Phold model(p);
  LpGraph graph;
  graph.lp_count = p.nlp;
  graph.all_to_all = true;
  graph.all_to_all_latency = from_seconds(p.lookahead);
  const auto parts = static_cast<std::uint32_t>(transport.size() * threads);
  const Partition partition = partition_lps(graph, parts, method);
  if (partition.lookahead == 0) {
    throw std::invalid_argument("phold: a parallel run needs --lookahead > 0");
  }
  ParallelKernel<Phold, Queue> kernel(model, seed, EndCondition{from_seconds(p.end), UINT64_MAX},
                                      partition, transport, threads);
  kernel.run();
  PholdOutcome out;
  out.counters = kernel.counters();
  out.wall_s = kernel.wall_seconds();
  out.per_lp = kernel.processed_per_lp();
  out.partition = partition.report();
  ByteWriter w;
  w.put(kernel.rank_stats());
  for (const auto& bytes : transport.gather(w.bytes(), 0)) {
    ByteReader r(bytes.data(), bytes.size());
    out.stats.push_back(r.get<ParallelStats>());
  }
  // The rate is the slowest rank's: gather the maximum wall time.
  out.wall_s =
      -static_cast<double>(transport.allreduce_min(-static_cast<std::int64_t>(out.wall_s * 1e9))) *
      1e-9;
  return out;
}

template <class Queue>
PholdOutcome run_phold(const PholdParams& p, std::uint64_t seed, Transport& transport, int threads,
                       PartitionMethod method) {
  if (transport.size() == 1 && threads == 1) return run_sequential<Queue>(p, seed);
  return run_parallel<Queue>(p, seed, transport, threads, method);
}

}  // namespace

int resolve_threads(int option) {
  return option > 0 ? option : default_thread_count();
}

int phold_command(const std::vector<std::string>& args, Transport& transport) {
  const bool root = transport.rank() == 0;
  PholdParams p;
  std::uint64_t seed = 1;
  std::string queue = "calendar";
  std::string partition = "metis";
  int threads = 0;
  po::options_description opts("scalesim phold options");
  opts.add_options()("help,h", "this help")("nlp", po::value(&p.nlp)->default_value(p.nlp),
                                            "total number of LPs")(
      "start-events", po::value(&p.start_events)->default_value(p.start_events),
      "initial events per LP")("mean", po::value(&p.mean)->default_value(p.mean),
                               "mean delay between events (time units = s)")(
      "lookahead", po::value(&p.lookahead)->default_value(p.lookahead), "minimum delay")(
      "remote", po::value(&p.remote)->default_value(p.remote),
      "probability of a random destination")("end", po::value(&p.end)->default_value(p.end),
                                             "end time")(
      "seed", po::value(&seed)->default_value(seed), "random seed")(
      "queue", po::value(&queue)->default_value(queue),
      "pending-event set: calendar, heap or adaptive (heap while few are pending)")(
      "threads", po::value(&threads), "OpenMP threads per rank (default: OMP_NUM_THREADS, else 1)")(
      "partition", po::value(&partition)->default_value(partition), "metis or block")(
      "stats", "print per-rank counters (events, windows, remote events, bytes, times)")(
      "per-lp", "with --json: include every LP's event count")(
      "json", "print one JSON object instead of text");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(opts).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    if (root) std::fprintf(stderr, "scalesim phold: %s\n", e.what());
    return kExitUsage;
  }
  if (vm.count("help")) {
    if (root) std::cout << opts << "\n";
    return kExitOk;
  }
  threads = vm.count("threads") ? threads : resolve_threads(0);
  if (threads < 1) {
    if (root) std::fprintf(stderr, "scalesim phold: --threads must be at least 1\n");
    return kExitUsage;
  }
  PholdOutcome r;
  try {
    const PartitionMethod method = parse_partition_method(partition);
    if (queue == "adaptive") {
      r = run_phold<AdaptiveQueue>(p, seed, transport, threads, method);
    } else if (queue == "heap") {
      r = run_phold<DaryHeap<4>>(p, seed, transport, threads, method);
    } else if (queue == "calendar") {
      r = run_phold<CalendarQueue>(p, seed, transport, threads, method);
    } else {
      if (root)
        std::fprintf(stderr,
                     "scalesim phold: --queue must be calendar, heap or adaptive, not '%s'\n",
                     queue.c_str());
      return kExitUsage;
    }
  } catch (const std::invalid_argument& e) {
    if (root) std::fprintf(stderr, "scalesim %s\n", e.what());
    return kExitUsage;
  }
  if (!root) return kExitOk;
  r.hash = hash_of(r);
  const double rate = static_cast<double>(r.counters.events_processed) / std::max(r.wall_s, 1e-9);
  char hash[24];
  std::snprintf(hash, sizeof hash, "0x%016llx", static_cast<unsigned long long>(r.hash));
  if (vm.count("json")) {
    JsonWriter j;
    j.begin_object()
        .value("benchmark", "phold")
        .value("nlp", p.nlp)
        .value("start_events", p.start_events)
        .value("mean", p.mean)
        .value("lookahead", p.lookahead)
        .value("remote", p.remote)
        .value("end", p.end)
        .value("seed", seed)
        .value("queue", queue)
        .value("ranks", transport.size())
        .value("threads", threads)
        .value("events", r.counters.events_processed)
        .value("events_past_end", r.counters.events_past_end)
        .value("wall_s", r.wall_s)
        .value("events_per_s", rate);
    if (vm.count("per-lp")) {
      j.begin_array("lp_events");
      for (auto n : r.per_lp) j.value("", n);
      j.end_array();
    }
    j.value("result_hash", hash).end_object();
    std::printf("%s\n", j.str().c_str());
  } else {
    std::printf(
        "PHOLD: %u LPs, %u start events each, mean %g, lookahead %g, remote %g, end %g (%s)\n",
        p.nlp, p.start_events, p.mean, p.lookahead, p.remote, p.end, queue.c_str());
    std::printf("  ranks x threads    %d x %d\n", transport.size(), threads);
    std::printf("  events processed   %llu\n",
                static_cast<unsigned long long>(r.counters.events_processed));
    std::printf("  scheduled past end %llu\n",
                static_cast<unsigned long long>(r.counters.events_past_end));
    std::printf("  wall time          %.4f s\n", r.wall_s);
    std::printf("  event rate         %.0f events/s\n", rate);
    std::printf("  result hash        %s\n", hash);
  }
  if (vm.count("stats") && !r.stats.empty()) {
    std::fprintf(stderr, "%s\n%s", r.partition.c_str(), parallel_stats_table(r.stats).c_str());
  }
  return kExitOk;
}

}  // namespace scalesim::cli
