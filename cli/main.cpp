// scalesim: the command line, a thin layer over scalesim_core and scalesim_models.
#include <cstdio>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "scalesim/parallel/transport.h"

namespace {

constexpr const char* kUsage =
    "usage: scalesim <command> [options]\n"
    "\n"
    "commands:\n"
    "  run CONFIG.yaml [--seed N] [-o OUT] [--json]   simulate a queueing network from a config\n"
    "      [--threads T] [--partition metis|block] [--stats] [--replications K]\n"
    "  phold [--nlp N --start-events K --mean M --lookahead L --remote R --end T] [--json]\n"
    "      [--threads T] [--partition metis|block] [--stats]   PHOLD (ROSS's flag names)\n"
    "  sweep SPEC.yaml [--backend des|mc] [-o OUT.h5] [--json]   a parameter sweep (resumable)\n"
    "      [--threads T] [--device auto|cpu|gpu] [--chunk N] [--shard I/N]\n"
    "  capacity CONFIG.yaml [--slo 'METRIC < TARGET'] [--source NAME] [--tolerance R]\n"
    "      the highest arrival rate meeting every SLO (MLPerf's server scenario)\n"
    "  merge -o OUT.h5 SHARD.h5 ...                     join a sweep's shards (job arrays)\n"
    "  info hardware|models [--json]                   print the hardware and model catalog\n"
    "  calibrate [CSV ...] [--write] [--report FILE]    fit the GPU model to measurements\n"
    "  trace convert IN OUT | trace read FILE          convert a trace (CSV <-> HDF5), read one\n"
    "  templates [--json]                              the template gallery: patterns, composites\n"
    "  new TEMPLATE [-o FILE.yaml]                     an editable copy of a template\n"
    "  show CONFIG.yaml|RUN.h5 [-o topology.svg]       draw the topology (a run's: annotated)\n"
    "  export CONFIG.yaml --to kubernetes|kubeflow|mlflow|feast -o DIR [--from-sweep S.h5]\n"
    "      deployment artefacts whose numbers come from a run of the config\n"
    "\n"
    "Parallel: mpirun -n R scalesim ... --threads T (or OMP_NUM_THREADS); results are\n"
    "bit-identical for any R and T.\n"
    "\n"
    "  scalesim <command> --help    options of a command\n"
    "  scalesim --version           version\n";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? scalesim::cli::kExitUsage : scalesim::cli::kExitOk;
  }
  if (args[0] == "--version" || args[0] == "-V") {
    std::printf("scalesim %s\n", SCALESIM_VERSION);
    return scalesim::cli::kExitOk;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  if (command == "run" || command == "phold" || command == "sweep" || command == "capacity") {
    scalesim::MpiSession mpi(&argc, &argv);  // MPI only for the commands that simulate
    scalesim::Transport transport;
    if (command == "sweep") return scalesim::cli::sweep_command(args, transport);
    if (command == "capacity") return scalesim::cli::capacity_command(args, transport);
    return command == "run" ? scalesim::cli::run_command(args, transport)
                            : scalesim::cli::phold_command(args, transport);
  }
  if (command == "merge") return scalesim::cli::merge_command(args);
  if (command == "info") return scalesim::cli::info_command(args);
  if (command == "calibrate") return scalesim::cli::calibrate_command(args);
  if (command == "trace") return scalesim::cli::trace_command(args);
  if (command == "templates") return scalesim::cli::templates_command(args);
  if (command == "new") return scalesim::cli::new_command(args);
  if (command == "show") return scalesim::cli::show_command(args);
  if (command == "export") return scalesim::cli::export_command(args);
  std::fprintf(stderr, "scalesim: unknown command '%s'\n\n%s", command.c_str(), kUsage);
  return scalesim::cli::kExitUsage;
}
