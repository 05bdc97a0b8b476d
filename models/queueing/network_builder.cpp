// Config to network: the top-level settings, each component built by the registry, and the
// wiring checks (ensemble members answer their ensemble, every component is reachable); the
// LP graph the partitioner reads; the per-LP hooks of the parallel kernel.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <queue>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/queueing/build_context.h"
#include "models/queueing/queueing_network.h"

namespace scalesim {

namespace {

// When the n-th request leaves a source, with the config's seed: each source's emission times
// are its own stream's draws (LpRandom(seed, lp), the first at init, then one per emission), so
// they can be replayed here and merged. Traces would need their files read twice: refused.
SimTime nth_emission_time(const QueueingNetwork& net, std::uint64_t n, const ConfigNode& at) {
  struct Next {
    SimTime time;
    LpId lp;
    bool operator>(const Next& o) const { return time != o.time ? time > o.time : lp > o.lp; }
  };
  struct Stream {
    ArrivalProcess process;
    LpRandom rng;
    std::uint64_t left;
  };
  std::vector<std::optional<Stream>> streams(net.lp_count());
  std::priority_queue<Next, std::vector<Next>, std::greater<>> heap;
  std::uint64_t total = 0;
  for (LpId lp = 0; lp < net.lp_count(); ++lp) {
    if (std::holds_alternative<TraceSource>(net.component(lp))) {
      at.fail("a warm-up in requests needs sources; with a trace ('" + net.name_of(lp) +
              "'), give the warm-up as a time");
    }
    const auto* src = std::get_if<Source>(&net.component(lp));
    if (src == nullptr || src->limit() == 0) continue;
    streams[lp].emplace(
        Stream{src->interarrival(), LpRandom(net.settings().seed, lp), src->limit()});
    total += std::min<std::uint64_t>(src->limit(), n);
    heap.push({streams[lp]->process.next_gap(streams[lp]->rng, 0), lp});
  }
  if (total < n) {
    at.fail("the sources emit " + std::to_string(total) +
            " requests: a warm-up of that many or more leaves nothing to measure");
  }
  for (std::uint64_t k = 1;; ++k) {
    const Next e = heap.top();
    if (k == n) return e.time;
    heap.pop();
    Stream& s = *streams[e.lp];
    if (--s.left > 0) heap.push({e.time + s.process.next_gap(s.rng, e.time), e.lp});
  }
}

}  // namespace

QueueingNetwork QueueingNetwork::from_config(const ConfigNode& root) {
  return build(root, nullptr);
}

QueueingNetwork QueueingNetwork::from_config(const ConfigNode& root,
                                             const hardware::Catalog& catalog) {
  return build(root, &catalog);
}

QueueingNetwork QueueingNetwork::build(const ConfigNode& root, const hardware::Catalog* catalog) {
  root.expect_keys({"name", "description", "seed", "warmup", "end", "output", "components",
                    "catalog", "slos", "knobs", "template"});
  // `knobs:` only holds the anchors (`&rate 20000/s`) that the components below refer to
  // (`*rate`): a template's settings grouped at the top. `template:` is the gallery's entry.
  if (const auto k = root.find("knobs"); k && !k->is_map()) {
    k->fail("knobs is a mapping of named values (`rate: &rate 20000/s`) used below as `*rate`");
  }
  if (const auto t = root.find("template")) {
    t->expect_keys({"title", "use_cases", "patterns"});
    if (t->string("title").empty()) t->at("title").fail("a template needs a title");
    for (const char* list : {"use_cases", "patterns"}) {
      const ConfigNode items = t->at(list);
      items.expect_sequence();
      if (items.size() == 0) items.fail(std::string(list) + " lists at least one entry");
      for (std::size_t i = 0; i < items.size(); ++i) (void)items[i].as_string();
    }
  }
  QueueingNetwork net;
  net.settings_.name = root.string_or("name", "network");
  net.settings_.description = root.string_or("description", "");
  const std::int64_t seed = root.integer_or("seed", 1);
  if (seed < 0) root.at("seed").fail("must be a non-negative integer");
  net.settings_.seed = static_cast<std::uint64_t>(seed);
  std::uint64_t warmup_requests = 0;
  if (const auto w = root.find("warmup"); w && w->is_map()) {
    w->expect_keys({"requests"});
    const std::int64_t n = w->at("requests").as_int();
    if (n < 1) w->at("requests").fail("the warm-up must be at least 1 request");
    warmup_requests = static_cast<std::uint64_t>(n);
  } else {
    net.settings_.warmup = root.duration_or("warmup", 0);
  }
  if (auto end = root.find("end")) {
    end->expect_keys({"time", "events"});
    if (auto t = end->find("time")) {
      net.settings_.end.end_time = t->as_duration();
      if (net.settings_.end.end_time <= 0) t->fail("the end time must be greater than zero");
    }
    if (auto e = end->find("events")) {
      const std::int64_t n = e->as_int();
      if (n <= 0) e->fail("the event limit must be at least 1");
      net.settings_.end.max_events = static_cast<std::uint64_t>(n);
    }
  }

  if (auto out = root.find("output")) {
    out->expect_keys({"interval", "requests"});
    if (auto i = out->find("interval")) {
      net.settings_.output_interval = i->as_duration();
      net.settings_.adaptive_interval = false;
      if (net.settings_.output_interval <= 0)
        i->fail("the time-series interval must be greater than zero");
    }
    if (auto r = out->find("requests")) {
      r->expect_keys({"sample"});
      const double f = r->number_or("sample", 1.0);
      if (!(f >= 0.0 && f <= 1.0)) r->at("sample").fail("the sampling fraction must lie in [0, 1]");
      net.settings_.request_sample = f;
    }
  }
  net.settings_.config_text = root.emit();
  net.settings_.config_source = root.origin();
  const ConfigNode comps = root.at("components");
  const auto entries = comps.entries();
  if (entries.empty()) comps.fail("a network needs at least one component");
  NameTable names;
  for (const auto& [name, node] : entries) names.emplace(name, static_cast<LpId>(names.size()));

  BuildContext ctx(root, names, net.settings_, catalog);
  bool unbounded_source = false;
  for (const auto& [name, node] : entries) {
    node.expect_map();
    ctx.set_self(static_cast<LpId>(net.components_.size()));
    const std::string type = node.string("type");
    auto built = Components::build(type, node, ctx);
    if (!built) {
      const std::vector<std::string> known(Components::kTypes.begin(), Components::kTypes.end());
      std::string msg = "unknown component type '" + type + "'";
      if (auto near = closest_match(type, known)) {
        msg += "; did you mean '" + *near + "'?";
      } else {
        msg += "; use ";
        for (std::size_t i = 0; i < known.size(); ++i) {
          msg += (i == 0 ? "" : i + 1 == known.size() ? " or " : ", ") + known[i];
        }
      }
      node.at("type").fail(msg);
    }
    net.components_.push_back(std::move(*built));
    net.names_.push_back(name);
    if (std::holds_alternative<Source>(net.components_.back()) && !node.has("customers")) {
      unbounded_source = true;
    }
  }
  if (const auto slos = root.find("slos")) {
    slos->expect_sequence();
    std::vector<std::pair<SloSpec, ConfigNode>> specs;
    for (std::size_t i = 0; i < slos->size(); ++i) {
      specs.emplace_back(SloSpec::from_config((*slos)[i]), (*slos)[i]);
      net.settings_.slos.push_back(specs.back().first);
    }
    check_slo_metrics(specs, headline_metrics(net, NetworkRun{}));
  }
  const LpGraph g = net.lp_graph();
  // An ensemble tells a member's answer from a new request by its sender, so every member must
  // answer the ensemble itself; an answer sent elsewhere would never be joined.
  for (LpId lp = 0; lp < net.lp_count(); ++lp) {
    const auto* ens = std::get_if<Ensemble>(&net.components_[lp]);
    if (ens == nullptr) continue;
    const ConfigNode list = entries[lp].second.at("members");
    for (std::size_t i = 0; i < ens->members().size(); ++i) {
      const LpId member = ens->members()[i].to;
      std::vector<LpId> targets;
      for (const auto& e : g.edges) {
        if (e.from == member) targets.push_back(e.to);
      }
      if (std::find(targets.begin(), targets.end(), lp) != targets.end()) continue;
      const std::string where =
          targets.empty() ? std::string("nowhere") : "'" + net.names_[targets.front()] + "'";
      const std::string msg = "ensemble member '" + net.names_[member] + "' sends its answers to " +
                              where + ", not back to the ensemble '" + net.names_[lp] +
                              "': set its `to:` to " + net.names_[lp];
      const ConfigNode& member_node = entries[member].second;
      if (member_node.has("to")) member_node.at("to").fail(msg);
      list[i].fail(msg);
    }
  }
  // Priorities are per request class, and a class is the source (or trace) that emitted it.
  for (LpId lp = 0; lp < net.lp_count(); ++lp) {
    const auto* st = std::get_if<Station>(&net.components_[lp]);
    if (st == nullptr || !st->priority_lines()) continue;
    const auto& levels = st->priority_lines()->level_of_source();
    for (LpId cls = 0; cls < levels.size(); ++cls) {
      if (levels[cls] == PriorityLines::kUnlisted) continue;
      const auto& c = net.components_[cls];
      if (!std::holds_alternative<Source>(c) && !std::holds_alternative<TraceSource>(c)) {
        entries[lp]
            .second.at("priorities")
            .at(net.names_[cls])
            .fail("priorities are per request class, and '" + net.names_[cls] +
                  "' is not a source or trace: requests take the class of the source that emitted "
                  "them");
      }
    }
  }
  // A by_class router's classes are sources or traces, and every class has a route (listed,
  // or the route without `classes:`): a request must never reach it with nowhere to go.
  for (LpId lp = 0; lp < net.lp_count(); ++lp) {
    const auto* router = std::get_if<Router>(&net.components_[lp]);
    if (router == nullptr || router->policy() != Router::Policy::kByClass) continue;
    const auto& route_of = router->route_of_class();
    const ConfigNode routes = entries[lp].second.at("routes");
    for (LpId cls = 0; cls < net.lp_count(); ++cls) {
      const auto& c = net.components_[cls];
      const bool is_class =
          std::holds_alternative<Source>(c) || std::holds_alternative<TraceSource>(c);
      const bool listed = cls < route_of.size() && route_of[cls] != router->default_route();
      if (listed && !is_class) {
        routes.fail("by_class routes request classes, and '" + net.names_[cls] +
                    "' is not a source or trace: requests take the class of the source that "
                    "emitted them");
      }
      if (is_class && !listed && router->default_route() == Router::kNoRoute) {
        routes.fail("request class '" + net.names_[cls] +
                    "' has no route: list it in a route's `classes:`, or leave one route "
                    "without `classes:` for every other class");
      }
    }
  }
  // An LLM engine needs each request's prompt and answer lengths: from a trace with both
  // columns, or its own prompt_tokens / output_tokens. A source or a trace without them that
  // reaches an engine lacking those is an error here, not in the middle of the run.
  for (LpId origin = 0; origin < net.lp_count(); ++origin) {
    const auto& c = net.components_[origin];
    const auto* trace = std::get_if<TraceSource>(&c);
    if (!std::holds_alternative<Source>(c) && (trace == nullptr || trace->sized())) continue;
    std::vector<bool> seen(net.lp_count(), false);
    std::vector<LpId> stack{origin};
    seen[origin] = true;
    while (!stack.empty()) {
      const LpId v = stack.back();
      stack.pop_back();
      const auto* engine = std::get_if<LlmEngine>(&net.components_[v]);
      if (engine != nullptr &&
          (engine->setup().default_prompt == 0 || engine->setup().default_output == 0)) {
        entries[v].second.fail(
            "llm_engine '" + net.names_[v] + "' gets requests without token counts from '" +
            net.names_[origin] + "' (" +
            (trace != nullptr ? "a trace without both size and aux columns"
                              : "a synthetic source") +
            "): give the trace its token columns (format: azure_llm, or columns: {size: ..., "
            "aux: ...}) or the engine prompt_tokens and output_tokens");
      }
      for (const auto& e : g.edges) {
        if (e.from == v && !seen[e.to]) {
          seen[e.to] = true;
          stack.push_back(e.to);
        }
      }
    }
  }
  // Every component must be reachable from something that starts work (a source, a trace, a
  // drift monitor): anything else can never see an event, which is a mistake in the wiring.
  {
    std::vector<std::vector<LpId>> next(net.lp_count());
    for (const auto& e : g.edges) next[e.from].push_back(e.to);
    std::vector<bool> seen(net.lp_count(), false);
    std::vector<LpId> stack;
    for (LpId lp = 0; lp < net.lp_count(); ++lp) {
      const auto& c = net.components_[lp];
      if (std::holds_alternative<Source>(c) || std::holds_alternative<TraceSource>(c) ||
          std::holds_alternative<DriftMonitor>(c)) {
        seen[lp] = true;
        stack.push_back(lp);
      }
    }
    while (!stack.empty()) {
      const LpId v = stack.back();
      stack.pop_back();
      for (const LpId n : next[v]) {
        if (!seen[n]) {
          seen[n] = true;
          stack.push_back(n);
        }
      }
    }
    for (LpId lp = 0; lp < net.lp_count(); ++lp) {
      if (!seen[lp]) {
        entries[lp].second.fail("component '" + net.names_[lp] +
                                "' is unreachable: no source, trace or monitor leads to it");
      }
    }
  }
  if (unbounded_source && net.settings_.end.end_time == kTimeInfinity &&
      net.settings_.end.max_events == UINT64_MAX) {
    root.fail(
        "the run would never end: set end.time or end.events, or a 'customers' limit on every "
        "source");
  }
  if (warmup_requests > 0) {
    // The first N requests are the warm-up: it ends when request N + 1 is emitted. Components
    // take their warm-up time when they are built, so build again with that time.
    const SimTime t = nth_emission_time(net, warmup_requests + 1, root.at("warmup").at("requests"));
    ConfigNode timed = ConfigNode::load_string(root.emit(), root.origin());
    timed.set_path("warmup", std::to_string(t) + "ns");
    QueueingNetwork rebuilt = build(timed, catalog);
    rebuilt.settings_.warmup_requests = warmup_requests;
    return rebuilt;
  }
  return net;
}

void QueueingNetwork::record_requests(bool on) {
  for (auto& c : components_) {
    if (auto* k = std::get_if<Sink>(&c)) k->record_requests(on);
  }
}

void QueueingNetwork::stream_requests(RecordStream* to, std::size_t block) {
  for (auto& c : components_) {
    if (auto* k = std::get_if<Sink>(&c)) k->stream_requests(to, block);
  }
}

LpId QueueingNetwork::lp_of(std::string_view name) const {
  for (LpId i = 0; i < names_.size(); ++i) {
    if (names_[i] == name) return i;
  }
  throw std::out_of_range("no component named '" + std::string(name) + "'");
}

LpGraph QueueingNetwork::lp_graph() const {
  LpGraph g;
  g.lp_count = lp_count();
  g.lp_names = names_;
  // Traffic equations: inflow per LP from source rates through stations and routers. Passes
  // repeat so feed-forward networks of any depth settle (cycles converge towards the solution).
  std::vector<double> inflow(lp_count(), 0.0);
  for (std::uint32_t pass = 0; pass <= lp_count(); ++pass) {
    std::vector<double> next(lp_count(), 0.0);
    for (LpId lp = 0; lp < lp_count(); ++lp) {
      std::visit(
          [&](const auto& c) {
            using T = std::decay_t<decltype(c)>;
            if constexpr (std::is_same_v<T, Source>) {
              next[c.out().to] += c.interarrival().mean_rate();
            } else if constexpr (std::is_same_v<T, TraceSource>) {
              next[c.out().to] += c.rate_estimate();
            } else if constexpr (kServesCustomers<T> || std::is_same_v<T, TrainingJob> ||
                                 std::is_same_v<T, FederatedRounds> ||
                                 std::is_same_v<T, Pipeline>) {
              if (c.out()) next[c.out()->to] += inflow[lp];
            } else if constexpr (std::is_same_v<T, FeatureLookup> ||
                                 std::is_same_v<T, NetworkLink>) {
              next[c.out().to] += inflow[lp];
            } else if constexpr (std::is_same_v<T, Router>) {
              // A balancer by load sees each request twice (out and back).
              const double requests = c.out() ? inflow[lp] / 2.0 : inflow[lp];
              for (std::size_t i = 0; i < c.routes().size(); ++i)
                next[c.routes()[i].to] += requests * c.probability(i);
              if (c.out()) next[c.out()->to] += requests;
            } else if constexpr (std::is_same_v<T, CascadeGate>) {
              const double share = c.expected_accept_share();
              const double p = std::isnan(share) ? 0.5 : share;
              next[c.accept().to] += inflow[lp] * p;
              next[c.escalate().to] += inflow[lp] * (1 - p);
            } else if constexpr (std::is_same_v<T, DriftMonitor>) {
              next[c.retrain().to] += 1.0 / to_seconds(c.setup().check_every) * 0.01;
            } else if constexpr (std::is_same_v<T, VersionSplitter>) {
              // Each request arrives once from outside and once back from its version.
              const double requests = inflow[lp] / 2.0;
              next[c.stable().to] += requests * (1 - c.plan().steps.front());
              next[c.canary().to] += requests * c.plan().steps.front();
              next[c.out().to] += requests;
            } else if constexpr (std::is_same_v<T, Ensemble>) {
              // Each request arrives once from outside and once back from every member.
              const double requests = inflow[lp] / static_cast<double>(c.members().size() + 1);
              for (const Link& m : c.members()) next[m.to] += requests;
              next[c.out().to] += requests;
            }
          },
          components_[lp]);
    }
    inflow.swap(next);
  }
  g.lp_load.resize(lp_count());
  for (LpId lp = 0; lp < lp_count(); ++lp) {
    std::visit(
        [&](const auto& c) {
          using T = std::decay_t<decltype(c)>;
          if constexpr (std::is_same_v<T, Source>) {
            const double rate = c.interarrival().mean_rate();
            g.lp_load[lp] = rate;
            g.edges.push_back({lp, c.out().to, c.out().latency, rate});
          } else if constexpr (std::is_same_v<T, TraceSource>) {
            g.lp_load[lp] = c.rate_estimate();
            g.edges.push_back({lp, c.out().to, c.out().latency, c.rate_estimate()});
          } else if constexpr (std::is_same_v<T, FeatureLookup>) {
            g.lp_load[lp] = 2 * inflow[lp];
            g.edges.push_back({lp, c.out().to, c.out().latency, inflow[lp]});
          } else if constexpr (std::is_same_v<T, NetworkLink>) {
            g.lp_load[lp] = inflow[lp];
            g.edges.push_back({lp, c.out().to, c.out().latency, inflow[lp]});
          } else if constexpr (std::is_same_v<T, DriftMonitor>) {
            const double checks = 1.0 / to_seconds(c.setup().check_every);
            g.lp_load[lp] = checks;
            g.edges.push_back({lp, c.retrain().to, c.retrain().latency, 0.01 * checks});
          } else if constexpr (std::is_same_v<T, Pipeline>) {
            g.lp_load[lp] = inflow[lp] * (1.0 + static_cast<double>(c.stages().size()));
            if (c.out()) g.edges.push_back({lp, c.out()->to, c.out()->latency, inflow[lp]});
          } else if constexpr (std::is_same_v<T, FederatedRounds>) {
            g.lp_load[lp] = inflow[lp] * (1.0 + c.setup().rounds);
            if (c.out()) g.edges.push_back({lp, c.out()->to, c.out()->latency, inflow[lp]});
          } else if constexpr (std::is_same_v<T, TrainingJob>) {
            g.lp_load[lp] = inflow[lp] * (1.0 + c.setup().epochs);
            if (c.out()) g.edges.push_back({lp, c.out()->to, c.out()->latency, inflow[lp]});
          } else if constexpr (kServesCustomers<T>) {
            // An arrival and a service completion per customer; an LLM engine adds an event per
            // iteration, and a request spans many (about 20 events per request on the bundled
            // Azure conversation trace: configs/examples/llm_serving_azure.yaml, --stats).
            g.lp_load[lp] = (std::is_same_v<T, LlmEngine> ? 20.0 : 2.0) * inflow[lp];
            if (c.out()) g.edges.push_back({lp, c.out()->to, c.out()->latency, inflow[lp]});
            if constexpr (requires { c.on_reject(); }) {
              // Rejections are meant to be rare: a light edge, but an edge (it bounds lookahead).
              if (c.on_reject()) {
                g.edges.push_back(
                    {lp, c.on_reject()->to, c.on_reject()->latency, 0.01 * inflow[lp]});
              }
            }
            if constexpr (std::is_same_v<T, Station>) {
              if (c.on_abandon()) {
                g.edges.push_back(
                    {lp, c.on_abandon()->to, c.on_abandon()->latency, 0.01 * inflow[lp]});
              }
            }
          } else if constexpr (std::is_same_v<T, VersionSplitter>) {
            g.lp_load[lp] = inflow[lp];
            const double requests = inflow[lp] / 2.0;
            g.edges.push_back({lp, c.stable().to, c.stable().latency, requests});
            g.edges.push_back({lp, c.canary().to, c.canary().latency, requests});
            g.edges.push_back({lp, c.out().to, c.out().latency, requests});
          } else if constexpr (std::is_same_v<T, Ensemble>) {
            g.lp_load[lp] = inflow[lp];
            const double requests = inflow[lp] / static_cast<double>(c.members().size() + 1);
            for (const Link& m : c.members()) g.edges.push_back({lp, m.to, m.latency, requests});
            g.edges.push_back({lp, c.out().to, c.out().latency, requests});
          } else if constexpr (std::is_same_v<T, CascadeGate>) {
            g.lp_load[lp] = inflow[lp];
            const double share = c.expected_accept_share();
            const double p = std::isnan(share) ? 0.5 : share;
            g.edges.push_back({lp, c.accept().to, c.accept().latency, inflow[lp] * p});
            g.edges.push_back({lp, c.escalate().to, c.escalate().latency, inflow[lp] * (1 - p)});
          } else if constexpr (std::is_same_v<T, Router>) {
            g.lp_load[lp] = inflow[lp];
            if (c.out()) g.edges.push_back({lp, c.out()->to, c.out()->latency, inflow[lp] / 2.0});
            if (c.on_reject()) {
              g.edges.push_back({lp, c.on_reject()->to, c.on_reject()->latency, 0.01 * inflow[lp]});
            }
            for (std::size_t i = 0; i < c.routes().size(); ++i) {
              g.edges.push_back(
                  {lp, c.routes()[i].to, c.routes()[i].latency, inflow[lp] * c.probability(i)});
            }
          } else {
            g.lp_load[lp] = inflow[lp];
          }
        },
        components_[lp]);
  }
  return g;
}

void QueueingNetwork::finish_lp(LpId lp, SimTime end) {
  std::visit([&](auto& c) { c.finish(end); }, components_[lp]);
}

void QueueingNetwork::save_lp(LpId lp, ByteWriter& w) const {
  std::visit([&](const auto& c) { c.save(w); }, components_[lp]);
}
void QueueingNetwork::load_lp(LpId lp, ByteReader& r) {
  std::visit([&](auto& c) { c.load(r); }, components_[lp]);
}

}  // namespace scalesim
