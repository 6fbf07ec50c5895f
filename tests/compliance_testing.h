// Shared by the compliance scenario tests: the shipped rule sets read from
// rules/, a builder of one case's events with the server's fields, and
// finders of result rows that fail clearly when a row is missing.
#ifndef CASELINE_TESTS_COMPLIANCE_TESTING_H_
#define CASELINE_TESTS_COMPLIANCE_TESTING_H_

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "projections/compliance.h"
#include "projections/instants.h"
#include "projections/rule_sets.h"
#include "projections/timeline.h"
#include "server/rule_files.h"
#include "tests/test_events.h"

namespace caseline::compliance_testing {

using ::caseline::testing::BaseEvent;

constexpr char kLab2016[] = "dk-lab-2016";
constexpr char kLab2020[] = "dk-lab-2020";
constexpr char kLab2024[] = "dk-lab-2024";
constexpr char kLab2026[] = "dk-lab-2026";
constexpr char kFaaborg[] = "local-faaborg-2018";
constexpr char kMiddelfart[] = "local-middelfart-2020";

const absl::Time kNow = absl::InfiniteFuture();

// --- Rule sets ---

// Every rule set shipped in rules/, read once.
inline const std::vector<v1::RuleSet>& ShippedRuleSets() {
  static const std::vector<v1::RuleSet>* const rule_sets = [] {
    absl::StatusOr<std::vector<v1::RuleSet>> loaded =
        LoadRuleSets(CASELINE_RULES_DIR);
    if (!loaded.ok()) {
      ADD_FAILURE() << loaded.status();
      return new std::vector<v1::RuleSet>;
    }
    return new std::vector<v1::RuleSet>(*std::move(loaded));
  }();
  return *rule_sets;
}

inline v1::RuleSet ShippedRuleSet(absl::string_view id) {
  for (const v1::RuleSet& rule_set : ShippedRuleSets()) {
    if (rule_set.id() == id) return rule_set;
  }
  ADD_FAILURE() << "no rule set " << id << " in " << CASELINE_RULES_DIR;
  return v1::RuleSet();
}

// --- Cases ---

inline absl::CivilDay Day(absl::string_view text) {
  absl::CivilDay day;
  EXPECT_TRUE(absl::ParseCivilTime(text, &day)) << text;
  return day;
}

inline absl::Time Noon(absl::string_view day) {
  return absl::FromCivil(absl::CivilSecond(Day(day)) + 12 * 3600,
                         absl::UTCTimeZone());
}

// One case's events in recording order, each recorded at noon (UTC) of its
// occurred_on unless told otherwise.
class CaseLog {
 public:
  // Returns the event id.
  std::string Add(v1::Event event, absl::string_view recorded_on = "") {
    ++version_;
    const std::string id = absl::StrCat("e-", version_);
    event.set_event_id(id);
    event.set_case_id("c-1");
    event.set_case_version(version_);
    event.set_position(version_);
    const absl::Time recorded_at =
        Noon(recorded_on.empty() ? event.occurred_on() : recorded_on);
    *event.mutable_recorded_at() = ToTimestamp(recorded_at);
    events_.push_back(std::move(event));
    return id;
  }

  std::string Opened(v1::TargetGroup group, absl::string_view anchor_on,
                     absl::string_view birth_on, absl::string_view jobcentre_id,
                     absl::string_view sick_note_received_on = "",
                     absl::string_view opened_on = "") {
    // A case is opened on its anchor day unless `opened_on` says later.
    v1::Event event = BaseEvent(
        "", "c-1", std::string(opened_on.empty() ? anchor_on : opened_on));
    v1::CaseOpened* body = event.mutable_case_opened();
    body->set_citizen_id("citizen-1");
    body->set_jobcentre_id(std::string(jobcentre_id));
    body->set_target_group(group);
    body->set_birth_on(std::string(birth_on));
    body->set_anchor_on(std::string(anchor_on));
    body->set_caseworker_id("cw-1");
    body->set_team_id("team-a");
    body->set_sick_note_received_on(std::string(sick_note_received_on));
    return Add(std::move(event));
  }

  std::string Interview(absl::string_view on,
                        v1::InterviewKind kind = v1::INTERVIEW_KIND_INDIVIDUAL,
                        absl::string_view recorded_on = "") {
    v1::Event event = BaseEvent("", "c-1", std::string(on));
    event.mutable_interview_held()->set_kind(kind);
    event.mutable_interview_held()->set_channel(
        v1::INTERVIEW_CHANNEL_IN_PERSON);
    return Add(std::move(event), recorded_on);
  }

  // An interview held by `held_by` (the a-kasse or the jobcentre).
  std::string InterviewBy(
      absl::string_view on, v1::InterviewHolder held_by,
      v1::InterviewKind kind = v1::INTERVIEW_KIND_INDIVIDUAL) {
    v1::Event event = BaseEvent("", "c-1", std::string(on));
    event.mutable_interview_held()->set_kind(kind);
    event.mutable_interview_held()->set_channel(
        v1::INTERVIEW_CHANNEL_IN_PERSON);
    event.mutable_interview_held()->set_held_by(held_by);
    return Add(std::move(event));
  }

  // Marks the opening period as one the a-kasse referred straight to the
  // jobcentre (LAB § 27, stk. 3).
  void ReferredToJobcentre() {
    for (v1::Event& event : events_) {
      if (event.has_case_opened()) {
        event.mutable_case_opened()->set_referred_to_jobcentre(true);
      }
    }
  }

  // The municipality (or the law) exempts the case from a requirement of
  // `rule_set_id` under a population target.
  std::string Exempted(absl::string_view on, absl::string_view rule_set_id,
                       absl::string_view requirement_id, v1::ExemptionKind kind,
                       absl::string_view recorded_on = "") {
    v1::Event event = BaseEvent("", "c-1", std::string(on));
    v1::ExemptionGranted* body = event.mutable_exemption_granted();
    body->set_rule_set_id(std::string(rule_set_id));
    body->set_requirement_id(std::string(requirement_id));
    body->set_kind(kind);
    body->set_reason("long-term illness in the family");
    body->set_decided_by("tl-7");
    return Add(std::move(event), recorded_on);
  }

  std::string Missed(absl::string_view on) {
    v1::Event event = BaseEvent("", "c-1", std::string(on));
    event.mutable_interview_missed()->set_kind(v1::INTERVIEW_KIND_INDIVIDUAL);
    return Add(std::move(event));
  }

  std::string OfferStarted(
      absl::string_view on,
      v1::OfferKind kind = v1::OFFER_KIND_COMPANY_INTERNSHIP) {
    v1::Event event = BaseEvent("", "c-1", std::string(on));
    v1::OfferStarted* body = event.mutable_offer_started();
    body->set_offer_id(absl::StrCat("o-", version_ + 1));
    body->set_offer_kind(kind);
    body->set_planned_end_on(absl::FormatCivilTime(Day(on) + 91));
    return Add(std::move(event));
  }

  std::string ServiceCall(absl::string_view on) {
    v1::Event event = BaseEvent("", "c-1", std::string(on));
    event.mutable_service_call_made()->set_outcome(
        v1::SERVICE_CALL_OUTCOME_NOT_REACHED);
    return Add(std::move(event));
  }

  std::string Paused(absl::string_view on) {
    v1::Event event = BaseEvent("", "c-1", std::string(on));
    event.mutable_case_paused()->set_reason(v1::PAUSE_REASON_ILLNESS);
    return Add(std::move(event));
  }

  std::string Resumed(absl::string_view on) {
    v1::Event event = BaseEvent("", "c-1", std::string(on));
    event.mutable_case_resumed();
    return Add(std::move(event));
  }

  std::string GroupChanged(absl::string_view on, v1::TargetGroup group,
                           absl::string_view anchor_on) {
    v1::Event event = BaseEvent("", "c-1", std::string(on));
    event.mutable_target_group_changed()->set_target_group(group);
    event.mutable_target_group_changed()->set_anchor_on(std::string(anchor_on));
    return Add(std::move(event));
  }

  std::string Retract(absl::string_view on, const std::string& event_id) {
    v1::Event event = BaseEvent("", "c-1", std::string(on));
    event.mutable_event_retracted()->set_retracted_event_id(event_id);
    event.mutable_event_retracted()->set_reason("registered on the wrong case");
    return Add(std::move(event));
  }

  std::string Review(absl::string_view on) {
    v1::Event event = BaseEvent("", "c-1", std::string(on));
    event.mutable_review_held();
    return Add(std::move(event));
  }

  std::string Closed(absl::string_view on) {
    v1::Event event = BaseEvent("", "c-1", std::string(on));
    event.mutable_case_closed()->set_reason(v1::CASE_CLOSE_REASON_JOB);
    return Add(std::move(event));
  }

  const std::vector<v1::Event>& events() const { return events_; }

 private:
  uint64_t version_ = 0;
  std::vector<v1::Event> events_;
};

using Rows = std::vector<RequirementResult>;

// The case judged on `as_of` as known at `known_at`.
inline Rows Judge(const CaseLog& log, absl::string_view as_of,
                  absl::Time known_at = kNow,
                  const std::vector<v1::RuleSet>& rule_sets = ShippedRuleSets(),
                  bool named = false) {
  const CaseTimeline timeline =
      FoldTimeline(log.events(), Day(as_of), known_at);
  return Evaluate(rule_sets, timeline, Day(as_of), named);
}

inline std::string Describe(const RequirementResult& row) {
  return absl::StrCat(
      row.rule_set_id, " / ", row.requirement_id, " / \"", row.item,
      "\" period ", row.period_index, ": ", VerdictName(row.verdict),
      ", deadline ",
      row.deadline_on ? absl::FormatCivilTime(*row.deadline_on) : "-", ", met ",
      row.met_on ? absl::FormatCivilTime(*row.met_on) : "-",
      row.note.empty() ? "" : absl::StrCat(" (", row.note, ")"));
}

inline std::string DescribeAll(const Rows& rows) {
  std::string text;
  for (const RequirementResult& row : rows) {
    absl::StrAppend(&text, "\n  ", Describe(row));
  }
  return text.empty() ? " (no rows)" : text;
}

// The rows of one requirement of one rule set for one period, in order.
inline std::vector<const RequirementResult*> RowsOf(
    const Rows& rows, absl::string_view rule_set_id,
    absl::string_view requirement_id, int period_index = 0) {
  std::vector<const RequirementResult*> found;
  for (const RequirementResult& row : rows) {
    if (row.rule_set_id == rule_set_id &&
        row.requirement_id == requirement_id &&
        row.period_index == period_index) {
      found.push_back(&row);
    }
  }
  return found;
}

// Stands in for a missing row, so that the checks after a failed look-up
// fail too instead of crashing.
inline const RequirementResult& MissingRow() {
  static const RequirementResult* const missing = [] {
    auto* row = new RequirementResult;
    row->rule_set_id = "<missing>";
    row->verdict = Verdict::kNotApplicable;
    return row;
  }();
  return *missing;
}

// The k-th (1-based) row of a requirement: milestone k of a schedule, gap k
// of a cadence, window k of a repeating count.
inline const RequirementResult& NthRow(const Rows& rows,
                                       absl::string_view rule_set_id,
                                       absl::string_view requirement_id, int k,
                                       int period_index = 0) {
  const auto found = RowsOf(rows, rule_set_id, requirement_id, period_index);
  if (k < 1 || static_cast<size_t>(k) > found.size()) {
    ADD_FAILURE() << "no row " << k << " of " << rule_set_id << " / "
                  << requirement_id << " for period " << period_index
                  << "; the rows are:" << DescribeAll(rows);
    return MissingRow();
  }
  return *found[k - 1];
}

// The one row of a requirement (a deadline, a single window, or a
// NOT_APPLICABLE requirement).
inline const RequirementResult& OnlyRow(const Rows& rows,
                                        absl::string_view rule_set_id,
                                        absl::string_view requirement_id,
                                        int period_index = 0) {
  const auto found = RowsOf(rows, rule_set_id, requirement_id, period_index);
  if (found.size() != 1) {
    ADD_FAILURE() << found.size() << " rows of " << rule_set_id << " / "
                  << requirement_id << " for period " << period_index
                  << ", expected exactly one; the rows are:"
                  << DescribeAll(rows);
    return found.empty() ? MissingRow() : *found[0];
  }
  return *found[0];
}

// Whether `row` has the verdict, deadline and met date (empty: unset).
inline ::testing::AssertionResult Judged(const RequirementResult& row,
                                         Verdict verdict,
                                         absl::string_view deadline,
                                         absl::string_view met_on = "") {
  const bool deadline_ok =
      row.deadline_on.has_value() && *row.deadline_on == Day(deadline);
  const bool met_ok =
      met_on.empty() ? !row.met_on.has_value()
                     : row.met_on.has_value() && *row.met_on == Day(met_on);
  if (row.verdict == verdict && deadline_ok && met_ok) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "got " << Describe(row) << "; want " << VerdictName(verdict)
         << ", deadline " << deadline << ", met "
         << (met_on.empty() ? "-" : met_on);
}

inline ::testing::AssertionResult NotApplicable(const RequirementResult& row) {
  if (row.verdict == Verdict::kNotApplicable && !row.met_on.has_value()) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "got " << Describe(row) << "; want NOT_APPLICABLE, not met";
}

inline int CountRowsOf(const Rows& rows, absl::string_view rule_set_id) {
  return static_cast<int>(
      std::count_if(rows.begin(), rows.end(), [&](const RequirementResult& r) {
        return r.rule_set_id == rule_set_id;
      }));
}

}  // namespace caseline::compliance_testing

#endif  // CASELINE_TESTS_COMPLIANCE_TESTING_H_
