// Ensemble: sends a copy of each request to every member model and joins their answers: all of
// them, the first k (quorum), or whatever has arrived when a timeout fires; then a combiner
// (voting, averaging) costs a fixed time before the answer leaves. Members send their answers
// back to the ensemble (their `to:` names it), which tells copies from new requests by sender.
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

inline constexpr EventKind kJoinTimeout = 4;  // an ensemble's join deadline for one request

class Ensemble : public ComponentSeries {
 public:
  static constexpr std::string_view kType = "ensemble";  // config `type:`
  // Builds one from its config node (ensemble_config.cpp).
  static Ensemble from_config(const ConfigNode& node, BuildContext& ctx);
  // Declares what it reports of a run (component_report.h).
  void report(ComponentReport& r, const ReportContext& ctx) const;

  // quorum: answers needed (members.size() for "all"); timeout 0: none.
  Ensemble(std::vector<Link> members, std::uint32_t quorum, SimTime timeout, SimTime combiner,
           Link out, SimTime warmup, SimTime interval = 0, bool adaptive = false);

  template <class Ctx>
  void handle(Ctx& ctx, const Event<Customer>& ev) {
    series_.advance(ctx.now(), 0, 0);
    if (ev.kind == kJoinTimeout) {
      Pending* p = find(ev.payload.id);
      if (p != nullptr && !p->released) {
        ++timeouts_;
        release(ctx, *p);
        if (p->answers == members_.size()) erase(ev.payload.id);
      }
      return;
    }
    if (!is_member(ev.src())) {
      // A new request: fan out.
      ++requests_;
      Pending& p = insert(ev.payload.id);
      p.customer = ev.payload;
      p.started = ctx.now();
      for (const Link& m : members_) ctx.schedule(m.to, m.latency, kCustomerArrives, ev.payload);
      if (timeout_ > 0) {
        Customer token;
        token.id = ev.payload.id;
        ctx.schedule(ctx.self(), timeout_, kJoinTimeout, token);
      }
      return;
    }
    // An answer from a member.
    Pending* p = find(ev.payload.id);
    if (p == nullptr) return;  // cannot happen: entries live until every answer is in
    ++p->answers;
    if (p->answers == 1) p->first_answer = ctx.now();
    p->last_answer = ctx.now();
    if (!p->released && p->answers >= quorum_) release(ctx, *p);
    if (p->answers == members_.size()) {
      if (p->started >= warmup_) straggler_gap_.add(to_seconds(p->last_answer - p->first_answer));
      erase(ev.payload.id);
    }
  }

  const std::vector<Link>& members() const { return members_; }
  std::uint32_t quorum() const { return quorum_; }
  const Link& out() const { return out_; }
  std::uint64_t requests() const { return requests_; }
  std::uint64_t released() const { return released_; }
  std::uint64_t timeouts() const { return timeouts_; }
  // Fan-out to release (before the combiner), and the spread between first and last answer.
  const Welford& join_latency() const { return join_latency_; }
  const LatencyHistogram& join_histogram() const { return join_histogram_; }
  const Welford& straggler_gap() const { return straggler_gap_; }
  std::size_t in_flight() const { return live_; }

  void save(ByteWriter& w) const;
  void load(ByteReader& r);
  void hash_into(ResultHash& h) const;

 private:
  struct Pending {
    std::uint64_t id = 0;
    bool used = false, tombstone = false, released = false;
    std::uint32_t answers = 0;
    Customer customer;
    SimTime started = 0, first_answer = 0, last_answer = 0;
  };

  template <class Ctx>
  void release(Ctx& ctx, Pending& p) {
    p.released = true;
    ++released_;
    series_.count();
    if (p.started >= warmup_) {
      const SimTime join = ctx.now() - p.started;
      join_latency_.add(to_seconds(join));
      join_histogram_.add(static_cast<std::uint64_t>(join));
    }
    ctx.schedule(out_.to, out_.latency + combiner_, kCustomerArrives, p.customer);
  }

  bool is_member(LpId lp) const {
    for (const Link& m : members_) {
      if (m.to == lp) return true;
    }
    return false;
  }

  // Open addressing keyed by request id: no allocation per request once the table has grown
  // to the peak number in flight.
  Pending* find(std::uint64_t id);
  Pending& insert(std::uint64_t id);
  void erase(std::uint64_t id);
  void grow();

  std::vector<Link> members_;
  std::uint32_t quorum_;
  SimTime timeout_, combiner_;
  Link out_;
  SimTime warmup_;
  std::vector<Pending> table_;
  std::size_t live_ = 0, used_ = 0;
  std::uint64_t requests_ = 0, released_ = 0, timeouts_ = 0;
  Welford join_latency_;
  LatencyHistogram join_histogram_;
  Welford straggler_gap_;
};

}  // namespace scalesim
