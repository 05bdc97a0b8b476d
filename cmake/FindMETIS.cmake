# METIS graph partitioner (Debian: libmetis-dev). Defines METIS::METIS.
find_path(METIS_INCLUDE_DIR NAMES metis.h)
find_library(METIS_LIBRARY NAMES metis)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(METIS REQUIRED_VARS METIS_LIBRARY METIS_INCLUDE_DIR)
if(METIS_FOUND AND NOT TARGET METIS::METIS)
  include(CheckCXXSourceCompiles)
  set(CMAKE_REQUIRED_INCLUDES ${METIS_INCLUDE_DIR})
  set(CMAKE_REQUIRED_LIBRARIES ${METIS_LIBRARY})
  check_cxx_source_compiles([[
    #include <metis.h>
    static_assert(IDXTYPEWIDTH == 32 || IDXTYPEWIDTH == 64);
    int main() { idx_t o[METIS_NOPTIONS]; return METIS_SetDefaultOptions(o) == METIS_OK ? 0 : 1; }
  ]] METIS_LINKS)
  unset(CMAKE_REQUIRED_INCLUDES)
  unset(CMAKE_REQUIRED_LIBRARIES)
  if(NOT METIS_LINKS)
    message(FATAL_ERROR "METIS found at ${METIS_LIBRARY} but a test program does not link against it")
  endif()
  add_library(METIS::METIS UNKNOWN IMPORTED)
  set_target_properties(METIS::METIS PROPERTIES IMPORTED_LOCATION ${METIS_LIBRARY}
    INTERFACE_INCLUDE_DIRECTORIES ${METIS_INCLUDE_DIR})
endif()
mark_as_advanced(METIS_INCLUDE_DIR METIS_LIBRARY)
