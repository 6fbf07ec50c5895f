// The exit statuses of the `caseline` command-line client, in one table, so
// that the code, `caseline --help` and the README say the same. Pure.
#ifndef CASELINE_TOOLS_EXIT_CODES_H_
#define CASELINE_TOOLS_EXIT_CODES_H_

#include <array>
#include <string>
#include <string_view>

namespace caseline::cli {

inline constexpr int kExitOk = 0;
// append, import-history, import-csv: some lines or rows were rejected (the
// rest were stored); every other command: the server refused the request
// (e.g. NOT_FOUND) or could not be reached.
inline constexpr int kExitRejected = 1;
// append, import-history, import-csv: the server could not be reached or the
// stream failed; appending the file again is safe.
inline constexpr int kExitFailure = 2;
// A file named on the command line cannot be read (or, for an output file,
// written): nothing was sent. Apart from kExitFailure so that a script can
// tell a typo in a path from a server that is down.
inline constexpr int kExitFile = 3;
// import-history stopped at its first line: the server's log already holds
// events recorded after the history, so every line would be refused. Import
// into a fresh server.
inline constexpr int kExitHistoryAfterLog = 4;
// rebuild: Ctrl-C cancelled the rebuild before it switched (the old
// projection version stays active), or the client could not tell. 130 is
// what a shell reports for a command ended by SIGINT.
inline constexpr int kExitInterrupted = 130;
// The command line itself is wrong (unknown command or option, missing
// argument, a malformed date or address). 64 is EX_USAGE of sysexits.h.
inline constexpr int kExitUsage = 64;

struct ExitCodeMeaning {
  int code;
  std::string_view meaning;
};

// The table `caseline --help` prints, in order of code.
inline constexpr std::array<ExitCodeMeaning, 7> kExitCodeTable = {{
    {kExitOk, "success: everything was stored or answered"},
    {kExitRejected,
     "append/import: some lines or rows rejected, the rest stored; other "
     "commands: the server refused or could not be reached"},
    {kExitFailure,
     "append/import: the server could not be reached or the stream failed "
     "(sending the file again is safe)"},
    {kExitFile, "a file named on the command line cannot be read or written"},
    {kExitHistoryAfterLog,
     "import-history stopped: the server's log already holds later events; "
     "import into a fresh server"},
    {kExitUsage, "the command line is wrong"},
    {kExitInterrupted,
     "rebuild: Ctrl-C cancelled it; the old projection version stays "
     "active"},
}};

// "Exit status:\n   0  success: ...\n   1  ..." for the help text.
inline std::string ExitCodeHelp() {
  std::string help = "Exit status:";
  for (const ExitCodeMeaning& row : kExitCodeTable) {
    const std::string code = std::to_string(row.code);
    help += "\n  " + std::string(3 - code.size(), ' ') + code + "  ";
    help += row.meaning;
  }
  return help;
}

}  // namespace caseline::cli

#endif  // CASELINE_TOOLS_EXIT_CODES_H_
