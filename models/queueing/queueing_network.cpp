#include "queueing_network.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>

#include "hardware/catalog/catalog.h"
#include "patterns/feature_lookup_config.h"
#include "patterns/training_job_config.h"
#include "scalesim/config/units.h"
#include "scalesim/result_hash.h"
#include "serving/model_server_config.h"

namespace scalesim {
namespace {

constexpr double kReportLevel = 0.99;  // confidence level of reported intervals

using NameTable = std::map<std::string, LpId, std::less<>>;

std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

LpId resolve(const ConfigNode& at, const std::string& target, const NameTable& names) {
  const auto it = names.find(target);
  if (it != names.end()) return it->second;
  std::vector<std::string> known;
  for (const auto& kv : names) known.push_back(kv.first);
  std::string msg = "no component named '" + target + "'";
  if (auto near = closest_match(target, known)) msg += "; did you mean '" + *near + "'?";
  at.fail(msg);
}

// `to: name` or `to: {component: name, latency: 1ms}`.
Link parse_link(const ConfigNode& node, const NameTable& names, LpId self) {
  Link link;
  if (node.is_scalar()) {
    link.to = resolve(node, node.as_string(), names);
  } else {
    node.expect_keys({"component", "latency"});
    link.to = resolve(node.at("component"), node.string("component"), names);
    link.latency = node.duration_or("latency", 0);
  }
  if (link.to == self) node.fail("a component may not send to itself");
  return link;
}

ArrivalProcess parse_arrivals(const ConfigNode& node) {
  node.expect_keys({"process", "rate", "cv", "burst_rate", "calm_to_burst", "burst_to_calm",
                    "amplitude", "peak"});
  const std::string process = node.string("process");
  const double rate = node.rate("rate");
  if (!(rate > 0)) node.at("rate").fail("the arrival rate must be greater than zero");
  // A mean gap beyond ~290 years would not fit simulated time (int64 nanoseconds).
  if (!(1.0 / rate < 9e9)) node.at("rate").fail("the arrival rate is below one per 285 years");
  const SimTime mean = from_seconds(1.0 / rate);
  if (mean <= 0) node.at("rate").fail("the arrival rate is above 1/ns");
  if (process == "poisson") return ArrivalProcess::renewal(Distribution::exponential(mean));
  if (process == "deterministic") return ArrivalProcess::renewal(Distribution::deterministic(mean));
  if (process == "lognormal") {
    const double cv = node.number("cv");
    if (!(cv > 0)) node.at("cv").fail("cv must be greater than zero");
    return ArrivalProcess::renewal(Distribution::lognormal(mean, cv));
  }
  if (process == "mmpp") {
    // `rate` is the calm rate; bursts arrive at `burst_rate`; the switching rates set how often
    // and for how long (mean burst = 1 / burst_to_calm).
    const double burst = node.rate("burst_rate");
    const double up = node.rate("calm_to_burst");
    const double down = node.rate("burst_to_calm");
    if (!(burst > 0) || !(up > 0) || !(down > 0)) {
      node.fail("mmpp needs burst_rate, calm_to_burst and burst_to_calm greater than zero");
    }
    return ArrivalProcess::mmpp(rate, burst, up, down);
  }
  if (process == "diurnal") {
    const double amplitude = node.number_or("amplitude", 0.5);
    if (!(amplitude >= 0 && amplitude <= 1)) node.at("amplitude").fail("must lie in [0, 1]");
    return ArrivalProcess::diurnal(rate, amplitude,
                                   node.duration_or("peak", SimTime{14} * 3600 * kSecond));
  }
  std::string msg = "unknown arrival process '" + process + "'";
  if (auto near =
          closest_match(process, {"poisson", "deterministic", "lognormal", "mmpp", "diurnal"})) {
    msg += "; did you mean '" + *near + "'?";
  } else {
    msg += "; use poisson, deterministic, lognormal, mmpp or diurnal";
  }
  node.at("process").fail(msg);
}

// The hardware catalog, loaded on first use (only model servers need it).
class LazyCatalog {
 public:
  explicit LazyCatalog(const ConfigNode& root) : root_(root) {}
  const hardware::Catalog& get() {
    if (!catalog_) {
      std::string dir = hardware::Catalog::default_dir();
      if (const auto c = root_.find("catalog")) {
        // Relative to the config file, so a config and its catalog travel together.
        const std::filesystem::path p(c->as_string());
        dir = p.is_absolute() ? p.string()
                              : (std::filesystem::path(root_.origin()).parent_path() / p).string();
      }
      try {
        catalog_.emplace(hardware::Catalog::load(dir));
      } catch (const hardware::CatalogError& e) {
        (root_.has("catalog") ? root_.at("catalog") : root_).fail(e.what());
      }
    }
    return *catalog_;
  }

 private:
  const ConfigNode& root_;
  std::optional<hardware::Catalog> catalog_;
};

const std::vector<std::string>& component_types() {
  static const std::vector<std::string> kTypes = {"source", "station",      "router",
                                                  "sink",   "model_server", "link"};
  return kTypes;
}

// A share written "5%" or as a fraction "0.05", in [0, 1].
double share_at(const ConfigNode& node) {
  std::string text = node.as_string();
  double v = 0;
  if (!text.empty() && text.back() == '%') {
    text.pop_back();
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size())
      node.fail("expected a share such as 5% or 0.05");
    v /= 100.0;
  } else {
    v = node.as_double();
  }
  if (!(v >= 0 && v <= 1)) node.fail("a share must lie between 0 and 100%");
  return v;
}

QueueingNetwork::Component build_component(const ConfigNode& node, const std::string& type,
                                           const NameTable& names, LpId self,
                                           NetworkSettings& settings, LazyCatalog& catalog) {
  const SimTime warmup = settings.warmup;
  const SimTime interval = settings.output_interval;
  const bool adaptive = settings.adaptive_interval;
  if (type == "source") {
    node.expect_keys({"type", "arrivals", "customers", "to"});
    const std::int64_t limit = node.integer_or("customers", -1);
    if (node.has("customers") && limit <= 0) node.at("customers").fail("must be at least 1");
    return Source(parse_arrivals(node.at("arrivals")), parse_link(node.at("to"), names, self),
                  limit < 0 ? UINT64_MAX : static_cast<std::uint64_t>(limit), interval, adaptive);
  }
  if (type == "station") {
    node.expect_keys({"type", "servers", "service", "to"});
    const std::int64_t servers = node.integer_or("servers", 1);
    if (servers < 1 || servers > 1'000'000)
      node.at("servers").fail("must be between 1 and 1000000");
    std::optional<Link> out;
    if (auto to = node.find("to")) out = parse_link(*to, names, self);
    return Station(static_cast<std::uint32_t>(servers),
                   Distribution::from_config(node.at("service")), out, warmup, interval, adaptive);
  }
  if (type == "link") {
    node.expect_keys({"type", "to", "outages", "in_flight"});
    std::vector<NetworkLink::Outage> outages;
    if (const auto list = node.find("outages")) {
      list->expect_sequence();
      for (std::size_t i = 0; i < list->size(); ++i) {
        const ConfigNode o = (*list)[i];
        o.expect_keys({"at", "for"});
        NetworkLink::Outage out{o.duration("at"), o.duration("for")};
        if (out.duration <= 0) o.at("for").fail("an outage must last longer than zero");
        if (!outages.empty() && out.at < outages.back().at + outages.back().duration)
          o.at("at").fail("outages must be listed in time order and must not overlap");
        outages.push_back(out);
      }
    }
    const std::string policy = node.string_or("in_flight", "hold");
    if (policy != "hold" && policy != "fail")
      node.at("in_flight").fail("must be hold or fail, got '" + policy + "'");
    return NetworkLink(parse_link(node.at("to"), names, self), std::move(outages), policy == "hold",
                       settings.warmup, interval, adaptive);
  }
  if (type == "router") {
    node.expect_keys({"type", "routes", "policy", "out"});
    const std::string policy = node.string_or("policy", "random");
    Router::Policy rule = Router::Policy::kRandom;
    if (policy == "round_robin") {
      rule = Router::Policy::kRoundRobin;
    } else if (policy == "least_outstanding") {
      rule = Router::Policy::kLeastOutstanding;
    } else if (policy == "power_of_two") {
      rule = Router::Policy::kPowerOfTwo;
    } else if (policy != "random") {
      node.at("policy").fail("unknown policy '" + policy +
                             "'; use random, round_robin, least_outstanding or power_of_two");
    }
    const bool by_load =
        rule == Router::Policy::kLeastOutstanding || rule == Router::Policy::kPowerOfTwo;
    if (by_load != node.has("out")) {
      node.fail(by_load ? "least_outstanding and power_of_two need `out:` (backends answer back "
                          "through the router, which forwards answers there)"
                        : "`out:` is only for the least_outstanding and power_of_two policies");
    }
    std::optional<Link> out;
    if (by_load) out = parse_link(node.at("out"), names, self);
    const ConfigNode routes = node.at("routes");
    routes.expect_sequence();
    if (routes.size() == 0) routes.fail("a router needs at least one route");
    std::vector<Link> links;
    std::vector<double> probs;
    double total = 0;
    for (std::size_t i = 0; i < routes.size(); ++i) {
      const ConfigNode r = routes[i];
      r.expect_keys({"to", "probability", "latency"});
      Link link;
      link.to = resolve(r.at("to"), r.string("to"), names);
      link.latency = r.duration_or("latency", 0);
      const double p = r.number("probability");
      if (!(p >= 0 && std::isfinite(p))) {
        r.at("probability").fail("must be a non-negative number (a share or a weight)");
      }
      links.push_back(link);
      probs.push_back(p);
      total += p;
    }
    if (!(total > 0 && std::isfinite(total))) {
      routes.fail(total > 0 ? "route probabilities are too large to add up"
                            : "route probabilities are all zero: no route can be taken");
    }
    // Weights such as 1, 1, 1 are shares of their total. Shares that already sum to 1 are kept
    // as written, so such configs give the same results bit for bit.
    if (std::fabs(total - 1.0) > 1e-9) {
      for (double& p : probs) p /= total;
    }
    if (by_load && links.size() < 2) node.at("routes").fail("balancing by load needs two routes");
    return Router(std::move(links), probs, interval, adaptive, rule, out);
  }
  if (type == "sink") {
    node.expect_keys({"type"});
    return Sink(warmup, interval, adaptive, settings.request_sample);
  }
  if (type == "model_server") {
    node.expect_keys({"type", "to", "model", "input", "precision", "gpu", "cpu", "software",
                      "replicas", "instances", "dynamic_batching", "failures"});
    ModelServerSetup setup = model_server_setup(node, catalog.get());
    settings.price_per_hour += setup.price_per_hour;
    std::optional<Link> out;
    if (auto to = node.find("to")) out = parse_link(*to, names, self);
    return ModelServer(std::move(setup), out, warmup, interval, adaptive);
  }
  if (type == "trace") {
    node.expect_keys({"type", "file", "format", "columns", "time_format", "time_scale", "repeat",
                      "sort", "customers", "to"});
    TraceLayout layout;
    const std::string format = node.string_or("format", "csv");
    if (format == "azure_llm") {
      layout.size_column = "ContextTokens";
      layout.aux_column = "GeneratedTokens";
    } else if (format != "csv") {
      node.at("format").fail("unknown trace format '" + format + "'; use azure_llm or csv");
    }
    if (const auto cols = node.find("columns")) {
      cols->expect_keys({"time", "size", "aux"});
      layout.time_column = cols->string_or("time", layout.time_column);
      layout.size_column = cols->string_or("size", layout.size_column);
      layout.aux_column = cols->string_or("aux", layout.aux_column);
    }
    if (const auto tf = node.find("time_format")) {
      const std::string f = tf->as_string();
      using TF = TraceLayout::TimeFormat;
      if (f == "datetime")
        layout.time_format = TF::kDatetime;
      else if (f == "s")
        layout.time_format = TF::kSeconds;
      else if (f == "ms")
        layout.time_format = TF::kMilliseconds;
      else if (f == "us")
        layout.time_format = TF::kMicroseconds;
      else if (f == "ns")
        layout.time_format = TF::kNanoseconds;
      else
        tf->fail("unknown time_format '" + f + "'; use datetime, s, ms, us or ns");
    }
    const double scale = node.has("time_scale") ? node.positive_number("time_scale") : 1.0;
    const std::int64_t repeat = node.integer_or("repeat", 1);
    if (repeat < 1) node.at("repeat").fail("must be at least 1");
    const std::int64_t limit = node.integer_or("customers", -1);
    if (node.has("customers") && limit <= 0) node.at("customers").fail("must be at least 1");
    // A relative path is relative to the config file; "-" is standard input.
    std::filesystem::path file(node.string("file"));
    if (file.is_relative() && file != "-") {
      file = std::filesystem::path(node.origin()).parent_path() / file;
    }
    try {
      TraceReader reader(file.string(), layout, scale, static_cast<std::uint64_t>(repeat),
                         node.boolean_or("sort", false));
      const auto preview = reader.preview(10000);  // checks the header and first rows now
      return TraceSource(std::move(reader), parse_link(node.at("to"), names, self),
                         limit < 0 ? UINT64_MAX : static_cast<std::uint64_t>(limit),
                         preview.rate_per_s, interval, adaptive);
    } catch (const TraceError& e) {
      node.at("file").fail(e.what());
    }
  }
  if (type == "drift_monitor") {
    node.expect_keys({"type", "fresh_accuracy", "drift_per_day", "shifts", "threshold",
                      "check_every", "eval_samples", "retrain"});
    DriftSetup d;
    if (const auto a = node.find("fresh_accuracy")) d.fresh_accuracy = share_at(*a);
    if (const auto r = node.find("drift_per_day")) d.drift_per_day = share_at(*r);
    if (const auto sh = node.find("shifts")) {
      sh->expect_keys({"every", "drop"});
      d.shift_every = sh->duration("every");
      if (d.shift_every <= 0) sh->at("every").fail("must be greater than zero");
      d.shift_drop = share_at(sh->at("drop"));
    }
    d.threshold = share_at(node.at("threshold"));
    if (d.threshold >= d.fresh_accuracy) {
      node.at("threshold").fail("must be below fresh_accuracy, or it would retrain forever");
    }
    d.check_every = node.duration_or("check_every", SimTime{3600} * kSecond);
    if (d.check_every <= 0) node.at("check_every").fail("must be greater than zero");
    const std::int64_t samples = node.integer_or("eval_samples", 1000);
    if (samples < 1) node.at("eval_samples").fail("must be at least 1");
    d.eval_samples = static_cast<std::uint32_t>(samples);
    return DriftMonitor(d, parse_link(node.at("retrain"), names, self), interval, adaptive);
  }
  if (type == "pipeline") {
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
            if (auto near = closest_match(dep, stage_names))
              msg += "; did you mean '" + *near + "'?";
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
        const TrainingJobSetup t = training_job_setup(snode.at("training"), catalog.get());
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
    std::optional<Link> out;
    if (auto to = node.find("to")) out = parse_link(*to, names, self);
    return Pipeline(std::move(stages), std::move(pools), out, warmup, interval, adaptive);
  }
  if (type == "federated_rounds") {
    node.expect_keys({"type", "clients", "per_round", "over_selection", "availability", "dropout",
                      "rounds", "algorithm", "deadline", "min_reports", "model_bytes", "compute",
                      "downlink", "uplink", "server_overhead", "secure_aggregation", "cost", "to"});
    FederatedSetup f;
    auto count = [&](std::string_view key, std::int64_t def, std::int64_t max) {
      const std::int64_t v = node.integer_or(key, def);
      if (v < 1 || v > max) node.at(key).fail("must be between 1 and " + std::to_string(max));
      return static_cast<std::uint32_t>(v);
    };
    f.clients = count("clients", 1000, 100'000'000);
    f.per_round = count("per_round", 100, 1'000'000);
    if (f.per_round > f.clients) node.at("per_round").fail("more than the client population");
    f.over_selection = node.number_or("over_selection", 1.0);
    if (f.over_selection < 1.0) node.at("over_selection").fail("must be at least 1");
    if (const auto a = node.find("availability")) f.availability = share_at(*a);
    if (const auto d = node.find("dropout")) f.dropout = share_at(*d);
    f.rounds = count("rounds", 100, 100'000'000);
    const std::string algo = node.string_or("algorithm", "fedavg");
    if (algo != "fedavg" && algo != "fedprox") {
      node.at("algorithm").fail("unknown algorithm '" + algo + "'; use fedavg or fedprox");
    }
    f.fedprox = algo == "fedprox";
    f.deadline = node.duration_or("deadline", kTimeInfinity);
    if (f.fedprox && f.deadline == kTimeInfinity) node.fail("fedprox needs a round deadline");
    f.min_reports = count("min_reports", 1, 1'000'000);
    f.model_bytes = node.bytes("model_bytes");
    auto lognormal = [&](std::string_view key, bool bandwidth) {
      const ConfigNode n = node.at(key);
      n.expect_keys({"median", "sigma"});
      LogNormal l;
      l.median = bandwidth ? n.bandwidth("median") : to_seconds(n.duration("median"));
      if (!(l.median > 0)) n.at("median").fail("must be greater than zero");
      l.sigma = n.number_or("sigma", 0.0);
      if (l.sigma < 0) n.at("sigma").fail("may not be negative");
      return l;
    };
    f.compute_seconds = lognormal("compute", false);
    f.downlink = lognormal("downlink", true);
    f.uplink = lognormal("uplink", true);
    f.server_overhead = node.duration_or("server_overhead", 0);
    if (const auto cost = node.find("cost")) {
      cost->expect_keys({"server_per_hour", "egress_per_gb"});
      f.server_price_per_hour = cost->number_or("server_per_hour", 0);
      f.egress_price_per_gb = cost->number_or("egress_per_gb", 0);
      if (f.server_price_per_hour < 0 || f.egress_price_per_gb < 0) {
        cost->fail("prices may not be negative");
      }
    }
    if (const auto sa = node.find("secure_aggregation")) {
      sa->expect_keys({"per_pair"});
      f.secagg_per_pair = sa->duration("per_pair");
    }
    std::optional<Link> out;
    if (auto to = node.find("to")) out = parse_link(*to, names, self);
    return FederatedRounds(f, out, interval, adaptive);
  }
  if (type == "feature_lookup") {
    node.expect_keys({"type", "redis_node", "shards", "replicas", "keys", "zipf",
                      "keys_per_request", "key_bytes", "value_bytes", "clients", "rtt", "failure",
                      "to"});
    FeatureStoreSetup setup = feature_store_setup(node, catalog.get(), settings.seed);
    settings.price_per_hour += setup.price_per_hour;
    return FeatureLookup(std::move(setup), parse_link(node.at("to"), names, self), warmup, interval,
                         adaptive);
  }
  if (type == "training_job") {
    node.expect_keys({"type", "model", "gpu", "software", "precision", "gpus_per_node", "nodes",
                      "batch_per_gpu", "input", "trainable_fraction",
                      "optimizer_bytes_per_parameter", "samples", "epochs", "storage", "nic",
                      "to"});
    TrainingJobSetup setup = training_job_setup(node, catalog.get());
    settings.price_per_hour += setup.price_per_hour;
    std::optional<Link> out;
    if (auto to = node.find("to")) out = parse_link(*to, names, self);
    return TrainingJob(std::move(setup), out, interval, adaptive);
  }
  if (type == "version_splitter") {
    node.expect_keys({"type", "stable", "canary", "steps", "step_duration", "rollback",
                      "error_rate", "fault", "to"});
    CanaryPlan plan;
    const ConfigNode steps = node.at("steps");
    steps.expect_sequence();
    for (std::size_t i = 0; i < steps.size(); ++i) {
      plan.steps.push_back(share_at(steps[i]));
      if (i > 0 && plan.steps[i] <= plan.steps[i - 1]) steps[i].fail("steps must increase");
    }
    if (plan.steps.empty() || plan.steps.back() != 1.0) steps.fail("the last step must be 100%");
    plan.step_duration = node.duration("step_duration");
    if (plan.step_duration <= 0) node.at("step_duration").fail("must be greater than zero");
    if (const auto rb = node.find("rollback")) {
      rb->expect_keys({"max_p99", "max_error_rate", "min_answers"});
      plan.max_p99 = rb->duration_or("max_p99", kTimeInfinity);
      if (const auto e = rb->find("max_error_rate")) plan.max_error_rate = share_at(*e);
      plan.min_answers =
          static_cast<std::uint64_t>(std::max<std::int64_t>(1, rb->integer_or("min_answers", 100)));
    }
    if (const auto er = node.find("error_rate")) {
      er->expect_keys({"stable", "canary"});
      if (const auto v = er->find("stable")) plan.stable_error_rate = share_at(*v);
      if (const auto v = er->find("canary")) plan.canary_error_rate = share_at(*v);
    }
    if (const auto f = node.find("fault")) {
      f->expect_keys({"at", "error_rate", "delay"});
      plan.fault_at = f->duration("at");
      plan.fault_error_rate =
          f->has("error_rate") ? share_at(f->at("error_rate")) : plan.canary_error_rate;
      plan.fault_delay = f->duration_or("delay", 0);
    }
    return VersionSplitter(
        parse_link(node.at("stable"), names, self), parse_link(node.at("canary"), names, self),
        parse_link(node.at("to"), names, self), std::move(plan), warmup, interval, adaptive);
  }
  if (type == "ensemble") {
    node.expect_keys({"type", "members", "quorum", "timeout", "combiner", "to"});
    const ConfigNode list = node.at("members");
    list.expect_sequence();
    if (list.size() < 2) list.fail("an ensemble needs at least two members");
    std::vector<Link> members;
    for (std::size_t i = 0; i < list.size(); ++i) {
      members.push_back(parse_link(list[i], names, self));
      for (std::size_t j = 0; j + 1 < members.size(); ++j) {
        if (members[j].to == members.back().to) list[i].fail("a member is listed twice");
      }
    }
    const std::int64_t quorum =
        node.integer_or("quorum", static_cast<std::int64_t>(members.size()));
    if (quorum < 1 || quorum > static_cast<std::int64_t>(members.size())) {
      node.at("quorum").fail("must lie between 1 and the number of members");
    }
    return Ensemble(std::move(members), static_cast<std::uint32_t>(quorum),
                    node.duration_or("timeout", 0), node.duration_or("combiner", 0),
                    parse_link(node.at("to"), names, self), warmup, interval, adaptive);
  }
  if (type == "cascade_gate") {
    node.expect_keys({"type", "confidence", "threshold", "accept", "escalate"});
    const double threshold = node.number("threshold");
    if (!(threshold >= 0 && threshold <= 1)) node.at("threshold").fail("must lie in [0, 1]");
    const ConfigNode conf = node.at("confidence");
    CascadeGate::Field field = CascadeGate::Field::kNone;
    double scale = 1.0;
    ConfidenceScoreDistribution dist(1, 1);
    if (conf.has("field")) {
      conf.expect_keys({"field", "scale"});
      const std::string f = conf.string("field");
      if (f == "size") {
        field = CascadeGate::Field::kSize;
      } else if (f == "aux") {
        field = CascadeGate::Field::kAux;
      } else {
        conf.at("field").fail(
            "a request carries `size` and `aux`; map the trace's confidence "
            "column to one of them");
      }
      scale = conf.has("scale") ? conf.positive_number("scale") : 1.0;
    } else {
      dist = ConfidenceScoreDistribution::from_config(conf);
    }
    return CascadeGate(dist, threshold, parse_link(node.at("accept"), names, self),
                       parse_link(node.at("escalate"), names, self), interval, adaptive, field,
                       scale);
  }
  std::string msg = "unknown component type '" + type + "'";
  if (auto near = closest_match(type, component_types())) {
    msg += "; did you mean '" + *near + "'?";
  } else {
    msg +=
        "; use source, trace, station, router, sink, model_server, cascade_gate, ensemble, "
        "version_splitter or link";
  }
  node.at("type").fail(msg);
}

}  // namespace

QueueingNetwork QueueingNetwork::from_config(const ConfigNode& root) {
  root.expect_keys(
      {"name", "description", "seed", "warmup", "end", "output", "components", "catalog", "slos"});
  LazyCatalog catalog(root);
  QueueingNetwork net;
  net.settings_.name = root.string_or("name", "network");
  net.settings_.description = root.string_or("description", "");
  const std::int64_t seed = root.integer_or("seed", 1);
  if (seed < 0) root.at("seed").fail("must be a non-negative integer");
  net.settings_.seed = static_cast<std::uint64_t>(seed);
  net.settings_.warmup = root.duration_or("warmup", 0);
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

  bool unbounded_source = false;
  for (const auto& [name, node] : entries) {
    node.expect_map();
    const LpId self = static_cast<LpId>(net.components_.size());
    net.components_.push_back(
        build_component(node, node.string("type"), names, self, net.settings_, catalog));
    net.names_.push_back(name);
    if (node.string("type") == "source" && !node.has("customers")) unbounded_source = true;
    // Crashes and repairs go on for ever: only a time limit ends such a run.
    if (node.string("type") == "model_server" && node.has("failures") &&
        net.settings_.end.end_time == kTimeInfinity) {
      node.at("failures").fail("replica failures need a time limit: add end: {time: ...}");
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

std::uint64_t result_hash_of(const QueueingNetwork& net, const NetworkRun& run) {
  ResultHash h;
  h.add(run.counters.events_processed);
  h.add(run.counters.events_past_end);
  h.add(run.end_time);
  h.add(std::span<const std::uint64_t>(run.processed_per_lp));
  for (LpId lp = 0; lp < net.lp_count(); ++lp) {
    h.add(net.name_of(lp));
    std::visit(
        [&](const auto& c) {
          if constexpr (kServesCustomers<std::decay_t<decltype(c)>>) {
            c.hash_into(h, run.end_time);
          } else {
            c.hash_into(h);
          }
          for (const auto& row : c.series().rows()) {
            for (double v : {row.t_s, row.utilisation, row.queue_length, row.throughput_per_s})
              h.add(v);
          }
        },
        net.component(lp));
  }
  return h.value();
}

SimTime statistics_time(const QueueingNetwork& net, const KernelCounters& c) {
  // Statistics are taken at the end time when one is set, else at the last event.
  return net.settings().end.end_time != kTimeInfinity && !c.stopped_by_event_limit && !c.interrupted
             ? net.settings().end.end_time
             : c.last_event_time;
}

NetworkRun simulate(QueueingNetwork& net, std::uint64_t seed) {
  const auto start = std::chrono::steady_clock::now();
  SequentialKernel<QueueingNetwork> kernel(net, seed, net.settings().end);
  kernel.init();
  NetworkRun run;
  run.counters = kernel.run();
  run.processed_per_lp = kernel.processed_per_lp();
  run.end_time = statistics_time(net, run.counters);
  for (LpId lp = 0; lp < net.lp_count(); ++lp) net.finish_lp(lp, run.end_time);
  run.owned.assign(net.lp_count(), 1);
  run.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  run.result_hash = result_hash_of(net, run);
  return run;
}

NetworkRun simulate(QueueingNetwork& net, std::uint64_t seed, Transport& transport,
                    const ParallelOptions& options) {
  if (transport.size() == 1 && options.threads == 1) return simulate(net, seed);
  const auto start = std::chrono::steady_clock::now();
  const auto parts = static_cast<std::uint32_t>(transport.size() * options.threads);
  const Partition partition = partition_lps(net.lp_graph(), parts, options.partition);
  ParallelKernel<QueueingNetwork> kernel(net, seed, net.settings().end, partition, transport,
                                         options.threads);
  kernel.run();
  NetworkRun run;
  run.counters = kernel.counters();
  run.processed_per_lp = kernel.processed_per_lp();
  run.end_time = statistics_time(net, run.counters);
  run.ranks = transport.size();
  run.threads = options.threads;
  run.partition_report = partition.report();

  // Close each LP's time series where it lives, then give every rank every LP's reported state
  // (small: counters, histograms, series), so all ranks hold complete, identical results.
  ByteWriter mine;
  for (LpId lp = 0; lp < net.lp_count(); ++lp) {
    if (!kernel.owned_here(lp)) continue;
    net.finish_lp(lp, run.end_time);
    mine.put(lp);
    net.save_lp(lp, mine);
  }
  for (const auto& bytes : transport.allgather(mine.bytes())) {
    ByteReader r(bytes.data(), bytes.size());
    while (!r.done()) {
      const auto lp = r.get<LpId>();
      net.load_lp(lp, r);
    }
  }
  for (LpId lp = 0; lp < net.lp_count(); ++lp) run.owned.push_back(kernel.owned_here(lp) ? 1 : 0);
  ByteWriter stats;
  stats.put(kernel.rank_stats());
  for (const auto& bytes : transport.gather(stats.bytes(), 0)) {
    ByteReader r(bytes.data(), bytes.size());
    run.rank_stats.push_back(r.get<ParallelStats>());
  }
  run.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  run.result_hash = result_hash_of(net, run);
  return run;
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
            g.lp_load[lp] = 2 * inflow[lp];  // an arrival and a service completion per customer
            if (c.out()) g.edges.push_back({lp, c.out()->to, c.out()->latency, inflow[lp]});
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

Metrics headline_metrics(const QueueingNetwork& net, const NetworkRun& run) {
  Metrics m;
  double requests_per_s = 0;
  double compute_dollars_per_s = 0;
  for (LpId lp = 0; lp < net.lp_count(); ++lp) {
    const std::string& name = net.name_of(lp);
    if (const auto* st = std::get_if<Station>(&net.component(lp))) {
      m.emplace_back(name + ".mean_wait_s", st->wait().mean());
      m.emplace_back(name + ".utilisation", st->utilisation(run.end_time));
    } else if (const auto* ms = std::get_if<ModelServer>(&net.component(lp))) {
      m.emplace_back(name + ".mean_wait_s", ms->wait().mean());
      m.emplace_back(name + ".utilisation", ms->utilisation(run.end_time));
      m.emplace_back(name + ".mean_batch_size", ms->batch_size().mean());
      m.emplace_back(name + ".p99_sojourn_s", ms->sojourn_histogram().quantile(0.99) * 1e-9);
      const double span = to_seconds(run.end_time - std::min(run.end_time, net.settings().warmup));
      const double per_s = span > 0 ? static_cast<double>(ms->sojourn().count()) / span : 0.0;
      m.emplace_back(name + ".throughput_per_s", per_s);
      m.emplace_back(name + ".throughput_per_replica_per_s", per_s / ms->setup().replicas);
      compute_dollars_per_s += ms->mean_busy_replicas(run.end_time) * ms->setup().price_per_hour /
                               ms->setup().replicas / 3600.0;
      if (ms->setup().failures.enabled) {
        m.emplace_back(name + ".availability", ms->availability(run.end_time));
        m.emplace_back(name + ".outage_share", ms->outage_share(run.end_time));
        m.emplace_back(name + ".crashes", static_cast<double>(ms->crashes()));
        m.emplace_back(name + ".failed_requests", static_cast<double>(ms->failed_requests()));
        m.emplace_back(name + ".retried_requests", static_cast<double>(ms->retried_requests()));
      }
    } else if (const auto* g = std::get_if<CascadeGate>(&net.component(lp))) {
      m.emplace_back(name + ".accepted_share", g->accepted_share());
    } else if (const auto* fl = std::get_if<FeatureLookup>(&net.component(lp))) {
      m.emplace_back(name + ".p50_lookup_s", fl->histogram().quantile(0.5) * 1e-9);
      m.emplace_back(name + ".p99_lookup_s", fl->histogram().quantile(0.99) * 1e-9);
      m.emplace_back(name + ".mean_lookup_s", fl->latency().mean());
      m.emplace_back(name + ".hot_shard_ratio", fl->hot_shard_ratio());
      double hottest = 0;
      for (std::uint32_t sh = 0; sh < fl->setup().shards; ++sh) {
        hottest = std::max(hottest, fl->shard_utilisation(sh, run.end_time));
      }
      m.emplace_back(name + ".hottest_shard_utilisation", hottest);
      m.emplace_back(name + ".memory_per_shard_bytes", fl->setup().memory_per_shard_bytes);
      m.emplace_back(name + ".failover_waits", static_cast<double>(fl->failover_waits()));
    } else if (const auto* dm = std::get_if<DriftMonitor>(&net.component(lp))) {
      m.emplace_back(name + ".retrains", static_cast<double>(dm->deployments()));
      m.emplace_back(name + ".stale_share", dm->stale_share(run.end_time));
      m.emplace_back(name + ".mean_accuracy", dm->mean_accuracy(run.end_time));
      m.emplace_back(name + ".mean_retrain_s", dm->retrain_time().mean());
    } else if (const auto* pl = std::get_if<Pipeline>(&net.component(lp))) {
      m.emplace_back(name + ".mean_run_s", pl->run_time().mean());
      m.emplace_back(name + ".p99_run_s", pl->run_histogram().quantile(0.99) * 1e-9);
      m.emplace_back(name + ".cost_per_run",
                     pl->runs() ? pl->cost() / static_cast<double>(pl->runs()) : std::nan(""));
    } else if (const auto* fr = std::get_if<FederatedRounds>(&net.component(lp))) {
      m.emplace_back(name + ".mean_round_s", fr->round_time().mean());
      m.emplace_back(name + ".p99_round_s", fr->round_histogram().quantile(0.99) * 1e-9);
      m.emplace_back(name + ".time_to_rounds_s", fr->training_time().mean());
      m.emplace_back(name + ".bytes_moved", fr->bytes_moved());
      m.emplace_back(name + ".mean_participants", fr->participants().mean());
      m.emplace_back(name + ".failed_rounds", static_cast<double>(fr->failed_rounds()));
      m.emplace_back(name + ".cost_per_run", fr->cost_per_run());
    } else if (const auto* tj = std::get_if<TrainingJob>(&net.component(lp))) {
      m.emplace_back(name + ".training_time_s", tj->run_time().mean());
      m.emplace_back(name + ".gpu_hours", tj->gpu_hours());
      m.emplace_back(name + ".cost_per_run", tj->completed()
                                                 ? tj->cost() / static_cast<double>(tj->completed())
                                                 : std::nan(""));
      m.emplace_back(name + ".samples_per_s", tj->setup().samples_per_second);
    } else if (const auto* v = std::get_if<VersionSplitter>(&net.component(lp))) {
      const double nan = std::nan("");
      m.emplace_back(name + ".rollout_s", v->rolled_out() ? to_seconds(v->rolled_out_at()) : nan);
      m.emplace_back(name + ".rolled_back", v->rolled_back() ? 1.0 : 0.0);
      m.emplace_back(name + ".rollback_s",
                     v->rolled_back() ? to_seconds(v->rolled_back_at()) : nan);
      m.emplace_back(name + ".canary_share", v->share());
      for (int ver : {VersionSplitter::kStable, VersionSplitter::kCanary}) {
        const std::string tag = ver == VersionSplitter::kStable ? ".stable" : ".canary";
        const double n = static_cast<double>(v->answers(ver));
        m.emplace_back(name + tag + "_error_rate",
                       n > 0 ? static_cast<double>(v->errors(ver)) / n : 0.0);
        m.emplace_back(name + tag + "_p99_latency_s", v->latency(ver).quantile(0.99) * 1e-9);
      }
    } else if (const auto* e = std::get_if<Ensemble>(&net.component(lp))) {
      m.emplace_back(name + ".mean_join_s", e->join_latency().mean());
      m.emplace_back(name + ".p99_join_s", e->join_histogram().quantile(0.99) * 1e-9);
      m.emplace_back(name + ".mean_straggler_gap_s", e->straggler_gap().mean());
      m.emplace_back(name + ".timeout_share", e->requests() ? static_cast<double>(e->timeouts()) /
                                                                  static_cast<double>(e->requests())
                                                            : 0.0);
    } else if (const auto* nl = std::get_if<NetworkLink>(&net.component(lp))) {
      m.emplace_back(name + ".availability", nl->availability(run.end_time));
      m.emplace_back(name + ".held_requests", static_cast<double>(nl->held()));
      m.emplace_back(name + ".mean_hold_s", nl->held_time().mean());
      m.emplace_back(name + ".failed_requests", static_cast<double>(nl->dropped()));
    } else if (const auto* k = std::get_if<Sink>(&net.component(lp))) {
      m.emplace_back(name + ".mean_latency_s", k->latency().mean());
      m.emplace_back(name + ".p50_latency_s", k->histogram().quantile(0.5) * 1e-9);
      m.emplace_back(name + ".p99_latency_s", k->histogram().quantile(0.99) * 1e-9);
      m.emplace_back(name + ".throughput_per_s", k->throughput());
      requests_per_s += k->throughput();
    }
  }
  m.emplace_back("run.makespan_s", to_seconds(run.end_time));
  const double price = net.settings().price_per_hour;
  if (price > 0) {
    const double nan = std::nan("");
    m.emplace_back("cost.per_hour", price);
    m.emplace_back("cost.per_million_requests",
                   requests_per_s > 0 ? price / 3600.0 / requests_per_s * 1e6 : nan);
    m.emplace_back("cost.compute_per_million_requests",
                   requests_per_s > 0 ? compute_dollars_per_s / requests_per_s * 1e6 : nan);
  }
  return m;
}

std::vector<SloResult> slo_results(const QueueingNetwork& net, const NetworkRun& run) {
  return evaluate_slos(net.settings().slos, headline_metrics(net, run));
}

namespace {

std::string slo_value(const SloResult& r) {
  const std::string& t = r.spec.target_text;
  if (t.find('%') != std::string::npos) return fmt("%.1f%%", 100 * r.value);
  if (t.size() > 2 && t.compare(t.size() - 2, 2, "/h") == 0) return fmt("%.4g/h", r.value * 3600);
  if (t.size() > 4 && t.compare(t.size() - 4, 4, "/min") == 0) return fmt("%.4g/min", r.value * 60);
  if (t.find('/') != std::string::npos) return fmt("%.4g/s", r.value);
  if (t.find('$') != std::string::npos) return fmt("$%.4g", r.value);
  if (t.find_first_of("munµh") != std::string::npos || (t.size() > 1 && t.back() == 's')) {
    return format_duration(r.value);
  }
  return fmt("%.4g", r.value);
}

}  // namespace

ReplicationSummary run_replications(const QueueingNetwork& base, std::uint64_t seed,
                                    int replications, Transport& transport, int threads) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<int> mine;
  for (int i = 0; i < replications; ++i) {
    if (i % transport.size() == transport.rank()) mine.push_back(i);  // ranks split statically
  }
  std::vector<std::vector<double>> values(mine.size());
  std::vector<std::uint64_t> hashes(mine.size());
  std::vector<std::string> names;
  std::vector<std::exception_ptr> errors(mine.size());
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
#endif
  for (std::size_t j = 0; j < mine.size(); ++j) {
    try {
      QueueingNetwork net = base;
      const NetworkRun run = simulate(net, seed + static_cast<std::uint64_t>(mine[j]));
      for (const auto& [name, v] : headline_metrics(net, run)) values[j].push_back(v);
      hashes[j] = run.result_hash;
    } catch (...) {
      errors[j] = std::current_exception();
    }
  }
  for (const auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  ByteWriter w;
  for (std::size_t j = 0; j < mine.size(); ++j) {
    w.put(mine[j]);
    w.put(hashes[j]);
    w.put_vector(values[j]);
  }
  const auto all = transport.gather(w.bytes(), 0);
  ReplicationSummary e;
  e.name = base.settings().name;
  e.seed = seed;
  e.replications = replications;
  e.ranks = transport.size();
  e.threads = threads;
  if (transport.rank() == 0) {
    for (const auto& [name, v] : headline_metrics(base, NetworkRun{}))
      e.metric_names.push_back(name);
    e.values.resize(static_cast<std::size_t>(replications));
    e.hashes.resize(static_cast<std::size_t>(replications));
    for (const auto& bytes : all) {
      ByteReader r(bytes.data(), bytes.size());
      while (!r.done()) {
        const auto i = static_cast<std::size_t>(r.get<int>());
        e.hashes[i] = r.get<std::uint64_t>();
        e.values[i] = r.get_vector<double>();
      }
    }
    ResultHash h;
    h.add(std::span<const std::uint64_t>(e.hashes));
    e.result_hash = h.value();
  }
  e.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return e;
}

std::string summary_text(const ReplicationSummary& e) {
  std::string s = "ScaleSim replications: " + e.name + ", " + std::to_string(e.replications) +
                  " replications (seeds " + std::to_string(e.seed) + ".." +
                  std::to_string(e.seed + static_cast<std::uint64_t>(e.replications) - 1) +
                  ") on " + std::to_string(e.ranks) + " ranks x " + std::to_string(e.threads) +
                  " threads, " + fmt("%.3f", e.wall_seconds) + " s wall\n";
  for (std::size_t m = 0; m < e.metric_names.size(); ++m) {
    Welford w;
    for (const auto& rep : e.values) w.add(rep[m]);
    const auto ci = t_interval(w, kReportLevel);
    s += "  " + e.metric_names[m] + ": " + fmt("%.6g", ci.mean) + " +- " +
         fmt("%.3g", ci.half_width) + " (99% CI across replications)\n";
  }
  s += "  result hash " + hex(e.result_hash) + "\n";
  return s;
}

void write_json(JsonWriter& out, const ReplicationSummary& e) {
  out.begin_object();
  out.value("name", e.name);
  out.value("version", SCALESIM_VERSION);
  out.value("replications", e.replications);
  out.value("seed", e.seed);
  out.value("ranks", e.ranks);
  out.value("threads", e.threads);
  out.value("wall_s", e.wall_seconds);
  out.begin_array("metrics");
  for (std::size_t m = 0; m < e.metric_names.size(); ++m) {
    Welford w;
    for (const auto& rep : e.values) w.add(rep[m]);
    const auto ci = t_interval(w, kReportLevel);
    out.begin_object();
    out.value("name", e.metric_names[m]);
    out.value("mean", ci.mean);
    out.value("ci99_half_width", ci.half_width);
    out.begin_array("values");
    for (const auto& rep : e.values) out.value("", rep[m]);
    out.end_array();
    out.end_object();
  }
  out.end_array();
  out.value("result_hash", hex(e.result_hash));
  out.end_object();
}

std::string stats_text(const NetworkRun& run) {
  std::string s = "parallel run: " + std::to_string(run.ranks) + " ranks x " +
                  std::to_string(run.threads) + " threads\n  " + run.partition_report + "\n";
  s += parallel_stats_table(run.rank_stats);
  return s;
}

std::string summary_text(const QueueingNetwork& net, const NetworkRun& run) {
  std::string s;
  s += "ScaleSim run: " + net.settings().name + "\n";
  if (!net.settings().description.empty()) s += "  " + net.settings().description + "\n";
  s += "  simulated " + format_duration(to_seconds(run.end_time)) + " in " +
       fmt("%.3f", run.wall_seconds) + " s wall; " + std::to_string(run.counters.events_processed) +
       " events (" +
       fmt("%.3g",
           static_cast<double>(run.counters.events_processed) / std::max(run.wall_seconds, 1e-9)) +
       " events/s)\n";
  if (net.settings().warmup > 0) {
    s += "  statistics exclude the warm-up (first " +
         format_duration(to_seconds(net.settings().warmup)) + ")\n";
  }
  for (LpId lp = 0; lp < net.lp_count(); ++lp) {
    const std::string& name = net.name_of(lp);
    std::visit(
        [&](const auto& c) {
          using T = std::decay_t<decltype(c)>;
          if constexpr (std::is_same_v<T, Source>) {
            s += "  source  " + name + ": " + std::to_string(c.emitted()) +
                 " customers, inter-arrival " + c.interarrival().describe() + "\n";
          } else if constexpr (std::is_same_v<T, TraceSource>) {
            s += "  trace   " + name + ": " + std::to_string(c.emitted()) + " requests from " +
                 c.path() + "\n";
          } else if constexpr (std::is_same_v<T, Station>) {
            const auto ci = c.wait_batches().interval(kReportLevel);
            s += "  station " + name + " (" + std::to_string(c.servers()) + " x " +
                 c.service().describe() + "): served " + std::to_string(c.departures()) +
                 ", utilisation " + fmt("%.1f%%", 100 * c.utilisation(run.end_time)) +
                 ", mean queue " + fmt("%.3g", c.mean_queue_length(run.end_time)) + "\n";
            s += "          wait mean " + format_duration(c.wait().mean()) + " (99% CI +-" +
                 format_duration(ci.half_width) + "), p99 " +
                 format_duration(c.wait_histogram().quantile(0.99) * 1e-9) + "; sojourn mean " +
                 format_duration(c.sojourn().mean()) + ", p99 " +
                 format_duration(c.sojourn_histogram().quantile(0.99) * 1e-9) + "\n";
          } else if constexpr (std::is_same_v<T, ModelServer>) {
            s += "  server  " + name + " (" + c.setup().description + "): served " +
                 std::to_string(c.departures()) + " in " + std::to_string(c.batches()) +
                 " batches (mean " + fmt("%.2f", c.batch_size().mean()) + "), utilisation " +
                 fmt("%.1f%%", 100 * c.utilisation(run.end_time)) + ", mean queue " +
                 fmt("%.3g", c.mean_queue_length(run.end_time)) + "\n";
            s += "          wait mean " + format_duration(c.wait().mean()) + ", p99 " +
                 format_duration(c.wait_histogram().quantile(0.99) * 1e-9) + "; sojourn mean " +
                 format_duration(c.sojourn().mean()) + ", p99 " +
                 format_duration(c.sojourn_histogram().quantile(0.99) * 1e-9) + "\n";
            if (c.setup().failures.enabled) {
              s += "          failures: " + std::to_string(c.crashes()) +
                   " replica crashes, availability " +
                   fmt("%.2f%%", 100 * c.availability(run.end_time)) + ", no replica up " +
                   fmt("%.2f%%", 100 * c.outage_share(run.end_time)) + " of the time; " +
                   std::to_string(c.retried_requests()) + " requests retried, " +
                   std::to_string(c.failed_requests()) + " failed\n";
            }
          } else if constexpr (std::is_same_v<T, FeatureLookup>) {
            s += "  features " + name + " (" + c.setup().description +
                 "): " + std::to_string(c.requests()) + " lookups, mean " +
                 format_duration(c.latency().mean()) + ", p50 " +
                 format_duration(c.histogram().quantile(0.5) * 1e-9) + ", p99 " +
                 format_duration(c.histogram().quantile(0.99) * 1e-9) + "; hottest shard " +
                 fmt("%.2fx", c.hot_shard_ratio()) + " the mean load";
            if (c.setup().fail_at != kTimeInfinity) {
              s += "; shard " + std::to_string(c.setup().failed_shard) + " failed at " +
                   format_duration(to_seconds(c.setup().fail_at)) + ", replica serving from " +
                   format_duration(to_seconds(c.setup().recovered_at)) + ", " +
                   std::to_string(c.failover_waits()) + " lookups waited";
            }
            s += "\n";
          } else if constexpr (std::is_same_v<T, DriftMonitor>) {
            s += "  drift   " + name + ": " + std::to_string(c.triggers()) +
                 " retrains triggered, " + std::to_string(c.deployments()) +
                 " deployed (trigger to deploy " + format_duration(c.retrain_time().mean()) +
                 "); " + std::to_string(c.shifts()) + " sudden shifts; accuracy " +
                 fmt("%.2f%%", 100 * c.mean_accuracy(run.end_time)) + " on average, below " +
                 fmt("%.1f%%", 100 * c.setup().threshold) + " for " +
                 fmt("%.1f%%", 100 * c.stale_share(run.end_time)) + " of the time\n";
          } else if constexpr (std::is_same_v<T, Pipeline>) {
            s += "  pipeline " + name + ": " + std::to_string(c.runs()) + " run(s), mean " +
                 format_duration(c.run_time().mean()) + ", p99 " +
                 format_duration(c.run_histogram().quantile(0.99) * 1e-9) + "; critical path " +
                 c.critical_path() + "\n           stages:";
            for (std::size_t st = 0; st < c.stages().size(); ++st) {
              s += " " + c.stages()[st].name + " " + format_duration(c.stage_time(st).mean());
            }
            s += "\n";
          } else if constexpr (std::is_same_v<T, FederatedRounds>) {
            s += "  federated " + name + ": " + std::to_string(c.rounds_done()) + " rounds (" +
                 std::to_string(c.failed_rounds()) + " failed and repeated), round mean " +
                 format_duration(c.round_time().mean()) + ", p99 " +
                 format_duration(c.round_histogram().quantile(0.99) * 1e-9) + ", " +
                 fmt("%.1f", c.participants().mean()) + " reports per round; " +
                 std::to_string(c.jobs_done()) + " training run(s) of " +
                 std::to_string(c.setup().rounds) + " rounds took " +
                 format_duration(c.training_time().mean()) + "; " +
                 fmt("%.3g GB moved", c.bytes_moved() / 1e9) +
                 (std::isnan(c.cost_per_run()) ? std::string()
                                               : fmt(", $%.2f per run", c.cost_per_run())) +
                 "\n";
          } else if constexpr (std::is_same_v<T, TrainingJob>) {
            s += "  training " + name + " (" + c.setup().description +
                 "): " + std::to_string(c.completed()) + " run(s), " +
                 format_duration(c.run_time().mean()) + " each, " +
                 fmt("%.1f GPU-hours", c.gpu_hours()) + ", " + fmt("$%.2f", c.cost()) + "\n";
          } else if constexpr (std::is_same_v<T, VersionSplitter>) {
            s += "  rollout " + name + ": ";
            if (c.rolled_out()) {
              s += "rolled out at " + format_duration(to_seconds(c.rolled_out_at()));
            } else if (c.rolled_back()) {
              s += "ROLLED BACK at " + format_duration(to_seconds(c.rolled_back_at())) + " (step " +
                   std::to_string(c.step() + 1) + " of " + std::to_string(c.plan().steps.size()) +
                   ")";
            } else {
              s += "in progress, canary at " + fmt("%.0f%%", 100 * c.share());
            }
            for (int ver : {VersionSplitter::kStable, VersionSplitter::kCanary}) {
              const double n = static_cast<double>(c.answers(ver));
              s += std::string(ver == VersionSplitter::kStable ? "; stable " : "; canary ") +
                   std::to_string(c.answers(ver)) + " answers, errors " +
                   fmt("%.2f%%", n > 0 ? 100.0 * static_cast<double>(c.errors(ver)) / n : 0.0) +
                   ", p99 " + format_duration(c.latency(ver).quantile(0.99) * 1e-9);
            }
            s += "\n";
          } else if constexpr (std::is_same_v<T, Ensemble>) {
            s += "  ensemble " + name + ": " + std::to_string(c.requests()) + " requests to " +
                 std::to_string(c.members().size()) + " members (join " +
                 std::to_string(c.quorum()) + " of " + std::to_string(c.members().size()) + "), " +
                 std::to_string(c.timeouts()) + " timed out; join mean " +
                 format_duration(c.join_latency().mean()) + ", p99 " +
                 format_duration(c.join_histogram().quantile(0.99) * 1e-9) +
                 ", straggler gap mean " + format_duration(c.straggler_gap().mean()) + "\n";
          } else if constexpr (std::is_same_v<T, NetworkLink>) {
            s += "  link    " + name + " -> " + net.name_of(c.out().to) + ": " +
                 std::to_string(c.forwarded()) + " sent, " + std::to_string(c.outages().size()) +
                 " outages (up " + fmt("%.2f%%", 100 * c.availability(run.end_time)) + "), " +
                 (c.holds() ? std::to_string(c.held()) + " held for the link (mean " +
                                  format_duration(c.held_time().mean()) + ")"
                            : std::to_string(c.dropped()) + " lost") +
                 "\n";
          } else if constexpr (std::is_same_v<T, CascadeGate>) {
            s += "  gate    " + name + ": accepted " + std::to_string(c.accepted()) +
                 ", escalated " + std::to_string(c.escalated()) + " (" +
                 fmt("%.1f%%", 100 * c.accepted_share()) + " accepted; " +
                 (std::isnan(c.expected_accept_share())
                      ? std::string("each request's own confidence")
                      : "expected " + fmt("%.1f%%", 100 * c.expected_accept_share()) +
                            " at confidence " + c.confidence().describe()) +
                 " >= " + fmt("%g", c.threshold()) + ")\n";
          } else if constexpr (std::is_same_v<T, Router>) {
            s += "  router  " + name + ":";
            for (std::size_t i = 0; i < c.routes().size(); ++i) {
              s += " " + net.name_of(c.routes()[i].to) + "=" + std::to_string(c.sent()[i]);
            }
            s += "\n";
          } else {
            const auto& hgm = c.histogram();
            s += "  sink    " + name + ": " + std::to_string(c.measured()) +
                 " measured, latency mean " + format_duration(c.latency().mean()) + ", p50 " +
                 format_duration(hgm.quantile(0.5) * 1e-9) + ", p90 " +
                 format_duration(hgm.quantile(0.9) * 1e-9) + ", p99 " +
                 format_duration(hgm.quantile(0.99) * 1e-9) + ", throughput " +
                 fmt("%.4g/s", c.throughput()) + "\n";
          }
        },
        net.component(lp));
  }
  const Metrics metrics = headline_metrics(net, run);
  for (const auto& [name, v] : metrics) {
    if (name == "cost.per_hour") s += "  cost: " + fmt("$%.2f per hour", v);
    if (name == "cost.per_million_requests" && std::isfinite(v)) {
      s += fmt(", $%.3g per million requests", v);
    }
    if (name == "cost.compute_per_million_requests") {
      s += std::isfinite(v) ? fmt(" (compute used: $%.3g per million)\n", v) : "\n";
    }
  }
  for (const auto& r : evaluate_slos(net.settings().slos, metrics)) {
    s += "  SLO " + std::string(r.met ? "met   " : "MISSED") + " " + r.spec.name + ": " +
         r.spec.metric + " = " + slo_value(r) + ", target " + r.spec.target_text + "\n";
  }
  s += "  result hash " + hex(run.result_hash) + "\n";
  return s;
}

void write_json(JsonWriter& out, const QueueingNetwork& net, const NetworkRun& run) {
  out.begin_object();
  out.value("name", net.settings().name);
  out.value("version", SCALESIM_VERSION);
  out.value("ranks", run.ranks);
  out.value("threads", run.threads);
  out.value("events", run.counters.events_processed);
  out.value("events_past_end", run.counters.events_past_end);
  out.value("sim_time_s", to_seconds(run.end_time));
  out.value("wall_s", run.wall_seconds);
  out.value("events_per_s",
            static_cast<double>(run.counters.events_processed) / std::max(run.wall_seconds, 1e-9));
  out.value("warmup_s", to_seconds(net.settings().warmup));
  out.value("status", run.counters.interrupted ? "interrupted" : "complete");
  out.value("price_per_hour", net.settings().price_per_hour);
  out.begin_array("components");
  for (LpId lp = 0; lp < net.lp_count(); ++lp) {
    out.begin_object();
    out.value("name", net.name_of(lp));
    out.value("events", run.processed_per_lp[lp]);
    std::visit(
        [&](const auto& c) {
          using T = std::decay_t<decltype(c)>;
          if constexpr (std::is_same_v<T, Source>) {
            out.value("type", "source");
            out.value("emitted", c.emitted());
          } else if constexpr (std::is_same_v<T, TraceSource>) {
            out.value("type", "trace");
            out.value("emitted", c.emitted());
          } else if constexpr (std::is_same_v<T, Station>) {
            const auto ci = c.wait_batches().interval(kReportLevel);
            out.value("type", "station");
            out.value("servers", c.servers());
            out.value("arrivals", c.arrivals());
            out.value("served", c.departures());
            out.value("utilisation", c.utilisation(run.end_time));
            out.value("mean_queue_length", c.mean_queue_length(run.end_time));
            out.value("mean_wait_s", c.wait().mean());
            out.value("wait_ci99_half_width_s", ci.half_width);
            out.value("p99_wait_s", c.wait_histogram().quantile(0.99) * 1e-9);
            out.value("mean_sojourn_s", c.sojourn().mean());
            out.value("p50_sojourn_s", c.sojourn_histogram().quantile(0.5) * 1e-9);
            out.value("p99_sojourn_s", c.sojourn_histogram().quantile(0.99) * 1e-9);
          } else if constexpr (std::is_same_v<T, ModelServer>) {
            out.value("type", "model_server");
            out.value("hardware", c.setup().description);
            out.value("servers", c.servers());
            out.value("arrivals", c.arrivals());
            out.value("served", c.departures());
            out.value("batches", c.batches());
            out.value("mean_batch_size", c.batch_size().mean());
            out.value("utilisation", c.utilisation(run.end_time));
            out.value("mean_queue_length", c.mean_queue_length(run.end_time));
            out.value("mean_wait_s", c.wait().mean());
            out.value("p99_wait_s", c.wait_histogram().quantile(0.99) * 1e-9);
            out.value("mean_sojourn_s", c.sojourn().mean());
            out.value("p50_sojourn_s", c.sojourn_histogram().quantile(0.5) * 1e-9);
            out.value("p99_sojourn_s", c.sojourn_histogram().quantile(0.99) * 1e-9);
            out.value("price_per_hour", c.setup().price_per_hour);
          } else if constexpr (std::is_same_v<T, FeatureLookup>) {
            out.value("type", "feature_lookup");
            out.value("lookups", c.requests());
            out.value("mean_lookup_s", c.latency().mean());
            out.value("min_lookup_s", to_seconds(c.min_latency()));
            out.value("rtt_s", to_seconds(c.setup().rtt));
            out.value("p50_lookup_s", c.histogram().quantile(0.5) * 1e-9);
            out.value("p99_lookup_s", c.histogram().quantile(0.99) * 1e-9);
            out.value("hot_shard_ratio", c.hot_shard_ratio());
            out.value("failover_waits", c.failover_waits());
            out.value("memory_per_shard_bytes", c.setup().memory_per_shard_bytes);
            out.begin_array("shard_commands");
            for (std::uint32_t sh = 0; sh < c.setup().shards; ++sh) out.value("", c.commands(sh));
            out.end_array();
          } else if constexpr (std::is_same_v<T, DriftMonitor>) {
            out.value("type", "drift_monitor");
            out.value("triggers", c.triggers());
            out.value("deployments", c.deployments());
            out.value("shifts", c.shifts());
            out.value("mean_accuracy", c.mean_accuracy(run.end_time));
            out.value("stale_share", c.stale_share(run.end_time));
            out.value("mean_retrain_s", c.retrain_time().mean());
          } else if constexpr (std::is_same_v<T, Pipeline>) {
            out.value("type", "pipeline");
            out.value("runs", c.runs());
            out.value("mean_run_s", c.run_time().mean());
            out.value("critical_path", c.critical_path());
            out.begin_object("stage_mean_s");
            for (std::size_t st = 0; st < c.stages().size(); ++st) {
              out.value(c.stages()[st].name, c.stage_time(st).mean());
            }
            out.end_object();
          } else if constexpr (std::is_same_v<T, FederatedRounds>) {
            out.value("type", "federated_rounds");
            out.value("rounds", c.rounds_done());
            out.value("failed_rounds", c.failed_rounds());
            out.value("mean_round_s", c.round_time().mean());
            out.value("max_round_s", c.max_round());
            out.value("mean_participants", c.participants().mean());
            out.value("time_to_rounds_s", c.training_time().mean());
            out.value("bytes_moved", c.bytes_moved());
            out.value("cost_per_run", c.cost_per_run());
          } else if constexpr (std::is_same_v<T, TrainingJob>) {
            out.value("type", "training_job");
            out.value("hardware", c.setup().description);
            out.value("runs", c.completed());
            out.value("mean_training_time_s", c.run_time().mean());
            out.value("step_s", c.setup().step_seconds);
            out.value("samples_per_s", c.setup().samples_per_second);
            out.value("gpu_hours", c.gpu_hours());
            out.value("cost", c.cost());
            out.value("bound", c.setup().bound);
          } else if constexpr (std::is_same_v<T, VersionSplitter>) {
            out.value("type", "version_splitter");
            out.value("canary_share", c.share());
            out.value("rolled_out", c.rolled_out());
            out.value("rolled_back", c.rolled_back());
            out.value("rollout_s", c.rolled_out() ? to_seconds(c.rolled_out_at()) : -1.0);
            out.value("rollback_s", c.rolled_back() ? to_seconds(c.rolled_back_at()) : -1.0);
            out.value("stable_answers", c.answers(VersionSplitter::kStable));
            out.value("canary_answers", c.answers(VersionSplitter::kCanary));
            out.value("stable_errors", c.errors(VersionSplitter::kStable));
            out.value("canary_errors", c.errors(VersionSplitter::kCanary));
          } else if constexpr (std::is_same_v<T, Ensemble>) {
            out.value("type", "ensemble");
            out.value("requests", c.requests());
            out.value("released", c.released());
            out.value("timeouts", c.timeouts());
            out.value("quorum", c.quorum());
            out.value("mean_join_s", c.join_latency().mean());
            out.value("p99_join_s", c.join_histogram().quantile(0.99) * 1e-9);
            out.value("mean_straggler_gap_s", c.straggler_gap().mean());
          } else if constexpr (std::is_same_v<T, CascadeGate>) {
            out.value("type", "cascade_gate");
            out.value("accepted", c.accepted());
            out.value("escalated", c.escalated());
            out.value("accepted_share", c.accepted_share());
            out.value("expected_accepted_share", c.expected_accept_share());
            out.value("threshold", c.threshold());
          } else if constexpr (std::is_same_v<T, NetworkLink>) {
            out.value("type", "link");
            out.value("sent", c.forwarded());
            out.value("held", c.held());
            out.value("failed", c.dropped());
            out.value("availability", c.availability(run.end_time));
          } else if constexpr (std::is_same_v<T, Router>) {
            out.value("type", "router");
            out.begin_array("sent");
            for (std::size_t i = 0; i < c.routes().size(); ++i) {
              out.begin_object()
                  .value("to", net.name_of(c.routes()[i].to))
                  .value("count", c.sent()[i])
                  .end_object();
            }
            out.end_array();
          } else {
            const auto& hgm = c.histogram();
            const auto ci = c.latency_batches().interval(kReportLevel);
            out.value("type", "sink");
            out.value("arrived", c.arrived());
            out.value("measured", c.measured());
            out.value("mean_latency_s", c.latency().mean());
            out.value("latency_ci99_half_width_s", ci.half_width);
            out.value("p50_latency_s", hgm.quantile(0.5) * 1e-9);
            out.value("p90_latency_s", hgm.quantile(0.9) * 1e-9);
            out.value("p99_latency_s", hgm.quantile(0.99) * 1e-9);
            out.value("p999_latency_s", hgm.quantile(0.999) * 1e-9);
            out.value("throughput_per_s", c.throughput());
            out.begin_object("latency_histogram");
            out.begin_array("bucket_lower_ns");
            for (std::size_t i = 0; i < hgm.counts().size(); ++i) {
              if (hgm.counts()[i] != 0) out.value("", LatencyHistogram::bucket_lower(i));
            }
            out.end_array();
            out.begin_array("count");
            for (auto n : hgm.counts()) {
              if (n != 0) out.value("", n);
            }
            out.end_array();
            out.end_object();
          }
        },
        net.component(lp));
    out.end_object();
  }
  out.end_array();
  out.begin_object("metrics");
  for (const auto& [name, v] : headline_metrics(net, run)) out.value(name, v);
  out.end_object();
  out.begin_array("slo");
  for (const auto& r : slo_results(net, run)) {
    out.begin_object()
        .value("name", r.spec.name)
        .value("metric", r.spec.metric)
        .value("target", r.spec.target_text)
        .value("value", r.value)
        .value("met", r.met)
        .end_object();
  }
  out.end_array();
  out.value("result_hash", hex(run.result_hash));
  out.end_object();
}

}  // namespace scalesim
