#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "models/patterns/pipeline.h"
#include "models/patterns/training_job_config.h"
#include "models/queueing/build_context.h"
#include "models/queueing/component_report.h"

namespace scalesim {

Pipeline Pipeline::from_config(const ConfigNode& node, BuildContext& ctx) {
  node.expect_keys({"type", "resources", "stages", "to"});
  std::vector<PipelinePool> pools;
  if (const auto res = node.find("resources")) {
    for (const auto& [pname, cap] : res->entries()) {
      const std::int64_t c = cap.as_int();
      if (c < 1) cap.fail("a resource pool needs at least one unit");
      pools.push_back(PipelinePool{pname, static_cast<std::uint32_t>(c)});
    }
  }
  const ConfigNode list = node.at("stages");
  const auto entries = list.entries();
  if (entries.empty()) list.fail("a pipeline needs at least one stage");
  std::vector<std::string> stage_names;
  stage_names.reserve(entries.size());
  for (const auto& [sname, snode] : entries) stage_names.push_back(sname);
  std::vector<PipelineStage> stages;
  for (const auto& [sname, snode] : entries) {
    snode.expect_keys({"after", "duration", "training", "resource"});
    PipelineStage st;
    st.name = sname;
    if (const auto after = snode.find("after")) {
      after->expect_sequence();
      for (std::size_t i = 0; i < after->size(); ++i) {
        const std::string dep = (*after)[i].as_string();
        const auto it = std::find(stage_names.begin(), stage_names.end(), dep);
        if (it == stage_names.end()) {
          std::string msg = "no stage named '" + dep + "'";
          if (auto near = closest_match(dep, stage_names)) msg += "; did you mean '" + *near + "'?";
          (*after)[i].fail(msg);
        }
        st.after.push_back(static_cast<std::uint32_t>(it - stage_names.begin()));
      }
    }
    if (snode.has("duration") == snode.has("training")) {
      snode.fail("a stage takes either a `duration` distribution or a `training` job");
    }
    if (const auto d = snode.find("duration")) {
      st.duration = Distribution::from_config(*d);
    } else {
      const TrainingJobSetup t = training_job_setup(snode.at("training"), ctx.catalog());
      st.duration = Distribution::deterministic(t.epoch_time * t.epochs);
      st.price_per_hour = t.price_per_hour;
    }
    if (const auto r = snode.find("resource")) {
      const std::string pname = r->as_string();
      std::vector<std::string> known;
      for (std::size_t i = 0; i < pools.size(); ++i) {
        known.push_back(pools[i].name);
        if (pools[i].name == pname) st.pool = static_cast<std::uint32_t>(i);
      }
      if (st.pool == kNoPool) {
        std::string msg = "no resource pool '" + pname + "' under resources:";
        if (auto near = closest_match(pname, known)) msg += " did you mean '" + *near + "'?";
        r->fail(msg);
      }
    }
    stages.push_back(std::move(st));
  }
  for (std::uint32_t i = 0; i < stages.size(); ++i) {
    for (const std::uint32_t d : stages[i].after) stages[d].next.push_back(i);
  }
  // The stages must form a DAG: depth-first search for a back edge.
  std::vector<int> mark(stages.size(), 0);  // 0 new, 1 on the path, 2 done
  std::vector<std::uint32_t> path;
  std::function<void(std::uint32_t)> visit = [&](std::uint32_t v) {
    mark[v] = 1;
    path.push_back(v);
    for (const std::uint32_t n : stages[v].next) {
      if (mark[n] == 1) {
        std::string cycle;
        auto it = std::find(path.begin(), path.end(), n);
        for (; it != path.end(); ++it) cycle += stages[*it].name + " -> ";
        entries[n].second.at("after").fail("the stages form a cycle: " + cycle + stages[n].name);
      }
      if (mark[n] == 0) visit(n);
    }
    path.pop_back();
    mark[v] = 2;
  };
  for (std::uint32_t v = 0; v < stages.size(); ++v) {
    if (mark[v] == 0) visit(v);
  }
  const std::optional<Link> out = ctx.optional_link(node, "to");
  return Pipeline(std::move(stages), std::move(pools), out, ctx.warmup(), ctx.interval(),
                  ctx.adaptive());
}

void Pipeline::report(ComponentReport& r, const ReportContext& /*ctx*/) const {
  r.count("runs", runs(), kText);
  r.latency("run", run_time().mean(), run_histogram(), kMean | kP99, kMean | kP99, true);
  r.text("critical_path", critical_path(), kText);
  r.value("cost_per_run", runs() ? cost() / static_cast<double>(runs()) : std::nan(""),
          Unit::kDollars, kHeadline);
  r.table("stages", "stage", "stages", {{"mean_s", Unit::kSeconds, true, kText}});
  for (std::size_t st = 0; st < stages().size(); ++st) {
    r.row(stages()[st].name, {stage_time(st).mean()});
  }
  r.summary_count(runs());
}

}  // namespace scalesim
