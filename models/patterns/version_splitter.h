// VersionSplitter: rolls a new model version out by canary steps. A share of requests goes to
// the canary (the rest to the stable version); both send their answers back here, where each
// answer's latency and outcome (an error with the version's error rate) are measured per step.
// At the end of each step the canary is judged: if its p99 latency or error rate breaks the
// rollback rule, all traffic returns to the stable version (rolled back); otherwise the next
// step starts, until the canary takes all traffic (rolled out). A fault can raise the canary's
// error rate or latency from a given time: what automated rollback exists to catch.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "models/queueing/component_series.h"
#include "models/queueing/customer.h"
#include "scalesim/byte_buffer.h"
#include "scalesim/event.h"
#include "scalesim/result_hash.h"
#include "scalesim/stats/latency_histogram.h"
#include "scalesim/stats/time_series.h"
#include "scalesim/stats/welford.h"

namespace scalesim {

class BuildContext;
class ComponentReport;
class ConfigNode;
struct ReportContext;

inline constexpr EventKind kCanaryStepEnd = 5;   // judge the canary and move on
inline constexpr EventKind kFaultDelayDone = 6;  // an answer held back by an injected slowdown

struct CanaryPlan {
  std::vector<double> steps;  // canary share per step, ascending, the last one 1.0
  SimTime step_duration = 0;
  SimTime max_p99 = kTimeInfinity;  // rollback when the canary's p99 in a step exceeds this
  double max_error_rate = 1.0;      // ... or its error rate does
  std::uint64_t min_answers = 100;  // a step is judged only on at least this many answers
  double stable_error_rate = 0, canary_error_rate = 0;
  // Fault: from fault_at, the canary errs at fault_error_rate and answers fault_delay later.
  SimTime fault_at = kTimeInfinity;
  double fault_error_rate = 0;
  SimTime fault_delay = 0;
};

class VersionSplitter : public ComponentSeries {
 public:
  static constexpr std::string_view kType = "version_splitter";  // config `type:`
  // Builds one from its config node (version_splitter_config.cpp).
  static VersionSplitter from_config(const ConfigNode& node, BuildContext& ctx);
  // Declares what it reports of a run (component_report.h).
  void report(ComponentReport& r, const ReportContext& ctx) const;

  VersionSplitter(Link stable, Link canary, Link out, CanaryPlan plan, SimTime warmup,
                  SimTime interval = 0, bool adaptive = false);

  template <class Ctx>
  void init(Ctx& ctx) {
    if (plan_.steps.size() > 1 || plan_.steps.front() < 1.0) {
      ctx.schedule(ctx.self(), plan_.step_duration, kCanaryStepEnd);
    } else {
      rolled_out_at_ = 0;
    }
  }

  template <class Ctx>
  void handle(Ctx& ctx, const Event<Customer>& ev) {
    series_.advance(ctx.now(), 0, 0);
    if (ev.kind == kCanaryStepEnd) {
      judge(ctx);
      return;
    }
    if (ev.kind == kFaultDelayDone) {
      answer(ctx, ev.payload, kCanary);
      return;
    }
    if (ev.src() == stable_.to || ev.src() == canary_.to) {
      const int version = ev.src() == canary_.to ? kCanary : kStable;
      if (version == kCanary && ctx.now() >= plan_.fault_at && plan_.fault_delay > 0) {
        ctx.schedule(ctx.self(), plan_.fault_delay, kFaultDelayDone, ev.payload);
        return;
      }
      answer(ctx, ev.payload, version);
      return;
    }
    // A new request: to the canary with the current share.
    const bool to_canary = share_ > 0 && (share_ >= 1.0 || ctx.rng().uniform() < share_);
    const Link& to = to_canary ? canary_ : stable_;
    ++sent_[to_canary ? kCanary : kStable];
    // Latency is measured from the request's creation, so no per-request state is kept here.
    ctx.schedule(to.to, to.latency, kCustomerArrives, ev.payload);
  }

  double share() const { return share_; }
  bool rolled_back() const { return rolled_back_at_ != kTimeInfinity; }
  bool rolled_out() const { return rolled_out_at_ != kTimeInfinity; }
  SimTime rolled_back_at() const { return rolled_back_at_; }
  SimTime rolled_out_at() const { return rolled_out_at_; }
  std::size_t step() const { return step_; }
  const CanaryPlan& plan() const { return plan_; }
  const Link& out() const { return out_; }
  const Link& stable() const { return stable_; }
  const Link& canary() const { return canary_; }
  std::uint64_t sent(int version) const { return sent_[version]; }
  std::uint64_t answers(int version) const { return answers_[version]; }
  std::uint64_t errors(int version) const { return errors_[version]; }
  // End-to-end latency (creation to answer) per version.
  const LatencyHistogram& latency(int version) const { return latency_[version]; }
  const Welford& latency_stats(int version) const { return latency_stats_[version]; }

  static constexpr int kStable = 0, kCanary = 1;

  void save(ByteWriter& w) const;
  void load(ByteReader& r);
  void hash_into(ResultHash& h) const;

 private:
  template <class Ctx>
  void answer(Ctx& ctx, const Customer& c, int version) {
    const double rate = version == kStable            ? plan_.stable_error_rate
                        : ctx.now() >= plan_.fault_at ? plan_.fault_error_rate
                                                      : plan_.canary_error_rate;
    const bool error = rate > 0 && ctx.rng().uniform() < rate;
    ++answers_[version];
    if (error) ++errors_[version];
    const SimTime latency = ctx.now() - c.created;
    if (c.created >= warmup_) {
      latency_[version].add(static_cast<std::uint64_t>(latency));
      latency_stats_[version].add(to_seconds(latency));
    }
    if (version == kCanary) {
      step_latency_.add(static_cast<std::uint64_t>(latency));
      ++step_answers_;
      if (error) ++step_errors_;
    }
    series_.count();
    ctx.schedule(out_.to, out_.latency, kCustomerArrives, c);
  }

  template <class Ctx>
  void judge(Ctx& ctx) {
    if (rolled_back() || rolled_out()) return;
    const bool enough = step_answers_ >= plan_.min_answers;
    const double p99 = step_latency_.quantile(0.99);
    const double error_rate =
        step_answers_ ? static_cast<double>(step_errors_) / static_cast<double>(step_answers_)
                      : 0.0;
    const bool bad =
        enough && (p99 > static_cast<double>(plan_.max_p99) || error_rate > plan_.max_error_rate);
    step_latency_ = LatencyHistogram();
    step_answers_ = step_errors_ = 0;
    if (bad) {
      share_ = 0;
      rolled_back_at_ = ctx.now();
      return;
    }
    if (!enough) {  // too few answers to judge: hold this step for another period
      ctx.schedule(ctx.self(), plan_.step_duration, kCanaryStepEnd);
      return;
    }
    ++step_;
    share_ = plan_.steps[step_];
    if (share_ >= 1.0) {
      rolled_out_at_ = ctx.now();
      return;
    }
    ctx.schedule(ctx.self(), plan_.step_duration, kCanaryStepEnd);
  }

  Link stable_, canary_, out_;
  CanaryPlan plan_;
  SimTime warmup_;
  double share_;
  std::size_t step_ = 0;
  SimTime rolled_back_at_ = kTimeInfinity, rolled_out_at_ = kTimeInfinity;
  std::uint64_t sent_[2] = {0, 0}, answers_[2] = {0, 0}, errors_[2] = {0, 0};
  LatencyHistogram latency_[2];
  Welford latency_stats_[2];
  LatencyHistogram step_latency_;
  std::uint64_t step_answers_ = 0, step_errors_ = 0;
};

}  // namespace scalesim
