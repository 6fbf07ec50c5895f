// Goal: how long the core of GetCompliance takes for one case: folding its
// events into a timeline and judging it by the shipped rule sets.
// Method: the rule sets in rules/ are parsed once, outside the timed
// loop. One realistic a-dagpenge case at Faaborg-Midtfyn (so that the
// statutory and the local rule set both judge it) is built once: interviews
// about every two weeks, some of them joint, service calls, referrals that
// lead to offers or are cancelled, now and then a caseworker change and a
// pause. Each iteration folds its first N events on the day after the last
// one, as known now, and evaluates the timeline; items are events.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "projections/compliance.h"
#include "projections/instants.h"
#include "projections/rule_sets.h"
#include "projections/timeline.h"
#include "server/rule_files.h"

namespace caseline {
namespace {

// A typical case so far, and a long history (about three and a half years
// of rounds, below).
constexpr int kEventsPerCaseShort = 20;
constexpr int kEventsPerCaseLong = 200;

// Registered on a Monday; the 2016 statutory rule set and Faaborg-Midtfyn's
// local one both govern periods anchored then.
constexpr absl::CivilDay kAnchorOn(2018, 8, 6);

// The events of one six-week round, as days after the round's start: three
// interviews (about every two weeks; the first of every other round jointly
// with the a-kasse), a service call, a referral and what became of it, and
// every few rounds a caseworker change or a pause.
enum class Step {
  kFirstInterview,
  kInterview,
  kServiceCall,
  kReferral,
  kOfferOrCancellation,
  kCaseworkerChange,
  kPause,
  kResume,
};
struct Planned {
  int day;
  Step step;
};
constexpr int kRoundDays = 42;
constexpr Planned kRound[] = {
    {2, Step::kFirstInterview},
    {6, Step::kServiceCall},
    {16, Step::kInterview},
    {18, Step::kReferral},
    {25, Step::kCaseworkerChange},
    {30, Step::kInterview},
    {33, Step::kOfferOrCancellation},
    {36, Step::kPause},
    {40, Step::kResume},
};

// Every rule set shipped in rules/, read once.
const std::vector<v1::RuleSet>& ShippedRuleSets() {
  static const std::vector<v1::RuleSet>* const rule_sets = [] {
    absl::StatusOr<std::vector<v1::RuleSet>> loaded =
        LoadRuleSets(CASELINE_RULES_DIR);
    if (!loaded.ok()) {
      std::fprintf(stderr, "%s\n", loaded.status().ToString().c_str());
      std::exit(1);
    }
    return new std::vector<v1::RuleSet>(*std::move(loaded));
  }();
  return *rule_sets;
}

// Builds the case's events in order, each recorded at noon of its day.
class CaseBuilder {
 public:
  v1::Event& Add(absl::CivilDay on) {
    v1::Event event;
    ++version_;
    event.set_event_id(absl::StrCat("e-", version_));
    event.set_case_id("c-1");
    event.set_occurred_on(absl::FormatCivilTime(on));
    event.set_case_version(version_);
    event.set_position(version_);
    *event.mutable_recorded_at() = ToTimestamp(absl::FromCivil(
        absl::CivilSecond(on) + 12 * 3600, absl::UTCTimeZone()));
    events_.push_back(std::move(event));
    return events_.back();
  }

  std::vector<v1::Event> Take() { return std::move(events_); }

 private:
  uint64_t version_ = 0;
  std::vector<v1::Event> events_;
};

// One round's step on `on`; returns false if the round skips it.
bool AddStep(CaseBuilder& builder, int round, Step step, absl::CivilDay on) {
  const std::string referral_id = absl::StrCat("r-", round);
  switch (step) {
    case Step::kFirstInterview:
    case Step::kInterview: {
      const bool joint = step == Step::kFirstInterview && round % 2 == 0;
      v1::Event& event = builder.Add(on);
      event.mutable_interview_held()->set_kind(
          joint ? v1::INTERVIEW_KIND_JOINT : v1::INTERVIEW_KIND_INDIVIDUAL);
      event.mutable_interview_held()->set_channel(
          v1::INTERVIEW_CHANNEL_IN_PERSON);
      return true;
    }
    case Step::kServiceCall:
      builder.Add(on).mutable_service_call_made()->set_outcome(
          v1::SERVICE_CALL_OUTCOME_REACHED);
      return true;
    case Step::kReferral: {
      v1::ReferralMade* body = builder.Add(on).mutable_referral_made();
      body->set_referral_id(referral_id);
      body->set_offer_kind(v1::OFFER_KIND_COMPANY_INTERNSHIP);
      body->set_provider("Faaborg Maskinfabrik");
      return true;
    }
    case Step::kOfferOrCancellation:
      // Two referrals in three lead to an offer.
      if (round % 3 == 2) {
        v1::ReferralCancelled* body =
            builder.Add(on).mutable_referral_cancelled();
        body->set_referral_id(referral_id);
        body->set_reason(v1::REFERRAL_CANCEL_REASON_PROVIDER_UNAVAILABLE);
      } else {
        v1::OfferStarted* body = builder.Add(on).mutable_offer_started();
        body->set_offer_id(absl::StrCat("o-", round));
        body->set_referral_id(referral_id);
        body->set_offer_kind(v1::OFFER_KIND_COMPANY_INTERNSHIP);
        body->set_planned_end_on(absl::FormatCivilTime(on + 28));
      }
      return true;
    case Step::kCaseworkerChange: {
      if (round % 4 != 3) return false;
      v1::CaseworkerChanged* body =
          builder.Add(on).mutable_caseworker_changed();
      body->set_caseworker_id(absl::StrCat("cw-", round));
      body->set_team_id("team-a");
      body->set_reason(round % 8 == 3 ? v1::CASEWORKER_CHANGE_REASON_PLANNED
                                      : v1::CASEWORKER_CHANGE_REASON_SICKNESS);
      return true;
    }
    case Step::kPause:
      if (round % 5 != 4) return false;
      builder.Add(on).mutable_case_paused()->set_reason(
          v1::PAUSE_REASON_ILLNESS);
      return true;
    case Step::kResume:
      if (round % 5 != 4) return false;
      builder.Add(on).mutable_case_resumed();
      return true;
  }
  return false;
}

// The case's first `events` events: case_opened, then rounds of steps.
std::vector<v1::Event> ADagpengeCase(int events) {
  assert(events >= 1);
  CaseBuilder builder;
  v1::CaseOpened* opened = builder.Add(kAnchorOn).mutable_case_opened();
  opened->set_citizen_id("citizen-1");
  opened->set_jobcentre_id("jc-faaborg-midtfyn");
  opened->set_target_group(v1::TARGET_GROUP_A_DAGPENGE);
  opened->set_birth_on("1991-01-15");
  opened->set_anchor_on(absl::FormatCivilTime(kAnchorOn));
  opened->set_caseworker_id("cw-1");
  opened->set_team_id("team-a");
  int added = 1;
  for (int round = 0; added < events; ++round) {
    const absl::CivilDay round_on = kAnchorOn + round * kRoundDays;
    for (const Planned& planned : kRound) {
      if (added == events) break;
      if (AddStep(builder, round, planned.step, round_on + planned.day)) {
        ++added;
      }
    }
  }
  return builder.Take();
}

void BM_FoldAndEvaluate(benchmark::State& state) {
  const std::vector<v1::RuleSet>& rule_sets = ShippedRuleSets();
  if (rule_sets.empty()) {
    state.SkipWithError("no rule sets shipped in rules/");
    return;
  }
  const int events_per_case = static_cast<int>(state.range(0));
  const std::vector<v1::Event> events = ADagpengeCase(events_per_case);
  absl::CivilDay last_on;
  absl::ParseCivilTime(events.back().occurred_on(), &last_on);
  const absl::CivilDay as_of = last_on + 1;
  const absl::Time known_at = absl::InfiniteFuture();
  size_t rows = 0;
  for (auto _ : state) {
    const CaseTimeline timeline = FoldTimeline(events, as_of, known_at);
    std::vector<RequirementResult> results =
        Evaluate(rule_sets, timeline, as_of, /*named=*/false);
    rows = results.size();
    benchmark::DoNotOptimize(results.data());
  }
  state.SetItemsProcessed(state.iterations() * events_per_case);
  state.counters["rows"] = static_cast<double>(rows);
}

BENCHMARK(BM_FoldAndEvaluate)
    ->ArgName("events_per_case")
    ->Arg(kEventsPerCaseShort)
    ->Arg(kEventsPerCaseLong)
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace caseline

BENCHMARK_MAIN();
