# End-to-end checks of the built `stepfn` command: exit codes and output, through expect.cmake.
# stepfn_cli_test(NAME EXIT code COMMAND args... [STDOUT regex] [STDERR regex] [STDIN file])
function(stepfn_cli_test name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "EXIT;STDOUT;STDERR;STDIN" "COMMAND")
  set(_command $<TARGET_FILE:stepfn_cli> ${arg_COMMAND})
  string(REPLACE ";" "|" _command "${_command}")
  set(_defs -DCOMMAND=${_command} -DEXIT=${arg_EXIT})
  foreach(_key STDOUT STDERR STDIN)
    if(DEFINED arg_${_key})
      list(APPEND _defs "-D${_key}=${arg_${_key}}")
    endif()
  endforeach()
  add_test(NAME cli_${name} COMMAND ${CMAKE_COMMAND} ${_defs} -P ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/expect.cmake)
  set_tests_properties(cli_${name} PROPERTIES LABELS "cli")
endfunction()

set(_data ${CMAKE_CURRENT_LIST_DIR}/data)
set(_example ${PROJECT_SOURCE_DIR}/examples/order-flow)

stepfn_cli_test(version EXIT 0 COMMAND --version STDOUT "^stepfn [0-9]+\\.[0-9]+\\.[0-9]+")
stepfn_cli_test(help EXIT 0 COMMAND --help STDOUT "Usage: stepfn")
stepfn_cli_test(run_help EXIT 0 COMMAND run --help STDOUT "--mock-config")
stepfn_cli_test(no_arguments EXIT 2 STDERR "stepfn --help")
stepfn_cli_test(unknown_command EXIT 2 COMMAND frobnicate STDERR "unknown command 'frobnicate'")
stepfn_cli_test(unknown_option EXIT 2 COMMAND validate --frob x.json STDERR "unknown option '--frob'")
stepfn_cli_test(missing_file EXIT 2 COMMAND validate ${_data}/does-not-exist.json STDERR "cannot open")
stepfn_cli_test(validate_valid EXIT 0 COMMAND validate ${_data}/hello.asl.json STDOUT "^valid")
stepfn_cli_test(validate_stdin EXIT 0 COMMAND validate - STDIN ${_data}/hello.asl.json STDOUT "^valid")
stepfn_cli_test(validate_invalid EXIT 1 COMMAND validate ${_data}/bad-next.asl.json STDERR "/States/Hello/Next: ")
stepfn_cli_test(validate_not_json EXIT 2 COMMAND validate ${_data}/not-json.txt STDERR "is not JSON")
stepfn_cli_test(run_hello EXIT 0 COMMAND run ${_data}/hello.asl.json --input "{\"who\":\"world\"}"
  STDOUT "^{\"status\":\"SUCCEEDED\",\"output\":{\"greeting\":\"hello\",\"who\":\"world\"}}")
stepfn_cli_test(run_fail EXIT 1 COMMAND run ${_data}/fail.asl.json
  STDOUT "^{\"status\":\"FAILED\",\"error\":\"Order.Rejected\",\"cause\":\"amount too large\"}")
stepfn_cli_test(run_bad_input EXIT 2 COMMAND run ${_data}/hello.asl.json --input "{oops" STDERR "--input is not JSON")

# --invokers: the file's problems are usage errors that say where.
stepfn_cli_test(run_invokers_not_json EXIT 2 COMMAND run ${_data}/hello.asl.json --invokers ${_data}/not-json.txt
  STDERR "invokers file .* is not JSON")
if(TARGET stepfn::process)
  stepfn_cli_test(run_invokers_bad_entry EXIT 2 COMMAND run ${_data}/hello.asl.json --invokers ${_data}/invokers-bad.json
    STDERR "\"orders\" needs exactly one of \"http\", \"command\" or \"container\"")
endif()
