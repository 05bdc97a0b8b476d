#include "models/queueing/topology_drawing.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scalesim/config/config_node.h"

namespace scalesim {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string dot_fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

// 12.3k/s, 950/s: a rate with three significant digits.
std::string rate_text(double per_s) {
  if (per_s >= 1e6) return dot_fmt("%.3g", per_s / 1e6) + "M/s";
  if (per_s >= 1e3) return dot_fmt("%.3g", per_s / 1e3) + "k/s";
  return dot_fmt("%.3g", per_s) + "/s";
}

std::string duration_text(double s) {
  if (s >= 1.0) return dot_fmt("%.3g", s) + " s";
  if (s >= 1e-3) return dot_fmt("%.3g", s * 1e3) + " ms";
  return dot_fmt("%.3g", s * 1e6) + " us";
}

// DOT's quoted strings: a quote or backslash escaped; labels use \n (centred lines).
std::string dot_quoted(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '\n') {
      out += "\\n";  // a centred line break in a label
      continue;
    }
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
}

std::string scalar(const ConfigNode& node, std::string_view key) {
  const auto n = node.find(key);
  return n && n->is_scalar() ? n->as_string() : std::string();
}

// The lines under a component's name: what it runs, on what, how many, how it batches.
std::vector<std::string> describe(const ConfigNode& c) {
  std::vector<std::string> lines;
  const std::string type = scalar(c, "type");
  std::string what = type;
  if (const std::string model = scalar(c, "model"); !model.empty()) what += ": " + model;
  lines.push_back(what);
  std::string where;
  for (const char* key : {"gpu", "cpu", "redis_node", "store", "object_store"}) {
    if (const std::string v = scalar(c, key); !v.empty()) where = v;
  }
  std::string count;
  const bool store = type == "feature_lookup";  // its replicas are per shard
  for (const auto& [key, unit] :
       std::vector<std::pair<const char*, const char*>>{{"shards", "shards"},
                                                        {"replicas", "replicas"},
                                                        {"servers", "servers"},
                                                        {"instances", "instances"},
                                                        {"nodes", "nodes"},
                                                        {"gpus_per_node", "GPUs/node"}}) {
    const std::string v = scalar(c, key);
    if (v.empty()) continue;
    if (store && std::string_view(key) == "replicas") {
      count += " (+" + v + (v == "1" ? " replica" : " replicas") + " each)";
    } else {
      count += (count.empty() ? "" : ", ") + v + " " + unit;
    }
  }
  for (const auto& [key, unit] : std::vector<std::pair<const char*, const char*>>{
           {"tensor_parallel", "TP"}, {"pipeline_parallel", "PP"}}) {
    if (const std::string v = scalar(c, key); !v.empty())
      count += ", " + std::string(unit) + " " + v;
  }
  if (!where.empty() || !count.empty()) {
    lines.push_back(where + (where.empty() || count.empty() ? "" : " x ") + count);
  }
  if (const auto db = c.find("dynamic_batching"); db && db->is_map()) {
    std::string b = "batch <= " + scalar(*db, "max_batch_size");
    if (const std::string d = scalar(*db, "max_queue_delay"); !d.empty()) b += ", wait <= " + d;
    lines.push_back(b);
  } else if (const auto bt = c.find("batch"); bt && bt->is_map()) {
    lines.push_back("batch <= " + scalar(*bt, "max"));
  }
  if (const auto s = c.find("scheduler")) {
    const std::string name = s->is_map() ? scalar(*s, "name") : s->as_string();
    if (!name.empty()) lines.push_back("scheduler " + name);
  }
  if (const auto p = c.find("policy"); p && p->is_scalar()) lines.push_back(p->as_string());
  if (const std::string t = scalar(c, "threshold"); !t.empty()) {
    lines.push_back("threshold " + t);
  }
  return lines;
}

// Utilisation as a colour from green (idle) through yellow to red (saturated).
std::string load_colour(double u) {
  if (!std::isfinite(u)) return "#e8e8e8";
  u = std::clamp(u, 0.0, 1.0);
  const double hue = (1.0 - u) * 0.33;  // 0.33 green .. 0 red (HSV, as DOT takes it)
  return dot_fmt("%.3f", hue) + " 0.45 0.95";
}

std::string shape_of(std::string_view type) {
  if (type == "source" || type == "trace") return "invhouse";
  if (type == "sink") return "house";
  if (type == "router" || type == "cascade_gate" || type == "version_splitter") return "diamond";
  if (type == "feature_lookup") return "cylinder";
  if (type == "link") return "cds";
  return "box";
}

}  // namespace

std::vector<ComponentLoad> component_loads(const QueueingNetwork& net, const NetworkRun& run) {
  const std::vector<ComponentReport> reports = component_reports(net, run);
  std::vector<ComponentLoad> loads;
  loads.reserve(reports.size());
  for (const ComponentReport& r : reports) {
    ComponentLoad l{kNaN, kNaN, kNaN, false};
    if (const auto* u = r.find("utilisation")) {
      l.utilisation = u->value;
    } else {
      for (const auto& s : r.scalars()) {
        if (s.unit == Unit::kShare && s.key.find("utilisation") != std::string::npos) {
          l.utilisation = s.value;
          l.hottest = s.key.find("hottest") != std::string::npos;
          break;
        }
      }
    }
    if (const auto* t = r.find("throughput_per_s")) {
      l.throughput_per_s = t->value;
    } else if (r.summary_count() > 0 && run.end_time > 0) {
      // Counts that include the warm-up (a source's emissions): over the whole run.
      l.throughput_per_s = static_cast<double>(r.summary_count()) / to_seconds(run.end_time);
    }
    const auto& lat = r.latencies();
    const auto main = std::find_if(lat.begin(), lat.end(), [](const auto& x) { return x.primary; });
    const auto* chosen = main != lat.end() ? &*main : (lat.empty() ? nullptr : &lat.front());
    if (chosen != nullptr && chosen->histogram->count() > 0) {
      l.p99_s = chosen->histogram->quantile(0.99) * 1e-9;
    }
    loads.push_back(l);
  }
  return loads;
}

std::string topology_dot(const QueueingNetwork& net, const std::vector<ComponentLoad>* loads) {
  const ConfigNode root = ConfigNode::load_string(net.settings().config_text);
  const ConfigNode components = root.at("components");
  std::string dot = "digraph " + dot_quoted(net.settings().name) + " {\n";
  dot +=
      "  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=11, label=" +
      dot_quoted(net.settings().name +
                 (loads != nullptr ? " (colour: utilisation, green idle to red saturated)" : "")) +
      ", labelloc=t];\n";
  dot +=
      "  node [fontname=\"Helvetica\", fontsize=10, style=\"filled,rounded\", "
      "fillcolor=\"#f4f6fa\"];\n  edge [fontname=\"Helvetica\", fontsize=9];\n";
  for (LpId lp = 0; lp < net.lp_count(); ++lp) {
    const std::string& name = net.name_of(lp);
    const ConfigNode c = components.at(name);
    std::string label = name;
    for (const std::string& line : describe(c)) label += "\n" + line;
    std::string attrs = "shape=" + shape_of(type_name(net.component(lp)));
    if (loads != nullptr) {
      const ComponentLoad& l = (*loads)[lp];
      std::string measured;
      if (std::isfinite(l.utilisation)) {
        measured +=
            (l.hottest ? "hottest shard " : "") + dot_fmt("%.0f", l.utilisation * 100) + "% busy";
      }
      if (std::isfinite(l.throughput_per_s)) {
        measured += (measured.empty() ? "" : ", ") + rate_text(l.throughput_per_s);
      }
      if (std::isfinite(l.p99_s)) {
        measured += (measured.empty() ? "" : ", ") + std::string("p99 ") + duration_text(l.p99_s);
      }
      if (!measured.empty()) label += "\n" + measured;
      attrs += ", fillcolor=" + dot_quoted(load_colour(l.utilisation));
    }
    dot += "  " + dot_quoted(name) + " [label=" + dot_quoted(label) + ", " + attrs + "];\n";
  }
  // One arrow per connection (several links between the same two components are one arrow,
  // labelled with the shortest latency).
  std::map<std::pair<LpId, LpId>, SimTime> arrows;
  for (const LpEdge& e : net.lp_graph().edges) {
    const auto key = std::make_pair(e.from, e.to);
    const auto it = arrows.find(key);
    if (e.from == e.to) continue;
    if (it == arrows.end() || e.min_latency < it->second) arrows[key] = e.min_latency;
  }
  for (const auto& [ends, latency] : arrows) {
    dot +=
        "  " + dot_quoted(net.name_of(ends.first)) + " -> " + dot_quoted(net.name_of(ends.second));
    if (latency > 0) dot += " [label=" + dot_quoted(duration_text(to_seconds(latency))) + "]";
    dot += ";\n";
  }
  return dot + "}\n";
}

}  // namespace scalesim
