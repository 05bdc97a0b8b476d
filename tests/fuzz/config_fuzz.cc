// libFuzzer target: the YAML configuration loader and the queueing-network builder.
//
// Any text must either build a network or be refused with a ConfigError or UnitError (which
// carry the file:line:column a user needs). Any other exception, a crash or a sanitizer report
// is a bug. Nothing is simulated: a network is only built (model servers load the hardware
// catalog from SCALESIM_CONFIG_DIR or the compiled-in configs/ folder; configs that point at
// other files are set aside, see names_files).
#include <cstddef>
#include <cstdint>
#include <string>

#include "models/queueing/queueing_network.h"
#include "scalesim/config/config_node.h"
#include "scalesim/config/units.h"

namespace {

// Whether the config names files or folders on this machine: the hardware `catalog:` folder or
// a trace source's `file:`. Following them would fuzz the file system rather than the loader
// (and a path such as /dev/zero would never end), so such inputs are set aside.
bool names_files(const scalesim::ConfigNode& root) {
  if (root.has("catalog")) return true;
  const auto components = root.find("components");
  if (!components || !components->is_map()) return false;
  for (const auto& [name, component] : components->entries()) {
    if (component.is_map() && component.has("file")) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const scalesim::ConfigNode root = scalesim::ConfigNode::load_string(text, "fuzz.yaml");
    if (names_files(root)) return -1;
    scalesim::QueueingNetwork net = scalesim::QueueingNetwork::from_config(root);
    // What a parallel run derives from a network before simulating it.
    const scalesim::LpGraph graph = net.lp_graph();
    (void)graph;
  } catch (const scalesim::ConfigError&) {
  } catch (const scalesim::UnitError&) {
  }
  return 0;
}
