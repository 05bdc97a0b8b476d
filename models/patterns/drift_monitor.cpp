#include "models/patterns/drift_monitor.h"

namespace scalesim {

void DriftMonitor::save(ByteWriter& w) const {
  w.put(checks_);
  w.put(triggers_);
  w.put(deployments_);
  w.put(shifts_);
  w.put(accuracy_seconds_);
  w.put(stale_seconds_);
  retrain_time_.save(w);
  series_.save(w);
}

void DriftMonitor::load(ByteReader& r) {
  checks_ = r.get<std::uint64_t>();
  triggers_ = r.get<std::uint64_t>();
  deployments_ = r.get<std::uint64_t>();
  shifts_ = r.get<std::uint64_t>();
  accuracy_seconds_ = r.get<double>();
  stale_seconds_ = r.get<double>();
  retrain_time_.load(r);
  series_.load(r);
}

void DriftMonitor::hash_into(ResultHash& h) const {
  h.add(checks_);
  h.add(triggers_);
  h.add(deployments_);
  h.add(shifts_);
  h.add(accuracy_seconds_);
  h.add(stale_seconds_);
}

}  // namespace scalesim
