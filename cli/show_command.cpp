// scalesim show: draws a config's topology (each component's type, model, hardware, replicas and
// batching), or a run's, annotated with what it measured (utilisation as colour, throughput,
// p99), with Graphviz's `dot`.
#include <sys/wait.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "models/queueing/queueing_network.h"
#include "models/queueing/topology_drawing.h"
#include "scalesim/atomic_file.h"
#include "scalesim/config/config_node.h"
#ifdef SCALESIM_HAVE_HDF5
#include "models/queueing/network_hdf5.h"
#endif

namespace scalesim::cli {

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// A POSIX shell word: the path inside single quotes.
std::string shell_word(const std::string& s) {
  std::string out = "'";
  for (const char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Renders with `dot -T<format>` into OUT.partial, then renames it: the drawing appears complete
// or not at all.
void render(const std::string& dot, const std::string& format, const std::string& output) {
  if (std::system("command -v dot >/dev/null 2>&1") != 0) {
    throw std::runtime_error(
        "Graphviz's `dot` is not installed (Debian: apt-get install graphviz); -o FILE.dot "
        "writes the drawing's source instead");
  }
  const std::string partial = output + ".partial";
  const std::string command = "dot -T" + format + " -o " + shell_word(partial);
  FILE* pipe = popen(command.c_str(), "w");
  if (pipe == nullptr) throw std::runtime_error("cannot start Graphviz's dot");
  const bool written = std::fwrite(dot.data(), 1, dot.size(), pipe) == dot.size();
  const int status = pclose(pipe);
  if (!written || status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::error_code ignored;
    fs::remove(partial, ignored);
    throw std::runtime_error("Graphviz's dot failed to draw " + output);
  }
  fs::rename(partial, output);
}

}  // namespace

int show_command(const std::vector<std::string>& args) {
  std::string input;
  std::string output;
  po::options_description opts("scalesim show options");
  opts.add_options()("help,h", "this help")("input", po::value(&input), "CONFIG.yaml or RUN.h5")(
      "output,o", po::value(&output),
      "FILE.svg, .png or .pdf (drawn by Graphviz), or FILE.dot (its source); default: the DOT "
      "source on standard output");
  po::positional_options_description pos;
  pos.add("input", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(opts).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::fprintf(stderr, "scalesim show: %s\n", e.what());
    return kExitUsage;
  }
  if (vm.count("help") || input.empty()) {
    (vm.count("help") ? std::cout : std::cerr)
        << "usage: scalesim show CONFIG.yaml [-o topology.svg]   the topology as configured\n"
           "       scalesim show RUN.h5 [-o topology.svg]        annotated with the run's "
           "utilisation, throughput and p99\n"
        << opts << "\n";
    return vm.count("help") ? kExitOk : kExitUsage;
  }
  std::string format;
  for (const char* f : {"svg", "png", "pdf", "dot"}) {
    if (ends_with(output, std::string(".") + f)) format = f;
  }
  if (!output.empty() && format.empty()) {
    std::fprintf(stderr, "scalesim show: -o %s: name a .svg, .png, .pdf or .dot file\n",
                 output.c_str());
    return kExitUsage;
  }
  try {
    std::string dot;
    if (ends_with(input, ".h5") || ends_with(input, ".hdf5")) {
#ifdef SCALESIM_HAVE_HDF5
      dot = read_results_text(input, "topology/dot");
#else
      std::fprintf(stderr, "scalesim show: this build has no HDF5 support\n");
      return kExitUsage;
#endif
    } else {
      const QueueingNetwork net = QueueingNetwork::from_config(ConfigNode::load_file(input));
      dot = topology_dot(net);
    }
    if (output.empty()) {
      std::fputs(dot.c_str(), stdout);
    } else if (format == "dot") {
      write_file_atomically(output, dot);
    } else {
      render(dot, format, output);
    }
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "scalesim show: %s\n", e.what());
    return kExitConfig;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "scalesim show: %s\n", e.what());
    return kExitConfig;
  }
  return kExitOk;
}

}  // namespace scalesim::cli
