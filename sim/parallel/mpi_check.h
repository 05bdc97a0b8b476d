// MPI return codes as exceptions, for the MPI-backed parts of sim/parallel (only included where
// SCALESIM_HAVE_MPI is defined).
#pragma once

#include <mpi.h>

#include <stdexcept>
#include <string>

namespace scalesim::detail {

inline void check_mpi(int rc, const char* what) {
  if (rc != MPI_SUCCESS) throw std::runtime_error(std::string("MPI call failed: ") + what);
}

}  // namespace scalesim::detail
