# Installs the build tree into a scratch prefix, then configures, builds and runs the consumer
# project against it. Invoked by ctest with -DBUILD_DIR=... -DSOURCE_DIR=... -DSCRATCH=...
file(REMOVE_RECURSE ${SCRATCH})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${SCRATCH}/prefix
                RESULT_VARIABLE status OUTPUT_QUIET)
if(status)
  message(FATAL_ERROR "cmake --install failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/package/consumer -B ${SCRATCH}/build
                        -DCMAKE_PREFIX_PATH=${SCRATCH}/prefix -DCMAKE_BUILD_TYPE=Release
                RESULT_VARIABLE status)
if(status)
  message(FATAL_ERROR "find_package(cardinal) failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${SCRATCH}/build RESULT_VARIABLE status)
if(status)
  message(FATAL_ERROR "building against the installed cardinal failed")
endif()
execute_process(COMMAND ${SCRATCH}/build/consumer RESULT_VARIABLE status)
if(status)
  message(FATAL_ERROR "the consumer program failed")
endif()
file(REMOVE_RECURSE ${SCRATCH})
