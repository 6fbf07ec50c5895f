// Goal: the shipped rule sets load and mean what docs/domain.md says, and every
// mistake in a rule set file is named with its file, line and field. Method:
// load rules/; spoil one line of a small valid rule set and check the exact
// message; write files into a temp directory and load it.
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "projections/rule_sets.h"
#include "server/rule_files.h"
#include "tests/temp_dir.h"

namespace caseline {
namespace {

using ::caseline::testing::TempDir;

// Line numbers matter: the tests below name them.
constexpr char kValidRuleSet[] = R"rules(id: "test-rules"
version: 1
title: "Test rules"
kind: RULE_SET_KIND_STATUTORY
source { law: "LAB § 102" document: "000_ed1d3e73c3a7d745.txt" }
valid_from: "2020-01-01"
target_groups: [ TARGET_GROUP_A_DAGPENGE, TARGET_GROUP_SYGEDAGPENGE ]
requirements {
  id: "first-active-offer"
  title: "First active offer"
  anchor: ANCHOR_REGISTRATION
  satisfied_by: SATISFIER_OFFER_STARTED
  clock: CLOCK_CALENDAR_DAYS_LESS_PAUSES
  target_groups: TARGET_GROUP_A_DAGPENGE
  deadline {
    age_bands { min_age: 0 max_age: 29 within { count: 13 unit: OFFSET_UNIT_WEEKS } }
    age_bands { min_age: 30 max_age: 49 within { count: 26 unit: OFFSET_UNIT_WEEKS } }
    age_bands { min_age: 50 within { count: 13 unit: OFFSET_UNIT_WEEKS } }
  }
}
requirements {
  id: "review"
  title: "Review"
  anchor: ANCHOR_FIRST_ABSENCE_DAY
  satisfied_by: SATISFIER_REVIEW_HELD
  clock: CLOCK_CALENDAR_DAYS_LESS_PAUSES
  target_groups: TARGET_GROUP_SYGEDAGPENGE
  deadline { within { count: 22 unit: OFFSET_UNIT_WEEKS } }
}
)rules";

// kValidRuleSet with `from` (which must occur exactly once) replaced.
std::string Spoiled(const std::string& from, const std::string& to) {
  const std::string text = kValidRuleSet;
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  EXPECT_EQ(text.find(from, at + 1), std::string::npos) << from;
  return absl::StrReplaceAll(text, {{from, to}});
}

void ExpectParseError(const std::string& text, const std::string& message) {
  absl::StatusOr<v1::RuleSet> parsed = ParseRuleSet(text, "test.textproto");
  ASSERT_FALSE(parsed.ok()) << message;
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(parsed.status().message()), message);
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  ASSERT_TRUE(out.good()) << path;
}

TEST(ParseRuleSetTest, AcceptsAValidRuleSet) {
  absl::StatusOr<v1::RuleSet> parsed =
      ParseRuleSet(kValidRuleSet, "test.textproto");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->id(), "test-rules");
  EXPECT_EQ(parsed->requirements_size(), 2);
  EXPECT_TRUE(ValidateRuleSet(*parsed).ok());
}

TEST(ParseRuleSetTest, NamesLineAndColumnOfASyntaxError) {
  ExpectParseError(Spoiled("version: 1", "version: one"),
                   "test.textproto:2:10: Expected integer, got: one");
  ExpectParseError(Spoiled("  deadline { within", "  deadline { within {"),
                   "test.textproto:28:23: Expected identifier, got: {");
}

TEST(ParseRuleSetTest, RejectsAnUnknownField) {
  ExpectParseError(Spoiled("  title: \"Review\"", "  titel: \"Review\""),
                   "test.textproto:23:3: Message type "
                   "\"caseline.v1.Requirement\" has no field named \"titel\".");
}

TEST(ParseRuleSetTest, RejectsAnUnknownEnumName) {
  ExpectParseError(
      Spoiled("clock: CLOCK_CALENDAR_DAYS_LESS_PAUSES\n  target_groups: "
              "TARGET_GROUP_SYGEDAGPENGE",
              "clock: CLOCK_WORKING_DAYS\n  target_groups: "
              "TARGET_GROUP_SYGEDAGPENGE"),
      "test.textproto:26:10: Unknown enumeration value of "
      "\"CLOCK_WORKING_DAYS\" for field \"clock\".");
}

TEST(ParseRuleSetTest, MissingEnumIsPlacedAtItsRequirement) {
  ExpectParseError(
      Spoiled("  clock: CLOCK_CALENDAR_DAYS_LESS_PAUSES\n  target_groups: "
              "TARGET_GROUP_SYGEDAGPENGE\n",
              "  target_groups: TARGET_GROUP_SYGEDAGPENGE\n"),
      "test.textproto:21: requirements[1].clock: is required (Clock must not "
      "be unspecified)");
}

TEST(ParseRuleSetTest, RejectsABadDate) {
  ExpectParseError(
      Spoiled("\"2020-01-01\"", "\"2020-02-30\""),
      "test.textproto:6: valid_from: 2020-02-30 is not a date (want "
      "YYYY-MM-DD)");
}

TEST(ParseRuleSetTest, RejectsOverlappingAgeBands) {
  ExpectParseError(
      Spoiled("min_age: 30", "min_age: 29"),
      "test.textproto:17: requirements[0].deadline.age_bands[1]: ages 29-49 "
      "overlap age_bands[0] (0-29)");
  ExpectParseError(
      Spoiled("min_age: 50", "min_age: 45"),
      "test.textproto:18: requirements[0].deadline.age_bands[2]: ages 45 and "
      "over overlap age_bands[1] (30-49)");
}

TEST(ParseRuleSetTest, RejectsDuplicateRequirementIds) {
  ExpectParseError(
      Spoiled("id: \"review\"", "id: \"first-active-offer\""),
      "test.textproto:22: requirements[1].id: \"first-active-offer\" is also "
      "the id of requirements[0]");
}

TEST(ParseRuleSetTest, RejectsARequirementTargetGroupOutsideTheSet) {
  ExpectParseError(
      Spoiled("[ TARGET_GROUP_A_DAGPENGE, TARGET_GROUP_SYGEDAGPENGE ]",
              "[ TARGET_GROUP_A_DAGPENGE ]"),
      "test.textproto:27: requirements[1].target_groups[0]: "
      "TARGET_GROUP_SYGEDAGPENGE is not one of the rule set's target_groups");
}

TEST(ParseRuleSetTest, RejectsAnAnchorOfAnotherGroup) {
  ExpectParseError(
      Spoiled("ANCHOR_REGISTRATION", "ANCHOR_SICK_NOTE_RECEIVED"),
      "test.textproto:11: requirements[0].anchor: ANCHOR_SICK_NOTE_RECEIVED is "
      "only for TARGET_GROUP_SYGEDAGPENGE, not TARGET_GROUP_A_DAGPENGE");
  // Without its own target groups a requirement has the rule set's.
  ExpectParseError(
      Spoiled("  target_groups: TARGET_GROUP_A_DAGPENGE\n", ""),
      "test.textproto:11: requirements[0].anchor: ANCHOR_REGISTRATION is only "
      "for TARGET_GROUP_A_DAGPENGE, not TARGET_GROUP_SYGEDAGPENGE");
}

TEST(ParseRuleSetTest, NamesTheLineOfTheDeepestField) {
  ExpectParseError(Spoiled("count: 22", "count: 0"),
                   "test.textproto:28: requirements[1].deadline.within.count: "
                   "must be at least 1");
  ExpectParseError(
      Spoiled("TARGET_GROUP_A_DAGPENGE, TARGET_GROUP_SYGEDAGPENGE ]",
              "TARGET_GROUP_A_DAGPENGE, TARGET_GROUP_A_DAGPENGE ]"),
      "test.textproto:7: target_groups[1]: TARGET_GROUP_A_DAGPENGE is listed "
      "twice (target_groups[0])");
}

TEST(ParseRuleSetTest, LeavesOutTheLineOfAFieldNeverWritten) {
  ExpectParseError(Spoiled("title: \"Test rules\"\n", ""),
                   "test.textproto: title: is required");
}

TEST(ValidateRuleSetTest, NamesTheFieldPath) {
  absl::StatusOr<v1::RuleSet> parsed =
      ParseRuleSet(kValidRuleSet, "test.textproto");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  v1::RuleSet rule_set = *parsed;

  rule_set.mutable_requirements(1)
      ->mutable_deadline()
      ->mutable_within()
      ->set_count(0);
  EXPECT_EQ(std::string(ValidateRuleSet(rule_set).message()),
            "requirements[1].deadline.within.count: must be at least 1");

  rule_set = *parsed;
  rule_set.mutable_requirements(1)->mutable_deadline()->add_age_bands();
  EXPECT_EQ(
      ValidateRuleSet(rule_set).message(),
      "requirements[1].deadline: has both within and age_bands; give one");

  rule_set = *parsed;
  rule_set.set_valid_to("2019-12-31");
  EXPECT_EQ(std::string(ValidateRuleSet(rule_set).message()),
            "valid_to: 2019-12-31 is before valid_from 2020-01-01");

  rule_set = *parsed;
  rule_set.mutable_requirements(0)->set_valid_from("2019-06-01");
  EXPECT_EQ(std::string(ValidateRuleSet(rule_set).message()),
            "requirements[0].valid_from: 2019-06-01 is before the rule set's "
            "valid_from 2020-01-01");

  rule_set = *parsed;
  rule_set.mutable_source()->clear_law();
  EXPECT_EQ(std::string(ValidateRuleSet(rule_set).message()),
            "source: needs a law or a decision");

  rule_set = *parsed;
  v1::Schedule* schedule = rule_set.mutable_requirements(1)->mutable_schedule();
  for (int count : {2, 1}) {
    v1::Milestone* milestone = schedule->add_milestones();
    milestone->set_count(count);
    milestone->mutable_by()->set_count(count * 4);
    milestone->mutable_by()->set_unit(v1::OFFSET_UNIT_WEEKS);
  }
  EXPECT_EQ(std::string(ValidateRuleSet(rule_set).message()),
            "requirements[1].schedule.milestones[1].count: must be more than "
            "milestones[0].count 2");

  rule_set = *parsed;
  rule_set.set_version(0);
  EXPECT_EQ(ValidateRuleSet(rule_set).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(ValidateRuleSet(rule_set).message()),
            "version: must be at least 1");
}

TEST(ValidateRuleSetTest, ChecksTheFieldsOfTheLawOf2024) {
  absl::StatusOr<v1::RuleSet> parsed =
      ParseRuleSet(kValidRuleSet, "test.textproto");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  v1::RuleSet rule_set = *parsed;
  v1::Requirement* requirement = rule_set.mutable_requirements(0);
  v1::CountInWindow* window = requirement->mutable_count_in_window();
  window->set_count(3);
  window->mutable_window()->set_count(6);
  window->mutable_window()->set_unit(v1::OFFSET_UNIT_MONTHS);
  window->mutable_from()->set_count(6);
  window->mutable_from()->set_unit(v1::OFFSET_UNIT_MONTHS);
  EXPECT_EQ(std::string(ValidateRuleSet(rule_set).message()),
            "requirements[0].count_in_window.from: must be earlier than "
            "window");
  window->mutable_from()->set_count(3);
  EXPECT_TRUE(ValidateRuleSet(rule_set).ok()) << ValidateRuleSet(rule_set);
  window->mutable_from()->set_count(13);
  window->mutable_from()->set_unit(v1::OFFSET_UNIT_WEEKS);
  EXPECT_EQ(std::string(ValidateRuleSet(rule_set).message()),
            "requirements[0].count_in_window.from: must be in the same unit "
            "as window");
  window->mutable_from()->set_count(3);
  window->mutable_from()->set_unit(v1::OFFSET_UNIT_MONTHS);
  window->set_repeating(true);
  EXPECT_EQ(std::string(ValidateRuleSet(rule_set).message()),
            "requirements[0].count_in_window.from: cannot be given with "
            "repeating");
  window->set_repeating(false);
  window->mutable_from()->set_count(0);
  EXPECT_EQ(std::string(ValidateRuleSet(rule_set).message()),
            "requirements[0].count_in_window.from.count: must be at least 1");

  rule_set = *parsed;
  requirement = rule_set.mutable_requirements(0);
  requirement->add_excluded_offer_kinds(
      v1::OFFER_KIND_OTHER_GUIDANCE_AND_UPSKILLING);
  requirement->set_satisfied_by(v1::SATISFIER_INTERVIEW_HELD);
  EXPECT_EQ(std::string(ValidateRuleSet(rule_set).message()),
            "requirements[0].excluded_offer_kinds: is only for satisfied_by "
            "SATISFIER_OFFER_STARTED");
  requirement->set_satisfied_by(v1::SATISFIER_OFFER_STARTED);
  EXPECT_TRUE(ValidateRuleSet(rule_set).ok()) << ValidateRuleSet(rule_set);
  requirement->add_excluded_offer_kinds(
      v1::OFFER_KIND_OTHER_GUIDANCE_AND_UPSKILLING);
  EXPECT_EQ(std::string(ValidateRuleSet(rule_set).message()),
            "requirements[0].excluded_offer_kinds[1]: "
            "OFFER_KIND_OTHER_GUIDANCE_AND_UPSKILLING is given twice");
  requirement->set_excluded_offer_kinds(1, v1::OFFER_KIND_UNSPECIFIED);
  EXPECT_EQ(std::string(ValidateRuleSet(rule_set).message()),
            "requirements[0].excluded_offer_kinds[1]: is required (OfferKind "
            "must not be unspecified)");

  rule_set = *parsed;
  requirement = rule_set.mutable_requirements(0);
  requirement->set_direct_referral(v1::DIRECT_REFERRAL_ONLY);
  requirement->clear_target_groups();
  requirement->add_target_groups(v1::TARGET_GROUP_A_DAGPENGE);
  requirement->set_anchor(v1::ANCHOR_REGISTRATION);
  EXPECT_TRUE(ValidateRuleSet(rule_set).ok()) << ValidateRuleSet(rule_set);
  requirement->add_target_groups(v1::TARGET_GROUP_SYGEDAGPENGE);
  requirement->set_anchor(v1::ANCHOR_FIRST_CONTACT);
  EXPECT_EQ(std::string(ValidateRuleSet(rule_set).message()),
            "requirements[0].direct_referral: is only for "
            "TARGET_GROUP_A_DAGPENGE, not TARGET_GROUP_SYGEDAGPENGE");
  requirement->set_direct_referral(static_cast<v1::DirectReferral>(9));
  EXPECT_EQ(std::string(ValidateRuleSet(rule_set).message()),
            "requirements[0].direct_referral: 9 is not a known "
            "DirectReferral");
}

TEST(ValidateRuleSetTest, ChecksPopulationTargetsAndRunningPeriods) {
  absl::StatusOr<v1::RuleSet> parsed =
      ParseRuleSet(kValidRuleSet, "test.textproto");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  v1::RuleSet rule_set = *parsed;
  v1::PopulationTarget* target =
      rule_set.mutable_requirements(1)->mutable_population_target();
  target->set_min_share(0.75);
  target->set_exemption_cap(0.25);
  EXPECT_TRUE(ValidateRuleSet(rule_set).ok()) << ValidateRuleSet(rule_set);
  target->set_min_share(0);
  EXPECT_EQ(std::string(ValidateRuleSet(rule_set).message()),
            "requirements[1].population_target.min_share: 0 is not above 0 "
            "and at most 1");
  target->set_min_share(1.5);
  EXPECT_EQ(std::string(ValidateRuleSet(rule_set).message()),
            "requirements[1].population_target.min_share: 1.5 is not above 0 "
            "and at most 1");
  target->set_min_share(1);
  target->set_exemption_cap(1);
  EXPECT_EQ(std::string(ValidateRuleSet(rule_set).message()),
            "requirements[1].population_target.exemption_cap: 1 is not at "
            "least 0 and below 1");
  target->set_exemption_cap(0);
  rule_set.mutable_requirements(1)
      ->mutable_population_flag()
      ->set_flag_over_share(0.2);
  EXPECT_EQ(std::string(ValidateRuleSet(rule_set).message()),
            "requirements[1].population_target: cannot be given with "
            "population_flag");

  rule_set = *parsed;
  rule_set.set_applies_to_running_periods(true);
  EXPECT_TRUE(ValidateRuleSet(rule_set).ok()) << ValidateRuleSet(rule_set);
  rule_set.set_kind(v1::RULE_SET_KIND_LOCAL_TARGET);
  EXPECT_EQ(std::string(ValidateRuleSet(rule_set).message()),
            "applies_to_running_periods: is only for RULE_SET_KIND_STATUTORY "
            "rule sets");
}

TEST(LoadRuleSetsTest, LoadsTheShippedRuleSets) {
  absl::StatusOr<std::vector<v1::RuleSet>> loaded =
      LoadRuleSets(CASELINE_RULES_DIR);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_EQ(loaded->size(), 8u);
  struct Expected {
    const char* id;
    int version;
    v1::RuleSetKind kind;
    const char* valid_from;
    const char* valid_to;
    int requirements;
  };
  const Expected expected[] = {
      {"dk-lab-2016", 1, v1::RULE_SET_KIND_STATUTORY, "2016-01-01",
       "2019-12-31", 8},
      // Version 2 ends it where the law of 2024 begins.
      {"dk-lab-2020", 2, v1::RULE_SET_KIND_STATUTORY, "2020-01-01",
       "2023-12-31", 7},
      {"dk-lab-2024", 1, v1::RULE_SET_KIND_STATUTORY, "2024-01-01",
       "2026-06-30", 10},
      {"dk-lab-2026", 1, v1::RULE_SET_KIND_STATUTORY, "2026-07-01", "", 9},
      {"local-faaborg-2018", 1, v1::RULE_SET_KIND_LOCAL_TARGET, "2018-05-20",
       "", 4},
      {"local-middelfart-2020", 1, v1::RULE_SET_KIND_LOCAL_TARGET, "2020-02-05",
       "", 2},
      {"star-followup-2023", 1, v1::RULE_SET_KIND_POPULATION_MEASURE,
       "2022-01-01", "", 2},
      // Version 2 ends it where STAR's follow-up takes over.
      {"star-recovery", 2, v1::RULE_SET_KIND_POPULATION_MEASURE, "2015-01-01",
       "2023-04-30", 2},
  };
  for (size_t i = 0; i < loaded->size(); ++i) {
    const v1::RuleSet& rule_set = (*loaded)[i];
    SCOPED_TRACE(rule_set.id());
    EXPECT_EQ(rule_set.id(), expected[i].id);
    EXPECT_EQ(rule_set.version(), expected[i].version);
    EXPECT_EQ(rule_set.kind(), expected[i].kind);
    EXPECT_EQ(rule_set.valid_from(), expected[i].valid_from);
    EXPECT_EQ(rule_set.valid_to(), expected[i].valid_to);
    EXPECT_EQ(rule_set.requirements_size(), expected[i].requirements);
    EXPECT_TRUE(ValidateRuleSet(rule_set).ok());
    for (const v1::Requirement& requirement : rule_set.requirements()) {
      SCOPED_TRACE(requirement.id());
      EXPECT_EQ(requirement.clock(), v1::CLOCK_CALENDAR_DAYS_LESS_PAUSES);
      EXPECT_GT(requirement.target_groups_size(), 0);
      EXPECT_TRUE(requirement.has_source());
    }
  }
}

// The shipped numbers, spot-checked where a slip would be easy.
TEST(LoadRuleSetsTest, ShippedRuleSetsSayWhatTheSourcesSay) {
  absl::StatusOr<std::vector<v1::RuleSet>> loaded =
      LoadRuleSets(CASELINE_RULES_DIR);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_EQ(loaded->size(), 8u);

  const v1::RuleSet& lab_2016 = (*loaded)[0];
  const v1::Schedule& interviews = lab_2016.requirements(0).schedule();
  ASSERT_EQ(interviews.milestones_size(), 6);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(interviews.milestones(i).count(), i + 1);
    EXPECT_EQ(interviews.milestones(i).by().count(), 4 * (i + 1));
  }
  const v1::Deadline& offer = lab_2016.requirements(2).deadline();
  ASSERT_EQ(offer.age_bands_size(), 3);
  EXPECT_EQ(offer.age_bands(0).within().count(), 13);
  EXPECT_EQ(offer.age_bands(1).within().count(), 26);
  EXPECT_EQ(offer.age_bands(2).max_age(), 0);
  EXPECT_TRUE(lab_2016.requirements(4).count_in_window().repeating());

  // The law of 2024 (LAB §§ 31, 32 and 102 as in LBK nr. 280 of 2024).
  const v1::RuleSet& lab_2024 = (*loaded)[2];
  ASSERT_EQ(lab_2024.id(), "dk-lab-2024");
  const v1::Requirement& a_kasse_first = lab_2024.requirements(0);
  EXPECT_EQ(a_kasse_first.satisfied_by(), v1::SATISFIER_A_KASSE_INTERVIEW_HELD);
  EXPECT_EQ(a_kasse_first.deadline().within().count(), 2);
  EXPECT_EQ(a_kasse_first.deadline().within().unit(), v1::OFFSET_UNIT_WEEKS);
  EXPECT_EQ(a_kasse_first.direct_referral(), v1::DIRECT_REFERRAL_EXCLUDED);
  const v1::CountInWindow& jobcentre =
      lab_2024.requirements(2).count_in_window();
  EXPECT_EQ(jobcentre.count(), 3);
  EXPECT_EQ(jobcentre.from().count(), 3);
  EXPECT_EQ(jobcentre.window().count(), 6);
  EXPECT_EQ(lab_2024.requirements(3).count_in_window().count(), 6);
  EXPECT_EQ(lab_2024.requirements(3).direct_referral(),
            v1::DIRECT_REFERRAL_ONLY);
  EXPECT_EQ(lab_2024.requirements(4).count_in_window().window().count(), 16);
  ASSERT_EQ(lab_2024.requirements(5).excluded_offer_kinds_size(), 1);
  EXPECT_EQ(lab_2024.requirements(5).excluded_offer_kinds(0),
            v1::OFFER_KIND_OTHER_GUIDANCE_AND_UPSKILLING);

  // The reform of 2026: population targets of 75%, offers with up to 25%
  // exempted, reaching periods running on 2026-07-01.
  const v1::RuleSet& lab_2026 = (*loaded)[3];
  ASSERT_EQ(lab_2026.id(), "dk-lab-2026");
  EXPECT_TRUE(lab_2026.applies_to_running_periods());
  int targets = 0;
  for (const v1::Requirement& requirement : lab_2026.requirements()) {
    if (!requirement.has_population_target()) continue;
    ++targets;
    EXPECT_DOUBLE_EQ(requirement.population_target().min_share(), 0.75);
    EXPECT_DOUBLE_EQ(requirement.population_target().exemption_cap(),
                     requirement.id() == "offer-target" ? 0.25 : 0.0);
  }
  EXPECT_EQ(targets, 4);

  const v1::RuleSet& faaborg = (*loaded)[4];
  EXPECT_EQ(faaborg.requirements(0).deadline().within().unit(),
            v1::OFFSET_UNIT_DAYS);
  EXPECT_EQ(faaborg.requirements(1).valid_from(), "2018-07-01");
  EXPECT_EQ(faaborg.requirements(3).cadence().from().count(), 26);

  const v1::RuleSet& middelfart = (*loaded)[5];
  EXPECT_EQ(middelfart.requirements(0).anchor(), v1::ANCHOR_SICK_NOTE_RECEIVED);
  EXPECT_EQ(middelfart.requirements(0).deadline().within().unit(),
            v1::OFFSET_UNIT_WORKING_DAYS);

  // STAR's flags (003): more than 20% at 6 months' (26 weeks') seniority.
  // STAR's follow-up: six months in a row under 80%, at least 10 measured,
  // from November 2023.
  const v1::RuleSet& followup = (*loaded)[6];
  ASSERT_EQ(followup.id(), "star-followup-2023");
  for (const v1::Requirement& requirement : followup.requirements()) {
    SCOPED_TRACE(requirement.id());
    EXPECT_DOUBLE_EQ(requirement.monitor().below_share(), 0.8);
    EXPECT_EQ(requirement.monitor().months(), 6);
    EXPECT_EQ(requirement.monitor().min_population(), 10);
    EXPECT_EQ(requirement.monitor().first_month(), "2023-11");
  }

  const v1::RuleSet& star = (*loaded)[7];
  const v1::Schedule& four = star.requirements(0).schedule();
  ASSERT_EQ(four.milestones_size(), 1);
  EXPECT_EQ(four.milestones(0).count(), 4);
  EXPECT_EQ(four.milestones(0).by().count(), 26);
  EXPECT_EQ(four.milestones(0).by().unit(), v1::OFFSET_UNIT_WEEKS);
  EXPECT_EQ(star.requirements(1).deadline().within().count(), 26);
  for (const v1::Requirement& requirement : star.requirements()) {
    EXPECT_DOUBLE_EQ(requirement.population_flag().flag_over_share(), 0.2);
  }
}

TEST(LoadRuleSetsTest, NamesTheFileAndLineOfABadRuleSet) {
  TempDir dir;
  WriteFile(dir.path() + "/a.textproto", kValidRuleSet);
  WriteFile(dir.path() + "/b.textproto", Spoiled("count: 22", "count: 0"));
  absl::StatusOr<std::vector<v1::RuleSet>> loaded = LoadRuleSets(dir.path());
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(loaded.status().message()),
            dir.path() +
                "/b.textproto:28: requirements[1].deadline.within.count: must "
                "be at least 1");
}

TEST(LoadRuleSetsTest, ReadsOnlyTextprotoFilesInNameOrder) {
  TempDir dir;
  WriteFile(dir.path() + "/b.textproto",
            Spoiled("id: \"test-rules\"", "id: \"b-rules\""));
  WriteFile(dir.path() + "/a.textproto",
            Spoiled("id: \"test-rules\"", "id: \"a-rules\""));
  WriteFile(dir.path() + "/README.md", "not a rule set");
  WriteFile(dir.path() + "/.#a.textproto", "an editor's lock file");
  absl::StatusOr<std::vector<v1::RuleSet>> loaded = LoadRuleSets(dir.path());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_EQ(loaded->size(), 2u);
  EXPECT_EQ((*loaded)[0].id(), "a-rules");
  EXPECT_EQ((*loaded)[1].id(), "b-rules");
}

TEST(LoadRuleSetsTest, RejectsTheSameIdAndVersionTwice) {
  TempDir dir;
  WriteFile(dir.path() + "/a.textproto", kValidRuleSet);
  WriteFile(dir.path() + "/b.textproto", kValidRuleSet);
  absl::StatusOr<std::vector<v1::RuleSet>> loaded = LoadRuleSets(dir.path());
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(loaded.status().message()),
            dir.path() +
                "/b.textproto: rule set test-rules version 1 is also "
                "in " +
                dir.path() + "/a.textproto");

  // Another version of the same rule set is a different rule set.
  WriteFile(dir.path() + "/b.textproto", Spoiled("version: 1", "version: 2"));
  loaded = LoadRuleSets(dir.path());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->size(), 2u);
}

TEST(LoadRuleSetsTest, RejectsADirectoryWithoutRuleSets) {
  TempDir dir;
  absl::StatusOr<std::vector<v1::RuleSet>> loaded = LoadRuleSets(dir.path());
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(
      loaded.status().message(),
      "rule directory " + dir.path() + " holds no *.textproto rule set files");

  WriteFile(dir.path() + "/rules.txt", kValidRuleSet);
  loaded = LoadRuleSets(dir.path());
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(LoadRuleSetsTest, RejectsAMissingDirectory) {
  TempDir dir;
  const std::string missing = dir.path() + "/no-such-dir";
  absl::StatusOr<std::vector<v1::RuleSet>> loaded = LoadRuleSets(missing);
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(std::string(loaded.status().message()),
            "rule directory " + missing + " does not exist");
}

TEST(LoadRuleSetsTest, RejectsAFileInsteadOfADirectory) {
  TempDir dir;
  const std::string file = dir.path() + "/a.textproto";
  WriteFile(file, kValidRuleSet);
  EXPECT_EQ(LoadRuleSets(file).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(LoadRuleSetsTest, RejectsAnOversizedFile) {
  TempDir dir;
  std::string text = kValidRuleSet;
  text.append(kRuleFileBytesMax, ' ');
  WriteFile(dir.path() + "/a.textproto", text);
  absl::StatusOr<std::vector<v1::RuleSet>> loaded = LoadRuleSets(dir.path());
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(loaded.status().message()),
            dir.path() +
                "/a.textproto: is larger than 1048576 bytes, the "
                "limit for a rule file");
}

// A rule set with only the fields WithCandidate looks at.
v1::RuleSet Stub(const std::string& id, int version) {
  v1::RuleSet rule_set;
  rule_set.set_id(id);
  rule_set.set_version(version);
  return rule_set;
}

std::vector<std::string> IdsAndVersions(const std::vector<v1::RuleSet>& sets) {
  std::vector<std::string> out;
  for (const v1::RuleSet& rule_set : sets) {
    out.push_back(rule_set.id() + "@" + std::to_string(rule_set.version()));
  }
  return out;
}

TEST(WithCandidateTest, ReplacesTheActiveRuleSetOfItsIdInPlace) {
  const std::vector<v1::RuleSet> active = {
      Stub("dk-lab-2016", 1), Stub("dk-lab-2020", 2), Stub("local-x", 1)};
  EXPECT_EQ(IdsAndVersions(WithCandidate(active, Stub("dk-lab-2020", 3))),
            (std::vector<std::string>{"dk-lab-2016@1", "dk-lab-2020@3",
                                      "local-x@1"}));
}

TEST(WithCandidateTest, AppendsACandidateWithANewId) {
  const std::vector<v1::RuleSet> active = {Stub("dk-lab-2016", 1),
                                           Stub("dk-lab-2020", 2)};
  EXPECT_EQ(IdsAndVersions(WithCandidate(active, Stub("local-new", 1))),
            (std::vector<std::string>{"dk-lab-2016@1", "dk-lab-2020@2",
                                      "local-new@1"}));
}

TEST(WithCandidateTest, WithNoActiveRuleSetsIsTheCandidateAlone) {
  EXPECT_EQ(IdsAndVersions(WithCandidate({}, Stub("local-new", 1))),
            (std::vector<std::string>{"local-new@1"}));
}

TEST(WithCandidateTest, LeavesTheActiveListUnchanged) {
  const std::vector<v1::RuleSet> active = {Stub("dk-lab-2020", 2)};
  (void)WithCandidate(active, Stub("dk-lab-2020", 3));
  EXPECT_EQ(IdsAndVersions(active),
            (std::vector<std::string>{"dk-lab-2020@2"}));
}

}  // namespace
}  // namespace caseline
