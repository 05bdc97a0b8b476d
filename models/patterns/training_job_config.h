// Building a TrainingJob from its config entry and the hardware catalog.
#pragma once

#include "hardware/catalog/catalog.h"
#include "models/patterns/training_job.h"
#include "scalesim/config/config_node.h"

namespace scalesim {

// Keys: model, gpu, software, precision, gpus_per_node, nodes, batch_per_gpu, input,
// trainable_fraction, optimizer_bytes_per_parameter, samples, epochs, storage {object_store,
// streams} or storage {bandwidth}, nic. Errors are ConfigErrors at the key.
TrainingJobSetup training_job_setup(const ConfigNode& node, const hardware::Catalog& catalog);

}  // namespace scalesim
