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
stepfn_cli_test(history_verify_help EXIT 0 COMMAND history verify --help STDOUT "--public-key FILE")
stepfn_cli_test(history_verify_needs_store EXIT 2 COMMAND history verify run-1 STDERR "history verify needs --store DB")
stepfn_cli_test(no_arguments EXIT 2 STDERR "stepfn --help")
stepfn_cli_test(unknown_command EXIT 2 COMMAND frobnicate STDERR "unknown command 'frobnicate'")
stepfn_cli_test(unknown_option EXIT 2 COMMAND validate --frob x.json STDERR "unknown option '--frob'")
stepfn_cli_test(missing_file EXIT 2 COMMAND validate ${_data}/does-not-exist.json STDERR "cannot open")
stepfn_cli_test(validate_valid EXIT 0 COMMAND validate ${_data}/hello.asl.json STDOUT "^valid")
stepfn_cli_test(validate_stdin EXIT 0 COMMAND validate - STDIN ${_data}/hello.asl.json STDOUT "^valid")
# With an execution role: every Task the role cannot call is a problem (as serve --auth reports it).
stepfn_cli_test(validate_role_denies EXIT 1 COMMAND validate ${_data}/charge-ship.asl.json --auth ${_data}/roles-auth.json
  --role arn:aws:iam::123456789012:role/orders
  STDERR "^/States/Ship/Resource: the role arn:aws:iam::123456789012:role/orders does not allow lambda:InvokeFunction on arn:aws:lambda:us-east-1:123456789012:function:ship")
stepfn_cli_test(validate_role_allows EXIT 0 COMMAND validate ${_data}/hello.asl.json --auth ${_data}/roles-auth.json
  --role arn:aws:iam::123456789012:role/orders STDOUT "^valid")
stepfn_cli_test(validate_role_unknown EXIT 1 COMMAND validate ${_data}/charge-ship.asl.json --auth ${_data}/roles-auth.json
  --role arn:aws:iam::123456789012:role/other STDERR "/States/Charge/Resource: the role arn:aws:iam::123456789012:role/other does not allow")
stepfn_cli_test(validate_role_needs_auth EXIT 2 COMMAND validate ${_data}/hello.asl.json --role arn:aws:iam::123456789012:role/orders
  STDERR "--auth and --role go together")
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

# list, describe, history: a store written through the store API by stepfn_cli_store_fixture
# (tests/cli/store_fixture.cpp), set up before these tests and removed after.
if(TARGET stepfn::sqlite)
  add_executable(stepfn_cli_store_fixture ${CMAKE_CURRENT_LIST_DIR}/store_fixture.cpp)
  target_link_libraries(stepfn_cli_store_fixture PRIVATE stepfn::sqlite stepfn_warnings)
  set(_store ${CMAKE_CURRENT_BINARY_DIR}/cli-store.db)
  add_test(NAME cli_store_fixture COMMAND stepfn_cli_store_fixture ${_store})
  add_test(NAME cli_store_fixture_cleanup COMMAND ${CMAKE_COMMAND} -E rm -f ${_store} ${_store}-wal ${_store}-shm)
  set_tests_properties(cli_store_fixture PROPERTIES LABELS "cli" FIXTURES_SETUP cli_store)
  set_tests_properties(cli_store_fixture_cleanup PROPERTIES LABELS "cli" FIXTURES_CLEANUP cli_store)
  set(_orders "arn:aws:states:us-east-1:123456789012:execution:orders")
  set(_machine "arn:aws:states:us-east-1:123456789012:stateMachine:orders")
  set(_store_tests)
  macro(stepfn_store_cli_test name)
    stepfn_cli_test(${name} ${ARGN})
    list(APPEND _store_tests cli_${name})
  endmacro()

  stepfn_store_cli_test(list_all EXIT 0 COMMAND list --store ${_store}
    STDOUT "^{\"executionArn\":\"${_orders}:running-1\",\"stateMachineArn\":\"${_machine}\",\"name\":\"running-1\",\"status\":\"RUNNING\",\"startDate\":\"2024-01-02T03:04:09.000Z\",\"redriveCount\":0}\n{[^\n]*:orders:dup\"[^\n]*}\n{[^\n]*:refunds:dup\"[^\n]*}\n{[^\n]*failed-1[^\n]*}\n{[^\n]*ok-1[^\n]*}\n$")
  stepfn_store_cli_test(list_status EXIT 0 COMMAND list --store ${_store} --status FAILED
    STDOUT "^{\"executionArn\":\"${_orders}:failed-1\",\"stateMachineArn\":\"${_machine}\",\"name\":\"failed-1\",\"status\":\"FAILED\",\"startDate\":\"2024-01-02T03:04:06.000Z\",\"stopDate\":\"2024-01-02T03:04:15.500Z\",\"redriveCount\":1,\"redriveDate\":\"2024-01-02T03:04:15.000Z\"}\n$")
  stepfn_store_cli_test(list_machine EXIT 0 COMMAND list --store ${_store} --machine arn:aws:states:us-east-1:123456789012:stateMachine:refunds
    STDOUT "^{[^\n]*\"name\":\"dup\"[^\n]*}\n$")
  stepfn_store_cli_test(list_max_results EXIT 0 COMMAND list --store ${_store} --max-results 2
    STDOUT "^{[^\n]*running-1[^\n]*}\n{[^\n]*:orders:dup\"[^\n]*}\n$")
  stepfn_store_cli_test(list_bad_status EXIT 2 COMMAND list --store ${_store} --status DONE STDERR "--status must be RUNNING")
  stepfn_store_cli_test(list_bad_max EXIT 2 COMMAND list --store ${_store} --max-results 0 STDERR "--max-results must be")
  stepfn_store_cli_test(describe_name EXIT 0 COMMAND describe --store ${_store} ok-1
    STDOUT "^{\"executionArn\":\"${_orders}:ok-1\",\"stateMachineArn\":\"${_machine}\",\"name\":\"ok-1\",\"status\":\"SUCCEEDED\",\"startDate\":\"2024-01-02T03:04:05.000Z\",\"stopDate\":\"2024-01-02T03:04:05.500Z\",\"input\":\"{.\"order.\":.\"ok-1.\"}\",\"inputDetails\":{\"included\":true},\"output\":\"{.\"order.\":.\"ok-1.\",.\"ok.\":true}\",\"outputDetails\":{\"included\":true},\"redriveCount\":0,\"redriveStatus\":\"NOT_REDRIVABLE\",\"redriveStatusReason\":\"Execution is SUCCEEDED and cannot be redriven\"}\n$")
  stepfn_store_cli_test(describe_arn EXIT 0 COMMAND describe --store ${_store} ${_orders}:failed-1
    STDOUT "\"status\":\"FAILED\",.*\"error\":\"Order.Rejected\",\"cause\":\"amount too large\",\"redriveCount\":1,\"redriveDate\":\"2024-01-02T03:04:15.000Z\",\"redriveStatus\":\"REDRIVABLE\"}\n$")
  stepfn_store_cli_test(describe_ambiguous EXIT 1 COMMAND describe --store ${_store} dup
    STDERR "2 stored executions are named 'dup'.*\n  arn:aws:states:us-east-1:123456789012:execution:orders:dup\n  arn:aws:states:us-east-1:123456789012:execution:refunds:dup\n")
  stepfn_store_cli_test(describe_missing EXIT 1 COMMAND describe --store ${_store} nobody STDERR "no execution named 'nobody'")
  # No call through serve --auth wrote this store: no callers, and the AWS members unchanged.
  stepfn_store_cli_test(describe_with_callers EXIT 0 COMMAND describe --store ${_store} ok-1 --with-callers
    STDOUT "^[{]\"executionArn\":.*,\"callers\":\\[\\][}]")
  stepfn_store_cli_test(describe_missing_arn EXIT 1 COMMAND describe --store ${_store} ${_orders}:nobody STDERR "no execution with the ARN")
  stepfn_store_cli_test(history_forward EXIT 0 COMMAND history --store ${_store} ok-1
    STDOUT "^{\"timestamp\":\"2024-01-02T03:04:05.000Z\",\"type\":\"ExecutionStarted\",\"id\":1,\"previousEventId\":0,\"executionStartedEventDetails\":{\"input\":\"{.\"order.\":.\"ok-1.\"}\",\"inputDetails\":{\"truncated\":false},\"roleArn\":\"arn:aws:iam::123456789012:role/stepfn\"}}\n{[^\n]*\"type\":\"PassStateEntered\",\"id\":2,[^\n]*}\n{[^\n]*\"id\":3,[^\n]*}\n{[^\n]*\"type\":\"ExecutionSucceeded\",\"id\":4,[^\n]*}\n$")
  stepfn_store_cli_test(history_reverse EXIT 0 COMMAND history --store ${_store} ${_orders}:failed-1 --reverse
    STDOUT "^{[^\n]*\"type\":\"ExecutionFailed\",\"id\":5,[^\n]*}\n{[^\n]*\"type\":\"ExecutionRedriven\",\"id\":4,[^\n]*}\n{[^\n]*\"id\":3,[^\n]*}\n{[^\n]*\"id\":2,[^\n]*}\n{[^\n]*\"id\":1,[^\n]*}\n$")
  # One opener per SQLite file: these must not run at once (ctest -j).
  set_tests_properties(${_store_tests} PROPERTIES FIXTURES_REQUIRED cli_store RESOURCE_LOCK cli_store_file)

  # Stores that cannot be read: said on stderr, exit 2; no store is created by reading.
  stepfn_cli_test(store_missing EXIT 2 COMMAND list --store ${CMAKE_CURRENT_BINARY_DIR}/no-such-store.db STDERR "no-such-store.db.*no such file")
  # A text file in the build tree (opening for reading must leave a source file alone anyway).
  file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/not-a-store.txt "these are notes, not an execution store\n")
  stepfn_cli_test(store_not_a_store EXIT 2 COMMAND describe --store ${CMAKE_CURRENT_BINARY_DIR}/not-a-store.txt x
    STDERR "not-a-store.txt' is not a stepfn store")
  stepfn_cli_test(store_needs_store EXIT 2 COMMAND history ok-1 STDERR "history needs --store DB")
  stepfn_cli_test(store_needs_execution EXIT 2 COMMAND describe --store x.db STDERR "describe needs an execution NAME or ARN")
  stepfn_cli_test(list_help EXIT 0 COMMAND list --help STDOUT "Usage: stepfn list --store DB")
  stepfn_cli_test(resume_help EXIT 0 COMMAND resume --help STDOUT "Usage: stepfn resume --store DB")
  stepfn_cli_test(redrive_needs_execution EXIT 2 COMMAND redrive --store x.db STDERR "redrive takes one execution")

  # run --store, a kill, resume, an idempotent second run, redrive (one script: the steps
  # build on each other).
  add_test(NAME cli_durable
    COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/durable_cli_test.sh $<TARGET_FILE:stepfn_cli>
            ${CMAKE_CURRENT_LIST_DIR}/data/durable ${CMAKE_CURRENT_BINARY_DIR}/durable-cli)
  set_tests_properties(cli_durable PROPERTIES LABELS "cli" TIMEOUT 120)
endif()
# serve --history-key signs; history verify checks, before and after the store is edited.
if(TARGET stepfn::server AND TARGET stepfn::sqlite AND TARGET stepfn::auth)
  add_test(NAME cli_history_verify
    COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/history_verify_test.sh $<TARGET_FILE:stepfn_cli> ${CMAKE_CURRENT_BINARY_DIR}/history-verify)
  set_tests_properties(cli_history_verify PROPERTIES LABELS "cli;auth" TIMEOUT 120)
  add_test(NAME cli_history_kill
    COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/history_kill_test.sh $<TARGET_FILE:stepfn_cli> ${CMAKE_CURRENT_BINARY_DIR}/history-kill)
  set_tests_properties(cli_history_kill PROPERTIES LABELS "cli;auth" TIMEOUT 180)
endif()
# Who may read serve's GET /metrics: loopback without --auth, signed and allowed with it.
if(TARGET stepfn::server AND TARGET stepfn::sqlite)
  add_test(NAME cli_serve_metrics
    COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/serve_metrics_test.sh $<TARGET_FILE:stepfn_cli> ${CMAKE_CURRENT_BINARY_DIR}/serve-metrics)
  set_tests_properties(cli_serve_metrics PROPERTIES LABELS "cli" TIMEOUT 120)
endif()
