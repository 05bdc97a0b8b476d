// Running a network: sequentially, over ranks x threads, or as independent replications; and
// the result hash that says two runs gave the same results.
#include <chrono>
#include <cstdint>
#include <exception>
#include <span>
#include <string>
#include <vector>

#include "models/queueing/queueing_network.h"
#include "scalesim/result_hash.h"

namespace scalesim {

std::uint64_t result_hash_of(const QueueingNetwork& net, const NetworkRun& run) {
  ResultHash h;
  h.add(run.counters.events_processed);
  h.add(run.counters.events_past_end);
  h.add(run.end_time);
  h.add(std::span<const std::uint64_t>(run.processed_per_lp));
  for (LpId lp = 0; lp < net.lp_count(); ++lp) {
    h.add(net.name_of(lp));
    std::visit(
        [&](const auto& c) {
          if constexpr (HashesAtEnd<std::decay_t<decltype(c)>>) {
            c.hash_into(h, run.end_time);
          } else {
            c.hash_into(h);
          }
          for (const auto& row : c.series().rows()) {
            for (double v : {row.t_s, row.utilisation, row.queue_length, row.throughput_per_s})
              h.add(v);
          }
        },
        net.component(lp));
  }
  return h.value();
}

SimTime statistics_time(const QueueingNetwork& net, const KernelCounters& c) {
  // Statistics are taken at the end time when one is set, else at the last event.
  return net.settings().end.end_time != kTimeInfinity && !c.stopped_by_event_limit && !c.interrupted
             ? net.settings().end.end_time
             : c.last_event_time;
}

NetworkRun simulate(QueueingNetwork& net, std::uint64_t seed) {
  const auto start = std::chrono::steady_clock::now();
  SequentialKernel<QueueingNetwork> kernel(net, seed, net.settings().end);
  kernel.init();
  NetworkRun run;
  run.counters = kernel.run();
  run.processed_per_lp = kernel.processed_per_lp();
  run.end_time = statistics_time(net, run.counters);
  for (LpId lp = 0; lp < net.lp_count(); ++lp) net.finish_lp(lp, run.end_time);
  run.owned.assign(net.lp_count(), 1);
  run.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  run.result_hash = result_hash_of(net, run);
  return run;
}

NetworkRun simulate(QueueingNetwork& net, std::uint64_t seed, Transport& transport,
                    const ParallelOptions& options) {
  if (transport.size() == 1 && options.threads == 1) return simulate(net, seed);
  const auto start = std::chrono::steady_clock::now();
  const auto parts = static_cast<std::uint32_t>(transport.size() * options.threads);
  const Partition partition = partition_lps(net.lp_graph(), parts, options.partition);
  ParallelKernel<QueueingNetwork> kernel(net, seed, net.settings().end, partition, transport,
                                         options.threads);
  kernel.run();
  NetworkRun run;
  run.counters = kernel.counters();
  run.processed_per_lp = kernel.processed_per_lp();
  run.end_time = statistics_time(net, run.counters);
  run.ranks = transport.size();
  run.threads = options.threads;
  run.partition_report = partition.report();

  // Close each LP's time series where it lives, then give every rank every LP's reported state
  // (small: counters, histograms, series), so all ranks hold complete, identical results.
  ByteWriter mine;
  for (LpId lp = 0; lp < net.lp_count(); ++lp) {
    if (!kernel.owned_here(lp)) continue;
    net.finish_lp(lp, run.end_time);
    mine.put(lp);
    net.save_lp(lp, mine);
  }
  for (const auto& bytes : transport.allgather(mine.bytes())) {
    ByteReader r(bytes.data(), bytes.size());
    while (!r.done()) {
      const auto lp = r.get<LpId>();
      net.load_lp(lp, r);
    }
  }
  for (LpId lp = 0; lp < net.lp_count(); ++lp) run.owned.push_back(kernel.owned_here(lp) ? 1 : 0);
  ByteWriter stats;
  stats.put(kernel.rank_stats());
  for (const auto& bytes : transport.gather(stats.bytes(), 0)) {
    ByteReader r(bytes.data(), bytes.size());
    run.rank_stats.push_back(r.get<ParallelStats>());
  }
  run.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  run.result_hash = result_hash_of(net, run);
  return run;
}

ReplicationSummary run_replications(const QueueingNetwork& base, std::uint64_t seed,
                                    int replications, Transport& transport, int threads) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<int> mine;
  for (int i = 0; i < replications; ++i) {
    if (i % transport.size() == transport.rank()) mine.push_back(i);  // ranks split statically
  }
  std::vector<std::vector<double>> values(mine.size());
  std::vector<std::uint64_t> hashes(mine.size());
  std::vector<std::string> names;
  std::vector<std::exception_ptr> errors(mine.size());
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
#endif
  for (std::size_t j = 0; j < mine.size(); ++j) {
    try {
      QueueingNetwork net = base;
      const NetworkRun run = simulate(net, seed + static_cast<std::uint64_t>(mine[j]));
      for (const auto& [name, v] : analysis_metrics(net, run)) values[j].push_back(v);
      hashes[j] = run.result_hash;
    } catch (...) {
      errors[j] = std::current_exception();
    }
  }
  for (const auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  ByteWriter w;
  for (std::size_t j = 0; j < mine.size(); ++j) {
    w.put(mine[j]);
    w.put(hashes[j]);
    w.put_vector(values[j]);
  }
  const auto all = transport.gather(w.bytes(), 0);
  ReplicationSummary e;
  e.name = base.settings().name;
  e.seed = seed;
  e.replications = replications;
  e.ranks = transport.size();
  e.threads = threads;
  if (transport.rank() == 0) {
    for (const auto& [name, v] : analysis_metrics(base, NetworkRun{}))
      e.metric_names.push_back(name);
    e.values.resize(static_cast<std::size_t>(replications));
    e.hashes.resize(static_cast<std::size_t>(replications));
    for (const auto& bytes : all) {
      ByteReader r(bytes.data(), bytes.size());
      while (!r.done()) {
        const auto i = static_cast<std::size_t>(r.get<int>());
        e.hashes[i] = r.get<std::uint64_t>();
        e.values[i] = r.get_vector<double>();
      }
    }
    ResultHash h;
    h.add(std::span<const std::uint64_t>(e.hashes));
    e.result_hash = h.value();
  }
  e.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return e;
}

}  // namespace scalesim
