// CascadeGate: after a fast model has answered, accept its answer when its confidence reaches
// the threshold, otherwise escalate the request to the next (slower, more accurate) model.
// The confidence of each request is drawn from the gate's distribution (the share accepted is
// P(confidence >= threshold)), or read from the request itself: a trace column mapped to the
// request's `size` or `aux`, times a scale (a confidence in per mille: scale 0.001).
#pragma once

#include <cmath>
#include <cstdint>
#include <string_view>

#include "models/patterns/confidence_score.h"
#include "models/queueing/component_series.h"
#include "models/queueing/customer.h"
#include "scalesim/byte_buffer.h"
#include "scalesim/event.h"
#include "scalesim/result_hash.h"
#include "scalesim/stats/time_series.h"

namespace scalesim {

class BuildContext;
class ComponentReport;
class ConfigNode;
struct ReportContext;

class CascadeGate : public ComponentSeries {
 public:
  static constexpr std::string_view kType = "cascade_gate";  // config `type:`
  // Builds one from its config node (cascade_gate_config.cpp).
  static CascadeGate from_config(const ConfigNode& node, BuildContext& ctx);
  // Declares what it reports of a run (component_report.h).
  void report(ComponentReport& r, const ReportContext& ctx) const;

  enum class Field : std::uint8_t { kNone, kSize, kAux };

  CascadeGate(ConfidenceScoreDistribution confidence, double threshold, Link accept, Link escalate,
              SimTime interval = 0, bool adaptive = false, Field field = Field::kNone,
              double scale = 1.0)
      : ComponentSeries(interval, 0, adaptive),
        confidence_(confidence),
        threshold_(threshold),
        accept_share_(confidence.survival(threshold)),
        field_(field),
        scale_(scale),
        accept_(accept),
        escalate_(escalate) {}

  template <class Ctx>
  void handle(Ctx& ctx, const Event<Customer>& ev) {
    series_.advance(ctx.now(), 0, 0);
    series_.count();
    // Only whether the confidence reaches the threshold matters here, so one uniform number
    // against P(confidence >= threshold) decides it: the same law as drawing the confidence.
    const bool confident =
        field_ == Field::kNone
            ? ctx.rng().uniform() < accept_share_
            : scale_ * (field_ == Field::kSize ? ev.payload.size : ev.payload.aux) >= threshold_;
    const Link& to = confident ? accept_ : escalate_;
    ++(confident ? accepted_ : escalated_);
    ctx.schedule(to.to, to.latency, kCustomerArrives, ev.payload);
  }

  const ConfidenceScoreDistribution& confidence() const { return confidence_; }
  double threshold() const { return threshold_; }
  Field field() const { return field_; }
  const Link& accept() const { return accept_; }
  const Link& escalate() const { return escalate_; }
  std::uint64_t accepted() const { return accepted_; }
  std::uint64_t escalated() const { return escalated_; }
  // The share the gate is expected to accept.
  // NaN when the confidence comes from the requests (no distribution to expect from).
  double expected_accept_share() const {
    return field_ == Field::kNone ? accept_share_ : std::nan("");
  }
  double accepted_share() const {
    const std::uint64_t n = accepted_ + escalated_;
    return n ? static_cast<double>(accepted_) / static_cast<double>(n) : 0.0;
  }

  void save(ByteWriter& w) const {
    w.put(accepted_);
    w.put(escalated_);
    series_.save(w);
  }
  void load(ByteReader& r) {
    accepted_ = r.get<std::uint64_t>();
    escalated_ = r.get<std::uint64_t>();
    series_.load(r);
  }
  void hash_into(ResultHash& h) const {
    h.add(accepted_);
    h.add(escalated_);
  }

 private:
  ConfidenceScoreDistribution confidence_;
  double threshold_;
  double accept_share_;
  Field field_;
  double scale_;
  Link accept_, escalate_;
  std::uint64_t accepted_ = 0, escalated_ = 0;
};

}  // namespace scalesim
