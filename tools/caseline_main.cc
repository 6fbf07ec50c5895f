// caseline: the command-line client of the caseline server. This file wires
// the command line to the commands in client.h.
#include <algorithm>
#include <cassert>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "projections/population.h"
#include "tools/client.h"
#include "tools/command_line.h"
#include "tools/dev_keys_command.h"
#include "tools/exit_codes.h"
#include "tools/format.h"
#include "tools/generate_command.h"
#include "tools/time_args.h"

namespace caseline::cli {

std::unique_ptr<v1::EventStore::Stub> MakeStub(const ClientOptions& options) {
  return v1::EventStore::NewStub(MakeChannel(options));
}

std::unique_ptr<v1::Admin::Stub> MakeAdminStub(const ClientOptions& options) {
  return v1::Admin::NewStub(MakeChannel(options));
}

std::unique_ptr<v1::Projections::Stub> MakeProjectionsStub(
    const ClientOptions& options) {
  return v1::Projections::NewStub(MakeChannel(options));
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

// Adds the default port to an address without one; refuses a malformed
// address with what is wrong.
CLI::Validator ServerAddressValidator() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        absl::StatusOr<std::string> address = ServerAddress(text);
        if (!address.ok()) return std::string(address.status().message());
        text = *address;
        return "";
      },
      "HOST:PORT");
}

// The first word of the command line that is not an option or an option's
// value, when it names no command: "unknown command ...", with the nearest
// command if one is close. CLI11 alone would only say that an argument was
// not expected.
std::optional<std::string> UnknownCommand(const CLI::App& app, int argc,
                                          char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--") return std::nullopt;
    if (arg.starts_with("-")) {
      const CLI::Option* option = app.get_option_no_throw(std::string(arg));
      // "--server HOST" takes the next word; "--server=HOST" does not.
      if (option != nullptr && option->get_expected_max() > 0) ++i;
      continue;
    }
    std::vector<std::string> names;
    for (const CLI::App* command :
         app.get_subcommands([](const CLI::App*) { return true; })) {
      if (command->get_name() == arg) return std::nullopt;
      names.push_back(command->get_name());
    }
    const std::string nearest =
        NearestName(absl::string_view(arg.data(), arg.size()), names);
    return absl::StrCat(
        "unknown command \"", std::string(arg), "\"",
        nearest.empty() ? "" : absl::StrCat("; did you mean ", nearest, "?"),
        " (caseline --help lists the commands)");
  }
  return std::nullopt;
}

void AddKindOption(CLI::App* command, std::vector<std::string>* kinds) {
  command
      ->add_option("--kind", *kinds,
                   "Only events of this kind, e.g. interview_held (repeatable)")
      ->check(KindValidator())
      ->take_all();
}

CLI::Validator DayValidator() {
  return CLI::Validator(
      [](std::string& text) { return std::string(CheckDay(text).message()); },
      "YYYY-MM-DD");
}

CLI::Validator KnownAtValidator() {
  return CLI::Validator(
      [](std::string& text) {
        return std::string(ParseKnownAt(text).status().message());
      },
      "TIME");
}

void AddAsOfOption(CLI::App* command, std::string* as_of) {
  command
      ->add_option("--as-of", *as_of,
                   "The day to judge, YYYY-MM-DD; default: the server's "
                   "today (UTC)")
      ->check(DayValidator());
}

void AddKnownAtOption(CLI::App* command, std::string* known_at) {
  command->add_option("--known-at", *known_at, kKnownAtHelp)
      ->check(KnownAtValidator());
}

// The projection commands and the options they fill.
struct ProjectionCommands {
  ComplianceOptions compliance;
  SwitchesOptions switches;
  CaseOnDayOptions waits;
  CaseOnDayOptions timeline;
  CLI::App* compliance_command = nullptr;
  CLI::App* switches_command = nullptr;
  CLI::App* waits_command = nullptr;
  CLI::App* timeline_command = nullptr;
  CLI::App* rules_command = nullptr;
  CLI::App* rules_put_command = nullptr;
  std::string rules_put_file;
};

void AddComplianceCommand(CLI::App* app, ProjectionCommands* commands) {
  ComplianceOptions& compliance = commands->compliance;
  CLI::App* command = app->add_subcommand(
      "compliance", "Judge a case's deadlines by the rule sets on a day");
  command->add_option("case", compliance.case_id, "The case id")->required();
  AddAsOfOption(command, &compliance.as_of);
  AddKnownAtOption(command, &compliance.known_at);
  command
      ->add_option("--rules", compliance.rule_set_ids,
                   "Judge by these rule set ids only, e.g. dk-lab-2016 "
                   "(repeatable); default: those valid on each period's "
                   "anchor day")
      ->take_all();
  command->add_flag("--all", compliance.all,
                    "Also show the requirements that do not apply, and why");
  commands->compliance_command = command;
}

void AddSwitchesCommand(CLI::App* app, ProjectionCommands* commands) {
  SwitchesOptions& switches = commands->switches;
  CLI::App* command = app->add_subcommand(
      "switches", "List a case's caseworker switches, planned and unplanned");
  command->add_option("case", switches.case_id, "The case id")->required();
  command
      ->add_option("--from", switches.from,
                   "First day of the window, YYYY-MM-DD; default: the "
                   "case's start")
      ->check(DayValidator());
  command
      ->add_option("--to", switches.to,
                   "Last day of the window, YYYY-MM-DD; default: the "
                   "server's today (UTC)")
      ->check(DayValidator());
  AddKnownAtOption(command, &switches.known_at);
  commands->switches_command = command;
}

CLI::App* AddCaseOnDayCommand(CLI::App* app, std::string name,
                              std::string description,
                              CaseOnDayOptions* options) {
  CLI::App* command =
      app->add_subcommand(std::move(name), std::move(description));
  command->add_option("case", options->case_id, "The case id")->required();
  AddAsOfOption(command, &options->as_of);
  AddKnownAtOption(command, &options->known_at);
  return command;
}

void AddProjectionCommands(CLI::App* app, ProjectionCommands* commands) {
  AddComplianceCommand(app, commands);
  AddSwitchesCommand(app, commands);
  commands->waits_command = AddCaseOnDayCommand(
      app, "waits",
      "Days waited per referral, and to the first interview and offer",
      &commands->waits);
  commands->timeline_command = AddCaseOnDayCommand(
      app, "timeline", "A case's facts on a day, section by section",
      &commands->timeline);
  commands->rules_command = app->add_subcommand(
      "rules",
      "List every stored version of every rule set and which is active; "
      "`rules put FILE` stores a new version");
  commands->rules_put_command = commands->rules_command->add_subcommand(
      "put",
      "Store a rule set file (textproto) as a new version, active at once; "
      "a stored version never changes");
  commands->rules_put_command
      ->add_option("file", commands->rules_put_file, "The rule set file")
      ->required();
}

void AddFilterOptions(CLI::App* command, PopulationFilter* filter) {
  command
      ->add_option("--jobcentre", filter->jobcentres,
                   "Only cases of this jobcentre (repeatable)")
      ->take_all();
  command
      ->add_option("--team", filter->teams,
                   "Only cases the team holds on the day judged (repeatable)")
      ->take_all();
  command
      ->add_option("--caseworker", filter->caseworkers,
                   "Only cases the caseworker holds on the day judged "
                   "(repeatable)")
      ->take_all();
  command
      ->add_option("--target-group", filter->target_groups,
                   "Only cases with a period of this target group, e.g. "
                   "sygedagpenge (repeatable)")
      ->take_all();
}

void AddRuleSetsOption(CLI::App* command, std::vector<std::string>* ids) {
  command
      ->add_option("--rules", *ids,
                   "Judge by these rule set ids only (repeatable); default: "
                   "every active rule set, each where it is valid")
      ->take_all();
}

// The first day of a population answer's window.
void AddFromOption(CLI::App* command, std::string* from) {
  command
      ->add_option("--from", *from,
                   "First day of the window, YYYY-MM-DD: count the cases "
                   "open on some day from it to --as-of; default: --as-of")
      ->check(DayValidator());
}

void AddCsvFlag(CLI::App* command, bool* csv) {
  command->add_flag("--csv", *csv, "Write the table as CSV, for spreadsheets");
}

CLI::App* AddReportCommand(CLI::App* app, ReportOptions* report) {
  CLI::App* command = app->add_subcommand(
      "report",
      "The population on a day: per group and requirement met, late, "
      "overdue and due; STAR's flags; switches per case-year; waiting times");
  AddAsOfOption(command, &report->as_of);
  AddFromOption(command, &report->from);
  AddKnownAtOption(command, &report->known_at);
  AddFilterOptions(command, &report->filter);
  command
      ->add_option("--by", report->by,
                   "Group by jobcentre, team, caseworker, target-group or "
                   "requirement (repeatable, in order)")
      ->check(CLI::IsMember(
          {"jobcentre", "team", "caseworker", "target-group", "requirement"}))
      ->take_all();
  AddRuleSetsOption(command, &report->rule_set_ids);
  command->add_flag("--from-log", report->from_log,
                    "Compute from the log instead of the materialization "
                    "(slower; the same answer)");
  command
      ->add_option(
          "--waiting", report->waiting,
          absl::StrCat("List this many waiting referrals, longest "
                       "first (default ",
                       kWaitingListDefault, ", at most ", kWaitingListMax, ")"))
      ->check(CLI::Range(1, kWaitingListMax));
  AddCsvFlag(command, &report->csv);
  command
      ->add_option("--table", report->table,
                   "Which table --csv writes: requirements (default), "
                   "switches, waits, waiting or follow-up (STAR's follow-up, "
                   "per jobcentre and month); refused without --csv")
      ->check(CLI::IsMember(
          {"requirements", "switches", "waits", "waiting", "follow-up"}));
  return command;
}

CLI::App* AddTrendCommand(CLI::App* app, TrendOptions* trend) {
  CLI::App* command = app->add_subcommand(
      "trend", "The headline figures for each week or month of a span");
  command->add_option("--from", trend->from, "First day, YYYY-MM-DD")
      ->required()
      ->check(DayValidator());
  command
      ->add_option("--to", trend->to,
                   "Last day, YYYY-MM-DD; default: the server's today (UTC)")
      ->check(DayValidator());
  command->add_option("--step", trend->step, "week or month")
      ->check(CLI::IsMember({"week", "month"}))
      ->capture_default_str();
  AddKnownAtOption(command, &trend->known_at);
  AddFilterOptions(command, &trend->filter);
  AddRuleSetsOption(command, &trend->rule_set_ids);
  AddCsvFlag(command, &trend->csv);
  return command;
}

CLI::App* AddCasesCommand(CLI::App* app, CasesOptions* cases) {
  CLI::App* command = app->add_subcommand(
      "cases",
      "The cases behind a report's figure: its requirement rows, a page of "
      "cases at a time; or those whose verdict changed since a moment");
  AddAsOfOption(command, &cases->as_of);
  AddFromOption(command, &cases->from);
  AddKnownAtOption(command, &cases->known_at);
  AddFilterOptions(command, &cases->filter);
  AddRuleSetsOption(command, &cases->rule_set_ids);
  command->add_option("--requirement", cases->requirement,
                      "RULE_SET/REQUIREMENT, e.g. dk-lab-2020/first-active-"
                      "offer; default: every requirement");
  command
      ->add_option("--status", cases->statuses,
                   "Only rows of this status (repeatable): met, met_late, "
                   "overdue, due, not_applicable, counts, does_not_count, "
                   "exempted")
      ->check(
          CLI::IsMember({"met", "met_late", "overdue", "due", "not_applicable",
                         "counts", "does_not_count", "exempted"}))
      ->take_all();
  command
      ->add_option("--compare-known-at", cases->compare_known_at,
                   "List the rows whose status or deadline as known then "
                   "differs from --known-at's (an instant, as --known-at)")
      ->check(KnownAtValidator());
  command
      ->add_option("--page-size", cases->page_size,
                   absl::StrCat("Cases a page (default ", kCaseListPageDefault,
                                ", at most ", kCaseListPageMax, ")"))
      ->check(CLI::Range(1, kCaseListPageMax));
  command->add_option("--after", cases->after,
                      "Only cases after this id: the previous page's \"more\"");
  AddCsvFlag(command, &cases->csv);
  return command;
}

CLI::App* AddWorklistCommand(CLI::App* app, WorklistOptions* worklist) {
  CLI::App* command = app->add_subcommand(
      "worklist",
      "What a caseworker or a team must do: every requirement overdue or "
      "due within the horizon, soonest first");
  CLI::Option* caseworker = command->add_option(
      "--caseworker", worklist->caseworker, "The caseworker's cases");
  CLI::Option* team =
      command->add_option("--team", worklist->team, "The team's cases");
  caseworker->excludes(team);
  team->excludes(caseworker);
  command->add_option("--jobcentre", worklist->jobcentre,
                      "Only this jobcentre's cases (a team id may name teams "
                      "in several jobcentres)");
  AddAsOfOption(command, &worklist->as_of);
  CLI::Option* days =
      command
          ->add_option("--horizon-days", worklist->horizon_days,
                       absl::StrCat("Days ahead to look (default ",
                                    kWorklistHorizonDefault, ", at most ",
                                    kWorklistHorizonMax, ")"))
          ->check(CLI::Range(1, kWorklistHorizonMax));
  CLI::Option* working_days =
      command
          ->add_option("--horizon-working-days", worklist->horizon_working_days,
                       absl::StrCat("Instead: working days ahead, weekends "
                                    "and Danish public holidays skipped (at "
                                    "most ",
                                    kWorklistHorizonWorkingDaysMax, ")"))
          ->check(CLI::Range(1, kWorklistHorizonWorkingDaysMax));
  days->excludes(working_days);
  working_days->excludes(days);
  command
      ->add_option("--limit", worklist->limit,
                   absl::StrCat("Items to list (default ", kWorklistDefault,
                                ", at most ", kWorklistMax, ")"))
      ->check(CLI::Range(1, kWorklistMax));
  command
      ->add_option("--offset", worklist->offset,
                   "Items to skip before those listed, for the next page "
                   "(--offset plus --limit at most 10000)")
      ->check(CLI::Range(0, kWorklistMax - 1));
  AddKnownAtOption(command, &worklist->known_at);
  AddRuleSetsOption(command, &worklist->rule_set_ids);
  AddCsvFlag(command, &worklist->csv);
  return command;
}

CLI::App* AddWhatIfCommand(CLI::App* app, WhatIfOptions* whatif) {
  CLI::App* command = app->add_subcommand(
      "whatif",
      "What a candidate rule set file would change, case by case, before "
      "it is put");
  command->add_option("file", whatif->file, "The candidate rule set file")
      ->required();
  AddAsOfOption(command, &whatif->as_of);
  command
      ->add_option("--from", whatif->from,
                   "First day of the window, YYYY-MM-DD; default: --as-of")
      ->check(DayValidator());
  AddKnownAtOption(command, &whatif->known_at);
  AddFilterOptions(command, &whatif->filter);
  command
      ->add_option("--limit", whatif->limit,
                   absl::StrCat("Cases to list (default ", kWhatIfCasesDefault,
                                ", at most ", kWhatIfCasesMax, ")"))
      ->check(CLI::Range(1, kWhatIfCasesMax));
  AddCsvFlag(command, &whatif->csv);
  return command;
}

// Runs the projection command given; call only when one was.
int RunProjectionCommand(const ClientOptions& options,
                         const ProjectionCommands& commands) {
  if (commands.compliance_command->parsed())
    return RunCompliance(options, commands.compliance);
  if (commands.switches_command->parsed())
    return RunSwitches(options, commands.switches);
  if (commands.waits_command->parsed())
    return RunWaits(options, commands.waits);
  if (commands.timeline_command->parsed())
    return RunTimeline(options, commands.timeline);
  assert(commands.rules_command->parsed());
  if (commands.rules_put_command->parsed()) {
    return RunRulesPut(options, commands.rules_put_file);
  }
  return RunRuleSets(options);
}

void AddGlobalOptions(CLI::App* app, ClientOptions* options) {
  app->add_option(
         "--server", options->server,
         absl::StrCat("Server address, HOST:PORT; port ", kDefaultServerPort,
                      " if left out; or set CASELINE_SERVER"))
      ->envname("CASELINE_SERVER")
      ->capture_default_str()
      ->transform(ServerAddressValidator());
  app->add_flag("--json", options->json,
                "Machine output: JSON lines; one JSON object for compliance, "
                "switches, waits, timeline, rules, report, trend, worklist "
                "and whatif");
  app->add_option("--timeout", options->timeout_seconds,
                  "Deadline of each unary call, in seconds")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app->add_option("--token", options->token,
                  "Bearer token sent with every call; or set CASELINE_TOKEN")
      ->envname("CASELINE_TOKEN");
  app->add_option("--purpose", options->purpose,
                  "Why you look, recorded in the server's access log")
      ->envname("CASELINE_PURPOSE");
  app->add_flag("--tls", options->tls,
                "Connect with TLS, trusting the system's root certificates");
  app->add_option("--tls-ca", options->tls_ca,
                  "Connect with TLS, trusting the CA certificates in this PEM "
                  "file")
      ->check(CLI::ExistingFile);
  app->add_option("--tls-cert", options->tls_cert,
                  "Client certificate (PEM) for a server that requires one")
      ->check(CLI::ExistingFile);
  app->add_option("--tls-key", options->tls_key,
                  "The client certificate's private key (PEM)")
      ->check(CLI::ExistingFile);
  app->add_flag("--insecure", options->insecure,
                "Send the token without TLS to a server on another machine");
}

// The commands that send events and the options they fill.
struct InputCommands {
  AppendOptions append;
  AppendOptions import{.import = true};
  ImportCsvOptions import_csv;
  CLI::App* append_command = nullptr;
  CLI::App* import_command = nullptr;
  CLI::App* import_csv_command = nullptr;
};

void AddInputCommands(CLI::App* app, InputCommands* commands) {
  commands->append_command = app->add_subcommand(
      "append",
      "Append events from JSON lines (one caseline.v1.Event per line); exit "
      "status in caseline --help");
  commands->append_command
      ->add_option("file", commands->append.file,
                   "File of JSON lines; - for stdin")
      ->capture_default_str();

  commands->import_command = app->add_subcommand(
      "import-history",
      "Import history from another case system: JSON lines as for append, "
      "each event with the recorded_at its case system registered it at, in "
      "that order, into a fresh server before any live append. Stops at once "
      "if the server's log already holds later events");
  commands->import_command
      ->add_option("file", commands->import.file,
                   "File of JSON lines; - for stdin")
      ->capture_default_str();

  ImportCsvOptions& import_csv = commands->import_csv;
  CLI::App* command = app->add_subcommand(
      "import-csv",
      "Import actions from a CSV file (layout in the README), validated whole "
      "first; exit status in caseline --help");
  command->add_option("file", import_csv.file, "The CSV file")->required();
  command->add_flag("--skip-bad", import_csv.skip_bad,
                    "Import the cases without a bad row instead of nothing");
  command->add_option(
      "--rejected", import_csv.rejected,
      "With --skip-bad: where to write the rows left out, with their "
      "problems; default FILE.rejected.csv");
  commands->import_csv_command = command;
}

// The commands that read the log and the options they fill.
struct LogCommands {
  ReadOptions read;
  TailOptions tail;
  ExportOptions export_options;
  CLI::App* read_command = nullptr;
  CLI::App* tail_command = nullptr;
  CLI::App* export_command = nullptr;
};

void AddLogCommands(CLI::App* app, LogCommands* commands) {
  ReadOptions& read = commands->read;
  commands->read_command =
      app->add_subcommand("read", "Print a case's events in version order");
  commands->read_command->add_option("case", read.case_id, "The case id")
      ->required();
  commands->read_command
      ->add_option("--from-version", read.from_version,
                   "First version to print")
      ->check(AtLeastOne());
  commands->read_command
      ->add_option("--limit", read.limit, "Print at most this many events")
      ->check(AtLeastOne());

  commands->tail_command = app->add_subcommand(
      "tail", "Print events as they are appended, until Ctrl-C");
  commands->tail_command
      ->add_option("--from", commands->tail.from_position,
                   "First position to print (1 for the whole log); default: "
                   "only new events")
      ->check(AtLeastOne());
  AddKindOption(commands->tail_command, &commands->tail.kinds);

  commands->export_command = app->add_subcommand(
      "export", "Write every event in position order as JSON lines");
  commands->export_command->add_option("--out", commands->export_options.out,
                                       "Output file; default stdout");
  AddKindOption(commands->export_command, &commands->export_options.kinds);
}

// The population and admin commands and the options they fill.
struct PopulationCommands {
  ReportOptions report;
  TrendOptions trend;
  WorklistOptions worklist;
  CasesOptions cases;
  WhatIfOptions whatif;
  CLI::App* report_command = nullptr;
  CLI::App* trend_command = nullptr;
  CLI::App* worklist_command = nullptr;
  CLI::App* cases_command = nullptr;
  CLI::App* whatif_command = nullptr;
  CLI::App* rebuild_command = nullptr;
  CLI::App* status_command = nullptr;
  CLI::App* backup_command = nullptr;
};

void AddPopulationCommands(CLI::App* app, PopulationCommands* commands) {
  commands->report_command = AddReportCommand(app, &commands->report);
  commands->trend_command = AddTrendCommand(app, &commands->trend);
  commands->worklist_command = AddWorklistCommand(app, &commands->worklist);
  commands->cases_command = AddCasesCommand(app, &commands->cases);
  commands->whatif_command = AddWhatIfCommand(app, &commands->whatif);
  commands->rebuild_command = app->add_subcommand(
      "rebuild",
      "Rebuild the materialized projections from the log without stopping "
      "the server, with a progress line; Ctrl-C cancels and keeps the old "
      "version");
  commands->status_command = app->add_subcommand(
      "status",
      "The active projection version, how far it has materialized the log, "
      "and a running rebuild");
  commands->backup_command = app->add_subcommand(
      "backup",
      "An online backup of the whole store into the server's --backup-dir "
      "(incremental, checksummed); restore with caseline-server --restore");
}

// Every command line parsed into one place, and what was asked.
struct CommandLine {
  ClientOptions options;
  InputCommands input;
  LogCommands log;
  ProjectionCommands projections;
  PopulationCommands population;
  GenerateArguments generate;
  CLI::App* generate_command = nullptr;
  DevKeysArguments dev_keys;
  CLI::App* dev_keys_command = nullptr;
  AccessLogOptions access_log;
  CLI::App* access_log_command = nullptr;
};

CLI::App* AddAccessLogCommand(CLI::App* app, AccessLogOptions* options) {
  CLI::App* command = app->add_subcommand(
      "access-log",
      "Who used a case's, a citizen's or a user's data, when and why: the "
      "server's access log (admins only)");
  CLI::Option* by_case =
      command->add_option("--case", options->case_id, "Entries of this case");
  CLI::Option* by_citizen = command->add_option(
      "--citizen", options->citizen_id, "Entries of this citizen's cases");
  CLI::Option* by_user = command->add_option("--user", options->user,
                                             "Entries of this user (sub)");
  by_case->excludes(by_citizen)->excludes(by_user);
  by_citizen->excludes(by_user);
  command->add_option("--from", options->from,
                      "Entries at or after this instant (or day)");
  command->add_option("--to", options->to,
                      "Entries at or before this instant (or day's start)");
  command
      ->add_option("--limit", options->limit,
                   "Entries at most (default 1000, at most 10000)")
      ->check(CLI::Range(0, 10'000));
  command->add_flag("--csv", options->csv, "CSV instead of a table");
  return command;
}

// "Global options ...:" and one line per option of `app` but --help, for
// the commands' help, where CLI11 shows only the command's own options.
std::string GlobalOptionsHelp(const CLI::App& app) {
  constexpr size_t kNameColumnWidth = 24;
  std::string help = "Global options (before or after the command):";
  for (const CLI::Option* option : app.get_options()) {
    if (option == app.get_help_ptr()) continue;
    std::string name = option->get_name();
    if (!option->get_type_name().empty() && option->get_expected_max() > 0) {
      absl::StrAppend(&name, " ", option->get_type_name());
    }
    name.resize(std::max(name.size() + 1, kNameColumnWidth), ' ');
    absl::StrAppend(&help, "\n  ", name, option->get_description());
    if (!option->get_default_str().empty()) {
      absl::StrAppend(&help, " (default ", option->get_default_str(), ")");
    }
  }
  return help;
}

// Puts the global options under every command's help, and the exit
// statuses under the top-level help.
void AddHelpFooters(CLI::App* app) {
  const std::string global_options = GlobalOptionsHelp(*app);
  std::vector<CLI::App*> commands =
      app->get_subcommands([](const CLI::App*) { return true; });
  for (size_t i = 0; i < commands.size(); ++i) {
    commands[i]->footer(global_options);
    for (CLI::App* nested :
         commands[i]->get_subcommands([](const CLI::App*) { return true; })) {
      commands.push_back(nested);
    }
  }
  app->footer(ExitCodeHelp());
}

// Runs the command given; call only after a successful parse.
int RunCommand(CommandLine& line) {
  const ClientOptions& options = line.options;
  if (line.input.append_command->parsed()) {
    return RunAppend(options, line.input.append);
  }
  if (line.input.import_command->parsed()) {
    return RunAppend(options, line.input.import);
  }
  if (line.input.import_csv_command->parsed()) {
    return RunImportCsv(options, line.input.import_csv);
  }
  if (line.log.read_command->parsed()) return RunRead(options, line.log.read);
  if (line.log.tail_command->parsed()) return RunTail(options, line.log.tail);
  if (line.log.export_command->parsed()) {
    return RunExport(options, line.log.export_options);
  }
  if (line.generate_command->parsed()) {
    return RunGenerate(std::move(line.generate));
  }
  if (line.dev_keys_command->parsed()) return RunDevKeys(line.dev_keys);
  if (line.access_log_command->parsed()) {
    return RunAccessLog(options, line.access_log);
  }
  const PopulationCommands& population = line.population;
  if (population.report_command->parsed()) {
    return RunReport(options, population.report);
  }
  if (population.trend_command->parsed()) {
    return RunTrend(options, population.trend);
  }
  if (population.worklist_command->parsed()) {
    return RunWorklist(options, population.worklist);
  }
  if (population.cases_command->parsed()) {
    return RunCases(options, population.cases);
  }
  if (population.whatif_command->parsed()) {
    return RunWhatIf(options, population.whatif);
  }
  if (population.rebuild_command->parsed()) return RunRebuild(options);
  if (population.status_command->parsed()) return RunStatus(options);
  if (population.backup_command->parsed()) return RunBackup(options);
  return RunProjectionCommand(options, line.projections);
}

}  // namespace

int Main(int argc, char** argv) {
  CLI::App app{
      "caseline: append, read, follow and export case events; judge cases "
      "by rule sets"};
  app.require_subcommand(1);
  // Global options may also follow the subcommand.
  app.fallthrough();

  CommandLine line;
  AddGlobalOptions(&app, &line.options);
  AddInputCommands(&app, &line.input);
  AddLogCommands(&app, &line.log);
  AddProjectionCommands(&app, &line.projections);
  AddPopulationCommands(&app, &line.population);
  line.generate_command = AddGenerateCommand(&app, &line.generate);
  line.dev_keys_command = AddDevKeysCommand(&app, &line.dev_keys);
  line.access_log_command = AddAccessLogCommand(&app, &line.access_log);
  AddHelpFooters(&app);

  if (std::optional<std::string> unknown = UnknownCommand(app, argc, argv)) {
    std::cerr << "error: " << *unknown << "\n";
    return kExitUsage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // --help is a success; any other mistake on the command line is a usage
    // error, reported with CLI11's message and the documented status.
    const int printed = app.exit(error);
    return printed == 0 ? kExitOk : kExitUsage;
  }
  if (!line.generate_command->parsed() && !line.dev_keys_command->parsed()) {
    if (const std::string problem = CheckConnection(line.options);
        !problem.empty()) {
      std::cerr << "error: " << problem << "\n";
      return kExitUsage;
    }
  }
  return RunCommand(line);
}

}  // namespace caseline::cli

int main(int argc, char** argv) { return caseline::cli::Main(argc, argv); }
