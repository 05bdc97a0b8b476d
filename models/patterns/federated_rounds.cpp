#include "models/patterns/federated_rounds.h"

namespace scalesim {

void FederatedRounds::save(ByteWriter& w) const {
  w.put(rounds_done_);
  w.put(failed_rounds_);
  w.put(jobs_done_);
  w.put(bytes_moved_);
  w.put(max_round_);
  w.put(download_bytes_);
  round_time_.save(w);
  participants_.save(w);
  training_time_.save(w);
  straggler_wait_.save(w);
  round_histogram_.save(w);
  series_.save(w);
}

void FederatedRounds::load(ByteReader& r) {
  rounds_done_ = r.get<std::uint64_t>();
  failed_rounds_ = r.get<std::uint64_t>();
  jobs_done_ = r.get<std::uint64_t>();
  bytes_moved_ = r.get<double>();
  max_round_ = r.get<double>();
  download_bytes_ = r.get<double>();
  round_time_.load(r);
  participants_.load(r);
  training_time_.load(r);
  straggler_wait_.load(r);
  round_histogram_.load(r);
  series_.load(r);
}

void FederatedRounds::hash_into(ResultHash& h) const {
  h.add(rounds_done_);
  h.add(failed_rounds_);
  h.add(jobs_done_);
  h.add(bytes_moved_);
  h.add(round_time_.mean());
  h.add(participants_.mean());
  h.add(round_histogram_.counts());
}

}  // namespace scalesim
