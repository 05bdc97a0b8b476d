#include "models/patterns/pipeline.h"

#include <algorithm>

namespace scalesim {

Pipeline::Pipeline(std::vector<PipelineStage> stages, std::vector<PipelinePool> pools,
                   std::optional<Link> out, SimTime warmup, SimTime interval, bool adaptive)
    : ComponentSeries(interval, 1, adaptive),
      stages_(std::move(stages)),
      pools_(std::move(pools)),
      out_(out),
      warmup_(warmup),
      in_use_(pools_.size(), 0),
      queues_(pools_.size()),
      stage_time_(stages_.size()) {}

std::string Pipeline::critical_path() const {
  if (last_finish_.empty()) return "";
  // From the stage that finished last, walk back through the dependency that finished last.
  auto s = static_cast<std::uint32_t>(std::max_element(last_finish_.begin(), last_finish_.end()) -
                                      last_finish_.begin());
  std::vector<std::string> path{stages_[s].name};
  while (!stages_[s].after.empty()) {
    std::uint32_t best = stages_[s].after.front();
    for (const std::uint32_t d : stages_[s].after) {
      if (last_finish_[d] > last_finish_[best]) best = d;
    }
    s = best;
    path.push_back(stages_[s].name);
  }
  std::string out;
  for (auto it = path.rbegin(); it != path.rend(); ++it) {
    out += (out.empty() ? "" : " -> ") + *it;
  }
  return out;
}

void Pipeline::save(ByteWriter& w) const {
  w.put(completed_);
  w.put(cost_);
  w.put_vector(last_start_);
  w.put_vector(last_finish_);
  run_time_.save(w);
  run_histogram_.save(w);
  for (const auto& s : stage_time_) s.save(w);
  series_.save(w);
}

void Pipeline::load(ByteReader& r) {
  completed_ = r.get<std::uint64_t>();
  cost_ = r.get<double>();
  last_start_ = r.get_vector<SimTime>();
  last_finish_ = r.get_vector<SimTime>();
  run_time_.load(r);
  run_histogram_.load(r);
  for (auto& s : stage_time_) s.load(r);
  series_.load(r);
}

void Pipeline::hash_into(ResultHash& h) const {
  h.add(completed_);
  h.add(cost_);
  h.add(run_time_.mean());
  h.add(run_histogram_.counts());
  for (const auto& s : stage_time_) h.add(s.mean());
}

}  // namespace scalesim
