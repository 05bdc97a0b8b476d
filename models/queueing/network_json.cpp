// The --json object of a single run: every component's statistics by type, the metrics, the
// SLO verdicts and the run's counters.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "models/queueing/queueing_network.h"
#include "models/queueing/report_format.h"

namespace scalesim {
namespace {

using report::hex;
using report::kReportLevel;
using report::measured_seconds;

// Rejections at a component (capacity, queue limit, rate limit) for --json: in total and per
// request class, with the accepted throughput per class.
void write_rejections(JsonWriter& out, const QueueingNetwork& net, const NetworkRun& run,
                      const RejectionCounts& a) {
  out.value("rejected", a.rejected());
  out.value("blocking_probability", a.probability());
  const double span = measured_seconds(net, run);
  out.begin_array("rejections_by_class");
  for (std::uint32_t cls = 0; cls < a.arrivals_by_class().size(); ++cls) {
    const std::uint64_t arrived = a.arrivals_by_class()[cls];
    if (arrived == 0) continue;
    const std::uint64_t rejected = a.rejected_by_class()[cls];
    out.begin_object()
        .value("class", net.name_of(cls))
        .value("arrived", arrived)
        .value("rejected", rejected)
        .value("blocking_probability", a.probability_of_class(cls))
        .value("accepted_per_s", span > 0 ? static_cast<double>(arrived - rejected) / span : 0.0)
        .value("rejected_per_s", span > 0 ? static_cast<double>(rejected) / span : 0.0)
        .end_object();
  }
  out.end_array();
}

// P(wait > 0) and the wait quantiles an analyst asks for (p99 is written with the means).
void write_wait_distribution(JsonWriter& out, const LatencyHistogram& wait) {
  out.value("p_wait_positive", wait.share_above_zero());
  out.value("p50_wait_s", wait.quantile(0.5) * 1e-9);
  out.value("p90_wait_s", wait.quantile(0.9) * 1e-9);
  out.value("p999_wait_s", wait.quantile(0.999) * 1e-9);
}

}  // namespace

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
            write_wait_distribution(out, c.wait_histogram());
            if (c.capacity() != 0) {
              out.value("capacity", c.capacity());
              write_rejections(out, net, run, c.admission());
              out.value("mean_in_system", c.mean_in_system(run.end_time));
            }
            if (c.discipline() != Discipline::kFifo) {
              out.value("discipline", discipline_name(c.discipline()));
            }
            if (c.batching()) {
              out.value("batches", c.batching()->batches());
              out.value("mean_batch_size", c.batching()->mean_batch_size());
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
            write_wait_distribution(out, c.wait_histogram());
            out.value("price_per_hour", c.setup().price_per_hour);
            if (c.max_queue_size() != 0) {
              out.value("max_queue_size", c.max_queue_size());
              write_rejections(out, net, run, c.admission());
            }
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
            if (c.rate_limited()) {
              out.value("rate_limit_per_s", c.rate_limit_per_s());
              out.value("burst", c.burst());
              write_rejections(out, net, run, c.admission());
            }
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
