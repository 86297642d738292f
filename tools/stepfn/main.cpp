#include "cli.hpp"

int main(int argc, char** argv) {
    return stepfn::cli::stepfn_cli(argc, argv, stdout, stderr);
}
