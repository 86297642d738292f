# Installs a stepfn build tree into a scratch prefix and builds one program with the flags
# `pkg-config --cflags --libs stepfn` gives for that prefix (ctest `package_pkg_config`).
#   -DSTEPFN_BUILD_DIR -DWORK_DIR -DPKG_CONFIG -DCXX_COMPILER -DSOURCE [-DSTEPFN_CONFIG]
foreach(_required STEPFN_BUILD_DIR WORK_DIR PKG_CONFIG CXX_COMPILER SOURCE)
  if(NOT DEFINED ${_required})
    message(FATAL_ERROR "pkg_config_test.cmake needs -D${_required}=...")
  endif()
endforeach()
set(_prefix ${WORK_DIR}/prefix)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

function(run_step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE _exit OUTPUT_VARIABLE _out ERROR_VARIABLE _err
                  OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT _exit EQUAL 0)
    message(FATAL_ERROR "${what} failed (${_exit}):\n${ARGN}\n${_out}\n${_err}")
  endif()
  message(STATUS "${what}: ${_out}")
  set(step_output "${_out}" PARENT_SCOPE)
endfunction()

set(_config_args)
if(STEPFN_CONFIG)
  set(_config_args --config ${STEPFN_CONFIG})
endif()
run_step("install into ${_prefix}" ${CMAKE_COMMAND} --install ${STEPFN_BUILD_DIR} --prefix ${_prefix} ${_config_args})
if(NOT EXISTS ${_prefix}/share/pkgconfig/stepfn.pc)
  message(FATAL_ERROR "the install has no share/pkgconfig/stepfn.pc")
endif()

# The scratch prefix first; the dependencies' .pc files where the system keeps them.
set(ENV{PKG_CONFIG_PATH} "${_prefix}/share/pkgconfig:$ENV{PKG_CONFIG_PATH}")
run_step("pkg-config --modversion stepfn" ${PKG_CONFIG} --modversion stepfn)
run_step("pkg-config --cflags stepfn" ${PKG_CONFIG} --cflags stepfn)
separate_arguments(_cflags UNIX_COMMAND "${step_output}")
if(NOT step_output MATCHES "-I${_prefix}/")
  message(FATAL_ERROR "pkg-config --cflags stepfn does not point into the installed tree: ${step_output}")
endif()
run_step("pkg-config --libs stepfn" ${PKG_CONFIG} --libs stepfn)
separate_arguments(_libs UNIX_COMMAND "${step_output}")
run_step("compile with those flags" ${CXX_COMPILER} -std=c++17 ${_cflags} ${SOURCE} -o ${WORK_DIR}/pkg_config_main ${_libs})
run_step("run it" ${WORK_DIR}/pkg_config_main)
