// `caseline generate`: the command line of the generator in generate.h.
// Needs no server.
#ifndef CASELINE_TOOLS_GENERATE_COMMAND_H_
#define CASELINE_TOOLS_GENERATE_COMMAND_H_

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

#include "tools/generate.h"

namespace caseline::cli {

struct GenerateArguments {
  GenerateOptions options;
  // "", "municipality" or "denmark"; excludes --cases.
  std::string scale;
  std::string from = "2018-01-01";
  std::string to = "2020-12-31";
  // Empty means stdout.
  std::string out;
  CLI::Option* jobcentres_option = nullptr;
};

// Adds the `generate` subcommand to `app`; its options fill `arguments`.
CLI::App* AddGenerateCommand(CLI::App* app, GenerateArguments* arguments);

// Writes the events and a summary line on stderr. Returns an exit status
// of exit_codes.h: kExitOk, kExitUsage for bad options, kExitFile when
// --out cannot be opened, kExitFailure when the output cannot be written.
int RunGenerate(GenerateArguments arguments);

}  // namespace caseline::cli

#endif  // CASELINE_TOOLS_GENERATE_COMMAND_H_
