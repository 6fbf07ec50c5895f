// caseline: the command-line client of the caseline server. This file wires
// the command line to the commands in client.h.
#include <chrono>
#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

#include "absl/strings/numbers.h"
#include "tools/client.h"
#include "tools/format.h"

namespace caseline::cli {

std::unique_ptr<v1::EventStore::Stub> MakeStub(const ClientOptions& options) {
  grpc::ChannelArguments arguments;
  arguments.SetMaxReceiveMessageSize(kReceiveMessageBytesMax);
  return v1::EventStore::NewStub(grpc::CreateCustomChannel(
      options.server, grpc::InsecureChannelCredentials(), arguments));
}

void SetUnaryDeadline(const ClientOptions& options,
                      grpc::ClientContext* context) {
  const auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::duration<double>(options.timeout_seconds));
  context->set_deadline(std::chrono::system_clock::now() + timeout);
}

namespace {

// Rejects kind names before any call, with the list of known kinds.
CLI::Validator KindValidator() {
  return CLI::Validator(
      [](std::string& kind) { return CheckKindNames({kind}); }, "KIND");
}

// Positions and versions count from 1. (CLI::PositiveNumber's message
// prints the whole range of a double.)
CLI::Validator AtLeastOne() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        uint64_t value = 0;
        // SimpleAtoi refuses "-3", which strtoull would wrap around.
        if (absl::SimpleAtoi(text, &value) && value >= 1) return "";
        return text + " is not a whole number of at least 1";
      },
      "N>=1");
}

void AddKindOption(CLI::App* command, std::vector<std::string>* kinds) {
  command
      ->add_option("--kind", *kinds,
                   "Only events of this kind, e.g. interview_held (repeatable)")
      ->check(KindValidator())
      ->take_all();
}

}  // namespace

int Main(int argc, char** argv) {
  CLI::App app{"caseline: append, read, follow and export case events"};
  app.require_subcommand(1);
  // Global options may also follow the subcommand.
  app.fallthrough();

  ClientOptions options;
  app.add_option("--server", options.server, "Server address, host:port")
      ->capture_default_str();
  app.add_flag("--json", options.json, "Machine output: JSON lines");
  app.add_option("--timeout", options.timeout_seconds,
                 "Deadline of each unary call, in seconds")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);

  AppendOptions append;
  CLI::App* append_command = app.add_subcommand(
      "append",
      "Append events from JSON lines (one caseline.v1.Event per line). Exit "
      "status: 0 all stored, 1 some lines rejected, 2 connection failure");
  append_command
      ->add_option("file", append.file, "File of JSON lines; - for stdin")
      ->capture_default_str();

  ReadOptions read;
  CLI::App* read_command =
      app.add_subcommand("read", "Print a case's events in version order");
  read_command->add_option("case", read.case_id, "The case id")->required();
  read_command
      ->add_option("--from-version", read.from_version,
                   "First version to print")
      ->check(AtLeastOne());
  read_command
      ->add_option("--limit", read.limit, "Print at most this many events")
      ->check(AtLeastOne());

  TailOptions tail;
  CLI::App* tail_command = app.add_subcommand(
      "tail", "Print events as they are appended, until Ctrl-C");
  tail_command
      ->add_option("--from", tail.from_position,
                   "First position to print (1 for the whole log); default: "
                   "only new events")
      ->check(AtLeastOne());
  AddKindOption(tail_command, &tail.kinds);

  ExportOptions export_options;
  CLI::App* export_command = app.add_subcommand(
      "export", "Write every event in position order as JSON lines");
  export_command->add_option("--out", export_options.out,
                             "Output file; default stdout");
  AddKindOption(export_command, &export_options.kinds);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // --help is a success; any other mistake on the command line is a usage
    // error, reported with CLI11's message and the documented status.
    const int printed = app.exit(error);
    return printed == 0 ? kExitOk : kExitUsage;
  }

  if (append_command->parsed()) return RunAppend(options, append);
  if (read_command->parsed()) return RunRead(options, read);
  if (tail_command->parsed()) return RunTail(options, tail);
  return RunExport(options, export_options);
}

}  // namespace caseline::cli

int main(int argc, char** argv) { return caseline::cli::Main(argc, argv); }
