# The install test (tests/install/CMakeLists.txt): installs the build tree into a fresh prefix,
# checks the layout and that the installed scalesim finds the installed catalog, then configures,
# builds and runs the external project in consumer/ against the installed ScaleSim package.
#   cmake -DBUILD_DIR=... -DWORK_DIR=... -DCONSUMER_DIR=... -DGENERATOR=... [-DMAKE_PROGRAM=...]
#         [-DC_COMPILER=... -DCXX_COMPILER=... -DCXX_FLAGS=... -DLINKER_FLAGS=...] -P install_test.cmake
foreach(v BUILD_DIR WORK_DIR CONSUMER_DIR GENERATOR)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "install_test.cmake: -D${v}=... is required")
  endif()
endforeach()

function(run_step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${out}\n${err}")
  endif()
  set(STEP_OUTPUT "${out}${err}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)

# 1. Install.
run_step("cmake --install" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})

# 2. The layout.
foreach(f bin/scalesim
          include/scalesim/config/config_node.h
          include/scalesim/kernel.h
          include/scalesim/event_queue/event_pool.h
          include/scalesim/hardware/catalog/catalog.h
          include/scalesim/models/queueing/queueing_network.h
          include/scalesim/sweep/sweep_spec.h
          include/scalesim/sweep/mc/mc_kernel.h
          share/scalesim/configs/hardware/gpus.yaml
          share/scalesim/configs/examples/mm1.yaml
          share/scalesim/docs/cli.md
          share/scalesim/jobscripts/README.md
          share/scalesim/jobscripts/slurm/run.sbatch
          share/scalesim/jobscripts/pbs/run.pbs)
  if(NOT EXISTS ${prefix}/${f})
    message(FATAL_ERROR "not installed: ${prefix}/${f}")
  endif()
endforeach()
file(GLOB cmake_dir ${prefix}/lib*/cmake/ScaleSim)
foreach(f ScaleSimConfig.cmake ScaleSimConfigVersion.cmake ScaleSimTargets.cmake FindRandom123.cmake)
  if(NOT EXISTS ${cmake_dir}/${f})
    message(FATAL_ERROR "not installed: lib/cmake/ScaleSim/${f} (in '${cmake_dir}')")
  endif()
endforeach()
foreach(lib core hardware models mc sweep)
  file(GLOB found ${prefix}/lib*/libscalesim_${lib}.*)
  if(NOT found)
    message(FATAL_ERROR "not installed: lib/libscalesim_${lib}")
  endif()
endforeach()
file(READ ${cmake_dir}/ScaleSimTargets.cmake targets)
get_filename_component(source_dir ${CMAKE_CURRENT_LIST_DIR}/../.. ABSOLUTE)
string(FIND "${targets}" "${source_dir}" leak)
if(NOT leak EQUAL -1)
  message(FATAL_ERROR "the exported targets name the source tree ${source_dir}")
endif()

# 3. The installed binary reads the installed catalog (not the source tree's).
run_step("scalesim info hardware --help" ${CMAKE_COMMAND} -E env --unset=SCALESIM_CONFIG_DIR
         ${prefix}/bin/scalesim info hardware --help)
string(FIND "${STEP_OUTPUT}" "${prefix}/share/scalesim/configs" at)
if(at EQUAL -1)
  message(FATAL_ERROR "installed scalesim's default catalog is not ${prefix}/share/scalesim/configs:\n${STEP_OUTPUT}")
endif()
run_step("scalesim info hardware" ${CMAKE_COMMAND} -E env --unset=SCALESIM_CONFIG_DIR
         ${prefix}/bin/scalesim info hardware)
message(STATUS "installed scalesim reads ${prefix}/share/scalesim/configs")

# 4. An external project: find_package(ScaleSim), build, run.
set(args -S ${CONSUMER_DIR} -B ${WORK_DIR}/consumer -G ${GENERATOR} -DCMAKE_BUILD_TYPE=Release
         -DCMAKE_PREFIX_PATH=${prefix})
if(MAKE_PROGRAM)
  list(APPEND args -DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM})
endif()
if(C_COMPILER)
  list(APPEND args -DCMAKE_C_COMPILER=${C_COMPILER})
endif()
if(CXX_COMPILER)
  list(APPEND args -DCMAKE_CXX_COMPILER=${CXX_COMPILER})
endif()
if(CXX_FLAGS)
  list(APPEND args "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}")
endif()
if(LINKER_FLAGS)
  list(APPEND args "-DCMAKE_EXE_LINKER_FLAGS=${LINKER_FLAGS}")
endif()
run_step("configuring the consumer project" ${CMAKE_COMMAND} ${args})
string(REGEX MATCH "ScaleSim [0-9.]+ at [^\n]*" found "${STEP_OUTPUT}")
message(STATUS "${found}")
run_step("building the consumer project" ${CMAKE_COMMAND} --build ${WORK_DIR}/consumer -j 2)
run_step("running the consumer" ${WORK_DIR}/consumer/consumer ${prefix}/share/scalesim/configs)
message(STATUS "consumer:\n${STEP_OUTPUT}")
if(NOT STEP_OUTPUT MATCHES "mean_wait_ms=[0-9.]+ theory_ms=10.0000" OR NOT STEP_OUTPUT MATCHES "\nOK\n")
  message(FATAL_ERROR "unexpected consumer output:\n${STEP_OUTPUT}")
endif()
file(REMOVE_RECURSE ${WORK_DIR})
