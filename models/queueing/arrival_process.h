// How a source's requests arrive: a renewal process (i.i.d. gaps from a Distribution: Poisson,
// deterministic, lognormal), a two-state Markov-modulated Poisson process (bursty: a calm and a
// burst rate, switching at exponential times), or a diurnal Poisson process (rate following a
// 24-hour sinusoid, sampled by thinning).
#pragma once

#include <cmath>
#include <numbers>
#include <string>

#include "models/queueing/distribution.h"
#include "scalesim/random.h"
#include "scalesim/sim_time.h"

namespace scalesim {

class ArrivalProcess {
 public:
  enum class Kind : std::uint8_t { kRenewal, kMmpp, kDiurnal };

  static ArrivalProcess renewal(Distribution gaps) {
    ArrivalProcess a;
    a.gaps_ = std::move(gaps);
    return a;
  }
  // Rates per second; switch_rate[i]: leaving state i per second.
  static ArrivalProcess mmpp(double calm_rate, double burst_rate, double calm_to_burst,
                             double burst_to_calm) {
    ArrivalProcess a;
    a.kind_ = Kind::kMmpp;
    a.rate_[0] = calm_rate;
    a.rate_[1] = burst_rate;
    a.switch_[0] = calm_to_burst;
    a.switch_[1] = burst_to_calm;
    return a;
  }
  // rate(t) = mean_rate * (1 + amplitude * sin(2 pi (t - peak + 6 h) / 24 h)), peaking at `peak`.
  static ArrivalProcess diurnal(double mean_rate, double amplitude, SimTime peak) {
    ArrivalProcess a;
    a.kind_ = Kind::kDiurnal;
    a.rate_[0] = mean_rate;
    a.amplitude_ = amplitude;
    a.peak_ = peak;
    return a;
  }

  // The gap from `now` to the next arrival. Stateful for MMPP (the current state).
  SimTime next_gap(LpRandom& rng, SimTime now) {
    switch (kind_) {
      case Kind::kRenewal:
        return gaps_.sample(rng);
      case Kind::kMmpp: {
        // Race the next arrival against the next switch; memorylessness lets a lost race
        // restart from the switch time.
        double t = 0;
        for (;;) {
          const double arrive = exponential(rng, rate_[state_]);
          const double leave = exponential(rng, switch_[state_]);
          if (arrive <= leave) return std::max<SimTime>(1, from_seconds(t + arrive));
          t += leave;
          state_ ^= 1;
        }
      }
      case Kind::kDiurnal: {
        const double max_rate = rate_[0] * (1 + amplitude_);
        double t = to_seconds(now);
        const double start = t;
        for (;;) {
          t += exponential(rng, max_rate);
          if (rng.uniform() * max_rate <= rate_at(t)) {
            return std::max<SimTime>(1, from_seconds(t - start));
          }
        }
      }
    }
    return 1;
  }

  // Long-run requests per second.
  double mean_rate() const {
    switch (kind_) {
      case Kind::kRenewal:
        return 1.0 / std::max(gaps_.mean_seconds(), 1e-12);
      case Kind::kMmpp: {
        const double p_burst = switch_[0] / (switch_[0] + switch_[1]);
        return (1 - p_burst) * rate_[0] + p_burst * rate_[1];
      }
      case Kind::kDiurnal:
        return rate_[0];
    }
    return 0;
  }
  double rate_at(double t_seconds) const {
    constexpr double kDay = 86400.0;
    const double phase = 2 * std::numbers::pi * (t_seconds - to_seconds(peak_) + kDay / 4) / kDay;
    return rate_[0] * (1 + amplitude_ * std::sin(phase));
  }
  std::string describe() const;
  // Said after describe(): where a derived rate comes from (an object store's reads).
  ArrivalProcess& with_origin(std::string origin) {
    origin_ = std::move(origin);
    return *this;
  }
  Kind kind() const { return kind_; }
  const Distribution& gaps() const { return gaps_; }  // renewal processes

 private:
  static double exponential(LpRandom& rng, double rate) {
    return rate > 0 ? -std::log(rng.uniform()) / rate : 1e300;
  }

  Kind kind_ = Kind::kRenewal;
  Distribution gaps_ = Distribution::deterministic(1);
  double rate_[2] = {0, 0};
  double switch_[2] = {0, 0};
  int state_ = 0;
  double amplitude_ = 0;
  SimTime peak_ = 0;
  std::string origin_;
};

}  // namespace scalesim
