// Building a ModelServer from its config entry and the hardware catalog.
#pragma once

#include <memory>

#include "hardware/catalog/catalog.h"
#include "models/serving/model_server.h"
#include "scalesim/config/config_node.h"

namespace scalesim {

// Keys: model, input, precision, gpu | cpu, software, replicas, instances, dynamic_batching
// {max_batch_size, preferred_batch_sizes, max_queue_delay}. Errors (unknown model or device,
// a model that does not fit its GPU) are ConfigErrors at the offending key.
ModelServerSetup model_server_setup(const ConfigNode& node, const hardware::Catalog& catalog);

// The batch time of `model` on one GPU: what a model server's sized requests cost (encoders
// padded to the longest input; decoders prefilled, then decoded statically until the longest
// answer ends). Also the `static` scheduler of llm_engine, which thereby reproduces it.
std::shared_ptr<const BatchCost> gpu_batch_cost(hardware::GpuPerformance perf,
                                                hardware::ModelProfile model, hardware::Precision p,
                                                double default_input);

}  // namespace scalesim
