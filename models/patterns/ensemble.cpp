#include "models/patterns/ensemble.h"

namespace scalesim {
namespace {

std::size_t slot_of(std::uint64_t id, std::size_t mask) {
  // SplitMix64's finaliser: ids are sequential per source, so mix before masking.
  id ^= id >> 30;
  id *= 0xbf58476d1ce4e5b9ULL;
  id ^= id >> 27;
  id *= 0x94d049bb133111ebULL;
  id ^= id >> 31;
  return static_cast<std::size_t>(id) & mask;
}

}  // namespace

Ensemble::Ensemble(std::vector<Link> members, std::uint32_t quorum, SimTime timeout,
                   SimTime combiner, Link out, SimTime warmup, SimTime interval, bool adaptive)
    : ComponentSeries(interval, 0, adaptive),
      members_(std::move(members)),
      quorum_(quorum),
      timeout_(timeout),
      combiner_(combiner),
      out_(out),
      warmup_(warmup),
      table_(64) {}

Ensemble::Pending* Ensemble::find(std::uint64_t id) {
  const std::size_t mask = table_.size() - 1;
  for (std::size_t i = slot_of(id, mask);; i = (i + 1) & mask) {
    Pending& p = table_[i];
    if (!p.used && !p.tombstone) return nullptr;
    if (p.used && p.id == id) return &p;
  }
}

Ensemble::Pending& Ensemble::insert(std::uint64_t id) {
  if (2 * (used_ + 1) > table_.size()) grow();
  const std::size_t mask = table_.size() - 1;
  std::size_t i = slot_of(id, mask);
  while (table_[i].used) i = (i + 1) & mask;
  if (!table_[i].tombstone) ++used_;
  table_[i] = Pending{};
  table_[i].id = id;
  table_[i].used = true;
  ++live_;
  return table_[i];
}

void Ensemble::erase(std::uint64_t id) {
  Pending* p = find(id);
  if (p == nullptr) return;
  p->used = false;
  p->tombstone = true;
  --live_;
}

void Ensemble::grow() {
  // Rehash the live entries into a table sized for them (tombstones are dropped).
  std::vector<Pending> old;
  old.swap(table_);
  std::size_t size = 64;
  while (size < 4 * (live_ + 1)) size *= 2;
  table_.assign(size, Pending{});
  used_ = 0;
  live_ = 0;
  for (const Pending& p : old) {
    if (!p.used) continue;
    Pending& q = insert(p.id);
    q = p;
  }
}

void Ensemble::save(ByteWriter& w) const {
  w.put(requests_);
  w.put(released_);
  w.put(timeouts_);
  join_latency_.save(w);
  join_histogram_.save(w);
  straggler_gap_.save(w);
  series_.save(w);
}

void Ensemble::load(ByteReader& r) {
  requests_ = r.get<std::uint64_t>();
  released_ = r.get<std::uint64_t>();
  timeouts_ = r.get<std::uint64_t>();
  join_latency_.load(r);
  join_histogram_.load(r);
  straggler_gap_.load(r);
  series_.load(r);
}

void Ensemble::hash_into(ResultHash& h) const {
  h.add(requests_);
  h.add(released_);
  h.add(timeouts_);
  h.add(join_latency_.mean());
  h.add(join_histogram_.counts());
  h.add(straggler_gap_.mean());
}

}  // namespace scalesim
