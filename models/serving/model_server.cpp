#include "models/serving/model_server.h"

namespace scalesim {

ModelServer::ModelServer(ModelServerSetup setup, std::optional<Link> out, SimTime warmup,
                         SimTime interval, bool adaptive)
    : ComponentSeries(interval, setup.replicas * setup.instances, adaptive),
      setup_(std::move(setup)),
      out_(out),
      warmup_(warmup),
      busy_on_replica_(setup_.replicas, 0),
      replica_up_(setup_.replicas, 1),
      up_slots_(setup_.replicas * setup_.instances),
      up_replicas_(warmup, static_cast<double>(setup_.replicas)),
      all_down_(warmup),
      busy_(warmup),
      busy_replicas_(warmup),
      queued_(warmup) {
  slots_.resize(static_cast<std::size_t>(setup_.replicas) * setup_.instances);
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    slots_[i].replica = static_cast<std::uint32_t>(i / setup_.instances);
    slots_[i].batch.reserve(static_cast<std::size_t>(setup_.batching.max_batch_size));
  }
}

std::uint32_t ModelServer::pick_slot() const {
  std::uint32_t best = 0;
  std::uint32_t best_load = UINT32_MAX;
  for (std::uint32_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].busy || replica_up_[slots_[i].replica] == 0) continue;
    const std::uint32_t load = busy_on_replica_[slots_[i].replica];
    if (load < best_load) {
      best = i;
      best_load = load;
    }
  }
  return best;
}

void ModelServer::save(ByteWriter& w) const {
  admission_.save(w);
  w.put(arrivals_);
  w.put(departures_);
  w.put(batches_);
  batch_size_.save(w);
  save_served(w);
  busy_.save(w);
  busy_replicas_.save(w);
  queued_.save(w);
  series_.save(w);
  w.put(crashes_);
  w.put(failed_requests_);
  w.put(retried_requests_);
  up_replicas_.save(w);
  all_down_.save(w);
}

void ModelServer::load(ByteReader& r) {
  admission_.load(r);
  arrivals_ = r.get<std::uint64_t>();
  departures_ = r.get<std::uint64_t>();
  batches_ = r.get<std::uint64_t>();
  batch_size_.load(r);
  load_served(r);
  busy_.load(r);
  busy_replicas_.load(r);
  queued_.load(r);
  series_.load(r);
  crashes_ = r.get<std::uint64_t>();
  failed_requests_ = r.get<std::uint64_t>();
  retried_requests_ = r.get<std::uint64_t>();
  up_replicas_.load(r);
  all_down_.load(r);
}

void ModelServer::hash_into(ResultHash& h, SimTime now) const {
  if (max_queue_size_ != 0) admission_.hash_into(h);  // only then: other results hash as before
  h.add(arrivals_);
  h.add(departures_);
  h.add(batches_);
  h.add(batch_size_.mean());
  h.add(wait().mean());
  h.add(sojourn().mean());
  h.add(sojourn().variance());
  h.add(wait_histogram().counts());
  h.add(sojourn_histogram().counts());
  h.add(utilisation(now));
  h.add(mean_queue_length(now));
  h.add(mean_busy_replicas(now));
  h.add(crashes_);
  h.add(failed_requests_);
  h.add(retried_requests_);
  if (setup_.failures.enabled) h.add(availability(now));
}

}  // namespace scalesim
