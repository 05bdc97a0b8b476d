// Kubernetes manifests for a simulated design: per model server a Triton Deployment (its
// config.pbtxt in a ConfigMap, matching the simulated dynamic batching), per LLM engine a vLLM
// Deployment (engine arguments matching the simulated scheduler) or Triton's TensorRT-LLM
// backend, each with a Service and an autoscaling/v2 HPA bounded by the simulated load; per
// feature store a Redis Cluster StatefulSet sized from the simulated memory.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "cli/export/export_context.h"
#include "models/patterns/feature_lookup.h"
#include "models/serving/llm_engine.h"
#include "models/serving/model_server.h"

namespace scalesim::cli {
namespace {

// The HPA keeps each replica near this utilisation; bounds: the simulated mean load at that
// target (min) and twice it (max), never below the simulated replica count.
constexpr double kTargetUtilisation = 0.7;
constexpr double kRedisMemoryHeadroom = 1.3;
constexpr double kShmBytes =
    4.0 * 1024 * 1024 *
    1024;  // /dev/shm of an LLM pod (NCCL)  // replication buffers, fragmentation, forks
constexpr const char* kTritonImage = "nvcr.io/nvidia/tritonserver:24.08-py3";
constexpr const char* kTritonTrtLlmImage = "nvcr.io/nvidia/tritonserver:24.08-trtllm-python-py3";
constexpr const char* kVllmImage = "vllm/vllm-openai:v0.6.3";
constexpr const char* kRedisImage = "redis:7.2";

std::string integer(double v) {
  return number_text("%.0f", v);
}

// The Hugging Face repository of a catalog LLM (what vLLM's --model takes).
std::string hf_model(const std::string& model) {
  static const std::vector<std::pair<std::string, std::string>> known = {
      {"llama-7b", "meta-llama/Llama-2-7b-hf"},
      {"llama-2-13b", "meta-llama/Llama-2-13b-hf"},
      {"llama-2-70b", "meta-llama/Llama-2-70b-hf"},
      {"llama-3.1-8b", "meta-llama/Llama-3.1-8B-Instruct"},
      {"llama-3.1-70b", "meta-llama/Llama-3.1-70B-Instruct"},
      {"mistral-7b", "mistralai/Mistral-7B-Instruct-v0.3"},
      {"mixtral-8x7b", "mistralai/Mixtral-8x7B-Instruct-v0.1"},
      {"tinyllama-1b", "TinyLlama/TinyLlama-1.1B-Chat-v1.0"},
      {"gpt-j-6b", "EleutherAI/gpt-j-6b"},
      {"yi-34b", "01-ai/Yi-34B"}};
  for (const auto& [name, repo] : known) {
    if (name == model) return repo;
  }
  return "REPLACE-with-the-model-repository-of-" + model;
}

struct Hpa {
  int min = 1, max = 1;
  std::string why;
};

// Bounds from the simulated load, in the metric the HPA scales on (`share`: the busy share or
// KV cache in use, over `replicas`): the replicas that carry that load at the target, at most the
// simulated count (min), and room for twice the load, at least the simulated count (max).
Hpa hpa_bounds(const ExportContext& ctx, const std::string& metric, int replicas) {
  Hpa h;
  const auto u = ctx.metric(metric);
  if (!u) {
    h.min = h.max = replicas;
    h.why = "no simulated " + metric + ": fixed at the simulated " + std::to_string(replicas);
    return h;
  }
  const double needed = replicas * *u / kTargetUtilisation;
  h.min = std::clamp(static_cast<int>(std::ceil(needed - 1e-9)), 1, replicas);
  h.max = std::max({replicas, h.min, static_cast<int>(std::ceil(2.0 * needed - 1e-9))});
  h.why = "simulated " + metric + " " + number_text("%.3f", *u) + " on " +
          std::to_string(replicas) + (replicas == 1 ? " replica" : " replicas") +
          ": the load needs " + number_text("%.2f", needed) + " at the target " +
          number_text("%.2f", kTargetUtilisation) + " (min: that, at most " +
          std::to_string(replicas) + "; max: twice that, at least " + std::to_string(replicas) +
          ")";
  return h;
}

void metadata(YamlText& y, const ExportContext& ctx, const std::string& name,
              const std::string& component) {
  y.line(0, "metadata:");
  y.line(1, "name: " + name);
  y.line(1, "labels:");
  y.line(2, "app.kubernetes.io/name: " + name);
  y.line(2, "app.kubernetes.io/component: " + dns_label(component));
  y.line(2, "app.kubernetes.io/part-of: " + ctx.project());
  y.line(2, "app.kubernetes.io/managed-by: scalesim");
}

// Where a workload's pods must land: a GPU product, or a CPU instance type (neither: anywhere).
struct Placement {
  std::string gpu, cpu;
};

// A workload's head (a Deployment, or a StatefulSet under its headless Service), up to its pod's
// containers: replicas (and where they came from), the selector, the pod labels and placement.
void workload_head(YamlText& y, const ExportContext& ctx, const std::string& kind,
                   const std::string& name, const std::string& cname, std::uint32_t replicas,
                   const std::string& why, const Placement& on) {
  y.line(0, "apiVersion: apps/v1");
  y.line(0, "kind: " + kind);
  metadata(y, ctx, name, cname);
  y.line(0, "spec:");
  if (kind == "StatefulSet") {
    y.line(1, "serviceName: " + name);
    y.line(1, "podManagementPolicy: Parallel");
  }
  y.line(1, "replicas: " + std::to_string(replicas), why);
  y.line(1, "selector:");
  y.line(2, "matchLabels:");
  y.line(3, "app.kubernetes.io/name: " + name);
  y.line(1, "template:");
  y.line(2, "metadata:");
  y.line(3, "labels:");
  y.line(4, "app.kubernetes.io/name: " + name);
  y.line(4, "app.kubernetes.io/part-of: " + ctx.project());
  y.line(2, "spec:");
  if (!on.gpu.empty()) {
    y.line(3, "nodeSelector:");
    y.line(4, "nvidia.com/gpu.product: " + gpu_product_label(on.gpu),
           "GPU feature discovery's label for " + on.gpu);
    y.line(3, "tolerations:");
    y.line(4, "- key: nvidia.com/gpu");
    y.line(4, "  operator: Exists");
    y.line(4, "  effect: NoSchedule");
  } else if (!on.cpu.empty()) {
    y.line(3, "nodeSelector:");
    y.line(4, "node.kubernetes.io/instance-type: " + on.cpu, "the simulated CPU instance");
  }
  y.line(3, "containers:");
}

void service(YamlText& y, const ExportContext& ctx, const std::string& name,
             const std::string& component, const std::vector<std::pair<std::string, int>>& ports,
             bool headless = false) {
  y.document();
  y.line(0, "apiVersion: v1");
  y.line(0, "kind: Service");
  metadata(y, ctx, name, component);
  y.line(0, "spec:");
  if (headless) y.line(1, "clusterIP: None", "headless: each Redis node keeps its own address");
  y.line(1, "selector:");
  y.line(2, "app.kubernetes.io/name: " + name);
  y.line(1, "ports:");
  for (const auto& [port_name, port] : ports) {
    y.line(2, "- name: " + port_name);
    y.line(2, "  port: " + std::to_string(port));
    y.line(2, "  targetPort: " + std::to_string(port));
  }
}

void hpa(YamlText& y, const ExportContext& ctx, const std::string& name,
         const std::string& component, const Hpa& h, const std::string& metric,
         const std::string& target, const std::string& metric_why) {
  y.document();
  y.comment(0, "Bounds: " + h.why + ".");
  y.comment(0,
            "The metric comes from the server's Prometheus endpoint through a metrics adapter "
            "(prometheus-adapter): " +
                metric_why + ".");
  y.line(0, "apiVersion: autoscaling/v2");
  y.line(0, "kind: HorizontalPodAutoscaler");
  metadata(y, ctx, name, component);
  y.line(0, "spec:");
  y.line(1, "scaleTargetRef:");
  y.line(2, "apiVersion: apps/v1");
  y.line(2, "kind: Deployment");
  y.line(2, "name: " + name);
  y.line(1, "minReplicas: " + std::to_string(h.min), "bounds: see above");
  y.line(1, "maxReplicas: " + std::to_string(h.max));
  y.line(1, "metrics:");
  y.line(2, "- type: Pods");
  y.line(2, "  pods:");
  y.line(2, "    metric:");
  y.line(2, "      name: " + metric);
  y.line(2, "    target:");
  y.line(2, "      type: AverageValue");
  y.line(2, "      averageValue: " + yaml_quoted(target));
  y.line(1, "behavior:");
  y.line(2, "scaleDown:");
  y.line(3, "stabilizationWindowSeconds: 300", "GPU pods start slowly: do not flap");
}

std::string precision_of(const ConfigNode& c, const std::string& fallback) {
  return c.string_or("precision", fallback);
}

ExportFile model_server(const ExportContext& ctx, const std::string& cname, const ConfigNode& c,
                        const ModelServer& server) {
  const std::string name = dns_label(ctx.project() + "-" + cname);
  const ModelServerSetup& s = server.setup();
  const std::string model = c.string("model");
  const bool gpu = c.has("gpu");
  YamlText y;
  y.comment(0, "Model server '" + cname + "' (" + s.description + ").");
  y.comment(0, "Generated by scalesim export from " + ctx.origin + ".");
  const std::string config_map = dns_label(ctx.project() + "-" + cname + "-model-config");
  const std::string artefact = gpu ? "a TensorRT plan at /models/" + model + "/1/model.plan"
                                   : "an ONNX model at /models/" + model + "/1/model.onnx";
  y.comment(0, "Still to fill in: the model repository volume (" + artefact +
                   "), the image registry and pull secrets.");
  const auto& b = s.batching;
  y.line(0, "apiVersion: v1");
  y.line(0, "kind: ConfigMap");
  metadata(y, ctx, config_map, cname);
  y.line(0, "data:");
  y.comment(1, "Triton's model configuration, the dynamic batching simulated (" +
                   ctx.source_of("components." + cname + ".dynamic_batching.max_batch_size") + ")");
  y.line(1, "config.pbtxt: |");
  y.line(2, "name: " + yaml_quoted(model));
  y.line(2, gpu ? "platform: \"tensorrt_plan\"" : "platform: \"onnxruntime_onnx\"");
  y.line(2, "max_batch_size: " + std::to_string(b.max_batch_size));
  y.line(2, "dynamic_batching {");
  if (!b.preferred_batch_sizes.empty()) {
    std::string sizes;
    for (const int p : b.preferred_batch_sizes) {
      append(sizes, {sizes.empty() ? "" : ", ", std::to_string(p)});
    }
    y.line(3, "preferred_batch_size: [ " + sizes + " ]");
  }
  y.line(3, "max_queue_delay_microseconds: " + integer(to_seconds(b.max_queue_delay) * 1e6));
  if (server.max_queue_size() != 0) {
    y.line(3, "default_queue_policy { max_queue_size: " + std::to_string(server.max_queue_size()) +
                  " }");
  }
  y.line(2, "}");
  y.line(2, "instance_group [ { count: " + std::to_string(s.instances) +
                (gpu ? ", kind: KIND_GPU } ]" : ", kind: KIND_CPU } ]"));
  y.document();
  workload_head(y, ctx, "Deployment", name, cname, s.replicas,
                ctx.source_of("components." + cname + ".replicas"),
                gpu ? Placement{c.string("gpu"), {}} : Placement{{}, c.string("cpu")});
  y.line(4, "- name: server");
  y.line(4, std::string("  image: ") + kTritonImage);
  y.line(4, "  args:");
  y.line(5, "- tritonserver");
  y.line(5, "- --model-repository=/models");
  y.line(4, "  ports:");
  y.line(5, "- {name: http, containerPort: 8000}");
  y.line(5, "- {name: grpc, containerPort: 8001}");
  y.line(5, "- {name: metrics, containerPort: 8002}");
  y.line(4, "  readinessProbe:");
  y.line(6, "httpGet: {path: /v2/health/ready, port: http}");
  y.line(4, "  resources:");
  const double host = s.memory.host_bytes;
  const std::string cpu = gpu ? std::to_string(2 * s.instances) : std::to_string(s.instances);
  y.line(6, "requests:");
  y.line(7, "cpu: " + yaml_quoted(cpu),
         gpu ? "allowance: 2 cores per model instance (not simulated)"
             : "one core per model instance, as simulated");
  y.line(7, "memory: " + mebibytes(host),
         "simulated " + cname + ".host_memory_per_replica_bytes = " + integer(host));
  y.line(6, "limits:");
  y.line(7, "memory: " + mebibytes(host));
  if (gpu) {
    y.line(7, gpu_resource(c.string("gpu")) + ": 1",
           "one GPU per replica; " + number_text("%.1f", s.memory.gpu_bytes / 1e9) +
               " GB of its memory in use (simulated " + cname + ".gpu_memory_per_gpu_bytes)");
  }
  y.line(4, "  volumeMounts:");
  y.line(5, "- {name: models, mountPath: /models}");
  y.line(5, "- {name: model-config, mountPath: /models/" + model +
                "/config.pbtxt, subPath: config.pbtxt}");
  y.line(3, "volumes:");
  y.line(4, "- name: models");
  y.line(4, "  persistentVolumeClaim: {claimName: " + name + "-models}",
         "create it: the model repository");
  y.line(4, "- name: model-config");
  y.line(4, "  configMap: {name: " + config_map + "}");
  service(y, ctx, name, cname, {{"http", 8000}, {"grpc", 8001}, {"metrics", 8002}});
  hpa(y, ctx, name, cname, hpa_bounds(ctx, cname + ".utilisation", static_cast<int>(s.replicas)),
      gpu ? "nv_gpu_utilization" : "nv_cpu_utilization",
      number_text("%.0fm", kTargetUtilisation * 1000),
      std::string(gpu ? "Triton's nv_gpu_utilization" : "Triton's nv_cpu_utilization") +
          " (0..1) averaged over the pods, target " + number_text("%.2f", kTargetUtilisation));
  return {cname + ".yaml", y.str()};
}

ExportFile llm_engine(const ExportContext& ctx, const std::string& cname, const ConfigNode& c,
                      const LlmEngine& engine) {
  const std::string name = dns_label(ctx.project() + "-" + cname);
  const LlmEngineSetup& s = engine.setup();
  const LlmSchedulerPolicy& p = s.policy;
  const std::string model = c.string("model");
  const std::string gpu = c.string_or("gpu", "");
  const ConfigNode sched_node = c.has("scheduler") ? c.at("scheduler") : c;
  const std::string sched_src = ctx.source_of("components." + cname + ".scheduler");
  const int tp = static_cast<int>(c.integer_or("tensor_parallel", 1));
  const int pp = static_cast<int>(s.pipeline_stages);
  const bool trt = s.scheduler == "tensorrt_llm";
  const std::string config_map = dns_label(ctx.project() + "-" + cname + "-model-config");
  YamlText y;
  y.comment(0, "LLM engine '" + cname + "' (" + s.description + ").");
  y.comment(0, "Generated by scalesim export from " + ctx.origin + ".");
  if (gpu.empty()) {
    throw NothingToExport("llm_engine '" + cname +
                          "' has no gpu: a hardware-free engine has nothing to deploy");
  }
  if (trt) {
    y.comment(0, "Still to fill in: the TensorRT-LLM engine built for " + model + " (tp " +
                     std::to_string(tp) + ", pp " + std::to_string(pp) +
                     ") in the model repository volume, the tokenizer, registry and secrets.");
    y.line(0, "apiVersion: v1");
    y.line(0, "kind: ConfigMap");
    metadata(y, ctx, config_map, cname);
    y.line(0, "data:");
    y.comment(
        1, "Triton's TensorRT-LLM backend, the in-flight batching simulated (" + sched_src + ")");
    y.line(1, "config.pbtxt: |");
    y.line(2, "name: \"tensorrt_llm\"");
    y.line(2, "backend: \"tensorrtllm\"");
    y.line(2, "max_batch_size: " + std::to_string(p.max_num_seqs));
    y.line(2, "model_transaction_policy { decoupled: true }");
    const auto param = [&](const std::string& key, const std::string& value) {
      y.line(2, "parameters { key: " + yaml_quoted(key) +
                    " value: { string_value: " + yaml_quoted(value) + " } }");
    };
    param("gpt_model_type", "inflight_fused_batching");
    param("gpt_model_path", "/models/tensorrt_llm/1");
    param("batch_scheduler_policy", p.reservation == LlmKvReservation::kMaxLength
                                        ? "guaranteed_no_evict"
                                        : "max_utilization");
    param("max_num_tokens", std::to_string(p.max_num_batched_tokens));
    param("kv_cache_free_gpu_mem_fraction",
          number_text("%.2f", sched_node.is_map()
                                  ? sched_node.number_or("kv_cache_free_gpu_mem_fraction", 0.9)
                                  : 0.9));
    param("enable_chunked_context", p.batching == LlmBatching::kChunked ? "true" : "false");
    param("enable_kv_cache_reuse", p.prefix_caching ? "true" : "false");
    y.line(2, "instance_group [ { count: 1, kind: KIND_CPU } ]");
    y.document();
  } else {
    y.comment(0,
              "Still to fill in: a Hugging Face token secret for gated models, the image "
              "registry; the model downloads into the cache volume on first start.");
  }
  const int replicas = static_cast<int>(s.replicas);
  workload_head(y, ctx, "Deployment", name, cname, s.replicas,
                s.disaggregation.prefill_replicas > 0
                    ? "prefill + decode replicas (a disaggregated pool deploys as one here)"
                    : ctx.source_of("components." + cname + ".replicas"),
                Placement{gpu, {}});
  y.line(4, "- name: engine");
  y.line(4, std::string("  image: ") + (trt ? kTritonTrtLlmImage : kVllmImage));
  y.line(4, "  args:",
         trt ? "Triton with the TensorRT-LLM backend"
             : "vLLM's OpenAI server; engine arguments as simulated (" + sched_src + ")");
  if (trt && s.gpus_per_replica > 1) {
    // One MPI rank per GPU: the tensorrtllm_backend repository's launcher (scripts/), copied
    // into the image.
    y.line(5, "- python3");
    y.line(5, "- /opt/tritonserver/scripts/launch_triton_server.py");
    y.line(5, "- --world_size=" + std::to_string(s.gpus_per_replica), "tensor x pipeline parallel");
    y.line(5, "- --model_repo=/models");
  } else if (trt) {
    y.line(5, "- tritonserver");
    y.line(5, "- --model-repository=/models");
  } else {
    const std::string prec = precision_of(c, "fp16");
    const auto arg = [&](const std::string& flag, const std::string& value,
                         const std::string& why = {}) {
      y.line(5, "- " + flag);
      y.line(5, "- " + yaml_quoted(value), why);
    };
    arg("--model", hf_model(model), "catalog model " + model);
    arg("--tensor-parallel-size", std::to_string(tp));
    if (pp > 1) arg("--pipeline-parallel-size", std::to_string(pp));
    arg("--dtype", prec == "bf16" ? "bfloat16" : "float16");
    if (prec == "fp8") arg("--quantization", "fp8");
    arg("--max-num-seqs", std::to_string(p.max_num_seqs));
    if (p.max_num_batched_tokens < (1u << 31)) {
      arg("--max-num-batched-tokens", std::to_string(p.max_num_batched_tokens));
    }
    arg("--max-model-len", std::to_string(p.max_model_len));
    arg("--block-size", std::to_string(p.block_size));
    arg("--gpu-memory-utilization",
        number_text("%.2f", sched_node.is_map()
                                ? sched_node.number_or("gpu_memory_utilization", 0.9)
                                : 0.9));
    if (p.batching == LlmBatching::kChunked) y.line(5, "- --enable-chunked-prefill");
    if (p.prefix_caching) y.line(5, "- --enable-prefix-caching");
    if (p.swap_preemption) {
      arg("--swap-space",
          number_text("%.0f", sched_node.is_map() ? sched_node.number_or("swap_space", 4) : 4));
      arg("--preemption-mode", "swap");
    }
  }
  y.line(4, "  ports:");
  y.line(5, "- {name: http, containerPort: 8000}");
  if (trt) y.line(5, "- {name: metrics, containerPort: 8002}");
  y.line(4, "  readinessProbe:");
  y.line(6, trt ? "httpGet: {path: /v2/health/ready, port: http}"
                : "httpGet: {path: /health, port: http}");
  y.line(6, "initialDelaySeconds: 60", "weights load before the first answer");
  y.line(4, "  resources:");
  const double host = s.memory.host_bytes;
  const std::string gpus = std::to_string(s.gpus_per_replica);
  y.line(6, "requests:");
  y.line(7, "cpu: " + yaml_quoted(std::to_string(4 * s.gpus_per_replica)),
         "allowance: 4 cores per GPU worker (not simulated)");
  y.line(7, "memory: " + mebibytes(host),
         "simulated " + cname + ".host_memory_per_replica_bytes = " + integer(host));
  y.line(6, "limits:");
  y.line(7, "memory: " + mebibytes(host + kShmBytes), "and the 4 GiB /dev/shm below");
  y.line(7, gpu_resource(gpu) + ": " + gpus,
         "tensor_parallel " + std::to_string(tp) + " x pipeline_parallel " + std::to_string(pp) +
             "; " + number_text("%.1f", s.memory.gpu_bytes / 1e9) +
             " GB in use per GPU (simulated " + cname + ".gpu_memory_per_gpu_bytes)");
  y.line(4, "  volumeMounts:");
  y.line(5, "- {name: shm, mountPath: /dev/shm}", "NCCL between the GPU workers");
  y.line(5, std::string("- {name: models, mountPath: ") +
                (trt ? "/models}" : "/root/.cache/huggingface}"));
  if (trt) {
    y.line(5,
           "- {name: model-config, mountPath: /models/tensorrt_llm/config.pbtxt, subPath: "
           "config.pbtxt}");
  }
  y.line(3, "volumes:");
  y.line(4, "- name: shm");
  y.line(4, "  emptyDir: {medium: Memory, sizeLimit: 4Gi}");
  if (trt) {
    y.line(4, "- name: model-config");
    y.line(4, "  configMap: {name: " + config_map + "}");
  }
  y.line(4, "- name: models");
  y.line(4, "  persistentVolumeClaim: {claimName: " + name + "-models}",
         "create it: model weights");
  if (trt) {
    service(y, ctx, name, cname, {{"http", 8000}, {"metrics", 8002}});
  } else {
    service(y, ctx, name, cname, {{"http", 8000}});
  }
  const Hpa h = hpa_bounds(ctx, cname + (trt ? ".utilisation" : ".kv_utilisation"), replicas);
  if (trt) {
    hpa(y, ctx, name, cname, h, "nv_gpu_utilization",
        number_text("%.0fm", kTargetUtilisation * 1000),
        "Triton's nv_gpu_utilization (0..1) averaged over the pods");
  } else {
    const auto kv = ctx.metric(cname + ".kv_utilisation");
    hpa(y, ctx, name, cname, h, "vllm_gpu_cache_usage_perc",
        number_text("%.0fm", kTargetUtilisation * 1000),
        "vLLM's vllm:gpu_cache_usage_perc (KV cache in use, 0..1; simulated mean " +
            (kv ? number_text("%.3f", *kv) : std::string("n/a")) + ")");
  }
  return {cname + ".yaml", y.str()};
}

ExportFile redis_cluster(const ExportContext& ctx, const std::string& cname,
                         const FeatureLookup& f) {
  // A StatefulSet's name leaves room for its pods' controller-revision-hash label.
  const std::string name = dns_label(ctx.project() + "-" + cname, 52);
  const FeatureStoreSetup& s = f.setup();
  const std::uint32_t nodes = s.shards * (1 + s.replicas);
  const bool cluster = s.shards > 1;
  if (s.shards == 2) {
    throw std::runtime_error("feature store '" + cname +
                             "': Redis Cluster needs at least 3 masters and the design has 2 "
                             "shards; simulate 3 (or 1, a single master) and export that");
  }
  const double maxmemory = s.memory_per_shard_bytes * kRedisMemoryHeadroom;
  const std::string replicas_each =
      std::to_string(s.replicas) + (s.replicas == 1 ? " replica" : " replicas");
  YamlText y;
  y.comment(0, "Feature store '" + cname + "' (" + s.description + ").");
  y.comment(0, "Generated by scalesim export from " + ctx.origin + ".");
  if (cluster) {
    y.comment(0, "After the pods start, form the cluster once:");
    y.comment(
        0, "  kubectl exec " + name +
               "-0 -- redis-cli --cluster create $(kubectl get pods "
               "-l app.kubernetes.io/name=" +
               name +
               " -o jsonpath='{range .items[*]}{.status.podIP}:6379 {end}') --cluster-replicas " +
               std::to_string(s.replicas) + " --cluster-yes");
  } else if (s.replicas > 0) {
    y.comment(0, "One master (pod 0) and " + replicas_each + " following it (replicaof).");
  }
  y.comment(
      0,
      "Still to fill in: a storage class if the data must survive restarts (persistence is off).");
  workload_head(y, ctx, "StatefulSet", name, cname, nodes,
                std::to_string(s.shards) + (s.shards == 1 ? " shard" : " shards") +
                    " x (1 master + " + replicas_each +
                    "): " + ctx.source_of("components." + cname + ".shards") + ", " +
                    ctx.source_of("components." + cname + ".replicas"),
                Placement{});
  y.line(4, "- name: redis");
  y.line(4, std::string("  image: ") + kRedisImage);
  const std::string memory = integer(maxmemory);
  const std::string memory_why = "simulated " + cname + ".memory_per_shard_bytes " +
                                 integer(s.memory_per_shard_bytes) + " x " +
                                 number_text("%.1f", kRedisMemoryHeadroom) + " headroom";
  if (cluster) {
    y.line(4, "  args:");
    for (const std::string a : {"--cluster-enabled", "yes", "--cluster-node-timeout", "15000",
                                "--maxmemory-policy", "noeviction", "--appendonly", "no"}) {
      y.line(5, "- " + yaml_quoted(a));
    }
    y.line(5, "- \"--maxmemory\"");
    y.line(5, "- " + yaml_quoted(memory), memory_why);
  } else {
    // Pod 0 is the master; the others replicate it.
    y.line(4, "  command: [\"sh\", \"-c\"]");
    y.line(4, "  args:");
    y.line(5,
           "- " + yaml_quoted(
                      "exec redis-server --maxmemory " + memory +
                      " --maxmemory-policy noeviction --appendonly no $( [ \"${HOSTNAME##*-}\" "
                      "= 0 ] || echo --replicaof " +
                      name + "-0." + name + " 6379)"),
           memory_why);
  }
  y.line(4, "  ports:");
  y.line(5, "- {name: redis, containerPort: 6379}");
  y.line(5, "- {name: cluster-bus, containerPort: 16379}");
  y.line(4, "  resources:");
  y.line(6, "requests:");
  y.line(7, "cpu: \"2\"", "Redis runs one event loop; the second core serves forks and I/O");
  y.line(7, "memory: " + mebibytes(maxmemory * 1.25),
         "maxmemory + 25% for the process and buffers");
  y.line(6, "limits:");
  y.line(7, "memory: " + mebibytes(maxmemory * 1.25));
  service(y, ctx, name, cname, {{"redis", 6379}, {"cluster-bus", 16379}}, true);
  return {cname + ".yaml", y.str()};
}

}  // namespace

std::vector<ExportFile> export_kubernetes(const ExportContext& ctx) {
  std::vector<ExportFile> files;
  const ConfigNode components = ctx.root.at("components");
  const QueueingNetwork& net = *ctx.net;
  for (LpId lp = 0; lp < net.lp_count(); ++lp) {
    const std::string& cname = net.name_of(lp);
    const ConfigNode c = components.at(cname);
    if (const auto* m = std::get_if<ModelServer>(&net.component(lp))) {
      files.push_back(model_server(ctx, cname, c, *m));
    } else if (const auto* e = std::get_if<LlmEngine>(&net.component(lp))) {
      files.push_back(llm_engine(ctx, cname, c, *e));
    } else if (const auto* f = std::get_if<FeatureLookup>(&net.component(lp))) {
      files.push_back(redis_cluster(ctx, cname, *f));
    }
  }
  if (files.empty()) {
    throw NothingToExport("nothing to deploy on Kubernetes: " + ctx.config_path +
                          " has no serving component (model_server, llm_engine) and no feature "
                          "store (feature_lookup)");
  }
  return files;
}

}  // namespace scalesim::cli
