// What a run reports: headline metrics (the names SLOs and sweeps use), SLO verdicts, the text
// summary, and the --json object of replications (a single run's is in network_json.cpp).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "models/queueing/queueing_network.h"
#include "models/queueing/report_format.h"
#include "scalesim/config/units.h"

namespace scalesim {
namespace {

using report::fmt;
using report::hex;
using report::kReportLevel;
using report::measured_seconds;

// The same as a line of the text summary.
std::string rejection_line(const QueueingNetwork& net, const RejectionCounts& a,
                           const std::optional<Link>& on_reject, const std::string& limit) {
  std::string s = "          " + limit + ": rejected " + std::to_string(a.rejected()) +
                  " (blocking probability " + fmt("%.4g", a.probability()) + "), " +
                  (on_reject ? "sent to " + net.name_of(on_reject->to) : "dropped");
  int classes = 0;
  for (std::uint32_t cls = 0; cls < a.arrivals_by_class().size(); ++cls) {
    if (a.arrivals_by_class()[cls] != 0) ++classes;
  }
  if (classes > 1) {
    s += "; by class:";
    for (std::uint32_t cls = 0; cls < a.arrivals_by_class().size(); ++cls) {
      if (a.arrivals_by_class()[cls] == 0) continue;
      s += " " + net.name_of(cls) + " " + fmt("%.4g", a.probability_of_class(cls));
    }
  }
  return s + "\n";
}

}  // namespace

Metrics headline_metrics(const QueueingNetwork& net, const NetworkRun& run) {
  Metrics m;
  double requests_per_s = 0;
  double compute_dollars_per_s = 0;
  for (LpId lp = 0; lp < net.lp_count(); ++lp) {
    const std::string& name = net.name_of(lp);
    if (const auto* rt = std::get_if<Router>(&net.component(lp)); rt && rt->rate_limited()) {
      m.emplace_back(name + ".blocking_probability", rt->admission().probability());
    }
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
      if (st->batching())
        m.emplace_back(name + ".mean_batch_size", st->batching()->mean_batch_size());
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
      if (ms->max_queue_size() != 0) {
        m.emplace_back(name + ".blocking_probability", ms->admission().probability());
      }
      const double span = measured_seconds(net, run);
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

namespace {

// P(value > 0) and the p50/p90/p99/p99.9 of a histogram of nanoseconds, as metrics.
void add_distribution(Metrics& m, const std::string& prefix, const std::string& what,
                      const LatencyHistogram& h, bool p_positive) {
  if (p_positive) {
    m.emplace_back(prefix + ".p_" + what + "_positive", h.share_above_zero());
  }
  for (const auto& [tag, q] : {std::pair{"p50", 0.5}, std::pair{"p90", 0.9}, std::pair{"p99", 0.99},
                               std::pair{"p999", 0.999}}) {
    std::string name = prefix;
    name.append(".").append(tag).append("_").append(what).append("_s");
    m.emplace_back(std::move(name), h.quantile(q) * 1e-9);
  }
}

// One metric per request class, i.e. per source or trace in the network (whether or not it sent
// anything here, so that every run of a config has the same metric names).
void add_rejections_by_class(Metrics& m, const QueueingNetwork& net, const std::string& prefix,
                             const RejectionCounts& a) {
  for (LpId cls = 0; cls < net.lp_count(); ++cls) {
    const auto& c = net.component(cls);
    if (!std::holds_alternative<Source>(c) && !std::holds_alternative<TraceSource>(c)) continue;
    m.emplace_back(prefix + "." + net.name_of(cls) + ".blocking_probability",
                   a.probability_of_class(cls));
  }
}

// Adds `extra` to `m`, skipping names `m` already has (the headline's p99s, for one).
void add_new(Metrics& m, const Metrics& extra) {
  for (const auto& kv : extra) {
    const bool known =
        std::any_of(m.begin(), m.end(), [&](const auto& e) { return e.first == kv.first; });
    if (!known) m.push_back(kv);
  }
}

}  // namespace

Metrics analysis_metrics(const QueueingNetwork& net, const NetworkRun& run) {
  Metrics m = headline_metrics(net, run);
  Metrics extra;
  for (LpId lp = 0; lp < net.lp_count(); ++lp) {
    const std::string& name = net.name_of(lp);
    if (const auto* st = std::get_if<Station>(&net.component(lp))) {
      extra.emplace_back(name + ".mean_queue_length", st->mean_queue_length(run.end_time));
      extra.emplace_back(name + ".mean_sojourn_s", st->sojourn().mean());
      add_distribution(extra, name, "wait", st->wait_histogram(), true);
      add_distribution(extra, name, "sojourn", st->sojourn_histogram(), false);
      if (st->capacity() != 0) add_rejections_by_class(extra, net, name, st->admission());
    } else if (const auto* ms = std::get_if<ModelServer>(&net.component(lp))) {
      extra.emplace_back(name + ".mean_queue_length", ms->mean_queue_length(run.end_time));
      extra.emplace_back(name + ".mean_sojourn_s", ms->sojourn().mean());
      add_distribution(extra, name, "wait", ms->wait_histogram(), true);
      add_distribution(extra, name, "sojourn", ms->sojourn_histogram(), false);
      if (ms->max_queue_size() != 0) add_rejections_by_class(extra, net, name, ms->admission());
    } else if (const auto* rt = std::get_if<Router>(&net.component(lp))) {
      if (rt->rate_limited()) add_rejections_by_class(extra, net, name, rt->admission());
    } else if (const auto* k = std::get_if<Sink>(&net.component(lp))) {
      add_distribution(extra, name, "latency", k->histogram(), false);
    }
  }
  add_new(m, extra);
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
         format_duration(to_seconds(net.settings().warmup)) +
         (net.settings().warmup_requests > 0
              ? ": the first " + std::to_string(net.settings().warmup_requests) + " requests"
              : std::string()) +
         ")\n";
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
              s += rejection_line(net, c.admission(), c.on_reject(),
                                  "capacity " + std::to_string(c.capacity()));
              s += "          mean in system " + fmt("%.4g", c.mean_in_system(run.end_time)) + "\n";
            }
            if (c.batching()) {
              const auto& rule = c.batching()->rule();
              s += "          batches of " + std::to_string(rule.min) + ".." +
                   std::to_string(rule.max) + ": " + std::to_string(c.batching()->batches()) +
                   " served, mean size " + fmt("%.4g", c.batching()->mean_batch_size()) + "\n";
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
            if (c.max_queue_size() != 0) {
              s += rejection_line(net, c.admission(), c.on_reject(),
                                  "max_queue_size " + std::to_string(c.max_queue_size()));
            }
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
            if (c.rate_limited()) {
              s += rejection_line(net, c.admission(), c.on_reject(),
                                  "rate limit " + fmt("%g", c.rate_limit_per_s()) + "/s, burst " +
                                      fmt("%g", c.burst()));
            }
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

}  // namespace scalesim
