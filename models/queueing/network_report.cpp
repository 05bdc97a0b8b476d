// What a run reports: headline metrics (the names SLOs and sweeps use), SLO verdicts, the text
// summary and the --json object, for single runs and for replications.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "models/queueing/queueing_network.h"
#include "scalesim/config/units.h"

namespace scalesim {
namespace {

constexpr double kReportLevel = 0.99;  // confidence level of reported intervals

std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

}  // namespace

Metrics headline_metrics(const QueueingNetwork& net, const NetworkRun& run) {
  Metrics m;
  double requests_per_s = 0;
  double compute_dollars_per_s = 0;
  for (LpId lp = 0; lp < net.lp_count(); ++lp) {
    const std::string& name = net.name_of(lp);
    if (const auto* st = std::get_if<Station>(&net.component(lp))) {
      m.emplace_back(name + ".mean_wait_s", st->wait().mean());
      m.emplace_back(name + ".utilisation", st->utilisation(run.end_time));
      if (st->capacity() != 0) {
        m.emplace_back(name + ".blocking_probability", st->blocking_probability());
        m.emplace_back(name + ".mean_in_system", st->mean_in_system(run.end_time));
      }
      if (st->abandons()) {
        m.emplace_back(name + ".abandonment_probability", st->abandonment_probability());
      }
      for (std::size_t level = 0; level < st->class_stats().size(); ++level) {
        const auto& c = st->class_stats()[level];
        if (c.sojourn.count() == 0) continue;
        const std::string prefix = name + ".priority" + std::to_string(level);
        m.emplace_back(prefix + ".mean_wait_s", c.wait.mean());
        m.emplace_back(prefix + ".mean_sojourn_s", c.sojourn.mean());
      }
    } else if (const auto* ms = std::get_if<ModelServer>(&net.component(lp))) {
      m.emplace_back(name + ".mean_wait_s", ms->wait().mean());
      m.emplace_back(name + ".utilisation", ms->utilisation(run.end_time));
      m.emplace_back(name + ".mean_batch_size", ms->batch_size().mean());
      m.emplace_back(name + ".p99_sojourn_s", ms->sojourn_histogram().quantile(0.99) * 1e-9);
      const double span = to_seconds(run.end_time - std::min(run.end_time, net.settings().warmup));
      const double per_s = span > 0 ? static_cast<double>(ms->sojourn().count()) / span : 0.0;
      m.emplace_back(name + ".throughput_per_s", per_s);
      m.emplace_back(name + ".throughput_per_replica_per_s", per_s / ms->setup().replicas);
      compute_dollars_per_s += ms->mean_busy_replicas(run.end_time) * ms->setup().price_per_hour /
                               ms->setup().replicas / 3600.0;
      if (ms->setup().failures.enabled) {
        m.emplace_back(name + ".availability", ms->availability(run.end_time));
        m.emplace_back(name + ".outage_share", ms->outage_share(run.end_time));
        m.emplace_back(name + ".crashes", static_cast<double>(ms->crashes()));
        m.emplace_back(name + ".failed_requests", static_cast<double>(ms->failed_requests()));
        m.emplace_back(name + ".retried_requests", static_cast<double>(ms->retried_requests()));
      }
    } else if (const auto* g = std::get_if<CascadeGate>(&net.component(lp))) {
      m.emplace_back(name + ".accepted_share", g->accepted_share());
    } else if (const auto* fl = std::get_if<FeatureLookup>(&net.component(lp))) {
      m.emplace_back(name + ".p50_lookup_s", fl->histogram().quantile(0.5) * 1e-9);
      m.emplace_back(name + ".p99_lookup_s", fl->histogram().quantile(0.99) * 1e-9);
      m.emplace_back(name + ".mean_lookup_s", fl->latency().mean());
      m.emplace_back(name + ".hot_shard_ratio", fl->hot_shard_ratio());
      double hottest = 0;
      for (std::uint32_t sh = 0; sh < fl->setup().shards; ++sh) {
        hottest = std::max(hottest, fl->shard_utilisation(sh, run.end_time));
      }
      m.emplace_back(name + ".hottest_shard_utilisation", hottest);
      m.emplace_back(name + ".memory_per_shard_bytes", fl->setup().memory_per_shard_bytes);
      m.emplace_back(name + ".failover_waits", static_cast<double>(fl->failover_waits()));
    } else if (const auto* dm = std::get_if<DriftMonitor>(&net.component(lp))) {
      m.emplace_back(name + ".retrains", static_cast<double>(dm->deployments()));
      m.emplace_back(name + ".stale_share", dm->stale_share(run.end_time));
      m.emplace_back(name + ".mean_accuracy", dm->mean_accuracy(run.end_time));
      m.emplace_back(name + ".mean_retrain_s", dm->retrain_time().mean());
    } else if (const auto* pl = std::get_if<Pipeline>(&net.component(lp))) {
      m.emplace_back(name + ".mean_run_s", pl->run_time().mean());
      m.emplace_back(name + ".p99_run_s", pl->run_histogram().quantile(0.99) * 1e-9);
      m.emplace_back(name + ".cost_per_run",
                     pl->runs() ? pl->cost() / static_cast<double>(pl->runs()) : std::nan(""));
    } else if (const auto* fr = std::get_if<FederatedRounds>(&net.component(lp))) {
      m.emplace_back(name + ".mean_round_s", fr->round_time().mean());
      m.emplace_back(name + ".p99_round_s", fr->round_histogram().quantile(0.99) * 1e-9);
      m.emplace_back(name + ".time_to_rounds_s", fr->training_time().mean());
      m.emplace_back(name + ".bytes_moved", fr->bytes_moved());
      m.emplace_back(name + ".mean_participants", fr->participants().mean());
      m.emplace_back(name + ".failed_rounds", static_cast<double>(fr->failed_rounds()));
      m.emplace_back(name + ".cost_per_run", fr->cost_per_run());
    } else if (const auto* tj = std::get_if<TrainingJob>(&net.component(lp))) {
      m.emplace_back(name + ".training_time_s", tj->run_time().mean());
      m.emplace_back(name + ".gpu_hours", tj->gpu_hours());
      m.emplace_back(name + ".cost_per_run", tj->completed()
                                                 ? tj->cost() / static_cast<double>(tj->completed())
                                                 : std::nan(""));
      m.emplace_back(name + ".samples_per_s", tj->setup().samples_per_second);
    } else if (const auto* v = std::get_if<VersionSplitter>(&net.component(lp))) {
      const double nan = std::nan("");
      m.emplace_back(name + ".rollout_s", v->rolled_out() ? to_seconds(v->rolled_out_at()) : nan);
      m.emplace_back(name + ".rolled_back", v->rolled_back() ? 1.0 : 0.0);
      m.emplace_back(name + ".rollback_s",
                     v->rolled_back() ? to_seconds(v->rolled_back_at()) : nan);
      m.emplace_back(name + ".canary_share", v->share());
      for (int ver : {VersionSplitter::kStable, VersionSplitter::kCanary}) {
        const std::string tag = ver == VersionSplitter::kStable ? ".stable" : ".canary";
        const double n = static_cast<double>(v->answers(ver));
        m.emplace_back(name + tag + "_error_rate",
                       n > 0 ? static_cast<double>(v->errors(ver)) / n : 0.0);
        m.emplace_back(name + tag + "_p99_latency_s", v->latency(ver).quantile(0.99) * 1e-9);
      }
    } else if (const auto* e = std::get_if<Ensemble>(&net.component(lp))) {
      m.emplace_back(name + ".mean_join_s", e->join_latency().mean());
      m.emplace_back(name + ".p99_join_s", e->join_histogram().quantile(0.99) * 1e-9);
      m.emplace_back(name + ".mean_straggler_gap_s", e->straggler_gap().mean());
      m.emplace_back(name + ".timeout_share", e->requests() ? static_cast<double>(e->timeouts()) /
                                                                  static_cast<double>(e->requests())
                                                            : 0.0);
    } else if (const auto* nl = std::get_if<NetworkLink>(&net.component(lp))) {
      m.emplace_back(name + ".availability", nl->availability(run.end_time));
      m.emplace_back(name + ".held_requests", static_cast<double>(nl->held()));
      m.emplace_back(name + ".mean_hold_s", nl->held_time().mean());
      m.emplace_back(name + ".failed_requests", static_cast<double>(nl->dropped()));
    } else if (const auto* k = std::get_if<Sink>(&net.component(lp))) {
      m.emplace_back(name + ".mean_latency_s", k->latency().mean());
      m.emplace_back(name + ".p50_latency_s", k->histogram().quantile(0.5) * 1e-9);
      m.emplace_back(name + ".p99_latency_s", k->histogram().quantile(0.99) * 1e-9);
      m.emplace_back(name + ".throughput_per_s", k->throughput());
      requests_per_s += k->throughput();
    }
  }
  m.emplace_back("run.makespan_s", to_seconds(run.end_time));
  const double price = net.settings().price_per_hour;
  if (price > 0) {
    const double nan = std::nan("");
    m.emplace_back("cost.per_hour", price);
    m.emplace_back("cost.per_million_requests",
                   requests_per_s > 0 ? price / 3600.0 / requests_per_s * 1e6 : nan);
    m.emplace_back("cost.compute_per_million_requests",
                   requests_per_s > 0 ? compute_dollars_per_s / requests_per_s * 1e6 : nan);
  }
  return m;
}

std::vector<SloResult> slo_results(const QueueingNetwork& net, const NetworkRun& run) {
  return evaluate_slos(net.settings().slos, headline_metrics(net, run));
}

namespace {

std::string slo_value(const SloResult& r) {
  const std::string& t = r.spec.target_text;
  if (t.find('%') != std::string::npos) return fmt("%.1f%%", 100 * r.value);
  if (t.size() > 2 && t.compare(t.size() - 2, 2, "/h") == 0) return fmt("%.4g/h", r.value * 3600);
  if (t.size() > 4 && t.compare(t.size() - 4, 4, "/min") == 0) return fmt("%.4g/min", r.value * 60);
  if (t.find('/') != std::string::npos) return fmt("%.4g/s", r.value);
  if (t.find('$') != std::string::npos) return fmt("$%.4g", r.value);
  if (t.find_first_of("munµh") != std::string::npos || (t.size() > 1 && t.back() == 's')) {
    return format_duration(r.value);
  }
  return fmt("%.4g", r.value);
}

}  // namespace

std::string summary_text(const ReplicationSummary& e) {
  std::string s = "ScaleSim replications: " + e.name + ", " + std::to_string(e.replications) +
                  " replications (seeds " + std::to_string(e.seed) + ".." +
                  std::to_string(e.seed + static_cast<std::uint64_t>(e.replications) - 1) +
                  ") on " + std::to_string(e.ranks) + " ranks x " + std::to_string(e.threads) +
                  " threads, " + fmt("%.3f", e.wall_seconds) + " s wall\n";
  for (std::size_t m = 0; m < e.metric_names.size(); ++m) {
    Welford w;
    for (const auto& rep : e.values) w.add(rep[m]);
    const auto ci = t_interval(w, kReportLevel);
    s += "  " + e.metric_names[m] + ": " + fmt("%.6g", ci.mean) + " +- " +
         fmt("%.3g", ci.half_width) + " (99% CI across replications)\n";
  }
  s += "  result hash " + hex(e.result_hash) + "\n";
  return s;
}

void write_json(JsonWriter& out, const ReplicationSummary& e) {
  out.begin_object();
  out.value("name", e.name);
  out.value("version", SCALESIM_VERSION);
  out.value("replications", e.replications);
  out.value("seed", e.seed);
  out.value("ranks", e.ranks);
  out.value("threads", e.threads);
  out.value("wall_s", e.wall_seconds);
  out.begin_array("metrics");
  for (std::size_t m = 0; m < e.metric_names.size(); ++m) {
    Welford w;
    for (const auto& rep : e.values) w.add(rep[m]);
    const auto ci = t_interval(w, kReportLevel);
    out.begin_object();
    out.value("name", e.metric_names[m]);
    out.value("mean", ci.mean);
    out.value("ci99_half_width", ci.half_width);
    out.begin_array("values");
    for (const auto& rep : e.values) out.value("", rep[m]);
    out.end_array();
    out.end_object();
  }
  out.end_array();
  out.value("result_hash", hex(e.result_hash));
  out.end_object();
}

std::string stats_text(const NetworkRun& run) {
  std::string s = "parallel run: " + std::to_string(run.ranks) + " ranks x " +
                  std::to_string(run.threads) + " threads\n  " + run.partition_report + "\n";
  s += parallel_stats_table(run.rank_stats);
  return s;
}

std::string summary_text(const QueueingNetwork& net, const NetworkRun& run) {
  std::string s;
  s += "ScaleSim run: " + net.settings().name + "\n";
  if (!net.settings().description.empty()) s += "  " + net.settings().description + "\n";
  s += "  simulated " + format_duration(to_seconds(run.end_time)) + " in " +
       fmt("%.3f", run.wall_seconds) + " s wall; " + std::to_string(run.counters.events_processed) +
       " events (" +
       fmt("%.3g",
           static_cast<double>(run.counters.events_processed) / std::max(run.wall_seconds, 1e-9)) +
       " events/s)\n";
  if (net.settings().warmup > 0) {
    s += "  statistics exclude the warm-up (first " +
         format_duration(to_seconds(net.settings().warmup)) + ")\n";
  }
  for (LpId lp = 0; lp < net.lp_count(); ++lp) {
    const std::string& name = net.name_of(lp);
    std::visit(
        [&](const auto& c) {
          using T = std::decay_t<decltype(c)>;
          if constexpr (std::is_same_v<T, Source>) {
            s += "  source  " + name + ": " + std::to_string(c.emitted()) +
                 " customers, inter-arrival " + c.interarrival().describe() + "\n";
          } else if constexpr (std::is_same_v<T, TraceSource>) {
            s += "  trace   " + name + ": " + std::to_string(c.emitted()) + " requests from " +
                 c.path() + "\n";
          } else if constexpr (std::is_same_v<T, Station>) {
            const auto ci = c.wait_batches().interval(kReportLevel);
            s += "  station " + name + " (" + std::to_string(c.servers()) + " x " +
                 c.service().describe() + "): served " + std::to_string(c.departures()) +
                 ", utilisation " + fmt("%.1f%%", 100 * c.utilisation(run.end_time)) +
                 ", mean queue " + fmt("%.3g", c.mean_queue_length(run.end_time)) + "\n";
            s += "          wait mean " + format_duration(c.wait().mean()) + " (99% CI +-" +
                 format_duration(ci.half_width) + "), p99 " +
                 format_duration(c.wait_histogram().quantile(0.99) * 1e-9) + "; sojourn mean " +
                 format_duration(c.sojourn().mean()) + ", p99 " +
                 format_duration(c.sojourn_histogram().quantile(0.99) * 1e-9) + "\n";
            if (c.capacity() != 0) {
              s += "          capacity " + std::to_string(c.capacity()) + ": rejected " +
                   std::to_string(c.rejected()) + " (blocking probability " +
                   fmt("%.4g", c.blocking_probability()) + "), " +
                   (c.on_reject() ? "sent to " + net.name_of(c.on_reject()->to) : "dropped") +
                   "; mean in system " + fmt("%.4g", c.mean_in_system(run.end_time)) + "\n";
            }
            if (c.discipline() != Discipline::kFifo) {
              s += std::string("          discipline ") + discipline_name(c.discipline());
              for (std::size_t level = 0; level < c.class_stats().size(); ++level) {
                const auto& k = c.class_stats()[level];
                if (k.sojourn.count() == 0) continue;
                s += "; priority " + std::to_string(level) + ": wait mean " +
                     format_duration(k.wait.mean()) + ", sojourn mean " +
                     format_duration(k.sojourn.mean());
              }
              if (c.discipline() == Discipline::kPreemptivePriority) {
                s += "; " + std::to_string(c.preemptions()) + " preemptions";
              }
              s += "\n";
            }
            if (c.abandons()) {
              s += "          abandoned " + std::to_string(c.abandoned()) + " (probability " +
                   fmt("%.4g", c.abandonment_probability()) + ", after waiting " +
                   format_duration(c.time_to_abandon().mean()) + " on average), " +
                   (c.on_abandon() ? "sent to " + net.name_of(c.on_abandon()->to) : "dropped") +
                   "\n";
            }
          } else if constexpr (std::is_same_v<T, ModelServer>) {
            s += "  server  " + name + " (" + c.setup().description + "): served " +
                 std::to_string(c.departures()) + " in " + std::to_string(c.batches()) +
                 " batches (mean " + fmt("%.2f", c.batch_size().mean()) + "), utilisation " +
                 fmt("%.1f%%", 100 * c.utilisation(run.end_time)) + ", mean queue " +
                 fmt("%.3g", c.mean_queue_length(run.end_time)) + "\n";
            s += "          wait mean " + format_duration(c.wait().mean()) + ", p99 " +
                 format_duration(c.wait_histogram().quantile(0.99) * 1e-9) + "; sojourn mean " +
                 format_duration(c.sojourn().mean()) + ", p99 " +
                 format_duration(c.sojourn_histogram().quantile(0.99) * 1e-9) + "\n";
            if (c.setup().failures.enabled) {
              s += "          failures: " + std::to_string(c.crashes()) +
                   " replica crashes, availability " +
                   fmt("%.2f%%", 100 * c.availability(run.end_time)) + ", no replica up " +
                   fmt("%.2f%%", 100 * c.outage_share(run.end_time)) + " of the time; " +
                   std::to_string(c.retried_requests()) + " requests retried, " +
                   std::to_string(c.failed_requests()) + " failed\n";
            }
          } else if constexpr (std::is_same_v<T, FeatureLookup>) {
            s += "  features " + name + " (" + c.setup().description +
                 "): " + std::to_string(c.requests()) + " lookups, mean " +
                 format_duration(c.latency().mean()) + ", p50 " +
                 format_duration(c.histogram().quantile(0.5) * 1e-9) + ", p99 " +
                 format_duration(c.histogram().quantile(0.99) * 1e-9) + "; hottest shard " +
                 fmt("%.2fx", c.hot_shard_ratio()) + " the mean load";
            if (c.setup().fail_at != kTimeInfinity) {
              s += "; shard " + std::to_string(c.setup().failed_shard) + " failed at " +
                   format_duration(to_seconds(c.setup().fail_at)) + ", replica serving from " +
                   format_duration(to_seconds(c.setup().recovered_at)) + ", " +
                   std::to_string(c.failover_waits()) + " lookups waited";
            }
            s += "\n";
          } else if constexpr (std::is_same_v<T, DriftMonitor>) {
            s += "  drift   " + name + ": " + std::to_string(c.triggers()) +
                 " retrains triggered, " + std::to_string(c.deployments()) +
                 " deployed (trigger to deploy " + format_duration(c.retrain_time().mean()) +
                 "); " + std::to_string(c.shifts()) + " sudden shifts; accuracy " +
                 fmt("%.2f%%", 100 * c.mean_accuracy(run.end_time)) + " on average, below " +
                 fmt("%.1f%%", 100 * c.setup().threshold) + " for " +
                 fmt("%.1f%%", 100 * c.stale_share(run.end_time)) + " of the time\n";
          } else if constexpr (std::is_same_v<T, Pipeline>) {
            s += "  pipeline " + name + ": " + std::to_string(c.runs()) + " run(s), mean " +
                 format_duration(c.run_time().mean()) + ", p99 " +
                 format_duration(c.run_histogram().quantile(0.99) * 1e-9) + "; critical path " +
                 c.critical_path() + "\n           stages:";
            for (std::size_t st = 0; st < c.stages().size(); ++st) {
              s += " " + c.stages()[st].name + " " + format_duration(c.stage_time(st).mean());
            }
            s += "\n";
          } else if constexpr (std::is_same_v<T, FederatedRounds>) {
            s += "  federated " + name + ": " + std::to_string(c.rounds_done()) + " rounds (" +
                 std::to_string(c.failed_rounds()) + " failed and repeated), round mean " +
                 format_duration(c.round_time().mean()) + ", p99 " +
                 format_duration(c.round_histogram().quantile(0.99) * 1e-9) + ", " +
                 fmt("%.1f", c.participants().mean()) + " reports per round; " +
                 std::to_string(c.jobs_done()) + " training run(s) of " +
                 std::to_string(c.setup().rounds) + " rounds took " +
                 format_duration(c.training_time().mean()) + "; " +
                 fmt("%.3g GB moved", c.bytes_moved() / 1e9) +
                 (std::isnan(c.cost_per_run()) ? std::string()
                                               : fmt(", $%.2f per run", c.cost_per_run())) +
                 "\n";
          } else if constexpr (std::is_same_v<T, TrainingJob>) {
            s += "  training " + name + " (" + c.setup().description +
                 "): " + std::to_string(c.completed()) + " run(s), " +
                 format_duration(c.run_time().mean()) + " each, " +
                 fmt("%.1f GPU-hours", c.gpu_hours()) + ", " + fmt("$%.2f", c.cost()) + "\n";
          } else if constexpr (std::is_same_v<T, VersionSplitter>) {
            s += "  rollout " + name + ": ";
            if (c.rolled_out()) {
              s += "rolled out at " + format_duration(to_seconds(c.rolled_out_at()));
            } else if (c.rolled_back()) {
              s += "ROLLED BACK at " + format_duration(to_seconds(c.rolled_back_at())) + " (step " +
                   std::to_string(c.step() + 1) + " of " + std::to_string(c.plan().steps.size()) +
                   ")";
            } else {
              s += "in progress, canary at " + fmt("%.0f%%", 100 * c.share());
            }
            for (int ver : {VersionSplitter::kStable, VersionSplitter::kCanary}) {
              const double n = static_cast<double>(c.answers(ver));
              s += std::string(ver == VersionSplitter::kStable ? "; stable " : "; canary ") +
                   std::to_string(c.answers(ver)) + " answers, errors " +
                   fmt("%.2f%%", n > 0 ? 100.0 * static_cast<double>(c.errors(ver)) / n : 0.0) +
                   ", p99 " + format_duration(c.latency(ver).quantile(0.99) * 1e-9);
            }
            s += "\n";
          } else if constexpr (std::is_same_v<T, Ensemble>) {
            s += "  ensemble " + name + ": " + std::to_string(c.requests()) + " requests to " +
                 std::to_string(c.members().size()) + " members (join " +
                 std::to_string(c.quorum()) + " of " + std::to_string(c.members().size()) + "), " +
                 std::to_string(c.timeouts()) + " timed out; join mean " +
                 format_duration(c.join_latency().mean()) + ", p99 " +
                 format_duration(c.join_histogram().quantile(0.99) * 1e-9) +
                 ", straggler gap mean " + format_duration(c.straggler_gap().mean()) + "\n";
          } else if constexpr (std::is_same_v<T, NetworkLink>) {
            s += "  link    " + name + " -> " + net.name_of(c.out().to) + ": " +
                 std::to_string(c.forwarded()) + " sent, " + std::to_string(c.outages().size()) +
                 " outages (up " + fmt("%.2f%%", 100 * c.availability(run.end_time)) + "), " +
                 (c.holds() ? std::to_string(c.held()) + " held for the link (mean " +
                                  format_duration(c.held_time().mean()) + ")"
                            : std::to_string(c.dropped()) + " lost") +
                 "\n";
          } else if constexpr (std::is_same_v<T, CascadeGate>) {
            s += "  gate    " + name + ": accepted " + std::to_string(c.accepted()) +
                 ", escalated " + std::to_string(c.escalated()) + " (" +
                 fmt("%.1f%%", 100 * c.accepted_share()) + " accepted; " +
                 (std::isnan(c.expected_accept_share())
                      ? std::string("each request's own confidence")
                      : "expected " + fmt("%.1f%%", 100 * c.expected_accept_share()) +
                            " at confidence " + c.confidence().describe()) +
                 " >= " + fmt("%g", c.threshold()) + ")\n";
          } else if constexpr (std::is_same_v<T, Router>) {
            s += "  router  " + name + ":";
            for (std::size_t i = 0; i < c.routes().size(); ++i) {
              s += " " + net.name_of(c.routes()[i].to) + "=" + std::to_string(c.sent()[i]);
            }
            s += "\n";
          } else {
            const auto& hgm = c.histogram();
            s += "  sink    " + name + ": " + std::to_string(c.measured()) +
                 " measured, latency mean " + format_duration(c.latency().mean()) + ", p50 " +
                 format_duration(hgm.quantile(0.5) * 1e-9) + ", p90 " +
                 format_duration(hgm.quantile(0.9) * 1e-9) + ", p99 " +
                 format_duration(hgm.quantile(0.99) * 1e-9) + ", throughput " +
                 fmt("%.4g/s", c.throughput()) + "\n";
          }
        },
        net.component(lp));
  }
  const Metrics metrics = headline_metrics(net, run);
  for (const auto& [name, v] : metrics) {
    if (name == "cost.per_hour") s += "  cost: " + fmt("$%.2f per hour", v);
    if (name == "cost.per_million_requests" && std::isfinite(v)) {
      s += fmt(", $%.3g per million requests", v);
    }
    if (name == "cost.compute_per_million_requests") {
      s += std::isfinite(v) ? fmt(" (compute used: $%.3g per million)\n", v) : "\n";
    }
  }
  for (const auto& r : evaluate_slos(net.settings().slos, metrics)) {
    s += "  SLO " + std::string(r.met ? "met   " : "MISSED") + " " + r.spec.name + ": " +
         r.spec.metric + " = " + slo_value(r) + ", target " + r.spec.target_text + "\n";
  }
  s += "  result hash " + hex(run.result_hash) + "\n";
  return s;
}

void write_json(JsonWriter& out, const QueueingNetwork& net, const NetworkRun& run) {
  out.begin_object();
  out.value("name", net.settings().name);
  out.value("version", SCALESIM_VERSION);
  out.value("ranks", run.ranks);
  out.value("threads", run.threads);
  out.value("events", run.counters.events_processed);
  out.value("events_past_end", run.counters.events_past_end);
  out.value("sim_time_s", to_seconds(run.end_time));
  out.value("wall_s", run.wall_seconds);
  out.value("events_per_s",
            static_cast<double>(run.counters.events_processed) / std::max(run.wall_seconds, 1e-9));
  out.value("warmup_s", to_seconds(net.settings().warmup));
  out.value("status", run.counters.interrupted ? "interrupted" : "complete");
  out.value("price_per_hour", net.settings().price_per_hour);
  out.begin_array("components");
  for (LpId lp = 0; lp < net.lp_count(); ++lp) {
    out.begin_object();
    out.value("name", net.name_of(lp));
    out.value("events", run.processed_per_lp[lp]);
    std::visit(
        [&](const auto& c) {
          using T = std::decay_t<decltype(c)>;
          if constexpr (std::is_same_v<T, Source>) {
            out.value("type", "source");
            out.value("emitted", c.emitted());
          } else if constexpr (std::is_same_v<T, TraceSource>) {
            out.value("type", "trace");
            out.value("emitted", c.emitted());
          } else if constexpr (std::is_same_v<T, Station>) {
            const auto ci = c.wait_batches().interval(kReportLevel);
            out.value("type", "station");
            out.value("servers", c.servers());
            out.value("arrivals", c.arrivals());
            out.value("served", c.departures());
            out.value("utilisation", c.utilisation(run.end_time));
            out.value("mean_queue_length", c.mean_queue_length(run.end_time));
            out.value("mean_wait_s", c.wait().mean());
            out.value("wait_ci99_half_width_s", ci.half_width);
            out.value("p99_wait_s", c.wait_histogram().quantile(0.99) * 1e-9);
            out.value("mean_sojourn_s", c.sojourn().mean());
            out.value("p50_sojourn_s", c.sojourn_histogram().quantile(0.5) * 1e-9);
            out.value("p99_sojourn_s", c.sojourn_histogram().quantile(0.99) * 1e-9);
            if (c.capacity() != 0) {
              out.value("capacity", c.capacity());
              out.value("rejected", c.rejected());
              out.value("blocking_probability", c.blocking_probability());
              out.value("mean_in_system", c.mean_in_system(run.end_time));
            }
            if (c.discipline() != Discipline::kFifo) {
              out.value("discipline", discipline_name(c.discipline()));
            }
            if (c.priority_lines()) {
              out.value("preemptions", c.preemptions());
              out.begin_array("priority_levels");
              for (std::size_t level = 0; level < c.class_stats().size(); ++level) {
                const auto& k = c.class_stats()[level];
                out.begin_object();
                out.value("level", static_cast<std::uint64_t>(level));
                out.value("served", k.sojourn.count());
                out.value("mean_wait_s", k.wait.mean());
                out.value("mean_sojourn_s", k.sojourn.mean());
                out.end_object();
              }
              out.end_array();
            }
            if (c.abandons()) {
              out.value("abandoned", c.abandoned());
              out.value("abandonment_probability", c.abandonment_probability());
              out.value("mean_time_to_abandon_s", c.time_to_abandon().mean());
            }
          } else if constexpr (std::is_same_v<T, ModelServer>) {
            out.value("type", "model_server");
            out.value("hardware", c.setup().description);
            out.value("servers", c.servers());
            out.value("arrivals", c.arrivals());
            out.value("served", c.departures());
            out.value("batches", c.batches());
            out.value("mean_batch_size", c.batch_size().mean());
            out.value("utilisation", c.utilisation(run.end_time));
            out.value("mean_queue_length", c.mean_queue_length(run.end_time));
            out.value("mean_wait_s", c.wait().mean());
            out.value("p99_wait_s", c.wait_histogram().quantile(0.99) * 1e-9);
            out.value("mean_sojourn_s", c.sojourn().mean());
            out.value("p50_sojourn_s", c.sojourn_histogram().quantile(0.5) * 1e-9);
            out.value("p99_sojourn_s", c.sojourn_histogram().quantile(0.99) * 1e-9);
            out.value("price_per_hour", c.setup().price_per_hour);
          } else if constexpr (std::is_same_v<T, FeatureLookup>) {
            out.value("type", "feature_lookup");
            out.value("lookups", c.requests());
            out.value("mean_lookup_s", c.latency().mean());
            out.value("min_lookup_s", to_seconds(c.min_latency()));
            out.value("rtt_s", to_seconds(c.setup().rtt));
            out.value("p50_lookup_s", c.histogram().quantile(0.5) * 1e-9);
            out.value("p99_lookup_s", c.histogram().quantile(0.99) * 1e-9);
            out.value("hot_shard_ratio", c.hot_shard_ratio());
            out.value("failover_waits", c.failover_waits());
            out.value("memory_per_shard_bytes", c.setup().memory_per_shard_bytes);
            out.begin_array("shard_commands");
            for (std::uint32_t sh = 0; sh < c.setup().shards; ++sh) out.value("", c.commands(sh));
            out.end_array();
          } else if constexpr (std::is_same_v<T, DriftMonitor>) {
            out.value("type", "drift_monitor");
            out.value("triggers", c.triggers());
            out.value("deployments", c.deployments());
            out.value("shifts", c.shifts());
            out.value("mean_accuracy", c.mean_accuracy(run.end_time));
            out.value("stale_share", c.stale_share(run.end_time));
            out.value("mean_retrain_s", c.retrain_time().mean());
          } else if constexpr (std::is_same_v<T, Pipeline>) {
            out.value("type", "pipeline");
            out.value("runs", c.runs());
            out.value("mean_run_s", c.run_time().mean());
            out.value("critical_path", c.critical_path());
            out.begin_object("stage_mean_s");
            for (std::size_t st = 0; st < c.stages().size(); ++st) {
              out.value(c.stages()[st].name, c.stage_time(st).mean());
            }
            out.end_object();
          } else if constexpr (std::is_same_v<T, FederatedRounds>) {
            out.value("type", "federated_rounds");
            out.value("rounds", c.rounds_done());
            out.value("failed_rounds", c.failed_rounds());
            out.value("mean_round_s", c.round_time().mean());
            out.value("max_round_s", c.max_round());
            out.value("mean_participants", c.participants().mean());
            out.value("time_to_rounds_s", c.training_time().mean());
            out.value("bytes_moved", c.bytes_moved());
            out.value("cost_per_run", c.cost_per_run());
          } else if constexpr (std::is_same_v<T, TrainingJob>) {
            out.value("type", "training_job");
            out.value("hardware", c.setup().description);
            out.value("runs", c.completed());
            out.value("mean_training_time_s", c.run_time().mean());
            out.value("step_s", c.setup().step_seconds);
            out.value("samples_per_s", c.setup().samples_per_second);
            out.value("gpu_hours", c.gpu_hours());
            out.value("cost", c.cost());
            out.value("bound", c.setup().bound);
          } else if constexpr (std::is_same_v<T, VersionSplitter>) {
            out.value("type", "version_splitter");
            out.value("canary_share", c.share());
            out.value("rolled_out", c.rolled_out());
            out.value("rolled_back", c.rolled_back());
            out.value("rollout_s", c.rolled_out() ? to_seconds(c.rolled_out_at()) : -1.0);
            out.value("rollback_s", c.rolled_back() ? to_seconds(c.rolled_back_at()) : -1.0);
            out.value("stable_answers", c.answers(VersionSplitter::kStable));
            out.value("canary_answers", c.answers(VersionSplitter::kCanary));
            out.value("stable_errors", c.errors(VersionSplitter::kStable));
            out.value("canary_errors", c.errors(VersionSplitter::kCanary));
          } else if constexpr (std::is_same_v<T, Ensemble>) {
            out.value("type", "ensemble");
            out.value("requests", c.requests());
            out.value("released", c.released());
            out.value("timeouts", c.timeouts());
            out.value("quorum", c.quorum());
            out.value("mean_join_s", c.join_latency().mean());
            out.value("p99_join_s", c.join_histogram().quantile(0.99) * 1e-9);
            out.value("mean_straggler_gap_s", c.straggler_gap().mean());
          } else if constexpr (std::is_same_v<T, CascadeGate>) {
            out.value("type", "cascade_gate");
            out.value("accepted", c.accepted());
            out.value("escalated", c.escalated());
            out.value("accepted_share", c.accepted_share());
            out.value("expected_accepted_share", c.expected_accept_share());
            out.value("threshold", c.threshold());
          } else if constexpr (std::is_same_v<T, NetworkLink>) {
            out.value("type", "link");
            out.value("sent", c.forwarded());
            out.value("held", c.held());
            out.value("failed", c.dropped());
            out.value("availability", c.availability(run.end_time));
          } else if constexpr (std::is_same_v<T, Router>) {
            out.value("type", "router");
            out.begin_array("sent");
            for (std::size_t i = 0; i < c.routes().size(); ++i) {
              out.begin_object()
                  .value("to", net.name_of(c.routes()[i].to))
                  .value("count", c.sent()[i])
                  .end_object();
            }
            out.end_array();
          } else {
            const auto& hgm = c.histogram();
            const auto ci = c.latency_batches().interval(kReportLevel);
            out.value("type", "sink");
            out.value("arrived", c.arrived());
            out.value("measured", c.measured());
            out.value("mean_latency_s", c.latency().mean());
            out.value("latency_ci99_half_width_s", ci.half_width);
            out.value("p50_latency_s", hgm.quantile(0.5) * 1e-9);
            out.value("p90_latency_s", hgm.quantile(0.9) * 1e-9);
            out.value("p99_latency_s", hgm.quantile(0.99) * 1e-9);
            out.value("p999_latency_s", hgm.quantile(0.999) * 1e-9);
            out.value("throughput_per_s", c.throughput());
            out.begin_object("latency_histogram");
            out.begin_array("bucket_lower_ns");
            for (std::size_t i = 0; i < hgm.counts().size(); ++i) {
              if (hgm.counts()[i] != 0) out.value("", LatencyHistogram::bucket_lower(i));
            }
            out.end_array();
            out.begin_array("count");
            for (auto n : hgm.counts()) {
              if (n != 0) out.value("", n);
            }
            out.end_array();
            out.end_object();
          }
        },
        net.component(lp));
    out.end_object();
  }
  out.end_array();
  out.begin_object("metrics");
  for (const auto& [name, v] : headline_metrics(net, run)) out.value(name, v);
  out.end_object();
  out.begin_array("slo");
  for (const auto& r : slo_results(net, run)) {
    out.begin_object()
        .value("name", r.spec.name)
        .value("metric", r.spec.metric)
        .value("target", r.spec.target_text)
        .value("value", r.value)
        .value("met", r.met)
        .end_object();
  }
  out.end_array();
  out.value("result_hash", hex(run.result_hash));
  out.end_object();
}

}  // namespace scalesim
