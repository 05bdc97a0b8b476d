// Building a ModelServer from its config entry and the hardware catalog.
#pragma once

#include "hardware/catalog/catalog.h"
#include "models/serving/model_server.h"
#include "scalesim/config/config_node.h"

namespace scalesim {

// Keys: model, input, precision, gpu | cpu, software, replicas, instances, dynamic_batching
// {max_batch_size, preferred_batch_sizes, max_queue_delay}. Errors (unknown model or device,
// a model that does not fit its GPU) are ConfigErrors at the offending key.
ModelServerSetup model_server_setup(const ConfigNode& node, const hardware::Catalog& catalog);

}  // namespace scalesim
