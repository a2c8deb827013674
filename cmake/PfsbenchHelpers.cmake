# Helpers shared by every tool and test folder.

# pfsbench_conf(KEY OUT): the words of KEY in tools.conf as a list: the tool
# list and the mpirun flags, which scripts/common.sh and
# scripts/pfsbench_results read too (one copy; test_project_config checks).
set(PFSBENCH_CONF ${CMAKE_CURRENT_LIST_DIR}/../tools.conf)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${PFSBENCH_CONF})
function(pfsbench_conf key out)
  file(STRINGS ${PFSBENCH_CONF} lines REGEX "^${key}[ \t]*=")
  if(NOT lines)
    message(FATAL_ERROR "tools.conf has no '${key} = ...' line")
  endif()
  list(GET lines 0 line)
  string(REGEX REPLACE "^${key}[ \t]*=[ \t]*" "" value "${line}")
  string(STRIP "${value}" value)
  separate_arguments(value UNIX_COMMAND "${value}")
  set(${out} ${value} PARENT_SCOPE)
endfunction()
pfsbench_conf(tools PFSBENCH_ALL_TOOLS)

# Warnings every target of ours compiles with. The build must have none.
function(pfsbench_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
    -Wconversion -Wno-sign-conversion -Wnon-virtual-dtor -Wold-style-cast
    -Wcast-align -Wunused -Woverloaded-virtual -Wnull-dereference)
  if(PFSBENCH_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# pfsbench_add_tool(NAME SOURCES ... [LIBS ...])
# A tool is a library NAME_lib (run() callable from tests) plus the thin
# executable NAME built from main.cpp.
function(pfsbench_add_tool name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS" ${ARGN})
  add_library(${name}_lib STATIC ${T_SOURCES})
  target_include_directories(${name}_lib PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(${name}_lib PUBLIC pfsbench::core ${T_LIBS})
  pfsbench_warnings(${name}_lib)
  add_executable(${name} main.cpp)
  target_link_libraries(${name} PRIVATE ${name}_lib)
  pfsbench_warnings(${name})
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/bin)
endfunction()

# Links `target` with the library of every tool that is built (tests and
# benchmarks that call a tool's run() in-process).
function(pfsbench_link_tool_libs target)
  foreach(tool ${PFSBENCH_ALL_TOOLS})
    if(TARGET ${tool}_lib)
      target_link_libraries(${target} PRIVATE ${tool}_lib)
    endif()
  endforeach()
endfunction()

# The mpiexec prefix for N ranks: FindMPI's MPIEXEC_* variables, plus, for
# Open MPI, tools.conf's mpirun_flags (and mpirun_root_flags when we run as
# root, as CI and the dev machines do).
function(pfsbench_mpiexec_prefix out nranks)
  set(prefix ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} ${nranks})
  execute_process(COMMAND ${MPIEXEC_EXECUTABLE} --version OUTPUT_VARIABLE ver ERROR_QUIET)
  if(ver MATCHES "Open MPI|OpenRTE")
    pfsbench_conf(mpirun_flags flags)
    list(APPEND prefix ${flags})
    execute_process(COMMAND id -u OUTPUT_VARIABLE uid OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(uid STREQUAL "0")
      pfsbench_conf(mpirun_root_flags root_flags)
      list(APPEND prefix ${root_flags})
    endif()
  endif()
  list(APPEND prefix ${MPIEXEC_PREFLAGS})
  set(${out} ${prefix} PARENT_SCOPE)
endfunction()

# pfsbench_add_mpi_test(NAME TARGET RANKS n1 n2 ...): one ctest per rank count,
# named NAME.npN, running TARGET under mpiexec.
function(pfsbench_add_mpi_test name)
  cmake_parse_arguments(T "" "TARGET" "RANKS;ARGS" ${ARGN})
  foreach(n ${T_RANKS})
    pfsbench_mpiexec_prefix(prefix ${n})
    add_test(NAME ${name}.np${n}
      COMMAND ${prefix} $<TARGET_FILE:${T_TARGET}> ${MPIEXEC_POSTFLAGS} ${T_ARGS})
    set_tests_properties(${name}.np${n} PROPERTIES PROCESSORS ${n} TIMEOUT 300 LABELS mpi)
  endforeach()
endfunction()
