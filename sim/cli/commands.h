// The scalesim subcommands. Each takes its own arguments (after the subcommand name) and
// returns the process exit code (see exit_codes.h).
#pragma once

#include <string>
#include <vector>

namespace scalesim::cli {

int phold_command(const std::vector<std::string>& args);
int run_command(const std::vector<std::string>& args);

}  // namespace scalesim::cli
