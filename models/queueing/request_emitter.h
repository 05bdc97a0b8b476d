// What the two request sources (`source`: an arrival process; `trace`: a recorded trace) share:
// where requests go, how many may be sent, the count sent, and that count's rate in the time
// series. Each source decides only when its next request is due and what its sizes are.
#pragma once

#include <cstdint>

#include "models/queueing/component_series.h"
#include "models/queueing/customer.h"
#include "scalesim/byte_buffer.h"
#include "scalesim/result_hash.h"
#include "scalesim/sim_time.h"

namespace scalesim {

class RequestEmitter : public ComponentSeries {
 public:
  std::uint64_t emitted() const { return emitted_; }
  std::uint64_t limit() const { return limit_; }
  const Link& out() const { return out_; }

  // Reported state, moved to the rank that writes results.
  void save(ByteWriter& w) const {
    w.put(emitted_);
    series_.save(w);
  }
  void load(ByteReader& r) {
    emitted_ = r.get<std::uint64_t>();
    series_.load(r);
  }
  void hash_into(ResultHash& h) const { h.add(emitted_); }

 protected:
  RequestEmitter(Link out, std::uint64_t limit, SimTime interval, bool adaptive)
      : ComponentSeries(interval, 0, adaptive), out_(out), limit_(limit) {}

  // Sends the next request (ids are unique per source: its LP above bit 40, then a sequence);
  // true while more may follow.
  template <class Ctx>
  bool emit(Ctx& ctx, std::uint32_t size, std::uint32_t aux) {
    Customer c;
    c.id = (std::uint64_t{ctx.self()} << Customer::kSourceShift) | emitted_;
    c.created = ctx.now();
    c.size = size;
    c.aux = aux;
    series_.advance(ctx.now(), 0, 0);
    series_.count();
    ctx.schedule(out_.to, out_.latency, kCustomerArrives, c);
    return ++emitted_ < limit_;
  }

 private:
  Link out_;
  std::uint64_t limit_;
  std::uint64_t emitted_ = 0;
};

}  // namespace scalesim
