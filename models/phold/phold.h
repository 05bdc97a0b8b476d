// PHOLD (Fujimoto 1990), with the flag names and semantics of ROSS's phold model so runs compare
// one to one: each LP starts `start_events` events addressed to itself; handling an event sends
// one new event, to a uniformly chosen LP (possibly itself) with probability `remote`, else to
// itself, after a delay of lookahead + Exp(mean - lookahead). Times are in seconds of simulated
// time (1 PHOLD time unit = 1 s), so `end` = 2000 is 2000 s.
#pragma once

#include <cstdint>
#include <stdexcept>

#include "scalesim/event.h"
#include "scalesim/random.h"
#include "scalesim/sim_time.h"

namespace scalesim {

struct PholdParams {
  std::uint32_t nlp = 1024;        // total LPs (ROSS: LPs per rank; equal on one rank)
  std::uint32_t start_events = 1;  // initial events per LP
  double mean = 1.0;               // mean delay between an event and the one it sends
  double lookahead = 0.1;          // minimum delay
  double remote = 0.25;            // probability of a uniformly random destination
  double end = 2000.0;             // end time; events at or after it are not processed
};

class Phold {
 public:
  struct Payload {};  // PHOLD events carry nothing

  explicit Phold(const PholdParams& p)
      : nlp_(p.nlp),
        start_events_(p.start_events),
        remote_(p.remote),
        lookahead_ns_(from_seconds(p.lookahead)),
        exp_mean_ns_((p.mean - p.lookahead) * 1e9) {
    if (p.nlp == 0) throw std::invalid_argument("phold: --nlp must be at least 1");
    if (!(p.lookahead >= 0.0) || p.lookahead > p.mean) {
      throw std::invalid_argument("phold: --lookahead must lie in [0, --mean]");
    }
    if (!(p.remote >= 0.0 && p.remote <= 1.0)) {
      throw std::invalid_argument("phold: --remote must lie in [0, 1]");
    }
    if (!(p.end > 0.0)) throw std::invalid_argument("phold: --end must be positive");
  }

  std::uint32_t lp_count() const { return nlp_; }

  template <class Ctx>
  void init(Ctx& ctx) {
    for (std::uint32_t i = 0; i < start_events_; ++i) ctx.schedule(ctx.self(), delay(ctx.rng()), 0);
  }

  template <class Ctx>
  void handle(Ctx& ctx, const Event<Payload>& /*ev*/) {
    LpRandom& rng = ctx.rng();
    LpId dst = ctx.self();
    if (rng.uniform() <= remote_) dst = static_cast<LpId>(rng.uniform_int(nlp_));
    ctx.schedule(dst, delay(rng), 0);
  }

 private:
  // The lookahead part stays exact in integer time: no event is ever sent closer than it.
  SimTime delay(LpRandom& rng) const {
    return lookahead_ns_ + from_nanoseconds(rng.exponential(exp_mean_ns_));
  }

  std::uint32_t nlp_;
  std::uint32_t start_events_;
  double remote_;
  SimTime lookahead_ns_;
  double exp_mean_ns_;
};

}  // namespace scalesim
