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
# The Python package, where the install put it (PYTHON is set when the module was built).
if(PYTHON)
  execute_process(COMMAND ${CMAKE_COMMAND} -E env
                          PYTHONPATH=${SCRATCH}/prefix/${PYTHON_INSTALL_DIR} PYTHONDONTWRITEBYTECODE=1
                          ${PYTHON} -c "import cardinal, numpy; x = numpy.eye(3); \
assert cardinal.__file__.startswith('${SCRATCH}/prefix/'), cardinal.__file__; \
assert cardinal.solve(x, numpy.array([0.0, 2.0, 0.0]), solver='omp', sparsity=1).support.tolist() == [1]"
                  RESULT_VARIABLE status)
  if(status)
    message(FATAL_ERROR "importing the installed Python package failed")
  endif()
endif()
file(REMOVE_RECURSE ${SCRATCH})
