# JSONata tests that do not need the evaluator: the formatting and date functions, checked
# against values printed by the reference implementation.
stepfn_test_executable(stepfn_jsonata_format_tests LINK stepfn::stepfn
                       SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/jsonata_format_test.cpp)
add_test(NAME jsonata_format COMMAND stepfn_jsonata_format_tests "[jsonata]")
set_tests_properties(jsonata_format PROPERTIES LABELS "unit;jsonata")

# The evaluator's own tests: the language, the built-in functions and the C++ API, their expected
# values printed by the reference (unit/jsonata_*_test.cpp, the formatting tests excepted).
file(GLOB STEPFN_JSONATA_TESTS CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/unit/jsonata*_test.cpp)
list(FILTER STEPFN_JSONATA_TESTS EXCLUDE REGEX "/jsonata_format_test\\.cpp$")
if(STEPFN_JSONATA_TESTS)
  stepfn_test_executable(stepfn_jsonata_tests LINK stepfn::stepfn SOURCES ${STEPFN_JSONATA_TESTS})
  add_test(NAME jsonata COMMAND stepfn_jsonata_tests "[jsonata]")
  set_tests_properties(jsonata PROPERTIES LABELS "unit;jsonata")
endif()

# The differential test: every corpus case evaluated by stepfn and by the reference (npm
# jsonata, pinned in jsonata/package.json), results compared. Needs the evaluator.
if(EXISTS ${PROJECT_SOURCE_DIR}/include/stepfn/expressions/jsonata.hpp)
  add_executable(stepfn_jsonata_differential ${CMAKE_CURRENT_SOURCE_DIR}/jsonata/differential.cpp)
  target_link_libraries(stepfn_jsonata_differential PRIVATE stepfn::stepfn stepfn_warnings)
  add_test(NAME jsonata_differential
    COMMAND ${CMAKE_COMMAND}
      -DSOURCE_DIR=${CMAKE_CURRENT_SOURCE_DIR}/jsonata
      -DWORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/jsonata
      -DDIFFERENTIAL=$<TARGET_FILE:stepfn_jsonata_differential>
      -P ${CMAKE_CURRENT_SOURCE_DIR}/jsonata/run_differential.cmake)
  # Without node and npm the test fails saying so: it never passes without its oracle.
  set_tests_properties(jsonata_differential PROPERTIES LABELS "jsonata;differential" TIMEOUT 900)
endif()
