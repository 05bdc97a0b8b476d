// DriftMonitor: a deployed model's accuracy decays as the world drifts away from its training
// data (gradually, at `drift_per_day`, and by sudden shifts arriving at random), a monitor
// estimates it every `check_every` on `eval_samples` labelled requests, and when the estimate
// falls below the threshold it triggers a retraining run (one at a time). The run's customer
// comes back here when the new version is deployed, which restores the accuracy. Reports how
// often it retrained, how stale the model was (time with true accuracy below the threshold),
// and the accuracy averaged over time.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string_view>

#include "models/queueing/component_series.h"
#include "models/queueing/customer.h"
#include "scalesim/byte_buffer.h"
#include "scalesim/event.h"
#include "scalesim/result_hash.h"
#include "scalesim/stats/time_series.h"
#include "scalesim/stats/welford.h"

namespace scalesim {

class BuildContext;
class ComponentReport;
class ConfigNode;
struct ReportContext;

inline constexpr EventKind kMonitorCheck = 11;
inline constexpr EventKind kDriftShift = 12;

struct DriftSetup {
  double fresh_accuracy = 0.9;          // right after a deployment
  double drift_per_day = 0.0;           // accuracy lost per day, gradually
  SimTime shift_every = kTimeInfinity;  // mean time between sudden shifts (exponential)
  double shift_drop = 0.0;              // accuracy lost at each shift
  double threshold = 0.85;              // retrain below this (estimated)
  SimTime check_every = 3600 * kSecond;
  std::uint32_t eval_samples = 1000;  // labelled requests per check
};

class DriftMonitor : public ComponentSeries {
 public:
  static constexpr std::string_view kType = "drift_monitor";  // config `type:`
  // Builds one from its config node (drift_monitor_config.cpp).
  static DriftMonitor from_config(const ConfigNode& node, BuildContext& ctx);
  // Declares what it reports of a run (component_report.h).
  void report(ComponentReport& r, const ReportContext& ctx) const;

  DriftMonitor(DriftSetup setup, Link retrain, SimTime interval = 0, bool adaptive = false)
      : ComponentSeries(interval, 1, adaptive), setup_(setup), retrain_(retrain) {}

  template <class Ctx>
  void init(Ctx& ctx) {
    ctx.schedule(ctx.self(), setup_.check_every, kMonitorCheck);
    schedule_shift(ctx);
  }

  template <class Ctx>
  void handle(Ctx& ctx, const Event<Customer>& ev) {
    series_.advance(ctx.now(), retraining_ ? 1.0 : 0.0, 0.0);
    account(ctx.now());
    if (ev.kind == kDriftShift) {
      shifted_ += setup_.shift_drop;
      ++shifts_;
      schedule_shift(ctx);
      return;
    }
    if (ev.kind == kMonitorCheck) {
      ctx.schedule(ctx.self(), setup_.check_every, kMonitorCheck);
      ++checks_;
      // The estimate: correct answers among eval_samples labelled requests (normal
      // approximation of the binomial).
      const double p = accuracy(ctx.now());
      const double n = setup_.eval_samples;
      const double estimate = p + std::sqrt(p * (1 - p) / n) * ctx.rng().normal();
      if (!retraining_ && estimate < setup_.threshold) {
        retraining_ = true;
        triggered_at_ = ctx.now();
        ++triggers_;
        Customer c;
        c.id = (std::uint64_t{ctx.self()} << Customer::kSourceShift) | triggers_;
        c.created = ctx.now();
        c.served_by = kNoLp;
        ctx.schedule(retrain_.to, retrain_.latency, kCustomerArrives, c);
      }
      return;
    }
    // A retrained version is deployed.
    ++deployments_;
    retraining_ = false;
    retrain_time_.add(to_seconds(ctx.now() - triggered_at_));
    deployed_at_ = ctx.now();
    shifted_ = 0;
  }

  double accuracy(SimTime now) const {
    const double days = to_seconds(now - deployed_at_) / 86400.0;
    return std::clamp(setup_.fresh_accuracy - setup_.drift_per_day * days - shifted_, 0.0, 1.0);
  }

  const DriftSetup& setup() const { return setup_; }
  const Link& retrain() const { return retrain_; }
  std::uint64_t triggers() const { return triggers_; }
  std::uint64_t deployments() const { return deployments_; }
  std::uint64_t shifts() const { return shifts_; }
  const Welford& retrain_time() const { return retrain_time_; }
  // Time-averaged true accuracy, and the share of time it was below the threshold.
  double mean_accuracy(SimTime now) const {
    return now > 0 ? accuracy_seconds_ / to_seconds(now) : setup_.fresh_accuracy;
  }
  double stale_share(SimTime now) const { return now > 0 ? stale_seconds_ / to_seconds(now) : 0; }

  void save(ByteWriter& w) const;
  void load(ByteReader& r);
  void finish(SimTime end) {
    account(end);
    series_.finish(end, retraining_ ? 1.0 : 0.0, 0.0);
  }
  void hash_into(ResultHash& h) const;

 private:
  template <class Ctx>
  void schedule_shift(Ctx& ctx) {
    if (setup_.shift_every == kTimeInfinity || setup_.shift_drop <= 0) return;
    const double wait = -std::log(ctx.rng().uniform()) * to_seconds(setup_.shift_every);
    ctx.schedule(ctx.self(), std::max<SimTime>(1, from_seconds(wait)), kDriftShift);
  }

  // Integrates accuracy (piecewise linear between events) and time below the threshold.
  void account(SimTime now) {
    if (now <= accounted_) return;
    const double a0 = accuracy(accounted_), a1 = accuracy(now);
    const double dt = to_seconds(now - accounted_);
    accuracy_seconds_ += 0.5 * (a0 + a1) * dt;
    const double t = setup_.threshold;
    if (a0 < t && a1 < t) {
      stale_seconds_ += dt;
    } else if (a0 >= t && a1 < t) {
      stale_seconds_ += dt * (t - a1) / (a0 - a1);  // crossed the threshold on the way
    }
    accounted_ = now;
  }

  DriftSetup setup_;
  Link retrain_;
  bool retraining_ = false;
  SimTime deployed_at_ = 0, triggered_at_ = 0, accounted_ = 0;
  double shifted_ = 0;
  std::uint64_t checks_ = 0, triggers_ = 0, deployments_ = 0, shifts_ = 0;
  double accuracy_seconds_ = 0, stale_seconds_ = 0;
  Welford retrain_time_;
};

}  // namespace scalesim
