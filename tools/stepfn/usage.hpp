#ifndef STEPFN_TOOLS_CLI_USAGE_HPP
#define STEPFN_TOOLS_CLI_USAGE_HPP

// The stepfn command: the help texts of the command and its subcommands.
// Part of cli.hpp, which includes it after the headers and constants every part uses.

namespace stepfn::cli::detail {

inline constexpr std::string_view main_usage =
    R"(Usage: stepfn COMMAND [OPTIONS]

Checks and runs Amazon States Language (AWS Step Functions) state machines locally.

Commands:
  validate FILE...  Check definitions: prints "valid", or one problem per line on stderr
  run FILE          Run a definition to completion and print its result as one line of JSON
                    (with --store DB: durably, every transition checkpointed in DB)
  resume --store DB Continue every unfinished execution of DB to its end (one line each)
  redrive --store DB NAME_OR_ARN
                    Run a FAILED, ABORTED or TIMED_OUT execution again from where it failed
  graph FILE        Print the state machine as a Graphviz (DOT) or Mermaid graph
  list --store DB   List the executions of an execution store, newest first (JSON Lines)
  describe --store DB NAME_OR_ARN
                    Print one stored execution as AWS's DescribeExecution does
  history --store DB NAME_OR_ARN
                    Print a stored execution's history, one JSON event per line
  history verify --store DB NAME_OR_ARN [--public-key FILE]
                    Check a signed history (serve --history-key) for tampering
  serve             Serve the AWS Step Functions API on a local endpoint (AWS SDKs, AWS CLI)
  worker --store URL
                    Run executions of a PostgreSQL store, shared with other workers
  start --store URL FILE
                    Store a new execution for the workers and return at once
  send-task-success|send-task-failure|send-task-heartbeat --store URL --task-token T
                    Send a task token's outcome to the execution waiting for it (PostgreSQL)
  help [COMMAND]    Show this help, or the help of COMMAND
  version           Print the version

Options:
  -h, --help        Show help (also after a command: stepfn run --help)
  --version         Print the version

FILE may be - to read standard input. Files ending in .yaml or .yml are read as YAML when
stepfn was built with YAML support.

Exit status:
  0  the definition is valid / the execution SUCCEEDED
  1  the definition is invalid / the execution FAILED, TIMED_OUT or was ABORTED /
     (describe, history) the store holds no such execution
  2  usage error, unreadable file, text that is not JSON, a size limit exceeded,
     (run) an invalid definition or mock file, or a store that cannot be read

Examples:
  stepfn validate workflow.asl.json
  stepfn run workflow.asl.json --input '{"orderId":"42"}' --virtual-time
)";

inline constexpr std::string_view validate_usage =
    R"(Usage: stepfn validate FILE... [--auth AUTH_FILE --role ROLE_ARN]

Loads the state machine in FILE (- for standard input) the way `stepfn run` and the library do,
checking every rule of the Amazon States Language: required and unsupported fields, transitions,
reachability, paths, payload templates, intrinsic functions and choice rules.

Prints "valid" on stdout and exits 0 when the definition is valid. Otherwise prints every
problem found on stderr, one per line, as `<json-pointer>: <message>` (`/` is the root), and
exits 1. Exits 2 when FILE cannot be read, is not JSON, or is over 1 MiB (1,048,576 bytes).

Several files are each validated; every line then starts with its file's name (`FILE: valid`,
`FILE: <json-pointer>: <message>`), and the exit code is the worst one (2, then 1, then 0).

With --auth and --role, also checks every Task state against the execution role ROLE_ARN of
AUTH_FILE's "roles" (as `stepfn serve --auth` does; docs/security.md): each Task whose call the
role does not allow is a problem, `<json-pointer>/Resource: the role ... does not allow ...`.

Options:
  --auth FILE       An auth configuration (stepfn serve --auth); only its "roles" are read
  --role ARN        The machine's execution role (its roleArn), checked with --auth
  --region REGION   The region in ARNs (default us-east-1)
  --account ID      The account in ARNs (default 123456789012)
  -h, --help        Show this help

Example:
  $ stepfn validate broken.asl.json
  /States/Charge/Next: no state named "Chrage" in this scope
)";

inline constexpr std::string_view run_usage =
    R"(Usage: stepfn run FILE [OPTIONS]

Runs the state machine in FILE (- for standard input) to completion and prints exactly one line
of JSON on stdout:
  {"status":"SUCCEEDED","output":<the execution output>}
  {"status":"FAILED","error":"<name>","cause":"<text>"}     (error/cause omitted when absent)
  {"status":"TIMED_OUT","error":"States.Timeout","cause":"<text>"}
  {"status":"ABORTED",...}

Options:
  --input JSON            The execution input as JSON text (default: {})
  --input-file FILE       Read the execution input from FILE (- for standard input)
  --name NAME             The execution name (default: a generated UUID)
  --history FILE          Write the execution history to FILE, one JSON event per line
                          (FILE is replaced: it holds this execution's history only;
                          - writes the events to standard output, before the result line)
  --child-history FILE    Write the events of the child executions a distributed Map starts
                          to FILE, each line with its "executionArn" (as AWS, they are not in
                          the execution's own history; without this option they go nowhere)
  --type STANDARD|EXPRESS The workflow type (default STANDARD). EXPRESS has no limit on the
                          length of the history (STANDARD stops at 25,000 events), ends after
                          five minutes (TIMED_OUT), and refuses .sync, .waitForTaskToken and
                          activity resources, as AWS's Express workflows
  --virtual-time          Use a virtual clock: Wait states, retry back-off and timeouts pass
                          instantly, while timestamps advance as if they had been waited
  --mock-config FILE      Answer Task states from an AWS Step Functions Local mock
                          configuration file (StateMachines / MockedResponses). Waits stay
                          real without --virtual-time (a note on stderr says so)
  --test-case NAME        The test case of the mock file to use (required with --mock-config)
  --state-machine NAME    The state machine's name: selects it in the mock file and appears in
                          ARNs and $$.StateMachine.Name (default: the only machine of the mock
                          file, else FILE's base name without extensions)
  --store DB              Run durably on the SQLite execution store DB (created when missing):
                          every transition is checkpointed, a killed run continues with
                          `stepfn resume --store DB`, and a second run with the same --name
                          and input prints the first one's result without running it again
  --invokers FILE         Answer Task resources with real services: a JSON file mapping
                          resources (exact, or "prefix": true) to {"http": {...}},
                          {"command": [...]} or {"container": {...}}, plus "connections" for
                          the HTTP Task (arn:aws:states:::http:invoke). With --mock-config,
                          the states the mock file does not mock go there
  -h, --help              Show this help

Exit status: 0 when the execution SUCCEEDED; 1 when it FAILED, TIMED_OUT or was ABORTED;
2 for usage errors, unreadable files, input that is not JSON or over 256 KiB, an invalid
definition (its problems are printed on stderr as by `stepfn validate`) or mock file.

Examples:
  stepfn run hello.asl.json --input '{"who":"world"}'
  stepfn run order.asl.json --input-file order.json --virtual-time \
      --mock-config mocks.json --test-case HappyPath --history history.jsonl
)";

inline constexpr std::string_view graph_usage =
    R"(Usage: stepfn graph FILE [--format dot|mermaid]

Loads the state machine in FILE (- for standard input) and prints it as a graph on stdout:
every state a node shaped by its type, transitions, Choice rules (labelled with the rule),
Default and Catch edges (dashed, labelled with the errors), and each Parallel branch and Map
item processor as a cluster.

Options:
  --format dot       Graphviz DOT (the default): stepfn graph f.asl.json | dot -Tsvg > f.svg
  --format mermaid   A Mermaid flowchart, for Markdown that renders Mermaid
  -h, --help         Show this help

Exit status: 0 the graph was printed; 1 the definition is invalid (its problems are printed
on stderr as by `stepfn validate`); 2 usage errors, unreadable files, text that is not JSON.
)";

} // namespace stepfn::cli::detail

#endif
