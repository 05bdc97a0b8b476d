#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "models/queueing/build_context.h"
#include "models/queueing/component_report.h"
#include "models/queueing/priority_lines.h"
#include "models/queueing/server_report.h"
#include "models/queueing/station.h"
#include "scalesim/config/config_node.h"

namespace scalesim {

Station Station::from_config(const ConfigNode& node, BuildContext& ctx) {
  node.expect_keys({"type", "servers", "service", "to", "capacity", "on_reject", "patience",
                    "deadline", "on_abandon", "discipline", "priorities", "batch"});
  const std::int64_t servers = node.integer_or("servers", 1);
  if (servers < 1 || servers > 1'000'000) node.at("servers").fail("must be between 1 and 1000000");
  const std::optional<Link> out = ctx.optional_link(node, "to");
  Station station(static_cast<std::uint32_t>(servers),
                  Distribution::from_config(node.at("service")), out, ctx.warmup(), ctx.interval(),
                  ctx.adaptive());
  if (const auto k = node.find("capacity")) {
    // K counts customers waiting and in service (Kendall's M/M/c/K), so it is at least c.
    const std::int64_t capacity = k->as_int();
    if (capacity < servers) {
      k->fail("capacity " + std::to_string(capacity) + " is below the " + std::to_string(servers) +
              " servers: it counts customers waiting and in service, so it must be at least that");
    }
    station.limit_capacity(static_cast<std::uint64_t>(capacity),
                           ctx.optional_link(node, "on_reject"));
  } else if (node.has("on_reject")) {
    node.at("on_reject").fail("on_reject needs a capacity: rejections happen only when it is full");
  }
  const std::string discipline = node.string_or("discipline", "fifo");
  if (discipline == "priority" || discipline == "preemptive_priority") {
    if (!node.has("priorities")) {
      node.at("discipline")
          .fail("discipline " + discipline +
                " needs `priorities:`, a level per request class (source name: 0 is most urgent)");
    }
    const ConfigNode levels = node.at("priorities");
    if (!levels.is_map() || levels.size() == 0) {
      levels.fail(
          "priorities map request classes (source names) to levels, e.g. {chat: 0, "
          "batch: 1}");
    }
    std::vector<std::uint8_t> level_of_source;
    std::uint32_t most = 0;
    for (const auto& [name, level_node] : levels.entries()) {
      const std::int64_t level = level_node.as_int();
      if (level < 0 || level > 15)
        level_node.fail("a priority level lies in 0..15 (0: most urgent)");
      const LpId lp = ctx.resolve(level_node, name);
      if (level_of_source.size() <= lp) level_of_source.resize(lp + 1, PriorityLines::kUnlisted);
      level_of_source[lp] = static_cast<std::uint8_t>(level);
      most = std::max(most, static_cast<std::uint32_t>(level));
    }
    // Classes not listed are the least urgent: one level below every listed one.
    station.prioritise(PriorityLines(std::move(level_of_source), most + 2),
                       discipline == "preemptive_priority");
  } else if (discipline == "processor_sharing") {
    station.share_servers();
  } else if (discipline != "fifo") {
    std::string msg = "unknown discipline '" + discipline +
                      "' (fifo, priority, preemptive_priority or processor_sharing)";
    if (auto near = closest_match(
            discipline, {"fifo", "priority", "preemptive_priority", "processor_sharing"})) {
      msg += "; did you mean '" + *near + "'?";
    }
    node.at("discipline").fail(msg);
  }
  if (discipline != "priority" && discipline != "preemptive_priority" && node.has("priorities")) {
    node.at("priorities")
        .fail("priorities need `discipline: priority` or `discipline: preemptive_priority`");
  }
  if (discipline != "fifo" && (node.has("patience") || node.has("deadline"))) {
    node.at(node.has("patience") ? "patience" : "deadline")
        .fail("patience and deadlines work with discipline fifo only (not " + discipline + ")");
  }
  if (const auto b = node.find("batch")) {
    b->expect_keys({"max", "min", "max_queue_delay", "per_item", "service_by_size"});
    if (!b->has("max")) {
      b->fail("a batch needs `max`, the largest batch a server takes (e.g. batch: {max: 8})");
    }
    BatchRule rule;
    const std::int64_t max = b->integer("max");
    if (max < 1 || max > 65536) b->at("max").fail("the batch size max lies in 1..65536");
    const std::int64_t min = b->integer_or("min", 1);
    if (min < 1 || min > max) b->at("min").fail("min lies in 1..max (" + std::to_string(max) + ")");
    rule.max = static_cast<std::uint32_t>(max);
    rule.min = static_cast<std::uint32_t>(min);
    rule.max_queue_delay = b->duration_or("max_queue_delay", 0);
    rule.per_item = b->duration_or("per_item", 0);
    if (const auto laws = b->find("service_by_size")) {
      if (!laws->is_map() || laws->size() == 0) {
        laws->fail(
            "service_by_size maps a batch size to its service law, e.g. {1: {distribution: "
            "deterministic, value: 10ms}, 8: {...}}");
      }
      rule.by_size.resize(rule.max);
      for (const auto& [size_text, law] : laws->entries()) {
        char* end = nullptr;
        const long size = std::strtol(size_text.c_str(), &end, 10);
        if (end == size_text.c_str() || *end != '\0' || size < 1 || size > max) {
          law.fail("a batch size in service_by_size is a whole number in 1..max (" +
                   std::to_string(max) + "), not '" + size_text + "'");
        }
        rule.by_size[static_cast<std::size_t>(size - 1)] = Distribution::from_config(law);
      }
    }
    if (discipline != "fifo") b->fail("batch service works with discipline fifo only");
    if (node.has("capacity")) {
      node.at("capacity").fail("capacity and batch service together are not supported yet");
    }
    station.serve_in_batches(std::move(rule));
  }
  std::optional<Distribution> patience;
  if (const auto p = node.find("patience")) patience = Distribution::from_config(*p);
  SimTime deadline = 0;
  if (const auto d = node.find("deadline")) {
    deadline = d->as_duration();
    if (deadline <= 0)
      d->fail("a deadline must be positive (it counts from the request's creation)");
  }
  if (patience || deadline != 0) {
    station.limit_waiting(std::move(patience), deadline, ctx.optional_link(node, "on_abandon"));
  } else if (node.has("on_abandon")) {
    node.at("on_abandon")
        .fail("on_abandon needs a patience or a deadline: nobody leaves without one");
  }
  return station;
}

void Station::report(ComponentReport& r, const ReportContext& ctx) const {
  r.text("service", std::to_string(servers()) + " x " + service().describe(), kText);
  report_service(r, ctx, *this, kMean, kNoPart);
  if (capacity() != 0) {
    r.count("capacity", capacity(), kText);
    admission().report(r, ctx, on_reject());
    r.value("mean_in_system", mean_in_system(ctx.end_time), Unit::kNumber, kHeadline);
  }
  if (batching()) {
    r.count("batch_min", static_cast<std::uint64_t>(batching()->rule().min));
    r.count("batch_max", static_cast<std::uint64_t>(batching()->rule().max));
    r.count("batches", batching()->batches(), kText);
    r.value("mean_batch_size", batching()->mean_batch_size(), Unit::kNumber, kHeadline);
  }
  if (discipline() != Discipline::kFifo) {
    r.text("discipline", discipline_name(discipline()), kText);
  }
  if (!class_stats().empty()) {
    r.count("preemptions", preemptions(),
            discipline() == Discipline::kPreemptivePriority ? kText : kDetail);
    r.table("priority_levels", "level", "levels",
            {{"served", Unit::kCount, false, kDetail},
             {"mean_wait_s", Unit::kSeconds, true, kHeadline},
             {"mean_sojourn_s", Unit::kSeconds, true, kHeadline}},
            "priority");
    for (std::size_t level = 0; level < class_stats().size(); ++level) {
      const ClassStats& k = class_stats()[level];
      r.row(std::to_string(level),
            {static_cast<double>(k.sojourn.count()), k.wait.mean(), k.sojourn.mean()});
    }
  }
  if (abandons()) {
    r.count("abandoned", abandoned(), kText);
    r.value("abandonment_probability", abandonment_probability(), Unit::kShare, kHeadline);
    r.value("mean_time_to_abandon_s", time_to_abandon().mean(), Unit::kSeconds, kText);
    r.text("on_abandon", on_abandon() ? ctx.name_of(on_abandon()->to) : "dropped", kText);
  }
}

}  // namespace scalesim
