#include "models/serving/model_server_config.h"

#include <cstdio>

#include "models/queueing/build_context.h"
#include "models/queueing/component_report.h"
#include "models/queueing/server_report.h"
#include "models/serving/catalog_lookup.h"

namespace scalesim {

using namespace hardware;

namespace {

class GpuBatchCost final : public BatchCost {
 public:
  GpuBatchCost(GpuPerformance perf, ModelProfile model, Precision p, double default_input)
      : perf_(std::move(perf)), model_(std::move(model)), p_(p), default_input_(default_input) {}

  SimTime time(int batch, std::uint32_t max_size, std::uint32_t max_aux,
               std::uint32_t busy) const override {
    const double n = max_size > 0 ? max_size : default_input_;
    double seconds = 0;
    if (model_.decoder) {
      seconds =
          perf_.concurrent(perf_.forward(model_.prefill(batch, n, p_), p_), static_cast<int>(busy))
              .total;
      if (max_aux > 0) {
        // Decode steps at the mean context over the generation.
        const double context = n + 0.5 * max_aux;
        seconds +=
            max_aux * perf_
                          .concurrent(perf_.forward(model_.decode_step(batch, context, p_), p_),
                                      static_cast<int>(busy))
                          .total;
      }
    } else {
      seconds =
          perf_.concurrent(perf_.batch_latency(model_, batch, n, p_), static_cast<int>(busy)).total;
    }
    return std::max<SimTime>(1, from_seconds(seconds));
  }

 private:
  GpuPerformance perf_;
  ModelProfile model_;
  Precision p_;
  double default_input_;
};

class CpuBatchCost final : public BatchCost {
 public:
  CpuBatchCost(CpuInstanceSpec cpu, ModelProfile model, double default_input)
      : cpu_(std::move(cpu)), model_(std::move(model)), default_input_(default_input) {}
  SimTime time(int batch, std::uint32_t max_size, std::uint32_t max_aux,
               std::uint32_t /*busy*/) const override {
    const double n = max_size > 0 ? max_size : default_input_;
    // A decoder on a CPU: every generated token is one more forward of one token.
    const double tokens = 1.0 + (model_.decoder ? max_aux : 0);
    return std::max<SimTime>(1, from_seconds(cpu_.request_seconds(model_, n, batch) * tokens));
  }

 private:
  CpuInstanceSpec cpu_;
  ModelProfile model_;
  double default_input_;
};

}  // namespace

std::shared_ptr<const BatchCost> gpu_batch_cost(GpuPerformance perf, ModelProfile model,
                                                Precision p, double default_input) {
  return std::make_shared<GpuBatchCost>(std::move(perf), std::move(model), p, default_input);
}

ModelServerSetup model_server_setup(const ConfigNode& node, const Catalog& catalog) {
  ModelServerSetup s;
  const auto at = [&](std::string_view key) { return node.at(key); };
  const ModelProfile* model = &model_at(node, catalog);
  const double input = node.has("input") ? node.positive_number("input") : model->default_input;
  const Precision precision = precision_at(node, model->default_precision);
  const std::int64_t replicas = node.integer_or("replicas", 1);
  if (replicas < 1 || replicas > 100000) at("replicas").fail("must be between 1 and 100000");
  s.replicas = static_cast<std::uint32_t>(replicas);
  if (const auto db = node.find("dynamic_batching")) {
    db->expect_keys(
        {"max_batch_size", "preferred_batch_sizes", "max_queue_delay", "max_queue_size"});
    const std::int64_t max = db->integer_or("max_batch_size", 1);
    if (max < 1 || max > 65536) db->at("max_batch_size").fail("must be between 1 and 65536");
    s.batching.max_batch_size = static_cast<int>(max);
    if (const auto pref = db->find("preferred_batch_sizes")) {
      pref->expect_sequence();
      for (std::size_t i = 0; i < pref->size(); ++i) {
        const std::int64_t b = (*pref)[i].as_int();
        if (b < 1 || b > max)
          (*pref)[i].fail("a preferred batch size must lie in [1, max_batch_size]");
        s.batching.preferred_batch_sizes.push_back(static_cast<int>(b));
      }
    }
    s.batching.max_queue_delay = db->duration_or("max_queue_delay", 0);
  }
  s.batching.validate();
  if (const auto f = node.find("failures")) {
    f->expect_keys(
        {"mtbf", "mttr", "time_to_failure", "time_to_repair", "in_flight", "max_retries"});
    // mtbf / mttr: exponential with that mean; time_to_failure / time_to_repair: any
    // distribution (docs/config.md).
    auto pick = [&](const char* mean_key, const char* dist_key) {
      if (f->has(mean_key) == f->has(dist_key))
        f->fail(std::string("give either `") + mean_key + "` or `" + dist_key + "`");
      if (f->has(mean_key)) {
        const SimTime m = f->duration(mean_key);
        if (m <= 0) f->at(mean_key).fail("must be greater than zero");
        return Distribution::exponential(m);
      }
      Distribution d = Distribution::from_config(f->at(dist_key));
      if (!(d.mean_seconds() > 0)) f->at(dist_key).fail("must have a mean greater than zero");
      return d;
    };
    s.failures.enabled = true;
    s.failures.time_to_failure = pick("mtbf", "time_to_failure");
    s.failures.time_to_repair = pick("mttr", "time_to_repair");
    const std::string policy = f->string_or("in_flight", "retry");
    if (policy != "retry" && policy != "fail")
      f->at("in_flight").fail("must be retry or fail, got '" + policy + "'");
    s.failures.retry = policy == "retry";
    const std::int64_t retries = f->integer_or("max_retries", 3);
    if (retries < 0 || retries > 1000) f->at("max_retries").fail("must be between 0 and 1000");
    s.failures.max_retries = static_cast<std::uint32_t>(retries);
  }
  const auto max_batch = static_cast<std::size_t>(s.batching.max_batch_size);
  const bool on_gpu = node.has("gpu");
  if (on_gpu == node.has("cpu")) node.fail("a model_server runs on either `gpu:` or `cpu:`");
  char buf[256];
  if (on_gpu) {
    const std::string stack = node.string_or("software", "tensorrt");
    std::optional<GpuPerformance> perf(performance_at(node, catalog, "tensorrt"));
    try {
      perf->check_fits(*model, s.batching.max_batch_size, input, precision);
    } catch (const MemoryCapacityError& e) {
      at("gpu").fail(e.what());
    } catch (const std::invalid_argument& e) {
      at("gpu").fail(e.what());
    }
    const std::int64_t instances = node.integer_or("instances", 1);
    if (instances < 1 || instances > 64) at("instances").fail("must be between 1 and 64");
    s.instances = static_cast<std::uint32_t>(instances);
    // Each instance (Triton's instance_group) holds its own copy of the weights and activations.
    s.memory.gpus = 1;
    s.memory.gpu_capacity_bytes = perf->gpu().memory_bytes;
    s.memory.gpu_bytes = static_cast<double>(instances) *
                         model->memory_footprint(s.batching.max_batch_size, input, precision);
    if (s.memory.gpu_bytes > s.memory.gpu_capacity_bytes) {
      at("instances")
          .fail(std::to_string(instances) + " instances of " + model->name + " at batch " +
                std::to_string(s.batching.max_batch_size) + " need " +
                std::to_string(s.memory.gpu_bytes / 1e9) + " GB but GPU '" + perf->gpu().name +
                "' has " + std::to_string(s.memory.gpu_capacity_bytes / 1e9) + " GB");
    }
    // The server reads the model into host memory before copying it to the GPU.
    s.memory.host_bytes = model->weight_bytes(precision) + kServingRuntimeHostBytes;
    s.price_per_hour = s.replicas * perf->gpu().price_per_hour;
    s.cost = gpu_batch_cost(*perf, *model, precision, input);
    std::snprintf(buf, sizeof buf, "%s %s on %u x %s (%s), %u instance%s, max batch %d",
                  model->name.c_str(), std::string(to_string(precision)).c_str(), s.replicas,
                  perf->gpu().name.c_str(), stack.c_str(), s.instances, s.instances > 1 ? "s" : "",
                  s.batching.max_batch_size);
  } else {
    const CpuInstanceSpec* cpu = nullptr;
    try {
      cpu = &catalog.cpu(node.string("cpu"));
    } catch (const CatalogError& e) {
      at("cpu").fail(e.what());
    }
    if (node.has("software")) at("software").fail("software stacks apply to GPUs only");
    // One instance per physical core by default: each request runs on one core.
    const std::int64_t instances = node.integer_or("instances", cpu->cores);
    if (instances < 1 || instances > cpu->vcpus) {
      at("instances")
          .fail("must be between 1 and the instance's " + std::to_string(cpu->vcpus) + " vCPUs");
    }
    s.instances = static_cast<std::uint32_t>(instances);
    // Each instance runs its own copy of the model (weights and activations) in host memory.
    s.memory.host_bytes = static_cast<double>(instances) *
                              model->memory_footprint(s.batching.max_batch_size, input, precision) +
                          kServingRuntimeHostBytes;
    if (cpu->memory_bytes > 0 && s.memory.host_bytes > cpu->memory_bytes) {
      at("instances")
          .fail(std::to_string(instances) + " instances of " + model->name + " need " +
                std::to_string(s.memory.host_bytes / 1e9) + " GB of host memory but '" + cpu->name +
                "' has " + std::to_string(cpu->memory_bytes / 1e9) + " GB");
    }
    s.price_per_hour = s.replicas * cpu->price_per_hour;
    s.cost = std::make_shared<CpuBatchCost>(*cpu, *model, input);
    std::snprintf(buf, sizeof buf, "%s on %u x %s (%u cores used), max batch %d",
                  model->name.c_str(), s.replicas, cpu->name.c_str(), s.instances,
                  s.batching.max_batch_size);
  }
  // One formula for batch times: the table for requests without sizes is the cost of a batch
  // of the default input, so the two paths cannot drift apart.
  s.batch_time.resize(s.instances * max_batch);
  for (std::uint32_t busy = 1; busy <= s.instances; ++busy) {
    for (std::size_t b = 1; b <= max_batch; ++b) {
      try {
        s.batch_time[(busy - 1) * max_batch + (b - 1)] =
            s.cost->time(static_cast<int>(b), 0, 0, busy);
      } catch (const std::invalid_argument& e) {
        at("precision").fail(e.what());
      }
    }
  }
  s.description = buf;
  return s;
}

ModelServer ModelServer::from_config(const ConfigNode& node, BuildContext& ctx) {
  node.expect_keys({"type", "to", "model", "input", "precision", "gpu", "cpu", "software",
                    "replicas", "instances", "dynamic_batching", "failures", "on_reject"});
  ModelServerSetup setup = model_server_setup(node, ctx.catalog());
  ctx.rent(setup.price_per_hour);
  const std::optional<Link> out = ctx.optional_link(node, "to");
  // Crashes and repairs go on for ever: only a time limit ends such a run.
  if (node.has("failures") && ctx.settings().end.end_time == kTimeInfinity) {
    node.at("failures").fail("replica failures need a time limit: add end: {time: ...}");
  }
  ModelServer server(std::move(setup), out, ctx.warmup(), ctx.interval(), ctx.adaptive());
  const auto db = node.find("dynamic_batching");
  if (const auto limit = db ? db->find("max_queue_size") : std::nullopt) {
    const std::int64_t max = limit->as_int();
    if (max < 1) limit->fail("max_queue_size must be at least 1 (leave it out for no limit)");
    server.limit_queue(static_cast<std::uint64_t>(max), ctx.optional_link(node, "on_reject"));
  } else if (node.has("on_reject")) {
    node.at("on_reject")
        .fail(
            "on_reject needs dynamic_batching.max_queue_size: rejections happen only at that "
            "limit");
  }
  return server;
}

}  // namespace scalesim

namespace scalesim {

void ModelServer::report(ComponentReport& r, const ReportContext& ctx) const {
  r.text("hardware", setup().description, kText);
  report_service(r, ctx, *this, kMean, kP99);
  r.count("batches", batches(), kText);
  r.value("mean_batch_size", batch_size().mean(), Unit::kNumber, kHeadline);
  const double per_s = ctx.per_second(static_cast<double>(sojourn().count()));
  r.value("throughput_per_replica_per_s", per_s / setup().replicas, Unit::kPerSecond, kHeadline);
  r.value("price_per_hour", setup().price_per_hour, Unit::kDollars);
  setup().memory.report(r);
  if (max_queue_size() != 0) {
    r.count("max_queue_size", max_queue_size(), kText);
    admission().report(r, ctx, on_reject());
  }
  if (setup().failures.enabled) {
    r.value("availability", availability(ctx.end_time), Unit::kShare, kHeadline);
    r.value("outage_share", outage_share(ctx.end_time), Unit::kShare, kHeadline);
    r.count("crashes", crashes(), kHeadline);
    r.count("failed_requests", failed_requests(), kHeadline);
    r.count("retried_requests", retried_requests(), kHeadline);
  }
  r.compute_cost_per_s(mean_busy_replicas(ctx.end_time) * setup().price_per_hour /
                       setup().replicas / 3600.0);
}

}  // namespace scalesim
