// Goal: the dashboard, in a real browser, shows what the API answers: the
// overview's figures are Report's, as known now and as known at a moment in
// the past; a worklist leads to a case page whose verdicts are
// GetCompliance's; a token of another jobcentre sees none of the cases.
// Method: the real caseline-server with --auth-keys and a generated
// population; Debian's headless Chromium driven by chromedriver over
// WebDriver; the same questions asked over gRPC. Screenshots of each page go
// to dashboard_screenshots/ in the test's build directory.
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "caseline/v1/caseline.grpc.pb.h"
#include "caseline/v1/projections.grpc.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "projections/population.h"
#include "tests/server_process.h"
#include "tests/temp_dir.h"
#include "tests/test_events.h"
#include "tests/test_issuer.h"
#include "tests/test_population.h"
#include "tests/webdriver.h"

namespace caseline {
namespace {

using namespace ::caseline::testing;  // NOLINT: server, browser, issuer.

constexpr char kAsOf[] = "2020-06-30";
// Halfway through the generated history's recording: the figures as known
// then differ from those known now.
constexpr char kKnownThen[] = "2020-03-01T00:00:00Z";

std::string ScreenshotPath(const std::string& name) {
  const std::string dir =
      std::string(CASELINE_TEST_OUTPUT_DIR) + "/dashboard_screenshots";
  mkdir(dir.c_str(), 0755);
  return dir + "/" + name + ".png";
}

// `text` for a URL's query: letters and digits as they are, the rest %XX.
std::string UrlEncoded(const std::string& text) {
  std::string encoded;
  for (const unsigned char c : text) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.') {
      encoded += static_cast<char>(c);
    } else {
      encoded += absl::StrFormat("%%%02X", c);
    }
  }
  return encoded;
}

// Per requirement row ("jobcentre/rule set/requirement"): cases, met, late,
// overdue, due.
using Figures = std::map<std::string, std::vector<int64_t>>;

class DashboardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>(dir_.path() + "/data",
                                              "127.0.0.1:0", CASELINE_RULES_DIR,
                                              issuer_.ServerArgs());
    const std::string admin = issuer_.Token("user-admin", {"admin"}, {"*"});
    for (const v1::Event& event :
         ImportGenerated(*server_, admin, Population())) {
      if (!event.has_case_opened()) continue;
      const v1::CaseOpened& opened = event.case_opened();
      jobcentres_.insert(opened.jobcentre_id());
      teams_[opened.jobcentre_id()].insert(opened.team_id());
      cases_[opened.jobcentre_id()].push_back(event.case_id());
    }
    ASSERT_EQ(jobcentres_.size(), 2u);
    mine_ = *jobcentres_.begin();
    theirs_ = *jobcentres_.rbegin();
    analyst_ = issuer_.Token("user-analyst", {"analyst"}, {mine_});
    projections_ = v1::Projections::NewStub(server_->Channel());
    browser_ = std::make_unique<Browser>(1300, 1800);
  }

  // Two jobcentres over a year: small, so that the tests are quick.
  virtual GenerateOptions Population() const {
    GenerateOptions options;
    options.seed = 9;
    options.jobcentres = 2;
    options.cases = 400;
    options.from = absl::CivilDay(2019, 7, 1);
    options.to = absl::CivilDay(2020, 6, 30);
    return options;
  }

  std::string Base() const {
    return "http://127.0.0.1:" + std::to_string(server_->http_port());
  }

  // Opens the dashboard with `token`, then `hash`, and waits for the page.
  // Returns the page's data-ready ("true" or "error").
  std::string Open(const std::string& token, const std::string& hash) {
    // The token goes into the origin's session storage from a page that
    // asks nothing, so that no call goes out without it.
    browser_->Go(Base() + "/healthz");
    browser_->Run("sessionStorage.setItem('caseline.token', arguments[0]);",
                  "[\"" + token + "\"]");
    browser_->Go(Base() + "/" + hash);
    return WaitForPage();
  }

  std::string WaitForPage(const std::string& known_at = "") {
    std::string condition =
        "const page = document.querySelector('#page > [data-ready]');"
        "if (!page) return '';";
    if (!known_at.empty()) {
      condition += absl::StrCat(
          "if (document.getElementById('basis').dataset.knownAt !== '",
          known_at, "') return '';");
    }
    return browser_->WaitFor(condition + "return page.dataset.ready;");
  }

  // Waits for `page` ("cases", "case", ...) drawn, its element also
  // matching `more` (an attribute selector); returns its data-ready.
  std::string WaitForDrawn(const std::string& page,
                           const std::string& more = "") {
    return browser_->WaitFor(
        "const page = document.querySelector('#page > [data-page=" + page +
        "][data-ready]" + more + "');return page ? page.dataset.ready : '';");
  }

  // The requirement rows of the overview as the page shows them.
  Figures PageFigures() {
    const google::protobuf::Value rows = browser_->Run(
        "return [...document.querySelectorAll("
        "'table[data-table=requirements] tbody tr')].map(tr => "
        "[tr.dataset.requirement, ...[...tr.cells].map(td => td.textContent)]"
        ");");
    Figures figures;
    for (const google::protobuf::Value& row : rows.list_value().values()) {
      const auto& cells = row.list_value().values();
      std::vector<int64_t> numbers;
      // Cells: jobcentre, rule set, title, cases, met, late, overdue, due.
      for (int i = 4; i <= 8; ++i) {
        numbers.push_back(std::stoll(cells[i].string_value()));
      }
      figures[cells[0].string_value()] = numbers;
    }
    return figures;
  }

  // The cells of a table on the page, row by row, as text.
  std::vector<std::vector<std::string>> TableCells(const std::string& table) {
    const google::protobuf::Value rows = browser_->Run(
        "return [...document.querySelectorAll('table[data-table=" + table +
        "] tbody tr')].map(tr => [...tr.cells].map(td => td.textContent));");
    std::vector<std::vector<std::string>> cells;
    for (const google::protobuf::Value& row : rows.list_value().values()) {
      std::vector<std::string>& out = cells.emplace_back();
      for (const google::protobuf::Value& cell : row.list_value().values()) {
        out.push_back(cell.string_value());
      }
    }
    return cells;
  }

  // The same rows from Report over gRPC, as the analyst.
  Figures ReportFigures(const std::string& known_at) {
    v1::ReportRequest request;
    request.mutable_filter()->add_jobcentre_ids(mine_);
    request.set_as_of(kAsOf);
    request.add_group_by(v1::GROUP_BY_JOBCENTRE);
    if (!known_at.empty()) {
      EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(
                      "\"" + known_at + "\"", request.mutable_known_at())
                      .ok());
    }
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + analyst_);
    v1::ReportResponse response;
    const grpc::Status status =
        projections_->Report(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    Figures figures;
    for (const v1::ReportGroup& group : response.groups()) {
      for (const v1::RequirementTally& tally : group.requirements()) {
        figures[absl::StrCat(group.label().jobcentre_id(), "/",
                             tally.rule_set_id(), "/",
                             tally.requirement_id())] = {
            tally.cases(), tally.met(), tally.met_late(), tally.overdue(),
            tally.due()};
      }
    }
    return figures;
  }

  // ListCases over gRPC, as the analyst.
  v1::ListCasesResponse ListCases(const v1::ListCasesRequest& request) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + analyst_);
    v1::ListCasesResponse response;
    const grpc::Status status =
        projections_->ListCases(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  // The data-row of each row of a table of cases on the page: case, rule
  // set, requirement, period.
  std::vector<std::string> ShownCaseRows(const std::string& table) {
    const google::protobuf::Value rows = browser_->Run(
        "return [...document.querySelectorAll('table[data-table=" + table +
        "] tbody tr')].map(tr => tr.dataset.row);");
    std::vector<std::string> shown;
    for (const google::protobuf::Value& row : rows.list_value().values()) {
      shown.push_back(row.string_value());
    }
    return shown;
  }

  static std::vector<std::string> RowsOf(const v1::ListCasesResponse& answer) {
    std::vector<std::string> rows;
    for (const v1::CaseRow& row : answer.rows()) {
      rows.push_back(absl::StrCat(row.case_id(), "/", row.rule_set_id(), "/",
                                  row.requirement_id(), "/",
                                  row.period_index()));
    }
    return rows;
  }

  // The case page on screen shows GetCompliance's verdicts of `case_id`.
  void ExpectCasePageIsGetCompliance(const std::string& case_id) {
    std::map<std::string, std::string> shown;
    const google::protobuf::Value rows = browser_->Run(
        "return [...document.querySelectorAll("
        "'table[data-table=verdicts] tbody tr')].map(tr => "
        "[tr.dataset.row, tr.querySelector('[data-status]').dataset.status]);");
    for (const google::protobuf::Value& row : rows.list_value().values()) {
      shown[row.list_value().values(0).string_value()] =
          row.list_value().values(1).string_value();
    }
    v1::GetComplianceRequest request;
    request.set_case_id(case_id);
    request.set_as_of(kAsOf);
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + analyst_);
    v1::GetComplianceResponse response;
    ASSERT_TRUE(projections_->GetCompliance(&context, request, &response).ok());
    std::map<std::string, std::string> expected;
    for (const v1::RequirementResult& row : response.results()) {
      if (row.status() == v1::COMPLIANCE_STATUS_NOT_APPLICABLE) continue;
      expected[absl::StrCat(row.rule_set_id(), "/", row.requirement_id(), "/",
                            row.item(), "/", row.period_index())] =
          v1::ComplianceStatus_Name(row.status())
              .substr(std::string("COMPLIANCE_STATUS_").size());
    }
    EXPECT_FALSE(expected.empty());
    EXPECT_EQ(shown, expected);
  }

  TempDir dir_;
  TestIssuer issuer_{dir_.path() + "/jwks.json"};
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<v1::Projections::Stub> projections_;
  std::unique_ptr<Browser> browser_;
  std::set<std::string> jobcentres_;
  std::map<std::string, std::set<std::string>> teams_;
  std::map<std::string, std::vector<std::string>> cases_;
  std::string mine_, theirs_, analyst_;
};

TEST_F(DashboardTest, TheOverviewShowsReportsFiguresAsKnownNowAndThen) {
  ASSERT_EQ(Open(analyst_, absl::StrCat("#/overview?jobcentre=", mine_,
                                        "&as_of=", kAsOf)),
            "true");
  const std::string load_ms =
      browser_
          ->Run(
              "return document.querySelector('#page > [data-ready]')"
              ".dataset.readyMs;")
          .string_value();
  std::cout << "overview drawn " << load_ms << " ms after the page's load\n";
  browser_->Screenshot(ScreenshotPath("overview"));
  const Figures now = PageFigures();
  EXPECT_FALSE(now.empty());
  EXPECT_EQ(now, ReportFigures(""));

  // Requirements in Danish, the users' words, with English a click away.
  const std::string title_cell =
      "return document.querySelector('tr[data-requirement=\"" + mine_ +
      "/dk-lab-2020/first-active-offer\"]').cells[2].textContent;";
  EXPECT_EQ(browser_->Run(title_cell).string_value(),
            "Første aktive tilbud startet inden 6 måneder");
  browser_->Click("#language");
  ASSERT_EQ(browser_->WaitFor("return document.documentElement.lang === 'en' "
                              "&& document.querySelector('#page > "
                              "[data-ready]') ? 'true' : '';"),
            "true");
  EXPECT_EQ(browser_->Run(title_cell).string_value(),
            "First active offer started within 6 months");
  browser_->Click("#language");
  ASSERT_EQ(browser_->WaitFor("return document.documentElement.lang === 'da' "
                              "&& document.querySelector('#page > "
                              "[data-ready]') ? 'true' : '';"),
            "true");

  // The month-by-month table is Trend's over the 12 month ends to as_of.
  {
    v1::TrendRequest request;
    request.mutable_filter()->add_jobcentre_ids(mine_);
    request.set_from("2019-07-31");
    request.set_to(kAsOf);
    request.set_step(v1::TREND_STEP_MONTH);
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + analyst_);
    v1::TrendResponse trend;
    ASSERT_TRUE(projections_->Trend(&context, request, &trend).ok());
    std::vector<std::vector<std::string>> expected;
    for (const v1::TrendPoint& point : trend.points()) {
      expected.push_back(
          {point.on().substr(0, 7), std::to_string(point.open_cases()),
           std::to_string(point.met()), std::to_string(point.met_late()),
           std::to_string(point.overdue()), std::to_string(point.due())});
    }
    ASSERT_EQ(expected.size(), 12u);
    std::vector<std::vector<std::string>> shown = TableCells("trend");
    for (std::vector<std::string>& row : shown) row.resize(6);
    EXPECT_EQ(shown, expected);
  }
  // Switches, waits and STAR's follow-up are Report's.
  {
    v1::ReportRequest request;
    request.mutable_filter()->add_jobcentre_ids(mine_);
    request.set_as_of(kAsOf);
    request.add_group_by(v1::GROUP_BY_JOBCENTRE);
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + analyst_);
    v1::ReportResponse report;
    ASSERT_TRUE(projections_->Report(&context, request, &report).ok());
    ASSERT_EQ(report.groups_size(), 1);
    const v1::ReportGroup& group = report.groups(0);
    const std::vector<std::vector<std::string>> switches =
        TableCells("switches");
    ASSERT_EQ(switches.size(), 1u);
    EXPECT_EQ(switches[0][0], mine_);
    EXPECT_EQ(switches[0][1], std::to_string(group.switches().planned()));
    EXPECT_EQ(switches[0][2], std::to_string(group.switches().unplanned()));
    EXPECT_EQ(
        switches[0][4],
        absl::StrFormat("%.2f", group.switches().unplanned_per_case_year()));
    const std::vector<std::vector<std::string>> waits = TableCells("waits");
    ASSERT_EQ(waits.size(), static_cast<size_t>(group.waits_size()));
    for (int i = 0; i < group.waits_size(); ++i) {
      EXPECT_EQ(waits[i][3], std::to_string(group.waits(i).started()));
      EXPECT_EQ(waits[i][8], std::to_string(group.waits(i).waiting()));
    }
    EXPECT_EQ(TableCells("monitors").size(),
              static_cast<size_t>(report.monitors_size()));
  }

  // The analyst asks how it looked as known on an earlier day, through the
  // page's own control.
  browser_->Type("#controls input[name=known_at]", kKnownThen);
  browser_->Click("#controls button[type=submit]");
  ASSERT_EQ(WaitForPage(kKnownThen), "true");
  browser_->Screenshot(ScreenshotPath("overview-as-known-then"));
  const Figures then = PageFigures();
  EXPECT_EQ(then, ReportFigures(kKnownThen));
  EXPECT_NE(then, now);

  // Beside them, the same rows as known now, and the rows that changed
  // marked.
  const google::protobuf::Value rows = browser_->Run(
      "return [...document.querySelectorAll("
      "'table[data-table=requirements] tbody tr')].map(tr => "
      "[tr.dataset.requirement, tr.classList.contains('changed') ? 'changed' "
      ": '', ...[...tr.cells].slice(10).map(td => td.textContent)]);");
  ASSERT_EQ(rows.list_value().values_size(), static_cast<int>(then.size()));
  int changed = 0;
  for (const google::protobuf::Value& row : rows.list_value().values()) {
    const auto& cells = row.list_value().values();
    const std::string requirement = cells[0].string_value();
    SCOPED_TRACE(requirement);
    ASSERT_EQ(cells.size(), 6);
    ASSERT_TRUE(now.contains(requirement));
    const std::vector<int64_t>& known_now = now.at(requirement);
    for (int i = 0; i < 4; ++i) {
      EXPECT_EQ(std::stoll(cells[2 + i].string_value()), known_now[1 + i]);
    }
    const std::vector<int64_t>& known_then = then.at(requirement);
    const bool differs = !std::equal(known_then.begin() + 1, known_then.end(),
                                     known_now.begin() + 1);
    EXPECT_EQ(cells[1].string_value() == "changed", differs);
    changed += differs ? 1 : 0;
  }
  EXPECT_GT(changed, 0);

  // Below, the first rows whose verdict as known then differs from the one
  // known now, as ListCases compares them.
  v1::ListCasesRequest request;
  request.mutable_filter()->add_jobcentre_ids(mine_);
  request.set_as_of(kAsOf);
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  absl::StrCat("\"", kKnownThen, "\""),
                  request.mutable_compare_known_at())
                  .ok());
  request.set_page_size(20);
  const v1::ListCasesResponse differing = ListCases(request);
  EXPECT_GT(differing.cases_total(), 20);
  EXPECT_EQ(ShownCaseRows("changed"), RowsOf(differing));
  // Then and now, side by side in each row.
  const google::protobuf::Value first = browser_->Run(
      "return [...document.querySelector('table[data-table=changed] tbody tr')"
      ".querySelectorAll('[data-status]')].map(s => s.dataset.status);");
  std::vector<std::string> statuses;
  for (const google::protobuf::Value& one : first.list_value().values()) {
    statuses.push_back(one.string_value());
  }
  auto name = [](v1::ComplianceStatus status) {
    return status == v1::COMPLIANCE_STATUS_UNSPECIFIED
               ? std::vector<std::string>{}
               : std::vector<std::string>{
                     v1::ComplianceStatus_Name(status).substr(
                         std::string("COMPLIANCE_STATUS_").size())};
  };
  std::vector<std::string> expected = name(differing.rows(0).status());
  for (const std::string& was : name(differing.rows(0).compare_status())) {
    expected.push_back(was);
  }
  EXPECT_EQ(statuses, expected);

  // "Show all" lists every one of them, as known now against then.
  browser_->Click("[data-all-changed]");
  ASSERT_EQ(WaitForDrawn("cases"), "true");
  browser_->Screenshot(ScreenshotPath("changed-verdicts"));
  EXPECT_EQ(browser_
                ->Run("return document.querySelector('[data-total]')"
                      ".dataset.total;")
                .string_value(),
            absl::StrCat(differing.cases_total(), "/", differing.rows_total()));

  // A span of the analyst's choosing: six month ends up to as_of.
  ASSERT_EQ(Open(analyst_, absl::StrCat("#/overview?jobcentre=", mine_,
                                        "&as_of=", kAsOf, "&months=6")),
            "true");
  const std::vector<std::vector<std::string>> six = TableCells("trend");
  ASSERT_EQ(six.size(), 6u);
  EXPECT_EQ(six.front()[0], "2020-01");
  EXPECT_EQ(six.back()[0], "2020-06");
}

// A municipality's population (about 20,000 cases over 2018-2020, as
// `caseline generate --scale municipality`), for the overview's load time:
// printed, not asserted (this is the sanitizer build; timing is for the
// benchmarks).
class DashboardMunicipalityTest : public DashboardTest {
 protected:
  GenerateOptions Population() const override {
    GenerateOptions options;
    options.seed = 7;
    options.jobcentres = 2;
    options.cases = 20'000;
    options.from = absl::CivilDay(2018, 1, 1);
    options.to = absl::CivilDay(2020, 12, 31);
    return options;
  }
};

TEST_F(DashboardMunicipalityTest, TheOverviewOfAMunicipalityIsReports) {
  ASSERT_EQ(Open(analyst_, absl::StrCat("#/overview?jobcentre=", mine_,
                                        "&as_of=", kAsOf)),
            "true");
  std::cout << "overview of " << cases_.at(mine_).size() << " cases drawn "
            << browser_
                   ->Run(
                       "return document.querySelector("
                       "'#page > [data-ready]').dataset.readyMs;")
                   .string_value()
            << " ms after the page's load (sanitizer build)\n";
  EXPECT_EQ(PageFigures(), ReportFigures(""));
}

TEST_F(DashboardTest, AWorklistLeadsToACasePageWithGetCompliancesVerdicts) {
  // The analyst's worklist of a team on kAsOf, 14 days ahead, over gRPC.
  const auto worklist = [&](const std::string& team) {
    v1::WorklistRequest request;
    request.set_jobcentre_id(mine_);
    request.set_team_id(team);
    request.set_as_of(kAsOf);
    request.set_horizon_working_days(14);
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + analyst_);
    v1::WorklistResponse response;
    EXPECT_TRUE(projections_->Worklist(&context, request, &response).ok());
    return response;
  };
  // A team of the analyst's jobcentre with something due.
  std::string team;
  for (const std::string& candidate : teams_.at(mine_)) {
    if (worklist(candidate).items_size() > 0) {
      team = candidate;
      break;
    }
  }
  ASSERT_FALSE(team.empty());
  const std::string page =
      absl::StrCat("#/worklist?jobcentre=", mine_, "&team=", team,
                   "&as_of=", kAsOf, "&days=14");
  ASSERT_EQ(Open(analyst_, page), "true");
  browser_->Screenshot(ScreenshotPath("worklist"));
  // The page shows the items Worklist answers, a page at a time, and of a
  // target group only that group's.
  {
    const v1::WorklistResponse response = worklist(team);
    const auto shown_total = [&] {
      return browser_
          ->Run("return document.querySelector('[data-total]').dataset.total;")
          .string_value();
    };
    EXPECT_EQ(shown_total(), std::to_string(response.total()));
    const std::vector<std::string> first_page = ShownCaseRows("worklist");
    EXPECT_EQ(first_page.size(),
              std::min<size_t>(100, static_cast<size_t>(response.total())));
    // Ten a page, followed to the end: every item once, in order.
    ASSERT_GT(response.total(), 10);
    ASSERT_EQ(Open(analyst_, page + "&per_page=10"), "true");
    std::vector<std::string> paged;
    for (int pages = 0; pages < 100; ++pages) {
      for (const std::string& row : ShownCaseRows("worklist")) {
        paged.push_back(row);
      }
      if (browser_
              ->Run("return String(document.querySelector("
                    "'#page [data-next]') !== null);")
              .string_value() != "true") {
        break;
      }
      browser_->Click("#page [data-next]");
      const std::string offset = std::to_string(paged.size());
      ASSERT_EQ(WaitForDrawn("worklist", "[data-offset=\"" + offset + "\"]"),
                "true");
    }
    std::vector<std::string> expected;
    for (const v1::WorklistItem& item : response.items()) {
      expected.push_back(absl::StrCat(item.case_id(), "/", item.rule_set_id(),
                                      "/", item.requirement_id(), "/",
                                      item.item()));
    }
    EXPECT_EQ(paged, expected);

    const v1::TargetGroup group = response.items(0).target_group();
    const int in_group = static_cast<int>(
        std::count_if(response.items().begin(), response.items().end(),
                      [&](const v1::WorklistItem& item) {
                        return item.target_group() == group;
                      }));
    const std::string group_name =
        v1::TargetGroup_Name(group).substr(std::string("TARGET_GROUP_").size());
    ASSERT_EQ(Open(analyst_, page + "&target_group=" + group_name), "true");
    EXPECT_EQ(shown_total(), std::to_string(in_group));
    // A group none of the team's items is of: nothing falls due.
    const bool revalidering = std::any_of(
        response.items().begin(), response.items().end(),
        [](const v1::WorklistItem& item) {
          return item.target_group() == v1::TARGET_GROUP_REVALIDERING;
        });
    ASSERT_FALSE(revalidering);
    ASSERT_EQ(Open(analyst_, page + "&target_group=REVALIDERING"), "true");
    EXPECT_EQ(ShownCaseRows("worklist").size(), 0u);
    EXPECT_EQ(browser_
                  ->Run("return String(document.querySelector('[data-total]')"
                        " === null);")
                  .string_value(),
              "true");
  }
  ASSERT_EQ(Open(analyst_, page), "true");
  const std::string case_id =
      browser_
          ->Run(
              "return document.querySelector("
              "'table[data-table=worklist] tbody a').textContent;")
          .string_value();
  ASSERT_FALSE(case_id.empty());
  browser_->Click("table[data-table=worklist] tbody a");
  ASSERT_EQ(WaitForDrawn("case"), "true");
  browser_->Screenshot(ScreenshotPath("case"));
  ExpectCasePageIsGetCompliance(case_id);
}

TEST_F(DashboardTest, AFigureLeadsToTheCasesBehindItAndOnToACasePage) {
  ASSERT_EQ(Open(analyst_, absl::StrCat("#/overview?jobcentre=", mine_,
                                        "&as_of=", kAsOf)),
            "true");
  // The largest figure of the overview, so that its cases fill more than
  // one page.
  const google::protobuf::Value largest = browser_->Run(
      "const cells = [...document.querySelectorAll('a[data-cell]')];"
      "cells.sort((a, b) => Number(b.textContent) - Number(a.textContent));"
      "cells[0].id = 'largest';"
      "return [cells[0].dataset.cell, cells[0].textContent];");
  const std::string cell = largest.list_value().values(0).string_value();
  const int64_t figure =
      std::stoll(largest.list_value().values(1).string_value());
  SCOPED_TRACE(cell);
  const std::vector<std::string> parts = absl::StrSplit(cell, '/');
  ASSERT_EQ(parts.size(), 4u);
  ASSERT_EQ(parts[0], mine_);
  browser_->Click("#largest");
  ASSERT_EQ(WaitForDrawn("cases"), "true");
  browser_->Screenshot(ScreenshotPath("drilldown"));

  // The same cell over gRPC, every row at once.
  v1::ListCasesRequest request;
  request.mutable_filter()->add_jobcentre_ids(mine_);
  request.set_as_of(kAsOf);
  request.set_rule_set_id(parts[1]);
  request.set_requirement_id(parts[2]);
  v1::ComplianceStatus status;
  ASSERT_TRUE(
      v1::ComplianceStatus_Parse("COMPLIANCE_STATUS_" + parts[3], &status));
  request.add_statuses(status);
  request.set_page_size(kCaseListPageMax);
  const v1::ListCasesResponse all = ListCases(request);
  EXPECT_EQ(all.rows_total(), figure);
  EXPECT_EQ(all.rows_size(), figure);
  EXPECT_EQ(browser_
                ->Run("return document.querySelector('[data-total]')"
                      ".dataset.total;")
                .string_value(),
            absl::StrCat(all.cases_total(), "/", all.rows_total()));

  // Page by page, five cases a page, the rows the figure counts, each once,
  // in order.
  const std::string hash =
      browser_->Run("return location.hash;").string_value();
  ASSERT_EQ(Open(analyst_, hash + "&per_page=5"), "true");
  std::vector<std::string> shown;
  int pages = 0;
  while (true) {
    ++pages;
    for (const std::string& row : ShownCaseRows("cases")) shown.push_back(row);
    const std::string more =
        browser_
            ->Run(
                "return String(document.querySelector('[data-next]') "
                "!== null);")
            .string_value();
    if (more != "true" || pages > 100) break;
    const std::string after =
        browser_
            ->Run(
                "return new URL(document.querySelector('[data-next]').href)"
                ".hash.split('?')[1].split('&').find(p => "
                "p.startsWith('after=')).slice(6);")
            .string_value();
    ASSERT_FALSE(after.empty());
    browser_->Click("[data-next]");
    // The next page, drawn: it names the case it follows.
    ASSERT_EQ(browser_->WaitFor(absl::StrCat(
                  "const page = [...document.querySelectorAll("
                  "'#page > [data-page=cases][data-ready]')].find(p => "
                  "encodeURIComponent(p.dataset.after) === '",
                  after, "' || p.dataset.after === '", after,
                  "');"
                  "return page ? page.dataset.ready : '';")),
              "true");
    if (pages == 1) browser_->Screenshot(ScreenshotPath("drilldown-page-2"));
  }
  EXPECT_EQ(shown, RowsOf(all));
  EXPECT_EQ(pages, (all.cases_total() + 4) / 5);
  EXPECT_GT(pages, 1);
  std::cout << "the figure " << cell << " (" << figure << " rows, "
            << all.cases_total() << " cases) took " << pages << " pages\n";

  // From the list to a case's page.
  const std::string case_id =
      browser_
          ->Run(
              "return document.querySelector("
              "'table[data-table=cases] tbody a').textContent;")
          .string_value();
  browser_->Click("table[data-table=cases] tbody a");
  ASSERT_EQ(WaitForDrawn("case"), "true");
  ExpectCasePageIsGetCompliance(case_id);
}

TEST_F(DashboardTest, IdsWithMarkupAreShownAsTextNeverRun) {
  // Ids are any printable ASCII: a case system may send markup in them.
  const std::string team = "<b id=injected>team</b>";
  const std::string caseworker = "<img src=x onerror=window.injected=1>";
  v1::AppendRequest request;
  request.set_case_id("case-markup");
  v1::Event opened = CaseOpened("e-markup-1", "case-markup", "2020-06-22");
  opened.mutable_case_opened()->set_jobcentre_id(mine_);
  opened.mutable_case_opened()->set_team_id(team);
  opened.mutable_case_opened()->set_caseworker_id(caseworker);
  *request.add_events() = opened;
  grpc::ClientContext context;
  context.AddMetadata(
      "authorization",
      "Bearer " + issuer_.Token("user-admin", {"admin"}, {"*"}));
  v1::AppendResponse response;
  auto events = v1::EventStore::NewStub(server_->Channel());
  const grpc::Status status = events->Append(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();

  const std::string query =
      absl::StrCat("#/worklist?", "jobcentre=", mine_,
                   "&team=", UrlEncoded(team), "&as_of=", kAsOf, "&days=30");
  ASSERT_EQ(Open(analyst_, query), "true");
  browser_->Screenshot(ScreenshotPath("worklist-markup"));
  const std::string text =
      browser_->Run("return document.getElementById('page').textContent;")
          .string_value();
  EXPECT_TRUE(absl::StrContains(text, team)) << text;
  EXPECT_TRUE(absl::StrContains(text, caseworker)) << text;
  EXPECT_EQ(browser_
                ->Run("return String(document.getElementById('injected') "
                      "=== null && window.injected === undefined && "
                      "document.querySelector('#page img') === null);")
                .string_value(),
            "true");
}

TEST_F(DashboardTest, ATokenOfAnotherJobcentreSeesNoneOfTheseCases) {
  const std::string stranger =
      issuer_.Token("user-other", {"analyst"}, {theirs_});
  ASSERT_EQ(Open(stranger, absl::StrCat("#/overview?jobcentre=", mine_,
                                        "&as_of=", kAsOf)),
            "error");
  const std::string error =
      browser_
          ->Run("return document.querySelector('[data-error]').textContent;")
          .string_value();
  EXPECT_TRUE(absl::StrContains(error, "PERMISSION_DENIED")) << error;
  browser_->Screenshot(ScreenshotPath("overview-other-jobcentre"));

  // Its own overview names only its own jobcentre's figures.
  ASSERT_EQ(Open(stranger, absl::StrCat("#/overview?as_of=", kAsOf)), "true");
  const std::string text =
      browser_->Run("return document.getElementById('page').textContent;")
          .string_value();
  EXPECT_TRUE(absl::StrContains(text, theirs_));
  EXPECT_FALSE(absl::StrContains(text, mine_));

  // A case of the other jobcentre is as unknown as a case that does not exist.
  const std::string case_id = cases_.at(mine_).front();
  ASSERT_EQ(
      Open(stranger, absl::StrCat("#/case?id=", case_id, "&as_of=", kAsOf)),
      "error");
  const std::string not_found =
      browser_
          ->Run("return document.querySelector('[data-error]').textContent;")
          .string_value();
  EXPECT_TRUE(absl::StrContains(not_found, "NOT_FOUND")) << not_found;
}

}  // namespace
}  // namespace caseline
