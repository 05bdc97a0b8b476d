// Router / load balancer: sends each customer to one of its routes, at random with fixed
// probabilities, by smooth weighted round robin (the same shares, deterministically
// interleaved: nginx's algorithm; equal weights give plain round robin), or by load: the route
// with the fewest requests outstanding, or the better of two drawn at random (power of two
// choices). The load policies count what each backend still holds, so backends must answer
// back through the router (their `to:` names it), which then forwards answers to `out`.
// Optionally it admits requests by rate (a token bucket: `rate` tokens per second, at most
// `burst` saved, one per request; a request that finds no token is rejected, sent to
// `on_reject` or dropped), the admission control of an API gateway. `by_class` sends each
// request class (the source or trace that emitted it) down its own route: two systems sharing
// one feature store or GPU pool part again after it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "models/queueing/component_series.h"
#include "models/queueing/customer.h"
#include "models/queueing/rejection_counts.h"
#include "scalesim/byte_buffer.h"
#include "scalesim/event.h"
#include "scalesim/result_hash.h"
#include "scalesim/stats/time_series.h"

namespace scalesim {

class BuildContext;
class ComponentReport;
class ConfigNode;
struct ReportContext;

class Router : public ComponentSeries {
 public:
  static constexpr std::string_view kType = "router";  // config `type:`
  // Builds one from its config node (router_config.cpp).
  static Router from_config(const ConfigNode& node, BuildContext& ctx);
  // Declares what it reports of a run (component_report.h).
  void report(ComponentReport& r, const ReportContext& ctx) const;

  // REQUIRES: routes non-empty, probabilities same length, summing to 1.
  enum class Policy : std::uint8_t {
    kRandom,
    kRoundRobin,
    kLeastOutstanding,
    kPowerOfTwo,
    kByClass
  };

  Router(std::vector<Link> routes, const std::vector<double>& probabilities, SimTime interval = 0,
         bool adaptive = false, Policy policy = Policy::kRandom, std::optional<Link> out = {})
      : ComponentSeries(interval, 0, adaptive),
        routes_(std::move(routes)),
        weights_(probabilities),
        policy_(policy),
        out_(out) {
    outstanding_.assign(routes_.size(), 0);
    double total = 0.0;
    for (double p : probabilities) cumulative_.push_back(total += p);
    cumulative_.back() = 1.0;
    sent_.assign(routes_.size(), 0);
    current_.assign(routes_.size(), 0.0);
  }

  template <class Ctx>
  void handle(Ctx& ctx, const Event<Customer>& ev) {
    if (out_) {
      // An answer coming back from a backend: one fewer outstanding there.
      for (std::size_t r = 0; r < routes_.size(); ++r) {
        if (routes_[r].to == ev.src()) {
          --outstanding_[r];
          ctx.schedule(out_->to, out_->latency, kCustomerArrives, ev.payload);
          return;
        }
      }
    }
    if (rate_per_ns_ > 0) [[unlikely]] {
      if (!admit(ctx, ev.payload)) return;
    }
    std::size_t i = 0;
    switch (policy_) {
      case Policy::kRoundRobin:
        // Smooth weighted round robin: every route gains its weight, the richest is picked and
        // pays the total back.
        for (std::size_t r = 0; r < routes_.size(); ++r) {
          current_[r] += weights_[r];
          if (current_[r] > current_[i]) i = r;
        }
        current_[i] -= 1.0;
        break;
      case Policy::kLeastOutstanding:
        for (std::size_t r = 1; r < routes_.size(); ++r) {
          if (outstanding_[r] < outstanding_[i]) i = r;
        }
        break;
      case Policy::kPowerOfTwo: {
        const auto n = static_cast<std::uint64_t>(routes_.size());
        const auto a = static_cast<std::size_t>(ctx.rng().uniform_int(n));
        auto b = static_cast<std::size_t>(ctx.rng().uniform_int(n - 1));
        if (b >= a) ++b;  // two distinct routes
        i = outstanding_[b] < outstanding_[a] ? b : a;
        break;
      }
      case Policy::kByClass:
        // Every class that can arrive has a route: checked at build (network_builder.cpp).
        i = ev.payload.source() < route_of_class_.size() ? route_of_class_[ev.payload.source()]
                                                         : default_route_;
        break;
      case Policy::kRandom: {
        const double u = ctx.rng().uniform();
        while (cumulative_[i] < u) ++i;  // few routes: a linear scan beats a search
        break;
      }
    }
    ++outstanding_[i];
    ++sent_[i];
    series_.advance(ctx.now(), 0, 0);
    series_.count();
    ctx.schedule(routes_[i].to, routes_[i].latency, kCustomerArrives, ev.payload);
  }

  // by_class: the route of each class (indexed by the source's LP id; kNoRoute: unlisted) and
  // the route of unlisted classes (kNoRoute: none).
  static constexpr std::uint32_t kNoRoute = 0xffffffffu;
  void route_by_class(std::vector<std::uint32_t> route_of_class, std::uint32_t default_route) {
    for (auto& r : route_of_class) {
      if (r == kNoRoute) r = default_route;
    }
    route_of_class_ = std::move(route_of_class);
    default_route_ = default_route;
  }
  const std::vector<std::uint32_t>& route_of_class() const { return route_of_class_; }
  std::uint32_t default_route() const { return default_route_; }

  // Admission by rate: a token bucket of `burst` tokens (full at the start) refilled at
  // `rate_per_s`. REQUIRES: rate_per_s > 0, burst >= 1.
  void limit_rate(double rate_per_s, double burst, std::optional<Link> on_reject, SimTime warmup) {
    rate_per_ns_ = rate_per_s * 1e-9;
    burst_ = burst;
    tokens_ = burst;
    on_reject_ = on_reject;
    warmup_ = warmup;
  }
  bool rate_limited() const { return rate_per_ns_ > 0; }
  double rate_limit_per_s() const { return rate_per_ns_ * 1e9; }
  double burst() const { return burst_; }
  const std::optional<Link>& on_reject() const { return on_reject_; }
  std::uint64_t rejected() const { return admission_.rejected(); }
  const RejectionCounts& admission() const { return admission_; }

  const std::vector<Link>& routes() const { return routes_; }
  Policy policy() const { return policy_; }
  const std::optional<Link>& out() const { return out_; }
  const std::vector<std::uint64_t>& sent() const { return sent_; }
  double probability(std::size_t i) const {
    return cumulative_[i] - (i ? cumulative_[i - 1] : 0.0);
  }
  void save(ByteWriter& w) const {
    admission_.save(w);
    w.put_vector(sent_);
    series_.save(w);
  }
  void load(ByteReader& r) {
    admission_.load(r);
    sent_ = r.get_vector<std::uint64_t>();
    series_.load(r);
  }
  void hash_into(ResultHash& h) const {
    h.add(std::span<const std::uint64_t>(sent_));
    if (rate_limited()) admission_.hash_into(h);  // only then: other results hash as before
  }

 private:
  template <class Ctx>
  bool admit(Ctx& ctx, const Customer& c) {
    const bool measured = ctx.now() >= warmup_;
    admission_.count_arrival(c, measured);
    tokens_ =
        std::min(burst_, tokens_ + static_cast<double>(ctx.now() - refilled_at_) * rate_per_ns_);
    refilled_at_ = ctx.now();
    if (tokens_ >= 1.0) {
      tokens_ -= 1.0;
      return true;
    }
    admission_.count_rejection(c, measured);
    if (on_reject_) ctx.schedule(on_reject_->to, on_reject_->latency, kCustomerArrives, c);
    return false;
  }

  std::vector<Link> routes_;
  std::vector<double> weights_;
  Policy policy_;
  std::optional<Link> out_;
  std::vector<std::int64_t> outstanding_;
  std::vector<double> current_;
  std::vector<double> cumulative_;
  std::vector<std::uint64_t> sent_;
  std::vector<std::uint32_t> route_of_class_;
  std::uint32_t default_route_ = kNoRoute;
  double rate_per_ns_ = 0;  // 0: no rate limit
  double burst_ = 0;
  double tokens_ = 0;
  SimTime refilled_at_ = 0;
  SimTime warmup_ = 0;
  std::optional<Link> on_reject_;
  RejectionCounts admission_;
};

}  // namespace scalesim
