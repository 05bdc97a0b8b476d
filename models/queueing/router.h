// Router / load balancer: sends each customer to one of its routes, at random with fixed
// probabilities, or by smooth weighted round robin (the same shares, deterministically
// interleaved: nginx's algorithm; equal weights give plain round robin).
#pragma once

#include <cstdint>
#include <vector>

#include "customer.h"
#include "scalesim/byte_buffer.h"
#include "scalesim/event.h"
#include "scalesim/result_hash.h"
#include "scalesim/stats/time_series.h"

namespace scalesim {

class Router {
 public:
  // REQUIRES: routes non-empty, probabilities same length, summing to 1.
  Router(std::vector<Link> routes, const std::vector<double>& probabilities, SimTime interval = 0,
         bool adaptive = false, bool round_robin = false)
      : routes_(std::move(routes)),
        weights_(probabilities),
        round_robin_(round_robin),
        series_(interval, 0, adaptive) {
    double total = 0.0;
    for (double p : probabilities) cumulative_.push_back(total += p);
    cumulative_.back() = 1.0;
    sent_.assign(routes_.size(), 0);
    current_.assign(routes_.size(), 0.0);
  }

  template <class Ctx>
  void init(Ctx&) {}

  template <class Ctx>
  void handle(Ctx& ctx, const Event<Customer>& ev) {
    std::size_t i = 0;
    if (round_robin_) {
      // Smooth weighted round robin: every route gains its weight, the richest is picked and
      // pays the total back.
      for (std::size_t r = 0; r < routes_.size(); ++r) {
        current_[r] += weights_[r];
        if (current_[r] > current_[i]) i = r;
      }
      current_[i] -= 1.0;
    } else {
      const double u = ctx.rng().uniform();
      while (cumulative_[i] < u) ++i;  // few routes: a linear scan beats a search
    }
    ++sent_[i];
    series_.advance(ctx.now(), 0, 0);
    series_.count();
    ctx.schedule(routes_[i].to, routes_[i].latency, kCustomerArrives, ev.payload);
  }

  const std::vector<Link>& routes() const { return routes_; }
  bool round_robin() const { return round_robin_; }
  const std::vector<std::uint64_t>& sent() const { return sent_; }
  double probability(std::size_t i) const {
    return cumulative_[i] - (i ? cumulative_[i - 1] : 0.0);
  }
  void save(ByteWriter& w) const {
    w.put_vector(sent_);
    series_.save(w);
  }
  void load(ByteReader& r) {
    sent_ = r.get_vector<std::uint64_t>();
    series_.load(r);
  }
  void finish(SimTime end) { series_.finish(end, 0, 0); }
  const TimeSeriesRecorder& series() const { return series_; }
  void hash_into(ResultHash& h) const { h.add(std::span<const std::uint64_t>(sent_)); }

 private:
  std::vector<Link> routes_;
  std::vector<double> weights_;
  bool round_robin_;
  std::vector<double> current_;
  std::vector<double> cumulative_;
  std::vector<std::uint64_t> sent_;
  TimeSeriesRecorder series_;
};

}  // namespace scalesim
