# scalesim_set_warnings(target): the project's warning set; errors when
# SCALESIM_WARNINGS_AS_ERRORS is on (CI and ./test.sh turn it on).
function(scalesim_set_warnings target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
      -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual -Wdouble-promotion
      -Wimplicit-fallthrough>)
  # GCC 12 reports -Wrestrict inside libstdc++'s std::string operator+ at -O3 (GCC PR 105329,
  # a known false positive); so it is switched off for those compilers.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-Wno-restrict>)
  endif()
  if(SCALESIM_WARNINGS_AS_ERRORS)
    target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-Werror>)
  endif()
endfunction()
