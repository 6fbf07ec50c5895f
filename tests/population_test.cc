// Goal: the population answers (Report, Trend, Worklist, WhatIf) count every
// case, row, switch and wait exactly as projections/population.h says.
// Method: small hand-made populations judged by the rule sets shipped in
// rules/ (read with LoadRuleSets); each expected count is derived by hand in
// a comment from the deadlines of docs/domain.md.
#include <algorithm>
#include <cstdint>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "projections/instants.h"
#include "projections/population.h"
#include "projections/rule_sets.h"
#include "server/rule_files.h"
#include "tests/compliance_testing.h"
#include "tests/test_events.h"

namespace caseline {
namespace {

using ::caseline::compliance_testing::Day;
using ::caseline::compliance_testing::Noon;
using ::caseline::testing::BaseEvent;

constexpr char kMiddelfart[] = "jc-middelfart";
constexpr char kIshoej[] = "jc-ishoej";
constexpr char kLab2020[] = "dk-lab-2020";
constexpr char kLocal[] = "local-middelfart-2020";
constexpr char kStar[] = "star-recovery";

// Every rule set in rules/, read once as the server reads them.
const std::vector<v1::RuleSet>& Rules() {
  static const std::vector<v1::RuleSet>* const rules = [] {
    absl::StatusOr<std::vector<v1::RuleSet>> loaded =
        LoadRuleSets(CASELINE_RULES_DIR);
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    return new std::vector<v1::RuleSet>(
        loaded.ok() ? *std::move(loaded) : std::vector<v1::RuleSet>());
  }();
  return *rules;
}

// One case's events, recorded at noon of the day each occurred, with the
// fields the server sets.
class Case {
 public:
  explicit Case(std::string case_id) : case_id_(std::move(case_id)) {}

  // anchor_on empty: the day it opened.
  Case& Opened(v1::TargetGroup group, const std::string& jobcentre_id,
               const std::string& team_id, const std::string& caseworker_id,
               const std::string& opened_on, const std::string& anchor_on = "",
               const std::string& sick_note_received_on = "") {
    v1::Event event = BaseEvent("", case_id_, opened_on);
    v1::CaseOpened* body = event.mutable_case_opened();
    body->set_citizen_id("citizen-" + case_id_);
    body->set_jobcentre_id(jobcentre_id);
    body->set_target_group(group);
    body->set_birth_on("1980-05-05");
    body->set_anchor_on(anchor_on.empty() ? opened_on : anchor_on);
    body->set_caseworker_id(caseworker_id);
    body->set_team_id(team_id);
    body->set_sick_note_received_on(sick_note_received_on);
    return Add(std::move(event));
  }

  Case& Interview(const std::string& on) {
    return Add(testing::InterviewHeld("", case_id_, on));
  }

  Case& AKasseInterview(const std::string& on) {
    v1::Event event = testing::InterviewHeld("", case_id_, on);
    event.mutable_interview_held()->set_held_by(v1::INTERVIEW_HOLDER_A_KASSE);
    return Add(std::move(event));
  }

  // Exempts the case from a requirement of dk-lab-2026.
  Case& Exempt(const std::string& on, const std::string& requirement_id,
               v1::ExemptionKind kind) {
    v1::Event event = BaseEvent("", case_id_, on);
    v1::ExemptionGranted* body = event.mutable_exemption_granted();
    body->set_rule_set_id("dk-lab-2026");
    body->set_requirement_id(requirement_id);
    body->set_kind(kind);
    body->set_reason("in hospital for the coming months");
    body->set_decided_by("tl-1");
    return Add(std::move(event));
  }

  // An offer without a referral.
  Case& Offer(const std::string& on) {
    return Add(testing::OfferStarted("", case_id_, on, Next("o")));
  }

  Case& Referral(const std::string& on, const std::string& referral_id,
                 v1::OfferKind kind, const std::string& provider) {
    v1::Event event = testing::ReferralMade("", case_id_, on, referral_id);
    event.mutable_referral_made()->set_offer_kind(kind);
    event.mutable_referral_made()->set_provider(provider);
    return Add(std::move(event));
  }

  Case& OfferFor(const std::string& on, const std::string& referral_id) {
    return Add(testing::OfferStarted("", case_id_, on, Next("o"), referral_id));
  }

  Case& Cancel(const std::string& on, const std::string& referral_id) {
    return Add(testing::ReferralCancelled("", case_id_, on, referral_id));
  }

  Case& Switch(const std::string& on, const std::string& caseworker_id,
               const std::string& team_id, v1::CaseworkerChangeReason reason) {
    v1::Event event =
        testing::CaseworkerChanged("", case_id_, on, caseworker_id);
    event.mutable_caseworker_changed()->set_team_id(team_id);
    event.mutable_caseworker_changed()->set_reason(reason);
    return Add(std::move(event));
  }

  Case& Pause(const std::string& on) {
    v1::Event event = BaseEvent("", case_id_, on);
    event.mutable_case_paused()->set_reason(v1::PAUSE_REASON_ILLNESS);
    return Add(std::move(event));
  }

  Case& Resume(const std::string& on) {
    v1::Event event = BaseEvent("", case_id_, on);
    event.mutable_case_resumed();
    return Add(std::move(event));
  }

  Case& GroupChanged(const std::string& on, v1::TargetGroup group) {
    v1::Event event = BaseEvent("", case_id_, on);
    event.mutable_target_group_changed()->set_target_group(group);
    event.mutable_target_group_changed()->set_anchor_on(on);
    return Add(std::move(event));
  }

  Case& Close(const std::string& on) {
    return Add(testing::CaseClosed("", case_id_, on));
  }

  // The last event was recorded at noon of `day`, not of the day it
  // occurred.
  Case& RecordedOn(const std::string& day) {
    *events_.back().mutable_recorded_at() = ToTimestamp(Noon(day));
    return *this;
  }

  const std::vector<v1::Event>& events() const { return events_; }

 private:
  std::string Next(const std::string& prefix) const {
    return absl::StrCat(prefix, "-", case_id_, "-", events_.size() + 1);
  }

  Case& Add(v1::Event event) {
    const uint64_t version = events_.size() + 1;
    event.set_event_id(absl::StrCat(case_id_, "-e", version));
    event.set_case_version(version);
    event.set_position(version);
    *event.mutable_recorded_at() = ToTimestamp(Noon(event.occurred_on()));
    events_.push_back(std::move(event));
    return *this;
  }

  std::string case_id_;
  std::vector<v1::Event> events_;
};

using Population = std::vector<Case>;

PopulationQuery Query(const std::string& from, const std::string& as_of,
                      v1::CaseFilter filter = v1::CaseFilter()) {
  PopulationQuery query;
  query.filter = std::move(filter);
  query.from = Day(from);
  query.as_of = Day(as_of);
  query.rule_sets = Rules();
  return query;
}

v1::ReportResponse Report(const Population& population, PopulationQuery query,
                          std::vector<v1::GroupBy> group_by = {},
                          int waiting_limit = kWaitingListDefault) {
  ReportBuilder builder(std::move(query), std::move(group_by), waiting_limit);
  for (const Case& one : population) builder.AddCase(one.events());
  v1::ReportResponse response;
  builder.Finish(&response);
  return response;
}

int64_t Counted(const Population& population, PopulationQuery query) {
  return Report(population, std::move(query)).basis().cases_counted();
}

std::string Describe(const v1::GroupLabel& label) {
  return absl::StrCat(label.jobcentre_id(), "/", label.team_id(), "/",
                      label.caseworker_id(), "/",
                      v1::TargetGroup_Name(label.target_group()), "/",
                      label.rule_set_id(), "/", label.requirement_id());
}

// The group with exactly this label.
const v1::ReportGroup& GroupOf(const v1::ReportResponse& response,
                               const v1::GroupLabel& label) {
  for (const v1::ReportGroup& group : response.groups()) {
    if (group.label().SerializeAsString() == label.SerializeAsString()) {
      return group;
    }
  }
  std::string labels;
  for (const v1::ReportGroup& group : response.groups()) {
    absl::StrAppend(&labels, "\n  ", Describe(group.label()));
  }
  ADD_FAILURE() << "no group " << Describe(label)
                << "; the groups are:" << labels;
  return v1::ReportGroup::default_instance();
}

v1::GroupLabel Jobcentre(const std::string& jobcentre_id) {
  v1::GroupLabel label;
  label.set_jobcentre_id(jobcentre_id);
  return label;
}

v1::GroupLabel CaseworkerRequirement(const std::string& caseworker_id,
                                     const std::string& rule_set_id,
                                     const std::string& requirement_id) {
  v1::GroupLabel label;
  label.set_caseworker_id(caseworker_id);
  label.set_rule_set_id(rule_set_id);
  label.set_requirement_id(requirement_id);
  return label;
}

bool HasTally(const v1::ReportGroup& group, const std::string& rule_set_id,
              const std::string& requirement_id) {
  for (const v1::RequirementTally& tally : group.requirements()) {
    if (tally.rule_set_id() == rule_set_id &&
        tally.requirement_id() == requirement_id) {
      return true;
    }
  }
  return false;
}

const v1::RequirementTally& TallyOf(const v1::ReportGroup& group,
                                    const std::string& rule_set_id,
                                    const std::string& requirement_id) {
  for (const v1::RequirementTally& tally : group.requirements()) {
    if (tally.rule_set_id() == rule_set_id &&
        tally.requirement_id() == requirement_id) {
      return tally;
    }
  }
  ADD_FAILURE() << "no tally " << rule_set_id << "/" << requirement_id
                << " in group " << Describe(group.label());
  return v1::RequirementTally::default_instance();
}

// Cases, then rows met, met late, overdue, due, not applicable.
::testing::AssertionResult Tallied(const v1::RequirementTally& tally,
                                   int64_t cases, int64_t met, int64_t met_late,
                                   int64_t overdue, int64_t due,
                                   int64_t not_applicable) {
  const std::vector<int64_t> got = {tally.cases(),    tally.met(),
                                    tally.met_late(), tally.overdue(),
                                    tally.due(),      tally.not_applicable()};
  const std::vector<int64_t> want = {cases,   met, met_late,
                                     overdue, due, not_applicable};
  if (got == want) return ::testing::AssertionSuccess();
  auto text = [](const std::vector<int64_t>& v) {
    return absl::StrCat("cases ", v[0], ", met ", v[1], ", met_late ", v[2],
                        ", overdue ", v[3], ", due ", v[4], ", not_applicable ",
                        v[5]);
  };
  return ::testing::AssertionFailure()
         << tally.rule_set_id() << "/" << tally.requirement_id() << ": got "
         << text(got) << "; want " << text(want);
}

// --- Population 1: two jobcentres, three teams, four caseworkers ---
//
// Judged on Wednesday 2020-09-30 by every shipped rule set. dk-lab-2020
// governs every period below (anchored in 2020; it covers a-dagpenge,
// kontanthjælp and sygedagpenge); star-recovery governs the a-dagpenge and
// sygedagpenge periods; local-middelfart-2020 the sygedagpenge periods at
// jc-middelfart; dk-lab-2016 (until 2019) and local-faaborg-2018 (another
// jobcentre) none. A governing rule set gives a row for each of its
// requirements, NOT_APPLICABLE for the other target groups.
//
//   jc-middelfart: team-syg (cw-anna, cw-bo), team-ledig (cw-carl)
//   jc-ishoej:     team-ishoej (cw-dora)
//
// a-dagpenge, registered Monday 2020-03-02 (a7: Monday 2020-06-01):
//   dk-lab-2020 first-active-offer, 6 months from the period's start:
//     2020-03-02 -> 2020-09-01; 2020-06-01 -> 2020-11-30.
//   star-recovery a-dagpenge-offer, 26 weeks: 2020-03-02 + 181 = 2020-08-30;
//     2020-06-01 + 181 = 2020-11-29.
//   a1 carl  offer 2020-05-04   MET / MET
//   a2 carl  offer 2020-08-03   MET / MET
//   a3 carl  none               OVERDUE / OVERDUE
//   a4 carl  offer 2020-09-14   MET_LATE / MET_LATE
//   a5 dora  offer 2020-04-01   MET / MET
//   a6 dora  none               OVERDUE / OVERDUE
//   a7 dora  none (from 06-01)  DUE / DUE
//   a8 dora  offer 2020-03-20   MET / MET
// sygedagpenge, first absence Monday 2020-03-02, opened 2020-03-09 (s5:
// absence 2020-08-17, opened 2020-08-20; s6, s7 at Ishøj: absence = opening
// 2020-03-09):
//   dk-lab-2020 sygedagpenge-first-interview, by week 8: 2020-04-26 (s5:
//     2020-10-11; s6, s7: 2020-05-03).
//   star-recovery sygedagpenge-four-interviews, 4 by week 26: 2020-08-30
//     (s5: 2021-02-14; s6, s7: 2020-09-06).
//   local-middelfart-2020 first-interview: 7 working days after the sick
//     note; only s4 has one (Monday 2020-03-09 -> 2020-03-18); review by week
//     22: 2020-08-02 (s5: 2021-01-17), none held.
//   s1 anna  interviews 04-20, 05-18, 06-15, 07-13   MET / MET
//   s2 anna  interview 05-04                          MET_LATE / OVERDUE
//   s3 anna  none                                     OVERDUE / OVERDUE
//   s4 bo    interviews 03-17, 04-17, 05-15, 06-12   MET / MET (local MET)
//   s5 bo    none                                     DUE / DUE
//   s6 dora  interview 04-01                          MET / OVERDUE
//   s7 dora  none                                     OVERDUE / OVERDUE
// kontanthjælp, first contact = opening (k5 aktivitetsparat, the rest
// jobparat); kontanthjaelp-first-interview within 1 week: anchor + 6;
// first-active-offer (6 months) is DUE for all of them:
//   k1 carl  2020-09-07, interview 09-10   MET (deadline 09-13)
//   k2 bo    2020-09-07, none              OVERDUE
//   k3 dora  2020-09-07, interview 09-20   MET_LATE
//   k4 dora  2020-09-28, none              DUE (deadline 10-04)
//   k5 anna  2020-09-21, interview 09-22   MET (deadline 09-27)
// x1 carl: a-dagpenge registered 2020-03-02, closed 2020-06-30.
Population PopulationOne() {
  const auto a = v1::TARGET_GROUP_A_DAGPENGE;
  const auto s = v1::TARGET_GROUP_SYGEDAGPENGE;
  const auto k = v1::TARGET_GROUP_KONTANTHJAELP_JOBPARAT;
  Population p;
  auto carl = [&](const std::string& id, v1::TargetGroup group,
                  const std::string& on) -> Case& {
    p.emplace_back(id);
    return p.back().Opened(group, kMiddelfart, "team-ledig", "cw-carl", on);
  };
  auto dora = [&](const std::string& id, v1::TargetGroup group,
                  const std::string& on) -> Case& {
    p.emplace_back(id);
    return p.back().Opened(group, kIshoej, "team-ishoej", "cw-dora", on);
  };
  auto syg = [&](const std::string& id, const std::string& caseworker_id,
                 const std::string& opened_on, const std::string& anchor_on,
                 const std::string& sick_note = "") -> Case& {
    p.emplace_back(id);
    return p.back().Opened(s, kMiddelfart, "team-syg", caseworker_id, opened_on,
                           anchor_on, sick_note);
  };
  carl("a1", a, "2020-03-02").Offer("2020-05-04");
  carl("a2", a, "2020-03-02").Offer("2020-08-03");
  carl("a3", a, "2020-03-02");
  carl("a4", a, "2020-03-02").Offer("2020-09-14");
  dora("a5", a, "2020-03-02").Offer("2020-04-01");
  dora("a6", a, "2020-03-02");
  dora("a7", a, "2020-06-01");
  dora("a8", a, "2020-03-02").Offer("2020-03-20");
  syg("s1", "cw-anna", "2020-03-09", "2020-03-02")
      .Interview("2020-04-20")
      .Interview("2020-05-18")
      .Interview("2020-06-15")
      .Interview("2020-07-13");
  syg("s2", "cw-anna", "2020-03-09", "2020-03-02").Interview("2020-05-04");
  syg("s3", "cw-anna", "2020-03-09", "2020-03-02");
  syg("s4", "cw-bo", "2020-03-09", "2020-03-02", "2020-03-09")
      .Interview("2020-03-17")
      .Interview("2020-04-17")
      .Interview("2020-05-15")
      .Interview("2020-06-12");
  syg("s5", "cw-bo", "2020-08-20", "2020-08-17");
  dora("s6", s, "2020-03-09").Interview("2020-04-01");
  dora("s7", s, "2020-03-09");
  carl("k1", k, "2020-09-07").Interview("2020-09-10");
  p.emplace_back("k2");
  p.back().Opened(k, kMiddelfart, "team-syg", "cw-bo", "2020-09-07");
  dora("k3", k, "2020-09-07").Interview("2020-09-20");
  dora("k4", k, "2020-09-28");
  p.emplace_back("k5");
  p.back()
      .Opened(v1::TARGET_GROUP_KONTANTHJAELP_AKTIVITETSPARAT, kMiddelfart,
              "team-syg", "cw-anna", "2020-09-21")
      .Interview("2020-09-22");
  carl("x1", a, "2020-03-02").Close("2020-06-30");
  return p;
}

TEST(ReportTest, ByJobcentreCountsEveryRequirementOfEveryGroup) {
  const v1::ReportResponse response =
      Report(PopulationOne(), Query("2020-09-30", "2020-09-30"),
             {v1::GROUP_BY_JOBCENTRE});
  // x1 closed before the window.
  EXPECT_EQ(response.basis().cases_examined(), 21);
  EXPECT_EQ(response.basis().cases_counted(), 20);
  ASSERT_EQ(response.groups_size(), 2);
  EXPECT_EQ(response.groups(0).label().jobcentre_id(), kIshoej);
  EXPECT_EQ(response.groups(1).label().jobcentre_id(), kMiddelfart);

  // jc-ishoej: a5-a8, s6, s7, k3, k4.
  const v1::ReportGroup& ishoej = GroupOf(response, Jobcentre(kIshoej));
  EXPECT_EQ(ishoej.cases(), 8);
  // dk-lab-2020's seven and star-recovery's two: dk-lab-2016 (valid before
  // 2020) and Middelfart's targets have no row here.
  ASSERT_EQ(ishoej.requirements_size(), 9);
  EXPECT_EQ(ishoej.requirements(0).rule_set_id(), kLab2020);
  EXPECT_EQ(ishoej.requirements(8).rule_set_id(), kStar);
  EXPECT_EQ(ishoej.requirements(8).requirement_id(),
            "sygedagpenge-four-interviews");
  for (int i = 1; i < ishoej.requirements_size(); ++i) {
    const auto& a = ishoej.requirements(i - 1);
    const auto& b = ishoej.requirements(i);
    EXPECT_LT(std::tie(a.rule_set_id(), a.requirement_id()),
              std::tie(b.rule_set_id(), b.requirement_id()));
  }
  // dk-lab-2016 governs none of them.
  EXPECT_FALSE(HasTally(ishoej, "dk-lab-2016", "first-active-offer"));
  // a5 MET, a6 OVERDUE, a7 DUE, a8 MET, k3 k4 DUE, s6 s7 not applicable.
  const v1::RequirementTally& offer =
      TallyOf(ishoej, kLab2020, "first-active-offer");
  EXPECT_TRUE(Tallied(offer, 6, 2, 0, 1, 3, 2));
  EXPECT_DOUBLE_EQ(offer.share_on_time(), 2.0 / 3.0);
  EXPECT_EQ(offer.rule_set_kind(), v1::RULE_SET_KIND_STATUTORY);
  EXPECT_EQ(offer.rule_set_version(), 2);
  EXPECT_FALSE(offer.has_measure());
  EXPECT_TRUE(Tallied(TallyOf(ishoej, kLab2020, "sygedagpenge-first-interview"),
                      2, 1, 0, 1, 0, 6));
  const v1::RequirementTally& contact =
      TallyOf(ishoej, kLab2020, "kontanthjaelp-first-interview");
  EXPECT_TRUE(Tallied(contact, 2, 0, 1, 0, 1, 6));
  EXPECT_DOUBLE_EQ(contact.share_on_time(), 0.0);
  // Middelfart's targets are Middelfart's.
  EXPECT_FALSE(HasTally(ishoej, kLocal, "first-interview"));
  // STAR: a5 a6 a7 a8 and s6 s7 (not applicable); measured: a5 a6 a8,
  // whose 26 weeks ended 2020-08-30; a7's have not.
  const v1::RequirementTally& star_offer =
      TallyOf(ishoej, kStar, "a-dagpenge-offer");
  EXPECT_TRUE(Tallied(star_offer, 4, 2, 0, 1, 1, 2));
  EXPECT_EQ(star_offer.rule_set_kind(), v1::RULE_SET_KIND_POPULATION_MEASURE);
  EXPECT_EQ(star_offer.measure().cases(), 3);
  EXPECT_EQ(star_offer.measure().failing(), 1);
  EXPECT_DOUBLE_EQ(star_offer.measure().share_failing(), 1.0 / 3.0);
  EXPECT_TRUE(star_offer.measure().flagged());
  const v1::RequirementTally& star_four =
      TallyOf(ishoej, kStar, "sygedagpenge-four-interviews");
  EXPECT_TRUE(Tallied(star_four, 2, 0, 0, 2, 0, 4));
  EXPECT_EQ(star_four.measure().cases(), 2);
  EXPECT_EQ(star_four.measure().failing(), 2);
  EXPECT_DOUBLE_EQ(star_four.measure().share_failing(), 1.0);

  // jc-middelfart: a1-a4, s1-s5, k1, k2, k5.
  const v1::ReportGroup& middelfart = GroupOf(response, Jobcentre(kMiddelfart));
  EXPECT_EQ(middelfart.cases(), 12);
  // dk-lab-2020's seven, Middelfart's two, star-recovery's two.
  ASSERT_EQ(middelfart.requirements_size(), 11);
  // a1 a2 MET, a3 OVERDUE, a4 MET_LATE, k1 k2 k5 DUE, s1-s5 n/a.
  const v1::RequirementTally& offer_m =
      TallyOf(middelfart, kLab2020, "first-active-offer");
  EXPECT_TRUE(Tallied(offer_m, 7, 2, 1, 1, 3, 5));
  EXPECT_DOUBLE_EQ(offer_m.share_on_time(), 0.5);
  // s1 s4 MET, s2 MET_LATE, s3 OVERDUE, s5 DUE; 7 n/a.
  EXPECT_TRUE(
      Tallied(TallyOf(middelfart, kLab2020, "sygedagpenge-first-interview"), 5,
              2, 1, 1, 1, 7));
  // k1 k5 MET, k2 OVERDUE; 9 n/a.
  const v1::RequirementTally& contact_m =
      TallyOf(middelfart, kLab2020, "kontanthjaelp-first-interview");
  EXPECT_TRUE(Tallied(contact_m, 3, 2, 0, 1, 0, 9));
  EXPECT_DOUBLE_EQ(contact_m.share_on_time(), 2.0 / 3.0);
  // s4 MET (sick note), s1 s2 s3 s5 without one: n/a. Reviews: s1-s4
  // OVERDUE, s5 DUE.
  const v1::RequirementTally& local_first =
      TallyOf(middelfart, kLocal, "first-interview");
  EXPECT_TRUE(Tallied(local_first, 1, 1, 0, 0, 0, 4));
  EXPECT_EQ(local_first.rule_set_kind(), v1::RULE_SET_KIND_LOCAL_TARGET);
  EXPECT_DOUBLE_EQ(local_first.share_on_time(), 1.0);
  EXPECT_TRUE(Tallied(TallyOf(middelfart, kLocal, "review"), 5, 0, 0, 4, 1, 0));
  // STAR: measured a1-a4 (a3 failing: 1 of 4, over 20%); s1-s4 (s2, s3
  // failing: 2 of 4); s5 has not had 26 weeks.
  const v1::RequirementTally& star_offer_m =
      TallyOf(middelfart, kStar, "a-dagpenge-offer");
  EXPECT_TRUE(Tallied(star_offer_m, 4, 2, 1, 1, 0, 5));
  EXPECT_EQ(star_offer_m.measure().cases(), 4);
  EXPECT_EQ(star_offer_m.measure().failing(), 1);
  EXPECT_DOUBLE_EQ(star_offer_m.measure().share_failing(), 0.25);
  EXPECT_DOUBLE_EQ(star_offer_m.measure().flag_over_share(), 0.2);
  EXPECT_TRUE(star_offer_m.measure().flagged());
  const v1::RequirementTally& star_four_m =
      TallyOf(middelfart, kStar, "sygedagpenge-four-interviews");
  EXPECT_TRUE(Tallied(star_four_m, 5, 2, 0, 2, 1, 4));
  EXPECT_EQ(star_four_m.measure().cases(), 4);
  EXPECT_EQ(star_four_m.measure().failing(), 2);
  EXPECT_DOUBLE_EQ(star_four_m.measure().share_failing(), 0.5);
}

TEST(ReportTest, ByCaseworkerAndRequirementGivesOneTallyPerGroup) {
  const v1::ReportResponse response =
      Report(PopulationOne(), Query("2020-09-30", "2020-09-30"),
             {v1::GROUP_BY_CASEWORKER, v1::GROUP_BY_REQUIREMENT});
  // A group for each requirement of each rule set governing one of the
  // caseworker's periods: anna and bo (sygedagpenge at Middelfart and
  // kontanthjælp) 7 + 2 + 2; carl (a-dagpenge, kontanthjælp) 7 + 2; dora
  // (Ishøj) 7 + 2.
  ASSERT_EQ(response.groups_size(), 11 + 11 + 9 + 9);
  EXPECT_EQ(Describe(response.groups(0).label()),
            "//cw-anna/TARGET_GROUP_UNSPECIFIED/dk-lab-2020/"
            "a-dagpenge-interview-count");
  EXPECT_EQ(Describe(response.groups(11).label()),
            "//cw-bo/TARGET_GROUP_UNSPECIFIED/dk-lab-2020/"
            "a-dagpenge-interview-count");
  EXPECT_EQ(Describe(response.groups(39).label()),
            "//cw-dora/TARGET_GROUP_UNSPECIFIED/star-recovery/"
            "sygedagpenge-four-interviews");
  for (const v1::ReportGroup& group : response.groups()) {
    SCOPED_TRACE(Describe(group.label()));
    ASSERT_EQ(group.requirements_size(), 1);
    EXPECT_EQ(group.requirements(0).rule_set_id(), group.label().rule_set_id());
    EXPECT_EQ(group.requirements(0).requirement_id(),
              group.label().requirement_id());
    EXPECT_EQ(group.cases(), group.requirements(0).cases());
    EXPECT_FALSE(group.has_switches());
    EXPECT_EQ(group.waits_size(), 0);
  }
  // carl: a1 a2 MET, a3 OVERDUE, a4 MET_LATE, k1 DUE.
  const v1::ReportGroup& carl =
      GroupOf(response,
              CaseworkerRequirement("cw-carl", kLab2020, "first-active-offer"));
  EXPECT_EQ(carl.cases(), 5);
  EXPECT_TRUE(Tallied(carl.requirements(0), 5, 2, 1, 1, 1, 0));
  // anna: s1 MET, s2 MET_LATE, s3 OVERDUE, k5 n/a.
  EXPECT_TRUE(Tallied(
      GroupOf(response, CaseworkerRequirement("cw-anna", kLab2020,
                                              "sygedagpenge-first-interview"))
          .requirements(0),
      3, 1, 1, 1, 0, 1));
  // bo: s4 MET (its sick note), s5 without one.
  EXPECT_TRUE(Tallied(GroupOf(response, CaseworkerRequirement(
                                            "cw-bo", kLocal, "first-interview"))
                          .requirements(0),
                      1, 1, 0, 0, 0, 1));
  // dora: a5 a8 MET, a6 OVERDUE, a7 DUE, s6 s7 n/a; a5 a6 a8 measured.
  const v1::RequirementTally& dora_star =
      GroupOf(response,
              CaseworkerRequirement("cw-dora", kStar, "a-dagpenge-offer"))
          .requirements(0);
  EXPECT_TRUE(Tallied(dora_star, 4, 2, 0, 1, 1, 2));
  EXPECT_EQ(dora_star.measure().cases(), 3);
  EXPECT_EQ(dora_star.measure().failing(), 1);
}

TEST(ReportTest, ByTargetGroupCountsRowsByThePeriodJudged) {
  // A sygedagpenge case (absence 2020-03-02, first interview 2020-04-01)
  // that moved to a-dagpenge on 2020-09-01: the case counts under
  // a-dagpenge, its group on as_of; its rows under the group of the period
  // they judge.
  Population p;
  p.emplace_back("moved");
  p.back()
      .Opened(v1::TARGET_GROUP_SYGEDAGPENGE, kIshoej, "team-ishoej", "cw-dora",
              "2020-03-09", "2020-03-02")
      .Interview("2020-04-01")
      .GroupChanged("2020-09-01", v1::TARGET_GROUP_A_DAGPENGE);

  // The sygedagpenge period ended on 2020-09-01, before the window
  // [2020-09-30, 2020-09-30]: its rows are left out.
  const v1::ReportResponse narrow =
      Report(p, Query("2020-09-30", "2020-09-30"), {v1::GROUP_BY_TARGET_GROUP});
  ASSERT_EQ(narrow.groups_size(), 1);
  const v1::ReportGroup& a = narrow.groups(0);
  EXPECT_EQ(a.label().target_group(), v1::TARGET_GROUP_A_DAGPENGE);
  EXPECT_EQ(a.cases(), 1);
  // The a-dagpenge period from 2020-09-01: its offer is DUE (2021-02-28);
  // the sygedagpenge requirement does not apply to it.
  EXPECT_TRUE(
      Tallied(TallyOf(a, kLab2020, "first-active-offer"), 1, 0, 0, 0, 1, 0));
  EXPECT_TRUE(Tallied(TallyOf(a, kLab2020, "sygedagpenge-first-interview"), 0,
                      0, 0, 0, 0, 1));

  // From 2020-09-01 the sygedagpenge period is in the window (it was open
  // on the day it ended): its first interview (by 2020-04-26) is MET.
  const v1::ReportResponse wide =
      Report(p, Query("2020-09-01", "2020-09-30"), {v1::GROUP_BY_TARGET_GROUP});
  ASSERT_EQ(wide.groups_size(), 2);
  // By enum number: A_DAGPENGE (1) before SYGEDAGPENGE (2).
  EXPECT_EQ(wide.groups(0).label().target_group(), v1::TARGET_GROUP_A_DAGPENGE);
  EXPECT_EQ(wide.groups(0).cases(), 1);
  // 2020-09-01 to 09-30, the day the periods meet counted once.
  EXPECT_DOUBLE_EQ(wide.groups(0).switches().case_years(), 30 / 365.25);
  EXPECT_TRUE(
      Tallied(TallyOf(wide.groups(0), kLab2020, "sygedagpenge-first-interview"),
              0, 0, 0, 0, 0, 1));
  const v1::ReportGroup& s = wide.groups(1);
  EXPECT_EQ(s.label().target_group(), v1::TARGET_GROUP_SYGEDAGPENGE);
  EXPECT_EQ(s.cases(), 0);
  EXPECT_TRUE(Tallied(TallyOf(s, kLab2020, "sygedagpenge-first-interview"), 1,
                      1, 0, 0, 0, 0));
  EXPECT_TRUE(
      Tallied(TallyOf(s, kLab2020, "first-active-offer"), 0, 0, 0, 0, 0, 1));
}

TEST(ReportTest, FiltersChooseTheCases) {
  const Population p = PopulationOne();
  auto filter = [](auto set) {
    v1::CaseFilter f;
    set(f);
    return f;
  };
  EXPECT_EQ(Counted(p, Query("2020-09-30", "2020-09-30")), 20);
  EXPECT_EQ(Counted(p, Query("2020-09-30", "2020-09-30",
                             filter([](v1::CaseFilter& f) {
                               f.add_jobcentre_ids(kIshoej);
                             }))),
            8);
  // anna: s1 s2 s3 k5; bo: s4 s5 k2.
  EXPECT_EQ(Counted(p, Query("2020-09-30", "2020-09-30",
                             filter([](v1::CaseFilter& f) {
                               f.add_team_ids("team-syg");
                             }))),
            7);
  EXPECT_EQ(Counted(p, Query("2020-09-30", "2020-09-30",
                             filter([](v1::CaseFilter& f) {
                               f.add_caseworker_ids("cw-carl");
                             }))),
            5);
  EXPECT_EQ(Counted(p, Query("2020-09-30", "2020-09-30",
                             filter([](v1::CaseFilter& f) {
                               f.add_caseworker_ids("cw-carl");
                               f.add_caseworker_ids("cw-bo");
                             }))),
            8);
  EXPECT_EQ(
      Counted(p,
              Query("2020-09-30", "2020-09-30", filter([](v1::CaseFilter& f) {
                      f.add_target_groups(v1::TARGET_GROUP_SYGEDAGPENGE);
                    }))),
      7);
  // k5 is aktivitetsparat.
  EXPECT_EQ(Counted(p, Query("2020-09-30", "2020-09-30",
                             filter([](v1::CaseFilter& f) {
                               f.add_target_groups(
                                   v1::TARGET_GROUP_KONTANTHJAELP_JOBPARAT);
                             }))),
            4);
  EXPECT_EQ(
      Counted(p,
              Query("2020-09-30", "2020-09-30", filter([](v1::CaseFilter& f) {
                      f.add_jobcentre_ids(kMiddelfart);
                      f.add_target_groups(v1::TARGET_GROUP_SYGEDAGPENGE);
                    }))),
      5);
  EXPECT_EQ(Counted(p, Query("2020-09-30", "2020-09-30",
                             filter([](v1::CaseFilter& f) {
                               f.add_jobcentre_ids("jc-nowhere");
                             }))),
            0);
}

TEST(ReportTest, TheWindowCountsACaseOpenOnItsClosingDay) {
  const Population p = PopulationOne();
  // x1 closed on 2020-06-30: open that day, not the next.
  EXPECT_EQ(Counted(p, Query("2020-06-01", "2020-09-30")), 21);
  EXPECT_EQ(Counted(p, Query("2020-06-30", "2020-09-30")), 21);
  EXPECT_EQ(Counted(p, Query("2020-07-01", "2020-09-30")), 20);
  // In the window, x1's first-active-offer row counts: its period ended on
  // 2020-06-30, before the deadline 2020-09-01, so NOT_APPLICABLE.
  const v1::ReportResponse response =
      Report(p, Query("2020-06-01", "2020-09-30"), {v1::GROUP_BY_JOBCENTRE});
  const v1::ReportGroup& middelfart = GroupOf(response, Jobcentre(kMiddelfart));
  EXPECT_EQ(middelfart.cases(), 13);
  EXPECT_TRUE(Tallied(TallyOf(middelfart, kLab2020, "first-active-offer"), 7, 2,
                      1, 1, 3, 6));
  // Not open on as_of: not in STAR's measure.
  EXPECT_EQ(TallyOf(middelfart, kStar, "a-dagpenge-offer").measure().cases(),
            4);
}

// --- Population 2: STAR's flags on either side of 20% ---
//
// At Ishøj, judged on Saturday 2020-08-01. Sygedagpenge cases with first
// absence Monday 2020-01-06: 4 interviews by week 26 = 2020-01-06 + 181 =
// 2020-07-05. A-dagpenge cases registered 2020-01-06: an offer by week 26,
// 2020-07-05. Both deadlines are before as_of, so every such case counts.
//   good:    4 interviews (02-03, 03-02, 03-30, 04-27) / offer 03-02: MET
//   late:    the 4th interview 07-20 / offer 07-20: MET_LATE, not failing
//   lacking: 3 interviews / no offer: OVERDUE, failing
//   young:   first absence / registration 2020-03-02: 26 weeks end
//            2020-08-30, after as_of: not counted
//   paused:  no interviews / no offer, paused 2020-02-03 to 2020-03-04 (30
//            days: 27 in February, 3 in March): 26 weeks end 2020-07-05 + 30
//            = 2020-08-04, after as_of: not counted (without the pause it
//            would fail)
Population StarPopulation(int lacking) {
  Population p;
  // The returned reference lives until the next call.
  auto add = [&](const std::string& id, v1::TargetGroup group,
                 const std::string& anchor_on) -> Case& {
    p.emplace_back(id);
    return p.back().Opened(group, kIshoej, "team-ishoej", "cw-dora", anchor_on);
  };
  const auto s = v1::TARGET_GROUP_SYGEDAGPENGE;
  const auto a = v1::TARGET_GROUP_A_DAGPENGE;
  // Cases 0 .. lacking-1 lack; case `lacking` is late; the rest are good.
  for (int i = 0; i < 10; ++i) {
    const std::string n = absl::StrCat(i);
    Case& syg = add("s" + n, s, "2020-01-06");
    syg.Interview("2020-02-03").Interview("2020-03-02").Interview("2020-03-30");
    if (i >= lacking) syg.Interview(i == lacking ? "2020-07-20" : "2020-04-27");
    Case& ledig = add("a" + n, a, "2020-01-06");
    if (i >= lacking) ledig.Offer(i == lacking ? "2020-07-20" : "2020-03-02");
  }
  add("s-young", s, "2020-03-02");
  add("a-young", a, "2020-03-02");
  add("s-paused", s, "2020-01-06").Pause("2020-02-03").Resume("2020-03-04");
  add("a-paused", a, "2020-01-06").Pause("2020-02-03").Resume("2020-03-04");
  return p;
}

TEST(StarMeasureTest, TwoOfTenIsNotOverTwentyPercent) {
  const v1::ReportResponse response =
      Report(StarPopulation(2), Query("2020-08-01", "2020-08-01"));
  ASSERT_EQ(response.groups_size(), 1);
  const v1::ReportGroup& all = response.groups(0);
  EXPECT_EQ(all.cases(), 24);
  // 7 MET, 1 MET_LATE, 2 OVERDUE; young and paused DUE; the a-dagpenge
  // cases not applicable.
  const v1::RequirementTally& four =
      TallyOf(all, kStar, "sygedagpenge-four-interviews");
  EXPECT_TRUE(Tallied(four, 12, 7, 1, 2, 2, 12));
  EXPECT_EQ(four.measure().cases(), 10);
  EXPECT_EQ(four.measure().failing(), 2);
  EXPECT_DOUBLE_EQ(four.measure().share_failing(), 0.2);
  EXPECT_DOUBLE_EQ(four.measure().flag_over_share(), 0.2);
  EXPECT_FALSE(four.measure().flagged());
  const v1::RequirementTally& offer = TallyOf(all, kStar, "a-dagpenge-offer");
  EXPECT_TRUE(Tallied(offer, 12, 7, 1, 2, 2, 12));
  EXPECT_EQ(offer.measure().cases(), 10);
  EXPECT_EQ(offer.measure().failing(), 2);
  EXPECT_FALSE(offer.measure().flagged());
}

TEST(StarMeasureTest, ThreeOfTenIsFlagged) {
  const v1::ReportResponse response =
      Report(StarPopulation(3), Query("2020-08-01", "2020-08-01"));
  ASSERT_EQ(response.groups_size(), 1);
  for (const char* requirement :
       {"sygedagpenge-four-interviews", "a-dagpenge-offer"}) {
    SCOPED_TRACE(requirement);
    const v1::PopulationMeasure& measure =
        TallyOf(response.groups(0), kStar, requirement).measure();
    EXPECT_EQ(measure.cases(), 10);
    EXPECT_EQ(measure.failing(), 3);
    EXPECT_DOUBLE_EQ(measure.share_failing(), 0.3);
    EXPECT_TRUE(measure.flagged());
  }
}

TEST(StarMeasureTest, SeniorityIsLessPauses) {
  // Five days after the paused cases' 26 weeks ended (2020-08-04), they
  // count and fail; the young ones (2020-08-30) still do not.
  const v1::ReportResponse response =
      Report(StarPopulation(2), Query("2020-08-05", "2020-08-05"));
  const v1::PopulationMeasure& measure =
      TallyOf(response.groups(0), kStar, "sygedagpenge-four-interviews")
          .measure();
  EXPECT_EQ(measure.cases(), 11);
  EXPECT_EQ(measure.failing(), 3);
  EXPECT_TRUE(measure.flagged());
}

TEST(StarMeasureTest, AFlagMustBeAShareBetweenZeroAndOne) {
  v1::RuleSet star;
  for (const v1::RuleSet& rule_set : Rules()) {
    if (rule_set.id() == kStar) star = rule_set;
  }
  ASSERT_EQ(star.id(), kStar);
  EXPECT_TRUE(ValidateRuleSet(star).ok());
  for (double share : {0.0, 1.0, -0.5, 1.5}) {
    v1::RuleSet spoiled = star;
    spoiled.mutable_requirements(1)
        ->mutable_population_flag()
        ->set_flag_over_share(share);
    EXPECT_EQ(std::string(ValidateRuleSet(spoiled).message()),
              absl::StrCat("requirements[1].population_flag.flag_over_share: ",
                           share, " is not between 0 and 1 (exclusive)"));
  }
  // In a file, the message names its line.
  const std::string text = R"rules(id: "flags"
version: 1
title: "Flags"
kind: RULE_SET_KIND_POPULATION_MEASURE
source { decision: "STAR" }
valid_from: "2020-01-01"
target_groups: TARGET_GROUP_A_DAGPENGE
requirements {
  id: "offer"
  title: "Offer"
  anchor: ANCHOR_REGISTRATION
  satisfied_by: SATISFIER_OFFER_STARTED
  clock: CLOCK_CALENDAR_DAYS_LESS_PAUSES
  deadline { within { count: 26 unit: OFFSET_UNIT_WEEKS } }
  population_flag {
    flag_over_share: 1.2
  }
}
)rules";
  absl::StatusOr<v1::RuleSet> parsed = ParseRuleSet(text, "flags.textproto");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(std::string(parsed.status().message()),
            "flags.textproto:16: requirements[0].population_flag."
            "flag_over_share: 1.2 is not between 0 and 1 (exclusive)");
}

// --- Population 4: the population targets of 2026 on either side of 75% ---
//
// A-dagpenge cases of jc-odense registered Monday 2026-07-06. The a-kasse's
// two interviews are due within add_months(2026-07-06, 3) - 1 = 2026-10-05,
// the offer within add_months(.., 6) - 1 = 2027-01-05. Judged the day after
// each, every case is measured (open, deadline passed).

constexpr char kLab2026[] = "dk-lab-2026";
constexpr char kOdense[] = "jc-odense";

// `counting` of `cases` cases had both a-kasse interviews in time; the rest
// had one.
Population AKassePopulation(int cases, int counting) {
  Population population;
  for (int i = 0; i < cases; ++i) {
    Case one(absl::StrCat("ak-", i));
    one.Opened(v1::TARGET_GROUP_A_DAGPENGE, kOdense, "team-a", "cw-1",
               "2026-07-06");
    one.AKasseInterview("2026-07-10");
    if (i < counting) one.AKasseInterview("2026-08-20");
    population.push_back(std::move(one));
  }
  return population;
}

// A copy: the response is often a temporary.
v1::TargetMeasure TargetOf(const v1::ReportResponse& response,
                           const std::string& requirement_id) {
  const v1::RequirementTally& tally =
      TallyOf(GroupOf(response, Jobcentre(kOdense)), kLab2026, requirement_id);
  EXPECT_TRUE(tally.has_target()) << requirement_id;
  return tally.target();
}

TEST(ReportTest, ATargetOfExactly75PercentIsMet) {
  // 6 of 8 is 75%: "at least 75%" is met.
  const v1::ReportResponse response =
      Report(AKassePopulation(8, 6), Query("2026-10-06", "2026-10-06"),
             {v1::GROUP_BY_JOBCENTRE});
  const v1::TargetMeasure& target =
      TargetOf(response, "a-kasse-interview-target");
  EXPECT_EQ(target.measured(), 8);
  EXPECT_EQ(target.counting(), 6);
  EXPECT_EQ(target.exempted(), 0);
  EXPECT_DOUBLE_EQ(target.share(), 0.75);
  EXPECT_DOUBLE_EQ(target.min_share(), 0.75);
  EXPECT_TRUE(target.met());
  EXPECT_FALSE(target.over_exemption_cap());
  // The rows are counted as usual besides: 6 met, 2 overdue.
  EXPECT_TRUE(Tallied(TallyOf(GroupOf(response, Jobcentre(kOdense)), kLab2026,
                              "a-kasse-interview-target"),
                      8, 6, 0, 2, 0, 0));
}

TEST(ReportTest, ATargetOf5Of8IsNotMet) {
  const v1::TargetMeasure target =
      TargetOf(Report(AKassePopulation(8, 5), Query("2026-10-06", "2026-10-06"),
                      {v1::GROUP_BY_JOBCENTRE}),
               "a-kasse-interview-target");
  EXPECT_EQ(target.counting(), 5);
  EXPECT_DOUBLE_EQ(target.share(), 5.0 / 8.0);
  EXPECT_FALSE(target.met());
}

TEST(ReportTest, BeforeTheDeadlineNoCaseIsMeasured) {
  // On the deadline itself every row is still due.
  const v1::TargetMeasure target =
      TargetOf(Report(AKassePopulation(8, 6), Query("2026-10-05", "2026-10-05"),
                      {v1::GROUP_BY_JOBCENTRE}),
               "a-kasse-interview-target");
  EXPECT_EQ(target.measured(), 0);
  EXPECT_FALSE(target.met());
}

// Ten cases: 1-6 started an offer on 2026-09-01, 7-9 are exempted on
// 2026-08-01 (`law_exempted` of them by law, the rest by the municipality,
// none when `exempt` is false), 10 had none.
Population OfferPopulation(bool exempt, int law_exempted) {
  Population population;
  for (int i = 1; i <= 10; ++i) {
    Case one(absl::StrCat("of-", i));
    one.Opened(v1::TARGET_GROUP_A_DAGPENGE, kOdense, "team-a", "cw-1",
               "2026-07-06");
    if (i <= 6) one.Offer("2026-09-01");
    if (exempt && i >= 7 && i <= 9) {
      one.Exempt("2026-08-01", "offer-target",
                 i > 9 - law_exempted ? v1::EXEMPTION_KIND_BY_LAW
                                      : v1::EXEMPTION_KIND_MUNICIPALITY);
    }
    population.push_back(std::move(one));
  }
  return population;
}

TEST(ReportTest, WithoutExemptionsSixOfTenOffersMissTheTarget) {
  const v1::TargetMeasure target = TargetOf(
      Report(OfferPopulation(false, 0), Query("2027-01-06", "2027-01-06"),
             {v1::GROUP_BY_JOBCENTRE}),
      "offer-target");
  EXPECT_EQ(target.measured(), 10);
  EXPECT_EQ(target.counting(), 6);
  EXPECT_DOUBLE_EQ(target.share(), 0.6);
  EXPECT_FALSE(target.met());
}

TEST(ReportTest, ExemptedCasesLeaveTheShareWithinTheCap) {
  // Cases 7 and 8 exempted by the municipality, 9 by law (the work
  // obligation): 6 of the 7 not exempted counted (85.7%), and the
  // municipality exempted 2 of 10 (20%, within 25%).
  const v1::ReportResponse response =
      Report(OfferPopulation(true, 1), Query("2027-01-06", "2027-01-06"),
             {v1::GROUP_BY_JOBCENTRE});
  const v1::TargetMeasure target = TargetOf(response, "offer-target");
  EXPECT_EQ(target.measured(), 10);
  EXPECT_EQ(target.exempted(), 3);
  EXPECT_EQ(target.exempted_by_municipality(), 2);
  EXPECT_EQ(target.counting(), 6);
  EXPECT_DOUBLE_EQ(target.share(), 6.0 / 7.0);
  EXPECT_TRUE(target.met());
  EXPECT_DOUBLE_EQ(target.exemption_share(), 0.2);
  EXPECT_DOUBLE_EQ(target.exemption_cap(), 0.25);
  EXPECT_FALSE(target.over_exemption_cap());
  // Exempted rows are not applicable; the one case without an offer is the
  // only overdue row.
  EXPECT_TRUE(Tallied(
      TallyOf(GroupOf(response, Jobcentre(kOdense)), kLab2026, "offer-target"),
      7, 6, 0, 1, 0, 3));
}

TEST(ReportTest, ThreeMunicipalExemptionsOfTenAreOverTheCap) {
  const v1::TargetMeasure target = TargetOf(
      Report(OfferPopulation(true, 0), Query("2027-01-06", "2027-01-06"),
             {v1::GROUP_BY_JOBCENTRE}),
      "offer-target");
  EXPECT_EQ(target.exempted_by_municipality(), 3);
  EXPECT_DOUBLE_EQ(target.exemption_share(), 0.3);
  EXPECT_TRUE(target.over_exemption_cap());
  // The share is judged without them all the same.
  EXPECT_DOUBLE_EQ(target.share(), 6.0 / 7.0);
  EXPECT_TRUE(target.met());
}

TEST(ReportTest, ATargetWithoutAnAllowanceIsOverItAtOneExemption) {
  // The a-kasse's interview target has no exemption allowance (cap 0).
  Population population = AKassePopulation(8, 6);
  population[7].Exempt("2026-08-01", "a-kasse-interview-target",
                       v1::EXEMPTION_KIND_MUNICIPALITY);
  const v1::TargetMeasure target =
      TargetOf(Report(population, Query("2026-10-06", "2026-10-06"),
                      {v1::GROUP_BY_JOBCENTRE}),
               "a-kasse-interview-target");
  EXPECT_EQ(target.exempted(), 1);
  EXPECT_DOUBLE_EQ(target.share(), 6.0 / 7.0);
  EXPECT_TRUE(target.over_exemption_cap());
}

// --- Population 5: STAR's follow-up, six months in a row under 80% ---
//
// A-dagpenge cases of jc-holbaek. A case registered on the 10th of month M
// reaches six months' seniority on the 9th of M + 6 (add_months(anchor, 6)
// - 1), so the cases registered 2023-07-10 to 2023-12-10 are the cohorts of
// January to June 2024. A case that starts an offer 30 days after
// registration is met in its cohort. Judged on 2024-06-30, the last
// complete month is June 2024; months are measured from November 2023.

constexpr char kFollowUp[] = "star-followup-2023";
constexpr char kHolbaek[] = "jc-holbaek";

// For each month from January 2024, {cases, of which with an offer}.
Population FollowUpPopulation(
    const std::vector<std::pair<int, int>>& per_month) {
  Population population;
  for (size_t m = 0; m < per_month.size(); ++m) {
    // Month 13 of 2023 is January 2024: civil times normalize.
    const absl::CivilDay registered(2023, 7 + static_cast<int>(m), 10);
    for (int i = 0; i < per_month[m].first; ++i) {
      Case one(absl::StrCat("fu-", m, "-", i));
      one.Opened(v1::TARGET_GROUP_A_DAGPENGE, kHolbaek, "team-a", "cw-1",
                 absl::FormatCivilTime(registered));
      if (i < per_month[m].second) {
        one.Offer(absl::FormatCivilTime(registered + 30));
      }
      population.push_back(std::move(one));
    }
  }
  return population;
}

v1::MonitorStatus FollowUpOf(const Population& population) {
  const v1::ReportResponse response = Report(
      population, Query("2024-06-30", "2024-06-30"), {v1::GROUP_BY_JOBCENTRE});
  for (const v1::MonitorStatus& status : response.monitors()) {
    if (status.jobcentre_id() == kHolbaek &&
        status.rule_set_id() == kFollowUp &&
        status.requirement_id() == "offer") {
      return status;
    }
  }
  ADD_FAILURE() << "no follow-up of jc-holbaek's offers; "
                << response.monitors_size() << " monitors";
  return v1::MonitorStatus();
}

TEST(ReportTest, SixMonthsInARowUnder80PercentMeetSTARsCondition) {
  // Every month 10 measured, 7 with an offer: 70%.
  const v1::MonitorStatus status = FollowUpOf(
      FollowUpPopulation(std::vector<std::pair<int, int>>(6, {10, 7})));
  // November 2023 to June 2024: the first two months had no cohort.
  ASSERT_EQ(status.months_size(), 8);
  EXPECT_EQ(status.months(0).month(), "2023-11");
  EXPECT_EQ(status.months(0).population(), 0);
  EXPECT_FALSE(status.months(0).under());
  EXPECT_EQ(status.months(2).month(), "2024-01");
  EXPECT_EQ(status.months(2).population(), 10);
  EXPECT_EQ(status.months(2).met(), 7);
  EXPECT_DOUBLE_EQ(status.months(2).share(), 0.7);
  EXPECT_TRUE(status.months(7).under());
  EXPECT_EQ(status.run(), 6);
  EXPECT_TRUE(status.triggered());
  EXPECT_EQ(status.months_to_trigger(), 0);
  EXPECT_DOUBLE_EQ(status.below_share(), 0.8);
  EXPECT_EQ(status.months_required(), 6);
  EXPECT_EQ(status.min_population(), 10);
}

TEST(ReportTest, FiveMonthsInARowUnder80PercentDoNot) {
  // January at 90%, February to June at 70%: five in a row.
  std::vector<std::pair<int, int>> months(6, {10, 7});
  months[0] = {10, 9};
  const v1::MonitorStatus status = FollowUpOf(FollowUpPopulation(months));
  EXPECT_FALSE(status.months(2).under());
  EXPECT_EQ(status.run(), 5);
  EXPECT_FALSE(status.triggered());
  EXPECT_EQ(status.months_to_trigger(), 1);
}

TEST(ReportTest, AMonthOf9IsTooSmallToMeasureAnd10IsNot) {
  // Six months at 6 of 9 (66.7%): too few to count, so never under.
  const v1::MonitorStatus nine = FollowUpOf(
      FollowUpPopulation(std::vector<std::pair<int, int>>(6, {9, 6})));
  EXPECT_EQ(nine.months(7).population(), 9);
  EXPECT_FALSE(nine.months(7).under());
  EXPECT_EQ(nine.run(), 0);
  EXPECT_FALSE(nine.triggered());
  EXPECT_EQ(nine.months_to_trigger(), 6);
  // Exactly 80% is not under "less than 80%".
  const v1::MonitorStatus eighty = FollowUpOf(
      FollowUpPopulation(std::vector<std::pair<int, int>>(6, {10, 8})));
  EXPECT_FALSE(eighty.months(7).under());
  EXPECT_EQ(eighty.run(), 0);
}

TEST(ReportTest, TheFollowUpMeasuresTheWholeJobcentreWhateverTheFilter) {
  // Filtered to another team, the report counts no case, but STAR's
  // measure is the municipality's.
  v1::CaseFilter filter;
  filter.add_team_ids("team-b");
  const v1::ReportResponse response = Report(
      FollowUpPopulation(std::vector<std::pair<int, int>>(6, {10, 7})),
      Query("2024-06-30", "2024-06-30", filter), {v1::GROUP_BY_JOBCENTRE});
  EXPECT_EQ(response.basis().cases_counted(), 0);
  ASSERT_EQ(response.monitors_size(), 1);
  EXPECT_TRUE(response.monitors(0).triggered());
  // Another jobcentre's filter leaves jc-holbaek out.
  v1::CaseFilter other;
  other.add_jobcentre_ids("jc-odense");
  EXPECT_EQ(
      Report(FollowUpPopulation(std::vector<std::pair<int, int>>(6, {10, 7})),
             Query("2024-06-30", "2024-06-30", other))
          .monitors_size(),
      0);
}

TEST(TrendTest, TheFollowUpIsJudgedOnTheTrendsLastDay) {
  // The trend of 2024's first half ends on 2024-06-30: its follow-up is the
  // report's of that day, six months under and the condition met; ending
  // on 2024-05-31 only five months have passed.
  const Population population =
      FollowUpPopulation(std::vector<std::pair<int, int>>(6, {10, 7}));
  for (const auto& [to, run] : std::vector<std::pair<absl::CivilDay, int>>{
           {absl::CivilDay(2024, 6, 30), 6},
           {absl::CivilDay(2024, 5, 31), 5}}) {
    SCOPED_TRACE(absl::FormatCivilTime(to));
    TrendBuilder builder(
        Query("2024-01-01", "2024-01-01"),
        *TrendDays(Day("2024-01-01"), to, v1::TREND_STEP_MONTH));
    for (const Case& one : population) builder.AddCase(one.events());
    v1::TrendResponse response;
    builder.Finish(&response);
    ASSERT_EQ(response.monitors_size(), 1);
    EXPECT_EQ(response.monitors(0).jobcentre_id(), kHolbaek);
    EXPECT_EQ(response.monitors(0).run(), run);
    EXPECT_EQ(response.monitors(0).triggered(), run == 6);
  }
}

// --- Population 3: switches and waits at Ishøj, window 2020-04-01 to
// 2020-06-30 ---
//
// w1 a-dagpenge from 2020-01-06 (cw-a): switches 2020-03-01 to cw-x
//    (before the window), 2020-04-15 to cw-b PLANNED, 2020-05-10 to cw-c
//    SICKNESS. Open all 91 days of the window (30 + 31 + 30).
// w2 a-dagpenge 2020-05-01 to its closure 2020-05-31 (31 days), cw-a:
//    2020-05-20 to cw-d PLANNED.
// w3 kontanthjælp from 2020-02-03 (cw-a): on 2020-06-10 to cw-e VACANCY and
//    back to cw-a OTHER: two unplanned switches, both same-day reversals.
//    91 days.
// w4 closed 2020-03-15, a switch 2020-03-10: not in the window.
// Planned 2, unplanned 3, reversals 2, case-days 213.
//
// Referrals made in the window:
//   company internship at "Ishøj Maskinfabrik", started after
//     w1: 2, 3, 3, 5, 8 days; w3: 9, 11, 12, 15, 40 days
//     -> 10 started: mean 108 / 10 = 10.8, median (8 + 9) / 2 = 8.5,
//        p90 the 9th smallest = 15, max 40;
//     waiting on as_of: w1 r-wait-1 (2020-06-01, 29 days), w3 r-wait-3
//     (2020-06-01, 29 days).
//   wage subsidy at "Ishøj Kommune": w2 started after 20 days; w1 cancelled
//     (2020-04-20 -> 04-25); w3 r-wait-2 waiting (2020-05-01, 60 days).
// Made before the window: w1 r-early (2020-03-20, started 2020-04-10) is
// not counted; w1 r-old (2020-03-01, still waiting: 121 days) is not in the
// tallies but is in the waiting list.
Population WaitPopulation() {
  const auto internship = v1::OFFER_KIND_COMPANY_INTERNSHIP;
  const auto subsidy = v1::OFFER_KIND_WAGE_SUBSIDY;
  const std::string factory = "Ishøj Maskinfabrik";
  const std::string municipality = "Ishøj Kommune";
  Population p;
  Case w1("w1");
  w1.Opened(v1::TARGET_GROUP_A_DAGPENGE, kIshoej, "team-ishoej", "cw-a",
            "2020-01-06")
      .Switch("2020-03-01", "cw-x", "team-ishoej",
              v1::CASEWORKER_CHANGE_REASON_SICKNESS)
      .Referral("2020-03-01", "r-old", internship, factory)
      .Referral("2020-03-20", "r-early", internship, factory)
      .Referral("2020-04-01", "r1", internship, factory)
      .OfferFor("2020-04-03", "r1")
      .Referral("2020-04-06", "r2", internship, factory)
      .OfferFor("2020-04-09", "r2")
      .OfferFor("2020-04-10", "r-early")
      .Referral("2020-04-14", "r3", internship, factory)
      .Switch("2020-04-15", "cw-b", "team-ishoej",
              v1::CASEWORKER_CHANGE_REASON_PLANNED)
      .OfferFor("2020-04-17", "r3")
      .Referral("2020-04-20", "r4", internship, factory)
      .Referral("2020-04-20", "r-cancel", subsidy, municipality)
      .Cancel("2020-04-25", "r-cancel")
      .OfferFor("2020-04-25", "r4")
      .Referral("2020-05-04", "r5", internship, factory)
      .Switch("2020-05-10", "cw-c", "team-ishoej",
              v1::CASEWORKER_CHANGE_REASON_SICKNESS)
      .OfferFor("2020-05-12", "r5")
      .Referral("2020-06-01", "r-wait-1", internship, factory);
  p.push_back(w1);
  Case w2("w2");
  w2.Opened(v1::TARGET_GROUP_A_DAGPENGE, kIshoej, "team-ishoej", "cw-a",
            "2020-05-01")
      .Referral("2020-05-05", "r1", subsidy, municipality)
      .Switch("2020-05-20", "cw-d", "team-ishoej",
              v1::CASEWORKER_CHANGE_REASON_PLANNED)
      .OfferFor("2020-05-25", "r1")
      .Close("2020-05-31");
  p.push_back(w2);
  Case w3("w3");
  w3.Opened(v1::TARGET_GROUP_KONTANTHJAELP_JOBPARAT, kIshoej, "team-ishoej",
            "cw-a", "2020-02-03")
      .Referral("2020-05-01", "r-wait-2", subsidy, municipality)
      .Referral("2020-05-04", "r1", internship, factory)
      .Referral("2020-05-11", "r2", internship, factory)
      .OfferFor("2020-05-13", "r1")
      .Referral("2020-05-18", "r3", internship, factory)
      .Referral("2020-05-20", "r5", internship, factory)
      .OfferFor("2020-05-22", "r2")
      .Referral("2020-05-25", "r4", internship, factory)
      .OfferFor("2020-05-30", "r3")
      .Referral("2020-06-01", "r-wait-3", internship, factory)
      .OfferFor("2020-06-09", "r4")
      .Switch("2020-06-10", "cw-e", "team-ishoej",
              v1::CASEWORKER_CHANGE_REASON_VACANCY)
      .Switch("2020-06-10", "cw-a", "team-ishoej",
              v1::CASEWORKER_CHANGE_REASON_OTHER)
      .OfferFor("2020-06-29", "r5");
  p.push_back(w3);
  Case w4("w4");
  w4.Opened(v1::TARGET_GROUP_A_DAGPENGE, kIshoej, "team-ishoej", "cw-a",
            "2020-01-06")
      .Switch("2020-03-10", "cw-b", "team-ishoej",
              v1::CASEWORKER_CHANGE_REASON_PLANNED)
      .Close("2020-03-15");
  p.push_back(w4);
  return p;
}

TEST(ReportTest, SwitchesPerCaseYear) {
  const v1::ReportResponse response =
      Report(WaitPopulation(), Query("2020-04-01", "2020-06-30"));
  EXPECT_EQ(response.basis().cases_counted(), 3);
  ASSERT_EQ(response.groups_size(), 1);
  const v1::SwitchTally& switches = response.groups(0).switches();
  EXPECT_EQ(switches.planned(), 2);
  EXPECT_EQ(switches.unplanned(), 3);
  EXPECT_EQ(switches.same_day_reversals(), 2);
  EXPECT_DOUBLE_EQ(switches.case_years(), 213 / 365.25);
  EXPECT_DOUBLE_EQ(switches.planned_per_case_year(), 2 / (213 / 365.25));
  EXPECT_DOUBLE_EQ(switches.unplanned_per_case_year(), 3 / (213 / 365.25));

  // By caseworker on as_of: w1 cw-c, w2 cw-d (at its closure), w3 cw-a.
  const v1::ReportResponse by_caseworker =
      Report(WaitPopulation(), Query("2020-04-01", "2020-06-30"),
             {v1::GROUP_BY_CASEWORKER});
  ASSERT_EQ(by_caseworker.groups_size(), 3);
  EXPECT_EQ(by_caseworker.groups(0).label().caseworker_id(), "cw-a");
  EXPECT_EQ(by_caseworker.groups(0).switches().unplanned(), 2);
  EXPECT_DOUBLE_EQ(by_caseworker.groups(0).switches().case_years(),
                   91 / 365.25);
  EXPECT_EQ(by_caseworker.groups(1).label().caseworker_id(), "cw-c");
  EXPECT_EQ(by_caseworker.groups(1).switches().planned(), 1);
  EXPECT_EQ(by_caseworker.groups(1).switches().unplanned(), 1);
  EXPECT_EQ(by_caseworker.groups(2).label().caseworker_id(), "cw-d");
  EXPECT_DOUBLE_EQ(by_caseworker.groups(2).switches().case_years(),
                   31 / 365.25);

  // A window where no case is open: no case-years, rates 0.
  const v1::ReportResponse empty =
      Report(WaitPopulation(), Query("2019-01-01", "2019-12-31"));
  EXPECT_EQ(empty.groups_size(), 0);
}

TEST(ReportTest, WaitsByOfferKindAndProvider) {
  const v1::ReportResponse response =
      Report(WaitPopulation(), Query("2020-04-01", "2020-06-30"));
  ASSERT_EQ(response.groups_size(), 1);
  const v1::ReportGroup& all = response.groups(0);
  ASSERT_EQ(all.waits_size(), 2);
  const v1::WaitTally& internship = all.waits(0);
  EXPECT_EQ(internship.offer_kind(), v1::OFFER_KIND_COMPANY_INTERNSHIP);
  EXPECT_EQ(internship.provider(), "Ishøj Maskinfabrik");
  EXPECT_EQ(internship.started(), 10);
  EXPECT_DOUBLE_EQ(internship.mean_days(), 10.8);
  EXPECT_DOUBLE_EQ(internship.median_days(), 8.5);
  EXPECT_EQ(internship.p90_days(), 15);
  EXPECT_EQ(internship.max_days(), 40);
  EXPECT_EQ(internship.cancelled(), 0);
  EXPECT_EQ(internship.waiting(), 2);
  const v1::WaitTally& subsidy = all.waits(1);
  EXPECT_EQ(subsidy.offer_kind(), v1::OFFER_KIND_WAGE_SUBSIDY);
  EXPECT_EQ(subsidy.provider(), "Ishøj Kommune");
  EXPECT_EQ(subsidy.started(), 1);
  EXPECT_DOUBLE_EQ(subsidy.mean_days(), 20);
  EXPECT_DOUBLE_EQ(subsidy.median_days(), 20);
  EXPECT_EQ(subsidy.p90_days(), 20);
  EXPECT_EQ(subsidy.max_days(), 20);
  EXPECT_EQ(subsidy.cancelled(), 1);
  EXPECT_EQ(subsidy.waiting(), 1);

  // An odd count: w3's five alone (9, 11, 12, 15, 40): the median is the
  // middle one, p90 the 5th smallest (ceil(4.5)).
  v1::CaseFilter w3_only;
  w3_only.add_caseworker_ids("cw-a");
  const v1::ReportResponse odd =
      Report(WaitPopulation(), Query("2020-04-01", "2020-06-30", w3_only));
  ASSERT_EQ(odd.groups_size(), 1);
  ASSERT_EQ(odd.groups(0).waits_size(), 2);
  EXPECT_EQ(odd.groups(0).waits(0).started(), 5);
  EXPECT_DOUBLE_EQ(odd.groups(0).waits(0).mean_days(), 87 / 5.0);
  EXPECT_DOUBLE_EQ(odd.groups(0).waits(0).median_days(), 12);
  EXPECT_EQ(odd.groups(0).waits(0).p90_days(), 40);
}

TEST(ReportTest, WaitingListIsLongestFirstAndTruncated) {
  // Waiting on 2020-06-30: w1 r-old 121 days, w3 r-wait-2 60, w1 r-wait-1
  // 29, w3 r-wait-3 29 (ties by case).
  const v1::ReportResponse all =
      Report(WaitPopulation(), Query("2020-04-01", "2020-06-30"), {}, 10);
  ASSERT_EQ(all.waiting_size(), 4);
  EXPECT_EQ(all.waiting_total(), 4);
  const std::vector<std::pair<std::string, std::string>> order = {
      {"w1", "r-old"},
      {"w3", "r-wait-2"},
      {"w1", "r-wait-1"},
      {"w3", "r-wait-3"}};
  for (size_t i = 0; i < order.size(); ++i) {
    EXPECT_EQ(all.waiting(i).case_id(), order[i].first) << i;
    EXPECT_EQ(all.waiting(i).referral_id(), order[i].second) << i;
  }
  EXPECT_EQ(all.waiting(0).days(), 121);
  EXPECT_EQ(all.waiting(0).referred_on(), "2020-03-01");
  EXPECT_EQ(all.waiting(0).caseworker_id(), "cw-c");
  EXPECT_EQ(all.waiting(0).jobcentre_id(), kIshoej);
  EXPECT_EQ(all.waiting(1).days(), 60);
  EXPECT_EQ(all.waiting(1).offer_kind(), v1::OFFER_KIND_WAGE_SUBSIDY);
  EXPECT_EQ(all.waiting(1).provider(), "Ishøj Kommune");

  const v1::ReportResponse three =
      Report(WaitPopulation(), Query("2020-04-01", "2020-06-30"), {}, 3);
  ASSERT_EQ(three.waiting_size(), 3);
  EXPECT_EQ(three.waiting_total(), 4);
  EXPECT_EQ(three.waiting(2).case_id(), "w1");
  EXPECT_EQ(three.waiting(2).referral_id(), "r-wait-1");

  // w3's 60 days push out w1's 29 that came before it.
  const v1::ReportResponse two =
      Report(WaitPopulation(), Query("2020-04-01", "2020-06-30"), {}, 2);
  ASSERT_EQ(two.waiting_size(), 2);
  EXPECT_EQ(two.waiting_total(), 4);
  EXPECT_EQ(two.waiting(0).referral_id(), "r-old");
  EXPECT_EQ(two.waiting(1).referral_id(), "r-wait-2");
}

// A case closed in the window waits for nothing on as_of: its referral
// without an offer is neither listed nor counted as waiting.
TEST(ReportTest, AClosedCaseHasNoReferralWaiting) {
  Population p;
  p.emplace_back("closed");
  p.back()
      .Opened(v1::TARGET_GROUP_A_DAGPENGE, kIshoej, "team-ishoej", "cw-dora",
              "2020-03-02")
      .Referral("2020-04-01", "r-1", v1::OFFER_KIND_COMPANY_INTERNSHIP,
                "Fabrik")
      .Close("2020-05-15");
  const v1::ReportResponse closed =
      Report(p, Query("2020-04-01", "2020-06-30"), {v1::GROUP_BY_JOBCENTRE});
  EXPECT_EQ(closed.basis().cases_counted(), 1);
  EXPECT_EQ(closed.waiting_size(), 0);
  EXPECT_EQ(closed.waiting_total(), 0);
  ASSERT_EQ(closed.groups_size(), 1);
  EXPECT_EQ(closed.groups(0).waits_size(), 0);
  // Open on as_of (its closing day), the same referral is waiting: 44 days.
  const v1::ReportResponse open =
      Report(p, Query("2020-04-01", "2020-05-15"), {v1::GROUP_BY_JOBCENTRE});
  ASSERT_EQ(open.waiting_size(), 1);
  EXPECT_EQ(open.waiting(0).days(), 44);
  EXPECT_EQ(open.groups(0).waits(0).waiting(), 1);
}

// Filtered by target group, a case that changed benefit counts only the
// rows of its periods of that group.
TEST(ReportTest, ATargetGroupFilterCountsOnlyThatGroupsRows) {
  Population p;
  p.emplace_back("moved");
  p.back()
      .Opened(v1::TARGET_GROUP_SYGEDAGPENGE, kIshoej, "team-ishoej", "cw-dora",
              "2020-03-09", "2020-03-02")
      .Interview("2020-04-01")
      .GroupChanged("2020-09-01", v1::TARGET_GROUP_A_DAGPENGE);
  v1::CaseFilter sick;
  sick.add_target_groups(v1::TARGET_GROUP_SYGEDAGPENGE);
  const v1::ReportResponse response =
      Report(p, Query("2020-09-01", "2020-09-30", sick));
  ASSERT_EQ(response.groups_size(), 1);
  const v1::ReportGroup& all = response.groups(0);
  EXPECT_TRUE(HasTally(all, kLab2020, "sygedagpenge-first-interview"));
  // The a-dagpenge period's offer deadline (DUE) is not counted; the
  // sygedagpenge period's row of it is not applicable.
  EXPECT_TRUE(
      Tallied(TallyOf(all, kLab2020, "first-active-offer"), 0, 0, 0, 0, 0, 1));
  EXPECT_TRUE(Tallied(TallyOf(all, kLab2020, "sygedagpenge-first-interview"), 1,
                      1, 0, 0, 0, 0));
}

// A case that closed during a step still counts its switches and offers
// of that step, though it is not open on the point's day.
TEST(TrendTest, ACaseClosedDuringAStepCountsItsSwitches) {
  Population p;
  p.emplace_back("closing");
  p.back()
      .Opened(v1::TARGET_GROUP_A_DAGPENGE, kIshoej, "team-ishoej", "cw-dora",
              "2020-03-02")
      .Switch("2020-04-10", "cw-carl", "team-ishoej",
              v1::CASEWORKER_CHANGE_REASON_SICKNESS)
      .Close("2020-04-20");
  PopulationQuery query = Query("2020-03-01", "2020-04-30");
  TrendBuilder builder(
      query, {absl::CivilDay(2020, 3, 31), absl::CivilDay(2020, 4, 30)});
  for (const Case& one : p) builder.AddCase(one.events());
  v1::TrendResponse response;
  builder.Finish(&response);
  ASSERT_EQ(response.points_size(), 2);
  EXPECT_EQ(response.points(0).open_cases(), 1);
  EXPECT_EQ(response.points(1).open_cases(), 0);
  EXPECT_EQ(response.points(1).switches_unplanned(), 1);
  EXPECT_EQ(response.basis().cases_counted(), 1);
}

// --- Worklists across Easter 2020 ---
//
// Middelfart's first interview within 7 working days of the sick note:
// a note received Thursday 2020-04-02 -> 2020-04-16 (Maundy Thursday 04-09,
// Good Friday 04-10 and Easter Monday 04-13 skipped). On Friday 2020-04-03
// that is 13 days and 6 working days away (04-06, 07, 08, 14, 15, 16).
// m2's note of Monday 2020-03-02 -> 2020-03-11, overdue on 2020-04-03 by 23
// days and 17 working days (03-12, 13; 16-20; 23-27; 03-30 to 04-03).
// m2's statutory first interview (absence 2020-02-24, by week 8) is due
// 2020-04-19, 16 days after as_of.
Population EasterPopulation() {
  const auto s = v1::TARGET_GROUP_SYGEDAGPENGE;
  Population p;
  p.emplace_back("m1");
  p.back().Opened(s, kMiddelfart, "team-syg", "cw-anna", "2020-04-02",
                  "2020-03-30", "2020-04-02");
  p.emplace_back("m2");
  p.back().Opened(s, kMiddelfart, "team-syg", "cw-anna", "2020-03-02",
                  "2020-02-24", "2020-03-02");
  // Another caseworker's case.
  p.emplace_back("m3");
  p.back().Opened(s, kMiddelfart, "team-syg", "cw-bo", "2020-04-02",
                  "2020-03-30", "2020-04-02");
  // Closed before as_of, with an overdue first interview.
  p.emplace_back("m4");
  p.back()
      .Opened(s, kMiddelfart, "team-syg", "cw-anna", "2020-03-02", "2020-02-24",
              "2020-03-02")
      .Close("2020-03-20");
  return p;
}

v1::WorklistResponse Worklist(const std::string& as_of, v1::CaseFilter filter,
                              int horizon_days, int limit = kWorklistDefault,
                              int offset = 0) {
  WorklistBuilder builder(Query(as_of, as_of, std::move(filter)), horizon_days,
                          limit, offset);
  for (const Case& one : EasterPopulation()) builder.AddCase(one.events());
  v1::WorklistResponse response;
  builder.Finish(&response);
  return response;
}

v1::CaseFilter OfCaseworker(const std::string& caseworker_id) {
  v1::CaseFilter filter;
  filter.add_caseworker_ids(caseworker_id);
  return filter;
}

TEST(WorklistTest, CountsWorkingDaysAcrossEaster) {
  const v1::WorklistResponse response =
      Worklist("2020-04-03", OfCaseworker("cw-anna"), 14);
  EXPECT_EQ(response.basis().cases_examined(), 4);
  EXPECT_EQ(response.basis().cases_counted(), 2);
  ASSERT_EQ(response.items_size(), 2);
  EXPECT_EQ(response.total(), 2);
  const v1::WorklistItem& overdue = response.items(0);
  EXPECT_EQ(overdue.case_id(), "m2");
  EXPECT_EQ(overdue.rule_set_id(), kLocal);
  EXPECT_EQ(overdue.requirement_id(), "first-interview");
  EXPECT_EQ(overdue.status(), v1::COMPLIANCE_STATUS_OVERDUE);
  EXPECT_EQ(overdue.deadline_on(), "2020-03-11");
  EXPECT_EQ(overdue.days_left(), -23);
  EXPECT_EQ(overdue.working_days_left(), -17);
  const v1::WorklistItem& due = response.items(1);
  EXPECT_EQ(due.case_id(), "m1");
  EXPECT_EQ(due.citizen_id(), "citizen-m1");
  EXPECT_EQ(due.caseworker_id(), "cw-anna");
  EXPECT_EQ(due.team_id(), "team-syg");
  EXPECT_EQ(due.requirement_id(), "first-interview");
  EXPECT_EQ(due.title(),
            "First interview within 7 working days of receiving the sick "
            "note");
  EXPECT_EQ(due.item(), "within 7 working days");
  EXPECT_EQ(due.target_group(), v1::TARGET_GROUP_SYGEDAGPENGE);
  EXPECT_EQ(due.status(), v1::COMPLIANCE_STATUS_DUE);
  EXPECT_EQ(due.deadline_on(), "2020-04-16");
  EXPECT_EQ(due.days_left(), 13);
  EXPECT_EQ(due.working_days_left(), 6);
}

TEST(WorklistTest, TheHorizonBoundsWhatIsDue) {
  // 13 days is the last horizon that reaches 2020-04-16.
  EXPECT_EQ(Worklist("2020-04-03", OfCaseworker("cw-anna"), 13).total(), 2);
  const v1::WorklistResponse short_horizon =
      Worklist("2020-04-03", OfCaseworker("cw-anna"), 12);
  ASSERT_EQ(short_horizon.items_size(), 1);
  EXPECT_EQ(short_horizon.items(0).case_id(), "m2");
  // 16 days reach m2's statutory first interview (Sunday 2020-04-19: 7
  // working days after 04-03, 04-06 to 04-08 and 04-14 to 04-17).
  const v1::WorklistResponse long_horizon =
      Worklist("2020-04-03", OfCaseworker("cw-anna"), 16);
  ASSERT_EQ(long_horizon.items_size(), 3);
  EXPECT_EQ(long_horizon.items(2).case_id(), "m2");
  EXPECT_EQ(long_horizon.items(2).rule_set_id(), kLab2020);
  EXPECT_EQ(long_horizon.items(2).requirement_id(),
            "sygedagpenge-first-interview");
  EXPECT_EQ(long_horizon.items(2).days_left(), 16);
  EXPECT_EQ(long_horizon.items(2).working_days_left(), 7);
}

TEST(WorklistTest, ATeamSeesEveryCaseworkerAndTheLimitKeepsTheSoonest) {
  v1::CaseFilter team;
  team.add_team_ids("team-syg");
  const v1::WorklistResponse response = Worklist("2020-04-03", team, 14);
  ASSERT_EQ(response.items_size(), 3);
  EXPECT_EQ(response.items(0).case_id(), "m2");
  EXPECT_EQ(response.items(1).case_id(), "m1");
  EXPECT_EQ(response.items(2).case_id(), "m3");
  EXPECT_EQ(response.items(2).caseworker_id(), "cw-bo");

  const v1::WorklistResponse limited = Worklist("2020-04-03", team, 14, 2);
  ASSERT_EQ(limited.items_size(), 2);
  EXPECT_EQ(limited.total(), 3);
  EXPECT_EQ(limited.items(0).case_id(), "m2");
  EXPECT_EQ(limited.items(1).case_id(), "m1");
  // m2, added after m1, is sooner and takes the one place.
  const v1::WorklistResponse one =
      Worklist("2020-04-03", OfCaseworker("cw-anna"), 14, 1);
  ASSERT_EQ(one.items_size(), 1);
  EXPECT_EQ(one.total(), 2);
  EXPECT_EQ(one.items(0).case_id(), "m2");

  // On the deadline day itself: 0 days, 0 working days; the day after: -1.
  const v1::WorklistResponse on_the_day =
      Worklist("2020-04-16", OfCaseworker("cw-bo"), 0);
  ASSERT_EQ(on_the_day.items_size(), 1);
  EXPECT_EQ(on_the_day.items(0).days_left(), 0);
  EXPECT_EQ(on_the_day.items(0).working_days_left(), 0);
  const v1::WorklistResponse the_day_after =
      Worklist("2020-04-17", OfCaseworker("cw-bo"), 0);
  ASSERT_EQ(the_day_after.items_size(), 1);
  EXPECT_EQ(the_day_after.items(0).status(), v1::COMPLIANCE_STATUS_OVERDUE);
  EXPECT_EQ(the_day_after.items(0).days_left(), -1);
  EXPECT_EQ(the_day_after.items(0).working_days_left(), -1);
}

TEST(WorklistTest, PagesFollowOneAnotherAndATargetGroupChoosesItsRows) {
  v1::CaseFilter team;
  team.add_team_ids("team-syg");
  // m2, m1, m3, a page of one at a time.
  std::vector<std::string> paged;
  for (int offset = 0; offset < 4; ++offset) {
    const v1::WorklistResponse page =
        Worklist("2020-04-03", team, 14, 1, offset);
    EXPECT_EQ(page.total(), 3);
    EXPECT_EQ(page.items_size(), offset < 3 ? 1 : 0);
    for (const v1::WorklistItem& item : page.items()) {
      paged.push_back(item.case_id());
    }
  }
  EXPECT_EQ(paged, (std::vector<std::string>{"m2", "m1", "m3"}));
  const v1::WorklistResponse rest = Worklist("2020-04-03", team, 14, 5, 2);
  ASSERT_EQ(rest.items_size(), 1);
  EXPECT_EQ(rest.items(0).case_id(), "m3");
  // The working days are the items' own, on any page.
  EXPECT_EQ(rest.items(0).working_days_left(), 6);

  // Every case is on sygedagpenge.
  v1::CaseFilter sick = team;
  sick.add_target_groups(v1::TARGET_GROUP_SYGEDAGPENGE);
  EXPECT_EQ(Worklist("2020-04-03", sick, 14).total(), 3);
  v1::CaseFilter jobready = team;
  jobready.add_target_groups(v1::TARGET_GROUP_KONTANTHJAELP_JOBPARAT);
  EXPECT_EQ(Worklist("2020-04-03", jobready, 14).total(), 0);
}

TEST(WorklistTest, LeavesOutPopulationMeasures) {
  // On 2020-10-01 m1's 26 weeks of STAR (from 2020-03-30: 2020-09-27) have
  // passed without four interviews; STAR's row is OVERDUE but not a duty.
  // What is listed: Middelfart's first interview (04-16), the statutory
  // first interview (by week 8: 2020-05-24), Middelfart's review (by week
  // 22: 2020-08-30), and the statutory 4 interviews in 6 months (by
  // 2020-09-29).
  const v1::WorklistResponse response =
      Worklist("2020-10-01", OfCaseworker("cw-bo"), 0);
  ASSERT_EQ(response.items_size(), 4);
  for (const v1::WorklistItem& item : response.items()) {
    EXPECT_NE(item.rule_set_id(), kStar);
    EXPECT_EQ(item.status(), v1::COMPLIANCE_STATUS_OVERDUE);
  }
  EXPECT_EQ(response.items(0).deadline_on(), "2020-04-16");
  EXPECT_EQ(response.items(1).deadline_on(), "2020-05-24");
  EXPECT_EQ(response.items(2).deadline_on(), "2020-08-30");
  EXPECT_EQ(response.items(3).deadline_on(), "2020-09-29");
}

TEST(WorklistTest, LeavesOutRowsOfEndedPeriods) {
  // Sygedagpenge from 2020-03-02 (note that day: Middelfart's first
  // interview due 2020-03-11, never held), a-dagpenge from 2020-03-20. The
  // overdue row belongs to a period that ended: nothing can meet it now.
  // The a-dagpenge rows fall due in September.
  Case moved("m5");
  moved
      .Opened(v1::TARGET_GROUP_SYGEDAGPENGE, kMiddelfart, "team-syg", "cw-anna",
              "2020-03-02", "2020-02-24", "2020-03-02")
      .GroupChanged("2020-03-20", v1::TARGET_GROUP_A_DAGPENGE);
  WorklistBuilder builder(
      Query("2020-04-03", "2020-04-03", OfCaseworker("cw-anna")), 14, 100);
  builder.AddCase(moved.events());
  v1::WorklistResponse response;
  builder.Finish(&response);
  EXPECT_EQ(response.basis().cases_counted(), 1);
  EXPECT_EQ(response.items_size(), 0);
  EXPECT_EQ(response.total(), 0);
}

// --- Trends ---

std::vector<std::string> Formatted(
    const absl::StatusOr<std::vector<absl::CivilDay>>& days) {
  std::vector<std::string> text;
  if (!days.ok()) {
    text.push_back(std::string(days.status().message()));
    return text;
  }
  for (absl::CivilDay day : *days) text.push_back(absl::FormatCivilTime(day));
  return text;
}

TEST(TrendDaysTest, WeeksEndOnSundays) {
  // Wednesday 2020-01-01 to Friday 2020-01-31.
  EXPECT_EQ(Formatted(TrendDays(Day("2020-01-01"), Day("2020-01-31"),
                                v1::TREND_STEP_WEEK)),
            (std::vector<std::string>{"2020-01-05", "2020-01-12", "2020-01-19",
                                      "2020-01-26", "2020-01-31"}));
  // From and to on Sundays: `to` is not repeated.
  EXPECT_EQ(
      Formatted(
          TrendDays(Day("2020-01-05"), Day("2020-01-19"), v1::TREND_STEP_WEEK)),
      (std::vector<std::string>{"2020-01-05", "2020-01-12", "2020-01-19"}));
  // A span within one week.
  EXPECT_EQ(Formatted(TrendDays(Day("2020-01-06"), Day("2020-01-08"),
                                v1::TREND_STEP_WEEK)),
            (std::vector<std::string>{"2020-01-08"}));
}

TEST(TrendDaysTest, MonthsEndOnTheirLastDay) {
  EXPECT_EQ(Formatted(TrendDays(Day("2020-01-15"), Day("2020-04-10"),
                                v1::TREND_STEP_MONTH)),
            (std::vector<std::string>{"2020-01-31", "2020-02-29", "2020-03-31",
                                      "2020-04-10"}));
  EXPECT_EQ(
      Formatted(TrendDays(Day("2019-12-31"), Day("2020-02-29"),
                          v1::TREND_STEP_MONTH)),
      (std::vector<std::string>{"2019-12-31", "2020-01-31", "2020-02-29"}));
}

TEST(TrendDaysTest, RefusesWhatCannotBeATrend) {
  EXPECT_EQ(
      Formatted(
          TrendDays(Day("2020-02-01"), Day("2020-01-01"), v1::TREND_STEP_WEEK)),
      (std::vector<std::string>{"to: 2020-01-01 is before from 2020-02-01"}));
  EXPECT_EQ(Formatted(TrendDays(Day("2020-01-01"), Day("2020-02-01"),
                                v1::TREND_STEP_UNSPECIFIED)),
            (std::vector<std::string>{"step: is required"}));
  // 260 Sundays from 2020-01-05 is the limit; one day more is a 261st point.
  const absl::CivilDay last_sunday = Day("2020-01-05") + 259 * 7;
  absl::StatusOr<std::vector<absl::CivilDay>> weeks =
      TrendDays(Day("2020-01-01"), last_sunday, v1::TREND_STEP_WEEK);
  ASSERT_TRUE(weeks.ok()) << weeks.status();
  EXPECT_EQ(weeks->size(), static_cast<size_t>(kTrendStepsMax));
  absl::StatusOr<std::vector<absl::CivilDay>> too_many =
      TrendDays(Day("2020-01-01"), last_sunday + 1, v1::TREND_STEP_WEEK);
  EXPECT_EQ(too_many.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(too_many.status().message().substr(0, 4), "to: ");
  // 2000-01 to 2021-08 is 260 months.
  EXPECT_EQ(
      TrendDays(Day("2000-01-01"), Day("2021-08-31"), v1::TREND_STEP_MONTH)
          ->size(),
      260u);
  EXPECT_FALSE(
      TrendDays(Day("2000-01-01"), Day("2021-09-01"), v1::TREND_STEP_MONTH)
          .ok());
}

// At Ishøj, weekly in February 2020 (Sundays 02-02, 09, 16, 23, and 02-29):
// t1 a-dagpenge registered 2020-01-06 (cw-a): 3 statutory rows DUE (4
//    interviews, 2 joint, an offer, all by 2020-07-05); the offer referred
//    2020-02-10 starts 2020-02-20 (10 days): MET from then.
// t2 kontanthjælp from 2020-02-03 (cw-a), interview 2020-02-11 (first
//    interview due 2020-02-09: DUE on 02-09, MET_LATE after), moves to cw-b
//    PLANNED on 2020-02-12, closed 2020-02-20: 3 rows.
// t3 kontanthjælp from 2020-01-27 (cw-a), no interview: first interview due
//    2020-02-02 (DUE that day, OVERDUE after), 2 more rows DUE; moves to
//    cw-c for SICKNESS on Saturday 2020-02-01, the span's first day: in the
//    first point's step.
// Kontanthjælp's and a-dagpenge's other dk-lab-2020 requirements are not
// applicable and are not in the point's counts.
Population TrendPopulation() {
  Population p;
  p.emplace_back("t1");
  p.back()
      .Opened(v1::TARGET_GROUP_A_DAGPENGE, kIshoej, "team-ishoej", "cw-a",
              "2020-01-06")
      .Referral("2020-02-10", "r1", v1::OFFER_KIND_COMPANY_INTERNSHIP, "Lidl")
      .OfferFor("2020-02-20", "r1");
  p.emplace_back("t2");
  p.back()
      .Opened(v1::TARGET_GROUP_KONTANTHJAELP_JOBPARAT, kIshoej, "team-ishoej",
              "cw-a", "2020-02-03")
      .Interview("2020-02-11")
      .Switch("2020-02-12", "cw-b", "team-ishoej",
              v1::CASEWORKER_CHANGE_REASON_PLANNED)
      .Close("2020-02-20");
  p.emplace_back("t3");
  p.back()
      .Opened(v1::TARGET_GROUP_KONTANTHJAELP_JOBPARAT, kIshoej, "team-ishoej",
              "cw-a", "2020-01-27")
      .Switch("2020-02-01", "cw-c", "team-ishoej",
              v1::CASEWORKER_CHANGE_REASON_SICKNESS);
  return p;
}

v1::TrendResponse Trend(v1::CaseFilter filter = v1::CaseFilter()) {
  absl::StatusOr<std::vector<absl::CivilDay>> days =
      TrendDays(Day("2020-02-01"), Day("2020-02-29"), v1::TREND_STEP_WEEK);
  EXPECT_TRUE(days.ok());
  TrendBuilder builder(Query("2020-02-01", "2020-02-29", std::move(filter)),
                       *days);
  for (const Case& one : TrendPopulation()) builder.AddCase(one.events());
  v1::TrendResponse response;
  builder.Finish(&response);
  return response;
}

TEST(TrendTest, EachPointJudgesTheCasesOpenOnIt) {
  const v1::TrendResponse response = Trend();
  EXPECT_EQ(response.basis().cases_examined(), 3);
  EXPECT_EQ(response.basis().cases_counted(), 3);
  ASSERT_EQ(response.points_size(), 5);
  struct Want {
    const char* on;
    int64_t open, met, met_late, overdue, due;
    double share;
    int64_t planned, unplanned, offers;
    double mean_wait;
  };
  const Want want[] = {
      // t2 not yet open.
      {"2020-02-02", 2, 0, 0, 0, 6, 0.0, 0, 1, 0, 0},
      {"2020-02-09", 3, 0, 0, 1, 8, 0.0, 0, 0, 0, 0},
      // t2's switch on 02-12, its interview late.
      {"2020-02-16", 3, 0, 1, 1, 7, 0.0, 1, 0, 0, 0},
      // t2 closed; t1's offer started 02-20 after 10 days.
      {"2020-02-23", 2, 1, 0, 1, 4, 0.5, 0, 0, 1, 10},
      {"2020-02-29", 2, 1, 0, 1, 4, 0.5, 0, 0, 0, 0},
  };
  for (int i = 0; i < 5; ++i) {
    const v1::TrendPoint& point = response.points(i);
    SCOPED_TRACE(point.on());
    EXPECT_EQ(point.on(), want[i].on);
    EXPECT_EQ(point.open_cases(), want[i].open);
    EXPECT_EQ(point.met(), want[i].met);
    EXPECT_EQ(point.met_late(), want[i].met_late);
    EXPECT_EQ(point.overdue(), want[i].overdue);
    EXPECT_EQ(point.due(), want[i].due);
    EXPECT_DOUBLE_EQ(point.share_on_time(), want[i].share);
    EXPECT_DOUBLE_EQ(point.local_share_on_time(), 0.0);
    EXPECT_EQ(point.switches_planned(), want[i].planned);
    EXPECT_EQ(point.switches_unplanned(), want[i].unplanned);
    EXPECT_EQ(point.offers_started(), want[i].offers);
    EXPECT_DOUBLE_EQ(point.mean_wait_days(), want[i].mean_wait);
    // STAR's two measures, over t1 (the a-dagpenge case): its 26 weeks run
    // to 2020-07-05, so nobody is measured yet.
    ASSERT_EQ(point.measures_size(), 2);
    EXPECT_EQ(point.measures(0).requirement_id(), "a-dagpenge-offer");
    EXPECT_EQ(point.measures(0).cases(), 1);
    EXPECT_EQ(point.measures(0).measure().cases(), 0);
    EXPECT_FALSE(point.measures(0).measure().flagged());
    EXPECT_EQ(point.measures(1).requirement_id(),
              "sygedagpenge-four-interviews");
    EXPECT_EQ(point.measures(1).not_applicable(), 1);
  }
  EXPECT_EQ(response.points(0).measures(0).due(), 1);
  EXPECT_EQ(response.points(3).measures(0).met(), 1);
}

// Builders fed some of the cases each, merged, answer exactly as one fed
// every case: points, measures, switches, waits, the follow-up and the
// counts; whichever builder got which case, and with one fed nothing.
TEST(TrendTest, BuildersMergedAnswerAsOneFedEveryCase) {
  struct Span {
    const char* from;
    const char* to;
    v1::TrendStep step;
    Population population;
  };
  std::vector<Span> spans;
  spans.push_back(
      {"2020-02-01", "2020-02-29", v1::TREND_STEP_WEEK, TrendPopulation()});
  spans.push_back(
      {"2024-01-01", "2024-06-30", v1::TREND_STEP_MONTH,
       FollowUpPopulation(std::vector<std::pair<int, int>>(6, {10, 7}))});
  for (const Span& span : spans) {
    SCOPED_TRACE(span.from);
    const std::vector<absl::CivilDay> days =
        *TrendDays(Day(span.from), Day(span.to), span.step);
    TrendBuilder whole(Query(span.from, span.from), days);
    for (const Case& one : span.population) whole.AddCase(one.events());
    v1::TrendResponse want;
    whole.Finish(&want);
    ASSERT_GT(want.basis().cases_counted(), 2);
    ASSERT_GT(want.points_size(), 2);
    for (size_t split : {size_t{1}, size_t{2}, size_t{3}}) {
      SCOPED_TRACE(split);
      // Case i to builder i % split, then everything merged into the
      // first; with split 3, the third of a population of 3 gets one.
      std::vector<std::unique_ptr<TrendBuilder>> parts;
      for (size_t b = 0; b < split + 1; ++b) {
        parts.push_back(
            std::make_unique<TrendBuilder>(Query(span.from, span.from), days));
      }
      for (size_t i = 0; i < span.population.size(); ++i) {
        parts[i % split]->AddCase(span.population[i].events());
      }
      // parts[split] was fed nothing.
      for (size_t b = 1; b < parts.size(); ++b) parts[0]->Merge(*parts[b]);
      v1::TrendResponse got;
      parts[0]->Finish(&got);
      EXPECT_EQ(got.SerializeAsString(), want.SerializeAsString())
          << got.ShortDebugString() << "\nwant " << want.ShortDebugString();
    }
  }
  // The follow-up came through the merge.
  TrendBuilder empty(
      Query("2024-01-01", "2024-01-01"),
      *TrendDays(Day("2024-01-01"), Day("2024-06-30"), v1::TREND_STEP_MONTH));
  TrendBuilder fed(
      Query("2024-01-01", "2024-01-01"),
      *TrendDays(Day("2024-01-01"), Day("2024-06-30"), v1::TREND_STEP_MONTH));
  for (const Case& one :
       FollowUpPopulation(std::vector<std::pair<int, int>>(6, {10, 7}))) {
    fed.AddCase(one.events());
  }
  empty.Merge(fed);
  v1::TrendResponse merged;
  empty.Finish(&merged);
  ASSERT_EQ(merged.monitors_size(), 1);
  EXPECT_EQ(merged.monitors(0).run(), 6);
}

TEST(TrendTest, TheFilterAppliesOnEachDay) {
  // t2 is cw-b's from 2020-02-12 to its closure on 2020-02-20.
  const v1::TrendResponse response = Trend(OfCaseworker("cw-b"));
  ASSERT_EQ(response.points_size(), 5);
  const int64_t open[] = {0, 0, 1, 0, 0};
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(response.points(i).open_cases(), open[i]) << i;
  }
  EXPECT_EQ(response.points(2).switches_planned(), 1);
  EXPECT_EQ(response.basis().cases_counted(), 1);
}

// --- What-if ---

// dk-lab-2020 as shipped, as version 2, with its first sygedagpenge
// interview due by week 4 instead of week 8.
v1::RuleSet StricterLab2020() {
  v1::RuleSet candidate;
  for (const v1::RuleSet& rule_set : Rules()) {
    if (rule_set.id() == kLab2020) candidate = rule_set;
  }
  candidate.set_version(2);
  for (v1::Requirement& requirement : *candidate.mutable_requirements()) {
    if (requirement.id() == "sygedagpenge-first-interview") {
      requirement.mutable_deadline()->mutable_within()->set_count(4);
    }
  }
  return candidate;
}

std::vector<v1::RuleSet> Replacing(const v1::RuleSet& candidate) {
  std::vector<v1::RuleSet> after;
  for (const v1::RuleSet& rule_set : Rules()) {
    after.push_back(rule_set.id() == candidate.id() ? candidate : rule_set);
  }
  return after;
}

// The cases fed last to first when `reversed`.
v1::WhatIfResponse WhatIf(const v1::RuleSet& candidate, int limit,
                          bool reversed = false) {
  WhatIfBuilder builder(Query("2020-09-30", "2020-09-30"), Replacing(candidate),
                        limit);
  Population population = PopulationOne();
  if (reversed) std::reverse(population.begin(), population.end());
  for (const Case& one : population) builder.AddCase(one.events());
  v1::WhatIfResponse response;
  builder.Finish(&response);
  return response;
}

// Population 1 by week 4 (anchor + 27): 2020-03-02 -> 2020-03-29, s6 s7
// (anchored on 2020-03-09) -> 2020-04-05, s5 -> 2020-09-13. Every
// sygedagpenge row's deadline moves; the statuses:
//   s1 (04-20) MET -> MET_LATE       s5 (none) DUE -> OVERDUE
//   s2 (05-04) MET_LATE -> MET_LATE  s6 (04-01) MET -> MET
//   s3 (none)  OVERDUE -> OVERDUE    s7 (none) OVERDUE -> OVERDUE
//   s4 (03-17) MET -> MET
TEST(WhatIfTest, AStricterDeadlineChangesExactlyItsRows) {
  const v1::WhatIfResponse response = WhatIf(StricterLab2020(), 3);
  EXPECT_EQ(response.basis().cases_examined(), 21);
  EXPECT_EQ(response.basis().cases_counted(), 20);
  EXPECT_EQ(response.cases_changed(), 7);
  EXPECT_EQ(response.rows_changed(), 7);
  ASSERT_EQ(response.cases_size(), 3);
  EXPECT_EQ(response.cases(0).case_id(), "s1");
  EXPECT_EQ(response.cases(1).case_id(), "s2");
  EXPECT_EQ(response.cases(2).case_id(), "s3");
  EXPECT_EQ(response.cases(0).jobcentre_id(), kMiddelfart);
  ASSERT_EQ(response.cases(0).rows_size(), 1);
  const v1::RowChange& s1 = response.cases(0).rows(0);
  EXPECT_EQ(s1.rule_set_id(), kLab2020);
  EXPECT_EQ(s1.requirement_id(), "sygedagpenge-first-interview");
  // Paired by place, not by the item's words.
  EXPECT_EQ(s1.item(), "within 4 weeks");
  EXPECT_EQ(s1.period_index(), 0);
  EXPECT_EQ(s1.before(), v1::COMPLIANCE_STATUS_MET);
  EXPECT_EQ(s1.after(), v1::COMPLIANCE_STATUS_MET_LATE);
  EXPECT_EQ(s1.deadline_before(), "2020-04-26");
  EXPECT_EQ(s1.deadline_after(), "2020-03-29");
  // MET -1 (s1), MET_LATE +1, OVERDUE +1 and DUE -1 (s5).
  const v1::StatusCounts& before = response.before();
  const v1::StatusCounts& after = response.after();
  EXPECT_EQ(after.met(), before.met() - 1);
  EXPECT_EQ(after.met_late(), before.met_late() + 1);
  EXPECT_EQ(after.overdue(), before.overdue() + 1);
  EXPECT_EQ(after.due(), before.due() - 1);
  EXPECT_EQ(after.not_applicable(), before.not_applicable());
  // 20 cases: a 9 rows each (dk-lab-2020 7, STAR 2), k 7, s at Middelfart
  // 11, s at Ishøj 9: 8 * 9 + 5 * 7 + 5 * 11 + 2 * 9 = 180.
  EXPECT_EQ(before.met() + before.met_late() + before.overdue() + before.due() +
                before.not_applicable(),
            180);

  // The cases listed are the first by id, whatever the order they came in.
  const v1::WhatIfResponse reversed = WhatIf(StricterLab2020(), 3, true);
  ASSERT_EQ(reversed.cases_size(), 3);
  EXPECT_EQ(reversed.cases(0).case_id(), "s1");
  EXPECT_EQ(reversed.cases(2).case_id(), "s3");
  EXPECT_EQ(reversed.cases_changed(), 7);

  const v1::WhatIfResponse all = WhatIf(StricterLab2020(), 100);
  ASSERT_EQ(all.cases_size(), 7);
  const v1::RowChange& s5 = all.cases(4).rows(0);
  EXPECT_EQ(all.cases(4).case_id(), "s5");
  EXPECT_EQ(s5.before(), v1::COMPLIANCE_STATUS_DUE);
  EXPECT_EQ(s5.after(), v1::COMPLIANCE_STATUS_OVERDUE);
  EXPECT_EQ(s5.deadline_before(), "2020-10-11");
  EXPECT_EQ(s5.deadline_after(), "2020-09-13");
  const v1::RowChange& s6 = all.cases(5).rows(0);
  EXPECT_EQ(s6.before(), v1::COMPLIANCE_STATUS_MET);
  EXPECT_EQ(s6.after(), v1::COMPLIANCE_STATUS_MET);
  EXPECT_EQ(s6.deadline_before(), "2020-05-03");
  EXPECT_EQ(s6.deadline_after(), "2020-04-05");
}

TEST(WhatIfTest, TheSameRulesChangeNothing) {
  v1::RuleSet same;
  for (const v1::RuleSet& rule_set : Rules()) {
    if (rule_set.id() == kLab2020) same = rule_set;
  }
  same.set_version(2);
  const v1::WhatIfResponse response = WhatIf(same, 100);
  EXPECT_EQ(response.cases_changed(), 0);
  EXPECT_EQ(response.rows_changed(), 0);
  EXPECT_EQ(response.cases_size(), 0);
  EXPECT_EQ(response.before().SerializeAsString(),
            response.after().SerializeAsString());
  EXPECT_EQ(response.before().met() + response.before().met_late() +
                response.before().overdue() + response.before().due() +
                response.before().not_applicable(),
            180);
}

TEST(WhatIfTest, ARemovedRequirementShowsUnspecified) {
  v1::RuleSet fewer;
  for (const v1::RuleSet& rule_set : Rules()) {
    if (rule_set.id() == kLab2020) fewer = rule_set;
  }
  fewer.set_version(2);
  auto* requirements = fewer.mutable_requirements();
  for (int i = 0; i < requirements->size(); ++i) {
    if (requirements->Get(i).id() == "joint-interviews") {
      requirements->DeleteSubrange(i, 1);
      break;
    }
  }
  const v1::WhatIfResponse response = WhatIf(fewer, 100);
  // Every counted case had one joint-interviews row (a-dagpenge: OVERDUE,
  // none held by 2020-09-01; a7 DUE; the rest not applicable).
  EXPECT_EQ(response.cases_changed(), 20);
  EXPECT_EQ(response.rows_changed(), 20);
  ASSERT_GE(response.cases_size(), 1);
  const v1::RowChange& a1 = response.cases(0).rows(0);
  EXPECT_EQ(response.cases(0).case_id(), "a1");
  EXPECT_EQ(a1.requirement_id(), "joint-interviews");
  EXPECT_EQ(a1.before(), v1::COMPLIANCE_STATUS_OVERDUE);
  EXPECT_EQ(a1.after(), v1::COMPLIANCE_STATUS_UNSPECIFIED);
  EXPECT_EQ(a1.deadline_before(), "2020-09-01");
  EXPECT_EQ(a1.deadline_after(), "");
  EXPECT_EQ(response.before().overdue() - response.after().overdue(), 7);
}

// --- The cases behind a report's figures ---

v1::ListCasesResponse ListCases(const Population& population,
                                PopulationQuery query,
                                CaseListOptions options) {
  CaseListBuilder builder(std::move(query), std::move(options));
  for (const Case& one : population) builder.AddCase(one.events());
  v1::ListCasesResponse response;
  builder.Finish(&response);
  return response;
}

CaseListOptions Cell(const std::string& rule_set_id,
                     const std::string& requirement_id,
                     std::vector<v1::ComplianceStatus> statuses) {
  CaseListOptions options;
  options.rule_set_id = rule_set_id;
  options.requirement_id = requirement_id;
  options.statuses = std::move(statuses);
  return options;
}

v1::CaseFilter OfJobcentre(const std::string& jobcentre_id) {
  v1::CaseFilter filter;
  filter.add_jobcentre_ids(jobcentre_id);
  return filter;
}

std::vector<std::string> CaseIds(const v1::ListCasesResponse& response) {
  std::vector<std::string> ids;
  for (const v1::CaseRow& row : response.rows()) ids.push_back(row.case_id());
  return ids;
}

using Ids = std::vector<std::string>;

// Population 1 on 2020-09-30: the cells of the first active offer at Ishøj
// (a5 MET, a6 OVERDUE, a7 DUE, a8 MET, k3 k4 DUE, s6 s7 not applicable) and
// at Middelfart (a4 MET_LATE).
TEST(ListCasesTest, ACellListsTheRowsItCounts) {
  const PopulationQuery ishoej =
      Query("2020-09-30", "2020-09-30", OfJobcentre(kIshoej));
  const v1::ListCasesResponse overdue = ListCases(
      PopulationOne(), ishoej,
      Cell(kLab2020, "first-active-offer", {v1::COMPLIANCE_STATUS_OVERDUE}));
  ASSERT_EQ(CaseIds(overdue), Ids{"a6"});
  const v1::CaseRow& a6 = overdue.rows(0);
  EXPECT_EQ(a6.citizen_id(), "citizen-a6");
  EXPECT_EQ(a6.jobcentre_id(), kIshoej);
  EXPECT_EQ(a6.team_id(), "team-ishoej");
  EXPECT_EQ(a6.caseworker_id(), "cw-dora");
  EXPECT_EQ(a6.target_group(), v1::TARGET_GROUP_A_DAGPENGE);
  EXPECT_EQ(a6.status(), v1::COMPLIANCE_STATUS_OVERDUE);
  // 6 months from 2020-03-02.
  EXPECT_EQ(a6.deadline_on(), "2020-09-01");
  EXPECT_EQ(a6.met_on(), "");
  EXPECT_EQ(a6.compare_status(), v1::COMPLIANCE_STATUS_UNSPECIFIED);
  EXPECT_EQ(overdue.rows_total(), 1);
  EXPECT_EQ(overdue.cases_total(), 1);
  EXPECT_EQ(overdue.next_after_case_id(), "");

  const v1::ListCasesResponse met = ListCases(
      PopulationOne(), ishoej,
      Cell(kLab2020, "first-active-offer", {v1::COMPLIANCE_STATUS_MET}));
  EXPECT_EQ(CaseIds(met), (Ids{"a5", "a8"}));
  EXPECT_EQ(met.rows(0).met_on(), "2020-04-01");
  const v1::ListCasesResponse open = ListCases(
      PopulationOne(), ishoej,
      Cell(kLab2020, "first-active-offer",
           {v1::COMPLIANCE_STATUS_DUE, v1::COMPLIANCE_STATUS_OVERDUE}));
  EXPECT_EQ(CaseIds(open), (Ids{"a6", "a7", "k3", "k4"}));
  // a7 registered 2020-06-01: due 2020-11-30.
  EXPECT_EQ(open.rows(1).deadline_on(), "2020-11-30");

  const v1::ListCasesResponse late = ListCases(
      PopulationOne(),
      Query("2020-09-30", "2020-09-30", OfJobcentre(kMiddelfart)),
      Cell(kLab2020, "first-active-offer", {v1::COMPLIANCE_STATUS_MET_LATE}));
  ASSERT_EQ(CaseIds(late), Ids{"a4"});
  EXPECT_EQ(late.rows(0).met_on(), "2020-09-14");
  EXPECT_EQ(late.rows(0).caseworker_id(), "cw-carl");
}

// Every figure of the report by jobcentre, requirement and status is the
// number of rows its drill-down lists, and its `cases` the cases with a
// row other than NOT_APPLICABLE.
TEST(ListCasesTest, EveryCellOfTheReportIsItsListsLength) {
  const v1::ReportResponse report =
      Report(PopulationOne(), Query("2020-09-30", "2020-09-30"),
             {v1::GROUP_BY_JOBCENTRE});
  int cells = 0;
  for (const v1::ReportGroup& group : report.groups()) {
    const PopulationQuery query = Query(
        "2020-09-30", "2020-09-30", OfJobcentre(group.label().jobcentre_id()));
    for (const v1::RequirementTally& tally : group.requirements()) {
      const std::string where =
          absl::StrCat(group.label().jobcentre_id(), " ", tally.rule_set_id(),
                       "/", tally.requirement_id());
      for (const auto& [status, count] :
           std::vector<std::pair<v1::ComplianceStatus, int64_t>>{
               {v1::COMPLIANCE_STATUS_MET, tally.met()},
               {v1::COMPLIANCE_STATUS_MET_LATE, tally.met_late()},
               {v1::COMPLIANCE_STATUS_OVERDUE, tally.overdue()},
               {v1::COMPLIANCE_STATUS_DUE, tally.due()},
               {v1::COMPLIANCE_STATUS_NOT_APPLICABLE,
                tally.not_applicable()}}) {
        const v1::ListCasesResponse list = ListCases(
            PopulationOne(), query,
            Cell(tally.rule_set_id(), tally.requirement_id(), {status}));
        EXPECT_EQ(list.rows_total(), count)
            << where << " " << v1::ComplianceStatus_Name(status);
        EXPECT_EQ(list.rows_size(), count) << where;
        ++cells;
      }
      const v1::ListCasesResponse applies = ListCases(
          PopulationOne(), query,
          Cell(tally.rule_set_id(), tally.requirement_id(),
               {v1::COMPLIANCE_STATUS_MET, v1::COMPLIANCE_STATUS_MET_LATE,
                v1::COMPLIANCE_STATUS_OVERDUE, v1::COMPLIANCE_STATUS_DUE}));
      EXPECT_EQ(applies.cases_total(), tally.cases()) << where;
    }
  }
  // Ishøj's 9 requirements and Middelfart's 11, 5 statuses each.
  EXPECT_EQ(cells, 100);
}

// Every row of Middelfart's first active offer (a1-a4, k1 k2 k5 and the
// five sygedagpenge cases' NOT_APPLICABLE rows: 12), two cases a page.
TEST(ListCasesTest, PagesHoldWholeCasesInOrderAndEndEmpty) {
  const PopulationQuery query =
      Query("2020-09-30", "2020-09-30", OfJobcentre(kMiddelfart));
  CaseListOptions options = Cell(kLab2020, "first-active-offer", {});
  const v1::ListCasesResponse whole =
      ListCases(PopulationOne(), query, options);
  ASSERT_EQ(CaseIds(whole), (Ids{"a1", "a2", "a3", "a4", "k1", "k2", "k5", "s1",
                                 "s2", "s3", "s4", "s5"}));
  EXPECT_EQ(whole.next_after_case_id(), "");

  options.page_size = 5;
  Ids paged;
  Ids afters;
  for (int page = 0; page < 10; ++page) {
    // Fed last to first: the page does not depend on the order.
    Population reversed = PopulationOne();
    std::reverse(reversed.begin(), reversed.end());
    const v1::ListCasesResponse one = ListCases(reversed, query, options);
    EXPECT_EQ(one.rows_total(), 12);
    EXPECT_EQ(one.cases_total(), 12);
    EXPECT_LE(one.rows_size(), 5);
    for (const std::string& id : CaseIds(one)) paged.push_back(id);
    afters.push_back(one.next_after_case_id());
    if (one.next_after_case_id().empty()) break;
    options.after_case_id = one.next_after_case_id();
  }
  EXPECT_EQ(paged, CaseIds(whole));
  EXPECT_EQ(afters, (Ids{"k1", "s3", ""}));
}

// a3's offer of 2020-08-03 was recorded on 2020-10-15; c9 (a-dagpenge,
// registered 2020-09-01 at Ishøj) was recorded on 2020-10-20. Judged on
// 2020-09-30 as known on 2020-10-01 and as known on 2020-11-01: a3's first
// active offer (due 2020-09-01) went from OVERDUE to MET, and so did STAR's
// 26 weeks (due 2020-08-30); c9's rows are new. Nothing else changed.
TEST(ListCasesTest, ComparingTwoMomentsListsExactlyTheRowsThatChanged) {
  Population population = PopulationOne();
  for (Case& one : population) {
    if (one.events().front().case_id() == "a3") {
      one.Offer("2020-08-03").RecordedOn("2020-10-15");
    }
  }
  population.emplace_back("c9");
  population.back()
      .Opened(v1::TARGET_GROUP_A_DAGPENGE, kIshoej, "team-ishoej", "cw-dora",
              "2020-09-01")
      .RecordedOn("2020-10-20");
  PopulationQuery query = Query("2020-09-30", "2020-09-30");
  query.known_at = Noon("2020-11-01");
  CaseListOptions options;
  options.compare_known_at = Noon("2020-10-01");
  const v1::ListCasesResponse changed = ListCases(population, query, options);
  ASSERT_EQ(changed.rows_size(), 11) << changed.DebugString();
  EXPECT_EQ(changed.cases_total(), 2);
  EXPECT_EQ(changed.rows_total(), 11);
  const v1::CaseRow& offer = changed.rows(0);
  EXPECT_EQ(offer.case_id(), "a3");
  EXPECT_EQ(offer.rule_set_id(), "dk-lab-2020");
  EXPECT_EQ(offer.requirement_id(), "first-active-offer");
  EXPECT_EQ(offer.status(), v1::COMPLIANCE_STATUS_MET);
  EXPECT_EQ(offer.met_on(), "2020-08-03");
  EXPECT_EQ(offer.compare_status(), v1::COMPLIANCE_STATUS_OVERDUE);
  EXPECT_EQ(offer.deadline_on(), "2020-09-01");
  EXPECT_EQ(offer.compare_deadline_on(), "2020-09-01");
  EXPECT_EQ(offer.compare_met_on(), "");
  const v1::CaseRow& star = changed.rows(1);
  EXPECT_EQ(star.case_id(), "a3");
  EXPECT_EQ(star.rule_set_id(), kStar);
  EXPECT_EQ(star.status(), v1::COMPLIANCE_STATUS_MET);
  EXPECT_EQ(star.compare_status(), v1::COMPLIANCE_STATUS_OVERDUE);
  // c9: every row of a governed a-dagpenge case (dk-lab-2020's 7 and
  // STAR's 2), none as known then.
  for (int i = 2; i < changed.rows_size(); ++i) {
    EXPECT_EQ(changed.rows(i).case_id(), "c9");
    EXPECT_EQ(changed.rows(i).compare_status(),
              v1::COMPLIANCE_STATUS_UNSPECIFIED);
    EXPECT_NE(changed.rows(i).status(), v1::COMPLIANCE_STATUS_UNSPECIFIED);
  }
  // Counted: the 20 of the report, and c9.
  EXPECT_EQ(changed.basis().cases_counted(), 21);

  // Only the rows that were OVERDUE then, or are now.
  options.statuses = {v1::COMPLIANCE_STATUS_OVERDUE};
  EXPECT_EQ(CaseIds(ListCases(population, query, options)), (Ids{"a3", "a3"}));
  // The same moment on both sides: nothing changed.
  options.statuses.clear();
  options.compare_known_at = query.known_at;
  EXPECT_EQ(ListCases(population, query, options).rows_total(), 0);
}

// g1 was on a-dagpenge from 2020-01-06 and on kontanthjælp from
// 2020-06-01; that it was on sygedagpenge from 2020-03-02 was recorded only
// on 2020-10-15. As known then it had two periods, as known now three: the
// kontanthjælp period is the second then and the third now. Its rows pair
// by the period's first day, so none of them is listed; the new
// sygedagpenge period's rows are listed as new, and the a-dagpenge
// period's where its shorter span changed them.
TEST(ListCasesTest, ALateRecordedEarlierPeriodChangesOnlyItsOwnRows) {
  Population population;
  population.emplace_back("g1");
  population.back()
      .Opened(v1::TARGET_GROUP_A_DAGPENGE, kMiddelfart, "team-ledig", "cw-carl",
              "2020-01-06")
      .GroupChanged("2020-06-01", v1::TARGET_GROUP_KONTANTHJAELP_JOBPARAT)
      .GroupChanged("2020-03-02", v1::TARGET_GROUP_SYGEDAGPENGE)
      .RecordedOn("2020-10-15");
  PopulationQuery query = Query("2020-01-01", "2020-09-30");
  query.known_at = Noon("2020-11-01");
  CaseListOptions options;
  options.compare_known_at = Noon("2020-10-01");
  const v1::ListCasesResponse changed = ListCases(population, query, options);
  ASSERT_GT(changed.rows_size(), 0);
  int new_period_rows = 0;
  for (const v1::CaseRow& row : changed.rows()) {
    SCOPED_TRACE(row.ShortDebugString());
    // Now: 0 a-dagpenge, 1 sygedagpenge, 2 kontanthjælp.
    EXPECT_NE(row.period_index(), 2);
    if (row.period_index() == 1) {
      EXPECT_EQ(row.target_group(), v1::TARGET_GROUP_SYGEDAGPENGE);
      EXPECT_EQ(row.compare_status(), v1::COMPLIANCE_STATUS_UNSPECIFIED);
      ++new_period_rows;
    }
  }
  EXPECT_GT(new_period_rows, 0);
}

// --- A case on a day ---

TEST(DescribeOnTest, APeriodIsOpenOnTheDayItEnds) {
  Case one("d1");
  one.Opened(v1::TARGET_GROUP_A_DAGPENGE, kIshoej, "team-ishoej", "cw-a",
             "2020-03-02")
      .Switch("2020-04-01", "cw-b", "team-b",
              v1::CASEWORKER_CHANGE_REASON_PLANNED)
      .Close("2020-06-30");
  const CaseTimeline timeline =
      FoldTimeline(one.events(), Day("2020-12-31"), absl::InfiniteFuture());
  const CaseOnDay before = DescribeOn(timeline, Day("2020-03-01"));
  EXPECT_FALSE(before.open);
  EXPECT_EQ(before.caseworker_id, "");
  EXPECT_EQ(before.target_group, v1::TARGET_GROUP_UNSPECIFIED);
  const CaseOnDay first = DescribeOn(timeline, Day("2020-03-31"));
  EXPECT_TRUE(first.open);
  EXPECT_EQ(first.caseworker_id, "cw-a");
  EXPECT_EQ(first.team_id, "team-ishoej");
  const CaseOnDay closing = DescribeOn(timeline, Day("2020-06-30"));
  EXPECT_TRUE(closing.open);
  EXPECT_EQ(closing.caseworker_id, "cw-b");
  EXPECT_EQ(closing.team_id, "team-b");
  const CaseOnDay after = DescribeOn(timeline, Day("2020-07-01"));
  EXPECT_FALSE(after.open);
  EXPECT_EQ(after.caseworker_id, "cw-b");
  EXPECT_EQ(after.target_group, v1::TARGET_GROUP_A_DAGPENGE);
  EXPECT_EQ(after.jobcentre_id, kIshoej);
  EXPECT_TRUE(OpenDuring(timeline, Day("2020-06-30"), Day("2020-12-31")));
  EXPECT_FALSE(OpenDuring(timeline, Day("2020-07-01"), Day("2020-12-31")));
  EXPECT_TRUE(OpenDuring(timeline, Day("2020-01-01"), Day("2020-03-02")));
  EXPECT_FALSE(OpenDuring(timeline, Day("2020-01-01"), Day("2020-03-01")));
  // An empty window.
  EXPECT_FALSE(OpenDuring(timeline, Day("2020-05-02"), Day("2020-05-01")));
}

}  // namespace
}  // namespace caseline
