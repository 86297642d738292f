# ctest driver of the JSONata differential test (cmake -P):
#   1. installs the pinned reference (npm ci) into a copy of tests/jsonata under the build tree,
#   2. runs oracle.js to write expected.jsonl from it,
#   3. runs stepfn's side, which compares.
# Fails, saying why, when node or npm is missing: the test never passes without the oracle.
# Inputs: SOURCE_DIR (tests/jsonata), WORK_DIR, DIFFERENTIAL (the stepfn program).
find_program(NODE_EXECUTABLE NAMES node nodejs)
find_program(NPM_EXECUTABLE NAMES npm)
if(NOT NODE_EXECUTABLE OR NOT NPM_EXECUTABLE)
  message(FATAL_ERROR "jsonata_differential needs node and npm to run the reference implementation "
                      "(Debian: apt-get install nodejs npm, or tools/setup-deps.sh); not found")
endif()

file(MAKE_DIRECTORY ${WORK_DIR})
foreach(f package.json package-lock.json oracle.js)
  file(COPY_FILE ${SOURCE_DIR}/${f} ${WORK_DIR}/${f} ONLY_IF_DIFFERENT)
endforeach()

set(_installed "")
if(EXISTS ${WORK_DIR}/node_modules/jsonata/package.json)
  file(READ ${WORK_DIR}/node_modules/jsonata/package.json _package)
  string(JSON _installed ERROR_VARIABLE _ignored GET "${_package}" version)
endif()
if(NOT _installed STREQUAL "2.0.6")
  execute_process(COMMAND ${NPM_EXECUTABLE} ci --no-audit --no-fund WORKING_DIRECTORY ${WORK_DIR} RESULT_VARIABLE _rc)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "npm ci failed in ${WORK_DIR} (${_rc}): the reference jsonata@2.0.6 is not installed")
  endif()
endif()

execute_process(COMMAND ${NODE_EXECUTABLE} ${WORK_DIR}/oracle.js ${WORK_DIR}/expected.jsonl
                        --corpus ${SOURCE_DIR}/corpus --documents ${SOURCE_DIR}/documents
                RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "oracle.js failed (${_rc})")
endif()

execute_process(COMMAND ${DIFFERENTIAL} ${SOURCE_DIR}/corpus ${SOURCE_DIR}/documents ${WORK_DIR}/expected.jsonl
                        ${SOURCE_DIR}/known_differences.jsonl
                RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "stepfn and the reference disagree (see above)")
endif()
