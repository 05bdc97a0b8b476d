# Random123 is header-only (Debian: librandom123-dev). Defines Random123::Random123.
find_path(Random123_INCLUDE_DIR NAMES Random123/philox.h)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Random123 REQUIRED_VARS Random123_INCLUDE_DIR)
if(Random123_FOUND AND NOT TARGET Random123::Random123)
  # Check that the header actually compiles and gives the Philox4x64 known-answer.
  include(CheckCXXSourceRuns)
  set(CMAKE_REQUIRED_INCLUDES ${Random123_INCLUDE_DIR})
  check_cxx_source_runs([[
    #include <Random123/philox.h>
    int main() {
      r123::Philox4x64 g;
      r123::Philox4x64::ctr_type c = {{0, 0, 0, 0}};
      r123::Philox4x64::key_type k = {{0, 0}};
      auto r = g(c, k);
      // Known-answer vector from Random123's kat_vectors: philox4x64 10 rounds, zero ctr/key.
      return r[0] == 0x16554d9eca36314cULL ? 0 : 1;
    }]] Random123_KAT_OK)
  unset(CMAKE_REQUIRED_INCLUDES)
  if(NOT Random123_KAT_OK)
    message(FATAL_ERROR "Random123 at ${Random123_INCLUDE_DIR} fails the Philox4x64 known-answer test")
  endif()
  add_library(Random123::Random123 INTERFACE IMPORTED)
  set_target_properties(Random123::Random123 PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES ${Random123_INCLUDE_DIR})
endif()
mark_as_advanced(Random123_INCLUDE_DIR)
