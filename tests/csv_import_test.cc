// Goal: `caseline import-csv`'s parser and mapper read the documented layout
// exactly: RFC 4180 quoting, the header rules, every action's fields, every
// bad row named by line and column, --skip-bad leaving out whole cases, and
// the shipped sample. Method: pure calls on in-memory text.
#include "tools/csv_import.h"

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"

namespace caseline::csv {
namespace {

const absl::CivilDay kToday(2020, 6, 1);

const char kHeader[] =
    "action_id,case_id,date,action,citizen_id,jobcentre_id,target_group,"
    "birth_date,anchor_date,sick_note_date,caseworker_id,team_id,kind,"
    "channel,outcome,referral_id,offer_id,provider,planned_end_date,reason,"
    "retracted_action_id,note,held_by,referred_to_jobcentre,rule_set_id,"
    "requirement_id,decided_by";

// A data line for kHeader from column=value pairs.
std::string Row(std::vector<std::pair<std::string, std::string>> values) {
  std::vector<std::string> cells(ColumnNames().size());
  for (const auto& [column, value] : values) {
    for (size_t i = 0; i < ColumnNames().size(); ++i) {
      if (ColumnNames()[i] == column) cells[i] = value;
    }
  }
  return CsvLine(cells);
}

std::string File(const std::vector<std::string>& rows) {
  return absl::StrCat(kHeader, "\n", absl::StrJoin(rows, "\n"), "\n");
}

std::string Problems(const CsvImport& parsed) {
  std::vector<std::string> lines;
  for (const Problem& problem : parsed.problems) {
    lines.push_back(FormatProblem(problem));
  }
  return absl::StrJoin(lines, "\n");
}

// Maps one row of `values` and expects it to be fine.
v1::Event MapOne(std::vector<std::pair<std::string, std::string>> values) {
  std::vector<std::pair<std::string, std::string>> all = {
      {"action_id", "e-1"}, {"case_id", "case-1"}, {"date", "2019-01-07"}};
  all.insert(all.end(), values.begin(), values.end());
  const CsvImport parsed = ParseImport(File({Row(all)}), kToday);
  EXPECT_TRUE(parsed.problems.empty()) << Problems(parsed);
  EXPECT_EQ(parsed.rows.size(), 1u);
  if (parsed.rows.size() != 1) return v1::Event();
  EXPECT_TRUE(parsed.rows[0].ok);
  EXPECT_EQ(parsed.rows[0].event.event_id(), "e-1");
  EXPECT_EQ(parsed.rows[0].event.case_id(), "case-1");
  EXPECT_EQ(parsed.rows[0].event.occurred_on(), "2019-01-07");
  return parsed.rows[0].event;
}

TEST(ParseCsvTest, QuotedCommasQuotesAndLineBreaks) {
  const ParsedCsv parsed = ParseCsv(
      "a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\r\nlines\"\r\nplain,,\r\n"
      "\r\nlast,1,2");
  ASSERT_TRUE(parsed.problems.empty());
  ASSERT_EQ(parsed.records.size(), 4u);
  EXPECT_EQ(parsed.records[0].cells, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(parsed.records[1].cells,
            (std::vector<std::string>{"x, y", "say \"hi\"", "two\r\nlines"}));
  EXPECT_EQ(parsed.records[1].line, 2u);
  EXPECT_EQ(parsed.records[2].cells,
            (std::vector<std::string>{"plain", "", ""}));
  EXPECT_EQ(parsed.records[2].line, 4u);
  // The blank line 5 is skipped; the last line has no line end.
  EXPECT_EQ(parsed.records[3].line, 6u);
  EXPECT_EQ(parsed.records[3].cells,
            (std::vector<std::string>{"last", "1", "2"}));
}

TEST(ParseCsvTest, BadQuotingNamesTheLineAndReadsOn) {
  const ParsedCsv parsed = ParseCsv("a,b\nx\"y,1\n\"q\"z,2\nok,3\n\"open,4\n");
  ASSERT_EQ(parsed.problems.size(), 3u);
  EXPECT_EQ(parsed.problems[0].line, 2u);
  EXPECT_EQ(parsed.problems[1].line, 3u);
  EXPECT_EQ(parsed.problems[2].line, 5u);
  ASSERT_EQ(parsed.records.size(), 2u);
  EXPECT_EQ(parsed.records[1].line, 4u);
}

TEST(ParseCsvTest, CsvLineRoundTrips) {
  const std::vector<std::string> cells = {"a", "b,c", "d\"e", "", "f\ng"};
  const ParsedCsv parsed = ParseCsv(CsvLine(cells) + "\r\n");
  ASSERT_EQ(parsed.records.size(), 1u);
  EXPECT_EQ(parsed.records[0].cells, cells);
}

TEST(HeaderTest, UnknownColumnIsAnError) {
  const CsvImport parsed = ParseImport(
      "action_id,case_id,date,action,colour\ne-1,case-1,2019-01-01,"
      "review_held,red\n",
      kToday);
  EXPECT_FALSE(parsed.header_ok);
  ASSERT_EQ(parsed.problems.size(), 1u);
  EXPECT_EQ(parsed.problems[0].line, 1u);
  EXPECT_EQ(parsed.problems[0].column, "colour");
}

TEST(HeaderTest, MissingHeaderIsAnError) {
  const CsvImport parsed =
      ParseImport("e-1,case-1,2019-01-01,review_held\n", kToday);
  EXPECT_FALSE(parsed.header_ok);
  ASSERT_FALSE(parsed.problems.empty());
  EXPECT_EQ(parsed.problems[0].line, 1u);
  EXPECT_TRUE(parsed.rows.empty());
  EXPECT_FALSE(ParseImport("", kToday).header_ok);
  EXPECT_EQ(ParseImport("", kToday).problems.size(), 1u);
}

TEST(HeaderTest, RequiredColumnAndRepeatedColumn) {
  CsvImport parsed = ParseImport("action_id,case_id,action\n", kToday);
  EXPECT_FALSE(parsed.header_ok);
  ASSERT_EQ(parsed.problems.size(), 1u);
  EXPECT_EQ(FormatProblem(parsed.problems[0]),
            "line 1, column date: the header lacks this required column");
  parsed = ParseImport("action_id,case_id,date,action,date\n", kToday);
  EXPECT_FALSE(parsed.header_ok);
}

TEST(HeaderTest, ColumnOrderIsFree) {
  const CsvImport parsed = ParseImport(
      "reason,date,action,case_id,action_id\nplanned,2019-02-01,case_paused,"
      "c-9,e-9\n",
      kToday);
  EXPECT_FALSE(parsed.problems.empty());  // planned is not a pause reason
  const CsvImport good = ParseImport(
      "reason,date,action,case_id,action_id\nleave,2019-02-01,case_paused,"
      "c-9,e-9\n",
      kToday);
  ASSERT_TRUE(good.problems.empty()) << Problems(good);
  EXPECT_EQ(good.rows[0].event.case_paused().reason(), v1::PAUSE_REASON_LEAVE);
  EXPECT_EQ(good.rows[0].event.case_id(), "c-9");
}

TEST(MappingTest, CaseOpened) {
  const v1::Event event = MapOne({{"action", "case_opened"},
                                  {"citizen_id", "p-1"},
                                  {"jobcentre_id", "jc-1"},
                                  {"target_group", "sygedagpenge"},
                                  {"birth_date", "1970-02-03"},
                                  {"anchor_date", "2019-01-01"},
                                  {"sick_note_date", "2019-01-04"},
                                  {"caseworker_id", "cw-1"},
                                  {"team_id", "t-1"}});
  const v1::CaseOpened& body = event.case_opened();
  EXPECT_EQ(body.citizen_id(), "p-1");
  EXPECT_EQ(body.jobcentre_id(), "jc-1");
  EXPECT_EQ(body.target_group(), v1::TARGET_GROUP_SYGEDAGPENGE);
  EXPECT_EQ(body.birth_on(), "1970-02-03");
  EXPECT_EQ(body.anchor_on(), "2019-01-01");
  EXPECT_EQ(body.sick_note_received_on(), "2019-01-04");
  EXPECT_EQ(body.caseworker_id(), "cw-1");
  EXPECT_EQ(body.team_id(), "t-1");
}

TEST(MappingTest, WhoHeldTheInterviewAndDirectReferral) {
  v1::Event event = MapOne({{"action", "interview_held"},
                            {"kind", "individual"},
                            {"channel", "phone"},
                            {"held_by", "a_kasse"}});
  EXPECT_EQ(event.interview_held().held_by(), v1::INTERVIEW_HOLDER_A_KASSE);
  // Not given: not stated, which means the jobcentre.
  event = MapOne(
      {{"action", "interview_missed"}, {"kind", "joint"}, {"held_by", ""}});
  EXPECT_EQ(event.interview_missed().held_by(),
            v1::INTERVIEW_HOLDER_UNSPECIFIED);
  event = MapOne({{"action", "case_opened"},
                  {"citizen_id", "p-1"},
                  {"jobcentre_id", "jc-1"},
                  {"target_group", "a_dagpenge"},
                  {"birth_date", "1970-02-03"},
                  {"anchor_date", "2019-01-01"},
                  {"caseworker_id", "cw-1"},
                  {"team_id", "t-1"},
                  {"referred_to_jobcentre", "yes"}});
  EXPECT_TRUE(event.case_opened().referred_to_jobcentre());

  const CsvImport parsed =
      ParseImport(File({Row({{"action_id", "e-1"},
                             {"case_id", "case-1"},
                             {"date", "2019-01-07"},
                             {"action", "interview_held"},
                             {"kind", "individual"},
                             {"channel", "phone"},
                             {"held_by", "union"}}),
                        Row({{"action_id", "e-2"},
                             {"case_id", "case-1"},
                             {"date", "2019-01-07"},
                             {"action", "target_group_changed"},
                             {"target_group", "a_dagpenge"},
                             {"anchor_date", "2019-01-07"},
                             {"referred_to_jobcentre", "maybe"}})}),
                  kToday);
  EXPECT_EQ(Problems(parsed),
            "line 2, column held_by: \"union\" is not one of: jobcentre, "
            "a_kasse\n"
            "line 3, column referred_to_jobcentre: \"maybe\" is not one of: "
            "yes, no");
}

TEST(MappingTest, AnExemption) {
  const v1::Event event = MapOne({{"action", "exemption_granted"},
                                  {"rule_set_id", "dk-lab-2026"},
                                  {"requirement_id", "offer-target"},
                                  {"kind", "by_law"},
                                  {"note", "under the work obligation"},
                                  {"decided_by", "tl-1"}});
  const v1::ExemptionGranted& body = event.exemption_granted();
  EXPECT_EQ(body.rule_set_id(), "dk-lab-2026");
  EXPECT_EQ(body.requirement_id(), "offer-target");
  EXPECT_EQ(body.kind(), v1::EXEMPTION_KIND_BY_LAW);
  EXPECT_EQ(body.reason(), "under the work obligation");
  EXPECT_EQ(body.decided_by(), "tl-1");

  const CsvImport parsed =
      ParseImport(File({Row({{"action_id", "e-1"},
                             {"case_id", "case-1"},
                             {"date", "2019-01-07"},
                             {"action", "exemption_granted"},
                             {"rule_set_id", "dk-lab-2026"},
                             {"kind", "municipality"},
                             {"note", "in hospital"}})}),
                  kToday);
  EXPECT_EQ(Problems(parsed),
            "line 2, column requirement_id: missing: exemption_granted needs "
            "it\n"
            "line 2, column decided_by: missing: exemption_granted needs it");
}

TEST(MappingTest, EveryOtherAction) {
  EXPECT_EQ(MapOne({{"action", "service_call"}, {"outcome", "not_reached"}})
                .service_call_made()
                .outcome(),
            v1::SERVICE_CALL_OUTCOME_NOT_REACHED);
  v1::Event event = MapOne(
      {{"action", "interview_held"}, {"kind", "joint"}, {"channel", "video"}});
  EXPECT_EQ(event.interview_held().kind(), v1::INTERVIEW_KIND_JOINT);
  EXPECT_EQ(event.interview_held().channel(), v1::INTERVIEW_CHANNEL_VIDEO);
  EXPECT_EQ(MapOne({{"action", "interview_missed"}, {"kind", "group"}})
                .interview_missed()
                .kind(),
            v1::INTERVIEW_KIND_GROUP);
  event = MapOne({{"action", "referral_made"},
                  {"referral_id", "r-1"},
                  {"kind", "wage_subsidy"},
                  {"provider", "Firma, A/S"}});
  EXPECT_EQ(event.referral_made().referral_id(), "r-1");
  EXPECT_EQ(event.referral_made().offer_kind(), v1::OFFER_KIND_WAGE_SUBSIDY);
  EXPECT_EQ(event.referral_made().provider(), "Firma, A/S");
  event = MapOne({{"action", "referral_cancelled"},
                  {"referral_id", "r-1"},
                  {"reason", "citizen_declined"}});
  EXPECT_EQ(event.referral_cancelled().referral_id(), "r-1");
  EXPECT_EQ(event.referral_cancelled().reason(),
            v1::REFERRAL_CANCEL_REASON_CITIZEN_DECLINED);
  event = MapOne({{"action", "offer_started"},
                  {"offer_id", "o-1"},
                  {"referral_id", "r-1"},
                  {"kind", "guidance_and_upskilling"},
                  {"planned_end_date", "2019-04-01"}});
  EXPECT_EQ(event.offer_started().offer_id(), "o-1");
  EXPECT_EQ(event.offer_started().referral_id(), "r-1");
  EXPECT_EQ(event.offer_started().offer_kind(),
            v1::OFFER_KIND_GUIDANCE_AND_UPSKILLING);
  EXPECT_EQ(event.offer_started().planned_end_on(), "2019-04-01");
  event = MapOne({{"action", "offer_ended"},
                  {"offer_id", "o-1"},
                  {"reason", "completed"}});
  EXPECT_EQ(event.offer_ended().offer_id(), "o-1");
  EXPECT_EQ(event.offer_ended().reason(), v1::OFFER_END_REASON_COMPLETED);
  event = MapOne({{"action", "caseworker_changed"},
                  {"caseworker_id", "cw-2"},
                  {"team_id", "t-2"},
                  {"reason", "job_change"}});
  EXPECT_EQ(event.caseworker_changed().caseworker_id(), "cw-2");
  EXPECT_EQ(event.caseworker_changed().team_id(), "t-2");
  EXPECT_EQ(event.caseworker_changed().reason(),
            v1::CASEWORKER_CHANGE_REASON_JOB_CHANGE);
  event = MapOne({{"action", "target_group_changed"},
                  {"target_group", "kontanthjaelp_aktivitetsparat"},
                  {"anchor_date", "2019-01-07"}});
  EXPECT_EQ(event.target_group_changed().target_group(),
            v1::TARGET_GROUP_KONTANTHJAELP_AKTIVITETSPARAT);
  EXPECT_EQ(event.target_group_changed().anchor_on(), "2019-01-07");
  EXPECT_EQ(MapOne({{"action", "case_paused"}, {"reason", "exemption"}})
                .case_paused()
                .reason(),
            v1::PAUSE_REASON_EXEMPTION);
  EXPECT_TRUE(MapOne({{"action", "case_resumed"}}).has_case_resumed());
  EXPECT_TRUE(MapOne({{"action", "review_held"}}).has_review_held());
  EXPECT_EQ(MapOne({{"action", "case_closed"}, {"reason", "other_benefit"}})
                .case_closed()
                .reason(),
            v1::CASE_CLOSE_REASON_OTHER_BENEFIT);
  event = MapOne({{"action", "retracted"},
                  {"retracted_action_id", "e-0"},
                  {"note", "wrong case"}});
  EXPECT_EQ(event.event_retracted().retracted_event_id(), "e-0");
  EXPECT_EQ(event.event_retracted().reason(), "wrong case");
}

TEST(BadRowTest, EachProblemNamesLineAndColumn) {
  const CsvImport parsed =
      ParseImport(File({
                      // line 2: a date that does not exist.
                      Row({{"action_id", "e-1"},
                           {"case_id", "c-1"},
                           {"date", "2019-02-30"},
                           {"action", "review_held"}}),
                      // line 3: an unknown action.
                      Row({{"action_id", "e-2"},
                           {"case_id", "c-1"},
                           {"date", "2019-02-01"},
                           {"action", "coffee_had"}}),
                      // line 4: a bad enum word.
                      Row({{"action_id", "e-3"},
                           {"case_id", "c-2"},
                           {"date", "2019-02-01"},
                           {"action", "case_paused"},
                           {"reason", "holiday"}}),
                      // line 5: a missing required cell.
                      Row({{"action_id", "e-4"},
                           {"case_id", "c-2"},
                           {"date", "2019-02-01"},
                           {"action", "offer_ended"},
                           {"reason", "job"}}),
                      // line 6: fine.
                      Row({{"action_id", "e-5"},
                           {"case_id", "c-3"},
                           {"date", "2019-02-01"},
                           {"action", "review_held"}}),
                      // line 7: in the future (ValidateEventFields).
                      Row({{"action_id", "e-6"},
                           {"case_id", "c-3"},
                           {"date", "2031-02-01"},
                           {"action", "review_held"}}),
                      // line 8: too few cells.
                      "e-7,c-4,2019-02-01",
                  }),
                  kToday);
  ASSERT_TRUE(parsed.header_ok);
  ASSERT_EQ(parsed.problems.size(), 6u) << Problems(parsed);
  const auto expect = [&](size_t i, uint64_t line, const std::string& column,
                          const std::string& word) {
    EXPECT_EQ(parsed.problems[i].line, line) << Problems(parsed);
    EXPECT_EQ(parsed.problems[i].column, column) << Problems(parsed);
    EXPECT_NE(parsed.problems[i].message.find(word), std::string::npos)
        << parsed.problems[i].message;
  };
  expect(0, 2, "date", "2019-02-30 is not a date");
  expect(1, 3, "action", "coffee_had");
  expect(2, 4, "reason", "holiday");
  expect(3, 5, "offer_id", "missing");
  expect(4, 7, "date", "");
  expect(5, 8, "", "cells");
  EXPECT_EQ(FormatProblem(parsed.problems[0]).rfind("line 2, column date: ", 0),
            0u);
  ASSERT_EQ(parsed.rows.size(), 7u);
  EXPECT_TRUE(parsed.rows[4].ok);
  EXPECT_FALSE(parsed.rows[0].ok);
}

TEST(SkipBadTest, CasesWithABadRowAreLeftOutWhole) {
  std::vector<MappedRow> rows(5);
  const char* cases[] = {"c-1", "c-1", "c-2", "c-3", ""};
  for (size_t i = 0; i < rows.size(); ++i) {
    rows[i].line = i + 2;
    rows[i].case_id = cases[i];
    rows[i].ok = true;
  }
  rows[4].ok = false;  // a bad row of no case
  const std::vector<Problem> problems = {{3, "date", "bad"},
                                         {6, "case_id", "missing"}};
  EXPECT_EQ(CasesLeftOut(rows, problems), (std::set<std::string>{"c-1"}));
  rows[3].ok = false;
  EXPECT_EQ(CasesLeftOut(rows, problems),
            (std::set<std::string>{"c-1", "c-3"}));
}

TEST(ExamplesTest, ShippedSampleParsesWithoutProblems) {
  std::ifstream in(std::string(CASELINE_EXAMPLES_DIR) + "/actions.csv",
                   std::ios::binary);
  ASSERT_TRUE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  const CsvImport parsed = ParseImport(text.str(), kToday);
  EXPECT_TRUE(parsed.header_ok);
  EXPECT_TRUE(parsed.problems.empty()) << Problems(parsed);
  EXPECT_GE(parsed.rows.size(), 20u);
  std::set<std::string> case_ids;
  for (const MappedRow& row : parsed.rows) case_ids.insert(row.case_id);
  EXPECT_EQ(case_ids.size(), 2u);
}

}  // namespace
}  // namespace caseline::csv
