#include "tools/csv_import.h"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <google/protobuf/descriptor.h>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "projections/dates.h"
#include "projections/event_validation.h"

namespace caseline::csv {
namespace {

// The columns, in the README's order. Column enumerators index kColumns.
enum Column {
  kActionId,
  kCaseId,
  kDate,
  kAction,
  kCitizenId,
  kJobcentreId,
  kTargetGroup,
  kBirthDate,
  kAnchorDate,
  kSickNoteDate,
  kCaseworkerId,
  kTeamId,
  kKind,
  kChannel,
  kOutcome,
  kReferralId,
  kOfferId,
  kProvider,
  kPlannedEndDate,
  kReason,
  kRetractedActionId,
  kNote,
  kHeldBy,
  kReferredToJobcentre,
  kRuleSetId,
  kRequirementId,
  kDecidedBy,
  kColumnCount,
};

const std::array<const char*, kColumnCount> kColumns = {
    "action_id",
    "case_id",
    "date",
    "action",
    "citizen_id",
    "jobcentre_id",
    "target_group",
    "birth_date",
    "anchor_date",
    "sick_note_date",
    "caseworker_id",
    "team_id",
    "kind",
    "channel",
    "outcome",
    "referral_id",
    "offer_id",
    "provider",
    "planned_end_date",
    "reason",
    "retracted_action_id",
    "note",
    "held_by",
    "referred_to_jobcentre",
    "rule_set_id",
    "requirement_id",
    "decided_by",
};

// Every row needs these; the header must have them.
constexpr std::array<Column, 4> kRequiredColumns = {kActionId, kCaseId, kDate,
                                                    kAction};

const std::array<const char*, 16> kActions = {
    "case_opened",          "service_call",  "interview_held",
    "interview_missed",     "referral_made", "referral_cancelled",
    "offer_started",        "offer_ended",   "caseworker_changed",
    "target_group_changed", "case_paused",   "case_resumed",
    "review_held",          "case_closed",   "retracted",
    "exemption_granted",
};

bool IsValidUtf8(absl::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    size_t extra = 0;
    uint32_t code = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1;
      code = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      code = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      code = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= text.size()) return false;
    for (size_t k = 1; k <= extra; ++k) {
      const unsigned char d = static_cast<unsigned char>(text[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      code = (code << 6) | (d & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF.
    static constexpr uint32_t kMinimum[] = {0, 0x80, 0x800, 0x10000};
    if (code < kMinimum[extra] || code > 0x10FFFF ||
        (code >= 0xD800 && code <= 0xDFFF)) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

// Where the line that `i` is in ends: the index just past its "\n", or the
// end of the text.
size_t SkipLine(absl::string_view text, size_t i) {
  const size_t newline = text.find('\n', i);
  return newline == absl::string_view::npos ? text.size() : newline + 1;
}

// Lines `text[from, to)` holds ends of.
uint64_t CountNewlines(absl::string_view text, size_t from, size_t to) {
  return static_cast<uint64_t>(
      std::count(text.begin() + from, text.begin() + to, '\n'));
}

}  // namespace

std::string FormatProblem(const Problem& problem) {
  if (problem.column.empty()) {
    return absl::StrCat("line ", problem.line, ": ", problem.message);
  }
  return absl::StrCat("line ", problem.line, ", column ", problem.column, ": ",
                      problem.message);
}

const std::vector<std::string>& ColumnNames() {
  static const auto* names =
      new std::vector<std::string>(kColumns.begin(), kColumns.end());
  return *names;
}

namespace {

// Reads RFC 4180 records from `text`, one at a time, from `at`.
struct CsvReader {
  absl::string_view text;
  size_t at = 0;

  bool AtEnd() const { return at >= text.size(); }

  // The length of a line end at `i`: "\n", "\r\n", or a "\r" ending the
  // file; 0 if none is there.
  size_t LineEndLength(size_t i) const {
    if (text[i] == '\n') return 1;
    if (text[i] == '\r') {
      if (i + 1 == text.size()) return 1;
      if (text[i + 1] == '\n') return 2;
    }
    return 0;
  }

  // A cell that starts with a double quote (at points at it); "" quotes a
  // quote. Returns a problem, or "".
  std::string ReadQuotedCell(std::string* cell) {
    ++at;
    while (at < text.size()) {
      if (text[at] == '"') {
        if (at + 1 < text.size() && text[at + 1] == '"') {
          cell->push_back('"');
          at += 2;
          continue;
        }
        ++at;
        return "";
      }
      cell->push_back(text[at]);
      ++at;
    }
    return "a quoted cell is not closed before the end of the file";
  }

  // A cell without quotes, up to a comma or the line's end.
  std::string ReadPlainCell(std::string* cell) {
    while (at < text.size() && text[at] != ',' && LineEndLength(at) == 0) {
      if (text[at] == '"') {
        return "a double quote inside a cell that does not start with one; "
               "quote the whole cell and write the quote as \"\"";
      }
      cell->push_back(text[at]);
      ++at;
    }
    return "";
  }

  // One record's cells, up to and past its line end. Returns a problem, or
  // "".
  std::string ReadRecord(Record* record) {
    for (;;) {
      std::string cell;
      std::string problem = !AtEnd() && text[at] == '"' ? ReadQuotedCell(&cell)
                                                        : ReadPlainCell(&cell);
      if (!problem.empty()) return problem;
      record->cells.push_back(std::move(cell));
      if (AtEnd()) return "";
      if (text[at] == ',') {
        ++at;
      } else if (const size_t end = LineEndLength(at); end > 0) {
        at += end;
        return "";
      } else {
        return "text after a closing double quote; a quoted cell must end "
               "at a comma or the line's end";
      }
    }
  }
};

}  // namespace

ParsedCsv ParseCsv(absl::string_view text) {
  ParsedCsv parsed;
  if (text.size() > kFileBytesMax) {
    parsed.problems.push_back(
        {1, "",
         absl::StrCat("the file is larger than ", kFileBytesMax,
                      " bytes; split it by case")});
    return parsed;
  }
  CsvReader reader{text, absl::StartsWith(text, "\xEF\xBB\xBF") ? 3u : 0u};
  uint64_t line = 1;
  while (!reader.AtEnd()) {
    const size_t start = reader.at;
    Record record;
    record.line = line;
    const std::string problem = reader.ReadRecord(&record);
    if (!problem.empty()) {
      // Resume at the next line; the bad record is named, not read.
      reader.at = reader.AtEnd() ? text.size() : SkipLine(text, reader.at);
    }
    line += CountNewlines(text, start, reader.at);
    if (!problem.empty()) {
      parsed.problems.push_back({record.line, "", problem});
      continue;
    }
    if (reader.at - start > kRowBytesMax) {
      parsed.problems.push_back(
          {record.line, "",
           absl::StrCat("the row is longer than ", kRowBytesMax, " bytes")});
      continue;
    }
    // A blank line is no row.
    if (record.cells.size() == 1 && record.cells[0].empty() &&
        text[start] != '"') {
      continue;
    }
    if (!IsValidUtf8(text.substr(start, reader.at - start))) {
      parsed.problems.push_back({record.line, "", "the row is not UTF-8"});
      continue;
    }
    if (parsed.records.size() > kRowsMax) {
      parsed.problems.push_back(
          {record.line, "",
           absl::StrCat("the file has more than ", kRowsMax,
                        " rows; split it by case")});
      break;
    }
    parsed.records.push_back(std::move(record));
  }
  return parsed;
}

namespace {

// The column indexes of one file's header.
class Columns {
 public:
  Columns() { index_.fill(-1); }
  void Set(Column column, int index) { index_[column] = index; }
  int Index(Column column) const { return index_[column]; }

 private:
  std::array<int, kColumnCount> index_;
};

// Maps one row, collecting its problems.
class RowMapper {
 public:
  RowMapper(const Columns& columns, const std::vector<std::string>& cells,
            uint64_t line, std::vector<Problem>* problems)
      : columns_(columns), cells_(cells), line_(line), problems_(problems) {}

  // The cell, empty when not given (or the header lacks the column).
  std::string Cell(Column column) const {
    const int index = columns_.Index(column);
    if (index < 0 || static_cast<size_t>(index) >= cells_.size()) return "";
    return cells_[index];
  }

  void Fail(Column column, std::string message) {
    problems_->push_back({line_, kColumns[column], std::move(message)});
  }

  // The cell, or a problem when it is empty.
  std::string Required(Column column, absl::string_view action) {
    std::string cell = Cell(column);
    if (cell.empty()) {
      Fail(column, action.empty()
                       ? "missing: every row needs it"
                       : absl::StrCat("missing: ", action, " needs it"));
    }
    return cell;
  }

  // The date cell, checked; empty when not given or bad.
  std::string Date(Column column, bool required, absl::string_view action) {
    std::string cell = required ? Required(column, action) : Cell(column);
    if (cell.empty()) return cell;
    const auto day = ParseDate(cell);
    if (!day.ok()) {
      Fail(column, std::string(day.status().message()));
      return "";
    }
    return cell;
  }

  // The value of `descriptor` whose name is its prefix and the cell's word
  // in upper case (e.g. "sickness" for CASEWORKER_CHANGE_REASON_SICKNESS);
  // 0 (UNSPECIFIED) when the cell is empty or bad, with a problem.
  int Enum(Column column, const google::protobuf::EnumDescriptor* descriptor,
           absl::string_view action) {
    const std::string cell = Required(column, action);
    if (cell.empty()) return 0;
    return Word(column, descriptor, cell);
  }

  // As Enum, but an empty cell is 0 (not stated) without a problem.
  int OptionalEnum(Column column,
                   const google::protobuf::EnumDescriptor* descriptor) {
    const std::string cell = Cell(column);
    if (cell.empty()) return 0;
    return Word(column, descriptor, cell);
  }

  // `yes` or `no`; an empty cell is no.
  bool YesNo(Column column) {
    const std::string cell = Cell(column);
    if (cell.empty() || cell == "no") return false;
    if (cell == "yes") return true;
    Fail(column, absl::StrCat("\"", cell, "\" is not one of: yes, no"));
    return false;
  }

 private:
  int Word(Column column, const google::protobuf::EnumDescriptor* descriptor,
           const std::string& cell) {
    const std::string unspecified(descriptor->value(0)->name());
    const std::string prefix(absl::StripSuffix(unspecified, "UNSPECIFIED"));
    std::vector<std::string> words;
    for (int v = 1; v < descriptor->value_count(); ++v) {
      const std::string name(descriptor->value(v)->name());
      const std::string word =
          absl::AsciiStrToLower(absl::StripPrefix(name, prefix));
      if (word == cell) return descriptor->value(v)->number();
      words.push_back(word);
    }
    Fail(column, absl::StrCat("\"", cell, "\" is not one of: ",
                              absl::StrJoin(words, ", ")));
    return 0;
  }

  const Columns& columns_;
  const std::vector<std::string>& cells_;
  const uint64_t line_;
  std::vector<Problem>* problems_;
};

// The column a ValidateEventFields path ("case_opened.birth_on") is about.
std::string ColumnOfPath(absl::string_view path) {
  static const std::map<std::string, std::string, std::less<>> kByField = {
      {"event_id", "action_id"},
      {"occurred_on", "date"},
      {"birth_on", "birth_date"},
      {"anchor_on", "anchor_date"},
      {"sick_note_received_on", "sick_note_date"},
      {"offer_kind", "kind"},
      {"planned_end_on", "planned_end_date"},
      {"retracted_event_id", "retracted_action_id"},
  };
  if (path == "event_retracted.reason" || path == "exemption_granted.reason") {
    return "note";
  }
  const size_t dot = path.rfind('.');
  const absl::string_view field =
      dot == absl::string_view::npos ? path : path.substr(dot + 1);
  if (auto it = kByField.find(field); it != kByField.end()) return it->second;
  for (const char* name : kColumns) {
    if (field == name) return std::string(field);
  }
  return "action";
}

// Fills `event` from the row; adds the row's problems to `problems`.
void MapRow(RowMapper& row, v1::Event* event) {
  event->set_event_id(row.Required(kActionId, ""));
  event->set_case_id(row.Required(kCaseId, ""));
  event->set_occurred_on(row.Date(kDate, true, ""));
  const std::string action = row.Required(kAction, "");
  if (action.empty()) return;
  using google::protobuf::GetEnumDescriptor;
  const auto text = [&](Column column) { return row.Required(column, action); };
  const auto optional_date = [&](Column column) {
    return row.Date(column, false, action);
  };
  const auto date = [&](Column column) {
    return row.Date(column, true, action);
  };
  if (action == "case_opened") {
    v1::CaseOpened* body = event->mutable_case_opened();
    body->set_citizen_id(text(kCitizenId));
    body->set_jobcentre_id(text(kJobcentreId));
    body->set_target_group(static_cast<v1::TargetGroup>(
        row.Enum(kTargetGroup, GetEnumDescriptor<v1::TargetGroup>(), action)));
    body->set_birth_on(date(kBirthDate));
    body->set_anchor_on(date(kAnchorDate));
    body->set_caseworker_id(text(kCaseworkerId));
    body->set_team_id(text(kTeamId));
    body->set_sick_note_received_on(optional_date(kSickNoteDate));
    body->set_referred_to_jobcentre(row.YesNo(kReferredToJobcentre));
  } else if (action == "service_call") {
    event->mutable_service_call_made()->set_outcome(
        static_cast<v1::ServiceCallOutcome>(row.Enum(
            kOutcome, GetEnumDescriptor<v1::ServiceCallOutcome>(), action)));
  } else if (action == "interview_held") {
    v1::InterviewHeld* body = event->mutable_interview_held();
    body->set_kind(static_cast<v1::InterviewKind>(
        row.Enum(kKind, GetEnumDescriptor<v1::InterviewKind>(), action)));
    body->set_channel(static_cast<v1::InterviewChannel>(
        row.Enum(kChannel, GetEnumDescriptor<v1::InterviewChannel>(), action)));
    body->set_held_by(static_cast<v1::InterviewHolder>(
        row.OptionalEnum(kHeldBy, GetEnumDescriptor<v1::InterviewHolder>())));
  } else if (action == "interview_missed") {
    v1::InterviewMissed* body = event->mutable_interview_missed();
    body->set_kind(static_cast<v1::InterviewKind>(
        row.Enum(kKind, GetEnumDescriptor<v1::InterviewKind>(), action)));
    body->set_held_by(static_cast<v1::InterviewHolder>(
        row.OptionalEnum(kHeldBy, GetEnumDescriptor<v1::InterviewHolder>())));
  } else if (action == "referral_made") {
    v1::ReferralMade* body = event->mutable_referral_made();
    body->set_referral_id(text(kReferralId));
    body->set_offer_kind(static_cast<v1::OfferKind>(
        row.Enum(kKind, GetEnumDescriptor<v1::OfferKind>(), action)));
    body->set_provider(text(kProvider));
  } else if (action == "referral_cancelled") {
    v1::ReferralCancelled* body = event->mutable_referral_cancelled();
    body->set_referral_id(text(kReferralId));
    body->set_reason(static_cast<v1::ReferralCancelReason>(row.Enum(
        kReason, GetEnumDescriptor<v1::ReferralCancelReason>(), action)));
  } else if (action == "offer_started") {
    v1::OfferStarted* body = event->mutable_offer_started();
    body->set_offer_id(text(kOfferId));
    body->set_referral_id(row.Cell(kReferralId));
    body->set_offer_kind(static_cast<v1::OfferKind>(
        row.Enum(kKind, GetEnumDescriptor<v1::OfferKind>(), action)));
    body->set_planned_end_on(optional_date(kPlannedEndDate));
  } else if (action == "offer_ended") {
    v1::OfferEnded* body = event->mutable_offer_ended();
    body->set_offer_id(text(kOfferId));
    body->set_reason(static_cast<v1::OfferEndReason>(
        row.Enum(kReason, GetEnumDescriptor<v1::OfferEndReason>(), action)));
  } else if (action == "caseworker_changed") {
    v1::CaseworkerChanged* body = event->mutable_caseworker_changed();
    body->set_caseworker_id(text(kCaseworkerId));
    body->set_team_id(text(kTeamId));
    body->set_reason(static_cast<v1::CaseworkerChangeReason>(row.Enum(
        kReason, GetEnumDescriptor<v1::CaseworkerChangeReason>(), action)));
  } else if (action == "target_group_changed") {
    v1::TargetGroupChanged* body = event->mutable_target_group_changed();
    body->set_target_group(static_cast<v1::TargetGroup>(
        row.Enum(kTargetGroup, GetEnumDescriptor<v1::TargetGroup>(), action)));
    body->set_anchor_on(date(kAnchorDate));
    body->set_referred_to_jobcentre(row.YesNo(kReferredToJobcentre));
  } else if (action == "case_paused") {
    event->mutable_case_paused()->set_reason(static_cast<v1::PauseReason>(
        row.Enum(kReason, GetEnumDescriptor<v1::PauseReason>(), action)));
  } else if (action == "case_resumed") {
    event->mutable_case_resumed();
  } else if (action == "review_held") {
    event->mutable_review_held();
  } else if (action == "case_closed") {
    event->mutable_case_closed()->set_reason(static_cast<v1::CaseCloseReason>(
        row.Enum(kReason, GetEnumDescriptor<v1::CaseCloseReason>(), action)));
  } else if (action == "retracted") {
    v1::EventRetracted* body = event->mutable_event_retracted();
    body->set_retracted_event_id(text(kRetractedActionId));
    body->set_reason(text(kNote));
  } else if (action == "exemption_granted") {
    v1::ExemptionGranted* body = event->mutable_exemption_granted();
    body->set_rule_set_id(text(kRuleSetId));
    body->set_requirement_id(text(kRequirementId));
    body->set_kind(static_cast<v1::ExemptionKind>(
        row.Enum(kKind, GetEnumDescriptor<v1::ExemptionKind>(), action)));
    body->set_reason(text(kNote));
    body->set_decided_by(text(kDecidedBy));
  } else {
    row.Fail(kAction, absl::StrCat("\"", action, "\" is not one of: ",
                                   absl::StrJoin(kActions, ", ")));
  }
}

}  // namespace

namespace {

// The columns the header names, or nullopt after adding its problems.
std::optional<Columns> ReadHeader(const std::vector<std::string>& header,
                                  std::vector<Problem>* problems) {
  Columns columns;
  bool header_ok = true;
  for (size_t index = 0; index < header.size(); ++index) {
    const std::string& name = header[index];
    const auto it =
        std::find_if(kColumns.begin(), kColumns.end(),
                     [&](const char* known) { return name == known; });
    if (it == kColumns.end()) {
      problems->push_back(
          {1, name,
           absl::StrCat("unknown column (line 1 must be the header); the "
                        "columns are: ",
                        absl::StrJoin(kColumns, ", "))});
      header_ok = false;
      continue;
    }
    const Column column = static_cast<Column>(it - kColumns.begin());
    if (columns.Index(column) >= 0) {
      problems->push_back({1, name, "the column is named twice"});
      header_ok = false;
      continue;
    }
    columns.Set(column, static_cast<int>(index));
  }
  if (!header_ok) return std::nullopt;
  for (Column column : kRequiredColumns) {
    if (columns.Index(column) < 0) {
      problems->push_back(
          {1, kColumns[column], "the header lacks this required column"});
      header_ok = false;
    }
  }
  if (!header_ok) return std::nullopt;
  return columns;
}

// A validation error as a problem of the row, in the column its field
// path names.
Problem RowProblem(uint64_t line, absl::string_view message) {
  const size_t colon = message.find(": ");
  if (colon == absl::string_view::npos) return {line, "", std::string(message)};
  return {line, ColumnOfPath(message.substr(0, colon)),
          std::string(message.substr(colon + 2))};
}

// One record mapped to an event and checked; its problems are added.
MappedRow MapRecord(const Columns& columns, size_t header_cells, Record& record,
                    absl::CivilDay today, std::vector<Problem>* problems) {
  MappedRow row;
  row.line = record.line;
  row.cells = std::move(record.cells);
  const size_t problems_before = problems->size();
  RowMapper mapper(columns, row.cells, row.line, problems);
  row.case_id = mapper.Cell(kCaseId);
  if (row.cells.size() != header_cells) {
    problems->push_back(
        {row.line, "",
         absl::StrCat("the row has ", row.cells.size(),
                      " cells; the header has ", header_cells)});
  } else {
    MapRow(mapper, &row.event);
    if (problems->size() == problems_before) {
      const absl::Status status = ValidateEventFields(row.event, today);
      if (!status.ok())
        problems->push_back(RowProblem(row.line, status.message()));
    }
  }
  row.ok = problems->size() == problems_before;
  if (!row.ok) row.event.Clear();
  return row;
}

}  // namespace

CsvImport ParseImport(absl::string_view text, absl::CivilDay today) {
  CsvImport result;
  ParsedCsv parsed = ParseCsv(text);
  result.problems = std::move(parsed.problems);
  const auto by_line = [](const Problem& a, const Problem& b) {
    return a.line < b.line;
  };
  if (parsed.records.empty() || parsed.records.front().line != 1) {
    if (result.problems.empty() || result.problems.front().line != 1) {
      result.problems.insert(result.problems.begin(),
                             {1, "",
                              "the header row is missing: line 1 must "
                              "name the columns"});
    }
    return result;
  }
  result.header = parsed.records.front().cells;
  const std::optional<Columns> columns =
      ReadHeader(result.header, &result.problems);
  if (!columns.has_value()) {
    std::stable_sort(result.problems.begin(), result.problems.end(), by_line);
    return result;
  }
  result.header_ok = true;
  for (size_t r = 1; r < parsed.records.size(); ++r) {
    result.rows.push_back(MapRecord(*columns, result.header.size(),
                                    parsed.records[r], today,
                                    &result.problems));
  }
  std::stable_sort(result.problems.begin(), result.problems.end(), by_line);
  return result;
}

std::set<std::string> CasesLeftOut(const std::vector<MappedRow>& rows,
                                   const std::vector<Problem>& problems) {
  std::set<uint64_t> bad_lines;
  for (const Problem& problem : problems) bad_lines.insert(problem.line);
  std::set<std::string> cases;
  for (const MappedRow& row : rows) {
    if ((!row.ok || bad_lines.count(row.line) > 0) && !row.case_id.empty()) {
      cases.insert(row.case_id);
    }
  }
  return cases;
}

std::string CsvLine(const std::vector<std::string>& cells) {
  std::string line;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) line.push_back(',');
    const std::string& cell = cells[i];
    if (cell.find_first_of(",\"\r\n") == std::string::npos) {
      line += cell;
      continue;
    }
    line.push_back('"');
    for (char c : cell) {
      if (c == '"') line.push_back('"');
      line.push_back(c);
    }
    line.push_back('"');
  }
  return line;
}

}  // namespace caseline::csv
