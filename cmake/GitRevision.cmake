# Writes the git revision of the source tree into a C++ source, at BUILD
# time (a custom target runs this script on every build), and rewrites the
# file only when the text changes, so a build after a commit (or an edit)
# records the revision of the code actually compiled, and an unchanged tree
# recompiles nothing.
#
#   cmake -DSOURCE_DIR=<tree> -DOUTPUT=<file.cpp> -P GitRevision.cmake
#
# The revision: the 12-digit short hash of HEAD, "-dirty" when tracked files
# differ from HEAD (git describe --dirty's rule: untracked files do not
# count), "unknown" outside a git checkout or without git.
if(NOT SOURCE_DIR OR NOT OUTPUT)
  message(FATAL_ERROR "GitRevision.cmake: give -DSOURCE_DIR=... -DOUTPUT=...")
endif()
find_program(GIT_EXECUTABLE git)
set(revision "unknown")
if(GIT_EXECUTABLE)
  execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --short=12 HEAD
    WORKING_DIRECTORY ${SOURCE_DIR}
    RESULT_VARIABLE rc OUTPUT_VARIABLE head OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(rc EQUAL 0 AND head)
    set(revision "${head}")
    # Refresh the index's stat data first, so a touched but unchanged file
    # is not taken for a change.
    execute_process(COMMAND ${GIT_EXECUTABLE} update-index -q --refresh
      WORKING_DIRECTORY ${SOURCE_DIR} OUTPUT_QUIET ERROR_QUIET)
    execute_process(COMMAND ${GIT_EXECUTABLE} diff-index --quiet HEAD --
      WORKING_DIRECTORY ${SOURCE_DIR} RESULT_VARIABLE dirty OUTPUT_QUIET ERROR_QUIET)
    if(NOT dirty EQUAL 0)
      set(revision "${revision}-dirty")
    endif()
  endif()
endif()
set(text "// Generated at build time by cmake/GitRevision.cmake; do not edit.\n#include \"pfsbench/version.hpp\"\nnamespace pfsbench {\nconst char* const kGitRevision = \"${revision}\";\n}  // namespace pfsbench\n")
set(old "")
if(EXISTS ${OUTPUT})
  file(READ ${OUTPUT} old)
endif()
if(NOT old STREQUAL text)
  file(WRITE ${OUTPUT} "${text}")
endif()
