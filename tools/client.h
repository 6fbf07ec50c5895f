// The `caseline` command-line client's commands. Each talks to the server
// only through gRPC (caseline.v1.EventStore, caseline.v1.Projections), prints
// what it got, and returns the process's exit status. Errors are printed to
// stderr as "error: <CODE_NAME>: <message>".
#ifndef CASELINE_TOOLS_CLIENT_H_
#define CASELINE_TOOLS_CLIENT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "caseline/v1/caseline.grpc.pb.h"
#include "caseline/v1/projections.grpc.pb.h"
#include "tools/exit_codes.h"

namespace caseline::cli {

// The server's largest page (ReadCaseRequest / ReadAllRequest max_count).
inline constexpr uint32_t kPageEventsMax = 1000;

// A full page is kPageEventsMax events of at most 64 KiB each (the server's
// per-event limit): 64 MiB. gRPC's default of 4 MiB would fail on such pages.
inline constexpr int kReceiveMessageBytesMax = 64 * 1024 * 1024;

// Options shared by every command.
struct ClientOptions {
  std::string server = "127.0.0.1:50051";
  bool json = false;
  // Deadline of each unary call. Long enough for a page of kPageEventsMax
  // events from a busy server; short enough that a hung server is noticed.
  double timeout_seconds = 30;
  // Sent as "authorization: Bearer <token>"; never printed.
  std::string token;
  // Sent as x-caseline-purpose: why the caller looks.
  std::string purpose;
  // TLS: with the system's roots (tls), or the CA certificates of tls_ca;
  // tls_cert and tls_key for a server that requires client certificates.
  bool tls = false;
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;
  // Send the token without TLS to a server beyond this machine.
  bool insecure = false;
};

// Empty when the options make a sound connection; else what is wrong (a
// TLS file that cannot be read, a token that would go unencrypted to
// another machine).
std::string CheckConnection(const ClientOptions& options);

// The channel every command talks through.
std::shared_ptr<grpc::Channel> MakeChannel(const ClientOptions& options);

std::unique_ptr<v1::EventStore::Stub> MakeStub(const ClientOptions& options);
std::unique_ptr<v1::Projections::Stub> MakeProjectionsStub(
    const ClientOptions& options);

// Sets the deadline of a unary call from options.timeout_seconds.
void SetUnaryDeadline(const ClientOptions& options,
                      grpc::ClientContext* context);

std::unique_ptr<v1::Admin::Stub> MakeAdminStub(const ClientOptions& options);

// `access-log`: at most one of case_id, citizen_id and user.
struct AccessLogOptions {
  std::string case_id;
  std::string citizen_id;
  std::string user;
  std::string from;
  std::string to;
  int limit = 0;
  bool csv = false;
};
int RunAccessLog(const ClientOptions& options,
                 const AccessLogOptions& access_log);

struct AppendOptions {
  // "-" means stdin.
  std::string file = "-";
  // Through Admin.ImportHistory, keeping each event's recorded_at.
  bool import = false;
};
int RunAppend(const ClientOptions& options, const AppendOptions& append);

// `import-csv`: the CSV layout in the README, validated whole before
// anything is sent. Exit status: 0 all stored, 1 bad or rejected rows
// (nothing sent without skip_bad), 2 connection failure or unreadable file.
struct ImportCsvOptions {
  std::string file;
  // Import the cases without a bad row; write the rest to `rejected`.
  bool skip_bad = false;
  // Empty means file + ".rejected.csv".
  std::string rejected;
};
int RunImportCsv(const ClientOptions& options, const ImportCsvOptions& import);

struct ReadOptions {
  std::string case_id;
  uint64_t from_version = 0;
  // 0 means every event.
  uint64_t limit = 0;
};
int RunRead(const ClientOptions& options, const ReadOptions& read);

struct TailOptions {
  // 0 means the log's last position + 1 (only events appended from now on).
  uint64_t from_position = 0;
  std::vector<std::string> kinds;
};
// Runs until SIGINT or SIGTERM (exit 0) or a stream error.
int RunTail(const ClientOptions& options, const TailOptions& tail);

struct ExportOptions {
  // Empty means stdout.
  std::string out;
  std::vector<std::string> kinds;
};
int RunExport(const ClientOptions& options,
              const ExportOptions& export_options);

// The projection commands. Dates are YYYY-MM-DD and known_at is as typed
// (see ParseKnownAt in time_args.h); empty means the server's default: as_of
// the server's today (UTC), known_at now.
struct ComplianceOptions {
  std::string case_id;
  std::string as_of;
  std::string known_at;
  // Judge by these rule sets only; empty: those valid on each period's
  // anchor day.
  std::vector<std::string> rule_set_ids;
  // Also print the rows that are NOT_APPLICABLE, with the reason.
  bool all = false;
};
int RunCompliance(const ClientOptions& options,
                  const ComplianceOptions& compliance);

struct SwitchesOptions {
  std::string case_id;
  // The window, inclusive; empty: the case's start, the server's today.
  std::string from;
  std::string to;
  std::string known_at;
};
int RunSwitches(const ClientOptions& options, const SwitchesOptions& switches);

// A case on a day: `waits` and `timeline`.
struct CaseOnDayOptions {
  std::string case_id;
  std::string as_of;
  std::string known_at;
};
int RunWaits(const ClientOptions& options, const CaseOnDayOptions& waits);
int RunTimeline(const ClientOptions& options, const CaseOnDayOptions& timeline);

// `rules`: the rule sets the server loaded.
int RunRuleSets(const ClientOptions& options);

// Which cases a population command covers (CaseFilter); target groups by
// name, e.g. sygedagpenge or A_DAGPENGE.
struct PopulationFilter {
  std::vector<std::string> jobcentres;
  std::vector<std::string> teams;
  std::vector<std::string> caseworkers;
  std::vector<std::string> target_groups;
};

// `report`: Projections.Report as tables (or CSV of one of them).
struct ReportOptions {
  PopulationFilter filter;
  std::string as_of;
  std::string from;
  std::string known_at;
  // jobcentre, team, caseworker, target-group, requirement.
  std::vector<std::string> by;
  std::vector<std::string> rule_set_ids;
  bool from_log = false;
  int waiting = 0;
  bool csv = false;
  // With csv: requirements, switches, waits or waiting; empty: requirements.
  // Refused without csv: the text output shows every table.
  std::string table;
};
int RunReport(const ClientOptions& options, const ReportOptions& report);

// `trend`: Projections.Trend, one row per week or month.
struct TrendOptions {
  PopulationFilter filter;
  std::string from;
  std::string to;
  // week or month.
  std::string step = "month";
  std::string known_at;
  std::vector<std::string> rule_set_ids;
  bool csv = false;
};
int RunTrend(const ClientOptions& options, const TrendOptions& trend);

// `worklist`: Projections.Worklist for one caseworker or one team.
struct WorklistOptions {
  std::string caseworker;
  std::string team;
  // Only this jobcentre's cases; empty: every jobcentre's (a team id may
  // name teams in several).
  std::string jobcentre;
  std::string as_of;
  int horizon_days = 0;
  // Instead of horizon_days: Danish working days.
  int horizon_working_days = 0;
  int limit = 0;
  // Items skipped before those listed, for paging.
  int offset = 0;
  std::string known_at;
  std::vector<std::string> rule_set_ids;
  bool csv = false;
};
int RunWorklist(const ClientOptions& options, const WorklistOptions& worklist);

// `cases`: Projections.ListCases, the requirement rows behind a report's
// figure (or those that changed since --compare-known-at), a page of cases.
struct CasesOptions {
  PopulationFilter filter;
  std::string as_of;
  std::string from;
  std::string known_at;
  std::vector<std::string> rule_set_ids;
  // RULE_SET/REQUIREMENT, e.g. dk-lab-2020/first-active-offer; empty: all.
  std::string requirement;
  // met, met_late, overdue, due, not_applicable, counts, does_not_count,
  // exempted; empty: every status.
  std::vector<std::string> statuses;
  std::string compare_known_at;
  int page_size = 0;
  std::string after;
  bool csv = false;
};
int RunCases(const ClientOptions& options, const CasesOptions& cases);

// `rules put FILE`: Admin.PutRuleSet of a rule set file (textproto), parsed
// and checked here first so that mistakes are named with their line.
int RunRulesPut(const ClientOptions& options, const std::string& file);

// `rebuild`: Admin.Rebuild, with a progress line on a terminal. Ctrl-C
// cancels; the client then says whether the rebuild was cancelled (exit
// kExitInterrupted) or had switched already (exit 0).
int RunRebuild(const ClientOptions& options);

// `status`: Admin.GetProjectionStatus: the active projection version, how
// far it has materialized the log, and a running rebuild.
int RunStatus(const ClientOptions& options);

// `backup`: Admin.Backup into the server's --backup-dir; prints what the
// backup holds (its id, the log position, size, files and checksum).
int RunBackup(const ClientOptions& options);

// `whatif FILE`: Admin.WhatIf of a candidate rule set file.
struct WhatIfOptions {
  std::string file;
  PopulationFilter filter;
  std::string as_of;
  std::string from;
  std::string known_at;
  int limit = 0;
  bool csv = false;
};
int RunWhatIf(const ClientOptions& options, const WhatIfOptions& whatif);

}  // namespace caseline::cli

#endif  // CASELINE_TOOLS_CLIENT_H_
