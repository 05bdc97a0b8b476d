# `cmake --install <build> --prefix P` lays out:
#   P/bin/scalesim
#   P/lib/libscalesim_{core,hardware,models,mc,sweep}.a
#   P/include/scalesim/...               the engine's public headers, included as "scalesim/..."
#   P/include/scalesim/hardware/...      included as "hardware/..."
#   P/include/scalesim/models/...        included as "models/queueing/...", ...
#   P/include/scalesim/sweep/...         included as "sweep/sweep_spec.h", "sweep/mc/..."
#   P/lib/cmake/ScaleSim/                ScaleSimConfig.cmake, ...Version, ...Targets, Find modules
#   P/share/scalesim/{configs,docs,jobscripts,analysis}
# External projects use it with find_package(ScaleSim) and link ScaleSim::core, ScaleSim::hardware,
# ScaleSim::models, ScaleSim::mc or ScaleSim::sweep (tests/install/ builds one).
# Included at the end of the top-level CMakeLists.txt, after every target exists.

include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(SCALESIM_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/ScaleSim)
set(SCALESIM_INSTALL_DATADIR ${CMAKE_INSTALL_DATADIR}/scalesim)
set(SCALESIM_INSTALL_CONFIGDIR ${SCALESIM_INSTALL_DATADIR}/configs)

# The installed binary finds the installed catalog from its own path (so the prefix given to
# `cmake --install --prefix` may differ from CMAKE_INSTALL_PREFIX, and the tree may be moved);
# SCALESIM_CONFIG_DIR still wins, and a binary in the build tree keeps reading the source tree.
file(RELATIVE_PATH _scalesim_bin_to_configs "${CMAKE_INSTALL_FULL_BINDIR}"
     "${CMAKE_INSTALL_PREFIX}/${SCALESIM_INSTALL_CONFIGDIR}")
target_compile_definitions(scalesim_hardware PRIVATE
  SCALESIM_CONFIG_DIR_FROM_BINDIR="${_scalesim_bin_to_configs}"
  SCALESIM_INSTALLED_CONFIG_DIR="${CMAKE_INSTALL_PREFIX}/${SCALESIM_INSTALL_CONFIGDIR}")

# The libraries' include directories name source folders; exported, they name the installed
# ones instead. Each source/build-tree entry becomes $<BUILD_INTERFACE:...>, and the installed
# folder holding the same layout is added as $<INSTALL_INTERFACE:...>. (System folders, e.g.
# HDF5's, stay as they are.)
function(_scalesim_install_interface target)
  get_target_property(_dirs ${target} INTERFACE_INCLUDE_DIRECTORIES)
  set(_out)
  foreach(_d IN LISTS _dirs)
    if(_d MATCHES "^\\$<")
      list(APPEND _out "${_d}")
    elseif(_d MATCHES "^${PROJECT_SOURCE_DIR}/" OR _d STREQUAL PROJECT_SOURCE_DIR
           OR _d MATCHES "^${PROJECT_BINARY_DIR}/")
      list(APPEND _out "$<BUILD_INTERFACE:${_d}>")
    else()
      list(APPEND _out "${_d}")
    endif()
  endforeach()
  foreach(_i IN LISTS ARGN)
    list(APPEND _out "$<INSTALL_INTERFACE:${_i}>")
  endforeach()
  set_target_properties(${target} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${_out}")
endfunction()

set(_inc ${CMAKE_INSTALL_INCLUDEDIR})
_scalesim_install_interface(scalesim_core ${_inc})
_scalesim_install_interface(scalesim_hardware ${_inc}/scalesim)
_scalesim_install_interface(scalesim_models ${_inc}/scalesim)
_scalesim_install_interface(scalesim_mc ${_inc}/scalesim)
_scalesim_install_interface(scalesim_sweep ${_inc}/scalesim)

set_target_properties(scalesim_core PROPERTIES EXPORT_NAME core)
set_target_properties(scalesim_hardware PROPERTIES EXPORT_NAME hardware)
set_target_properties(scalesim_models PROPERTIES EXPORT_NAME models)
set_target_properties(scalesim_mc PROPERTIES EXPORT_NAME mc)
set_target_properties(scalesim_sweep PROPERTIES EXPORT_NAME sweep)

# The installed binary keeps the run paths of the libraries it was linked with outside the
# system folders (an MPI or HDF5 from modules or Spack); Spack sets its own.
if(NOT DEFINED CMAKE_INSTALL_RPATH_USE_LINK_PATH)
  set_target_properties(scalesim PROPERTIES INSTALL_RPATH_USE_LINK_PATH TRUE)
endif()
install(TARGETS scalesim RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS scalesim_core scalesim_hardware scalesim_models scalesim_mc scalesim_sweep
  EXPORT ScaleSimTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# Headers, in the layout the include directories above expect.
set(_hdr FILES_MATCHING PATTERN "*.h" PATTERN "*.hpp" PATTERN "*.cuh")
install(DIRECTORY ${PROJECT_SOURCE_DIR}/sim/include/ DESTINATION ${_inc} ${_hdr})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/hardware DESTINATION ${_inc}/scalesim ${_hdr})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/models/ DESTINATION ${_inc}/scalesim/models ${_hdr})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/sweep/ DESTINATION ${_inc}/scalesim/sweep ${_hdr})

# The catalog and example configs, the documentation and the cluster job scripts.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/configs/ DESTINATION ${SCALESIM_INSTALL_CONFIGDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${SCALESIM_INSTALL_DATADIR}/docs)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/jobscripts/ DESTINATION ${SCALESIM_INSTALL_DATADIR}/jobscripts
        USE_SOURCE_PERMISSIONS)
# The Python analysis package (python3-h5py, pandas, matplotlib): PYTHONPATH=P/share/scalesim/analysis.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/analysis/ DESTINATION ${SCALESIM_INSTALL_DATADIR}/analysis
        USE_SOURCE_PERMISSIONS PATTERN tests EXCLUDE PATTERN __pycache__ EXCLUDE)

# The package: targets, config (finds what the link interface needs), version, Find modules.
install(EXPORT ScaleSimTargets NAMESPACE ScaleSim:: FILE ScaleSimTargets.cmake
        DESTINATION ${SCALESIM_INSTALL_CMAKEDIR})
if(TARGET METIS::METIS)
  set(SCALESIM_USES_METIS ON)
else()
  set(SCALESIM_USES_METIS OFF)
endif()
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/ScaleSimConfig.cmake.in
  ${PROJECT_BINARY_DIR}/ScaleSimConfig.cmake
  INSTALL_DESTINATION ${SCALESIM_INSTALL_CMAKEDIR}
  PATH_VARS SCALESIM_INSTALL_CONFIGDIR)
# 0.x: a minor release may change the API.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/ScaleSimConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/ScaleSimConfig.cmake
              ${PROJECT_BINARY_DIR}/ScaleSimConfigVersion.cmake
              ${PROJECT_SOURCE_DIR}/cmake/FindRandom123.cmake
              ${PROJECT_SOURCE_DIR}/cmake/FindMETIS.cmake
        DESTINATION ${SCALESIM_INSTALL_CMAKEDIR})
