#include "models/patterns/version_splitter.h"

namespace scalesim {

VersionSplitter::VersionSplitter(Link stable, Link canary, Link out, CanaryPlan plan,
                                 SimTime warmup, SimTime interval, bool adaptive)
    : ComponentSeries(interval, 0, adaptive),
      stable_(stable),
      canary_(canary),
      out_(out),
      plan_(std::move(plan)),
      warmup_(warmup),
      share_(plan_.steps.front()) {}

void VersionSplitter::save(ByteWriter& w) const {
  w.put(share_);
  w.put(step_);
  w.put(rolled_back_at_);
  w.put(rolled_out_at_);
  for (int v = 0; v < 2; ++v) {
    w.put(sent_[v]);
    w.put(answers_[v]);
    w.put(errors_[v]);
    latency_[v].save(w);
    latency_stats_[v].save(w);
  }
  series_.save(w);
}

void VersionSplitter::load(ByteReader& r) {
  share_ = r.get<double>();
  step_ = r.get<std::size_t>();
  rolled_back_at_ = r.get<SimTime>();
  rolled_out_at_ = r.get<SimTime>();
  for (int v = 0; v < 2; ++v) {
    sent_[v] = r.get<std::uint64_t>();
    answers_[v] = r.get<std::uint64_t>();
    errors_[v] = r.get<std::uint64_t>();
    latency_[v].load(r);
    latency_stats_[v].load(r);
  }
  series_.load(r);
}

void VersionSplitter::hash_into(ResultHash& h) const {
  h.add(share_);
  h.add(static_cast<std::uint64_t>(step_));
  h.add(static_cast<std::uint64_t>(rolled_back_at_));
  h.add(static_cast<std::uint64_t>(rolled_out_at_));
  for (int v = 0; v < 2; ++v) {
    h.add(sent_[v]);
    h.add(answers_[v]);
    h.add(errors_[v]);
    h.add(latency_[v].counts());
  }
}

}  // namespace scalesim
