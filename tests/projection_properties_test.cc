// Goal: the projections keep the promises of the two time axes (DESIGN.md)
// on any case, not only on hand-worked ones: an event recorded after
// known_at, or one that occurred after as_of, never changes an answer; the
// same input always gives the same answer; and no verdict contradicts the
// day it is given for.
// Method: random but valid cases (std::mt19937, one fixed seed per case, so
// a failure names the seed that reproduces it), each accepted event by event
// by ValidateEventFields and CaseState as the write path would. Each answer
// (the timeline, Evaluate by the four shipped rule sets both unnamed and
// named, CountSwitches and ComputeWaitingTimes) is written as one canonical
// text, a line per fact, and two answers are compared line by line.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "projections/case_state.h"
#include "projections/compliance.h"
#include "projections/event_validation.h"
#include "projections/instants.h"
#include "projections/rule_sets.h"
#include "projections/timeline.h"
#include "tests/compliance_testing.h"

namespace caseline {
namespace {

// Enough cases that every kind of event, late recording and retraction
// meets every other many times, while the whole test stays a few seconds
// under ASan.
constexpr int kCasesPerProperty = 300;
// Queries (as_of, known_at) asked of each generated case.
constexpr int kQueriesPerCase = 2;
// After this many failing cases a property stops: the first ones explain
// the fault, the rest would only bury them.
constexpr int kFailuresShownMax = 3;

// One seed range per property, so that each property sees its own cases.
constexpr uint32_t kSeedGenerator = 1'000;
constexpr uint32_t kSeedKnownAt = 2'000;
constexpr uint32_t kSeedAsOf = 3'000;
constexpr uint32_t kSeedDeterminism = 4'000;
constexpr uint32_t kSeedVerdicts = 5'000;

// Events after case_opened in one generated case.
constexpr int kEventsMin = 5;
constexpr int kEventsMax = 60;

// The validation's "today": far after every generated date.
constexpr absl::CivilDay kToday(2100, 1, 1);

// --- Rule sets ---

using ::caseline::compliance_testing::ShippedRuleSets;

// --- Generated cases ---

absl::Time At(absl::CivilDay day, int64_t seconds) {
  return absl::FromCivil(absl::CivilSecond(day), absl::UTCTimeZone()) +
         absl::Seconds(seconds);
}

absl::Time RecordedAt(const v1::Event& event) {
  return ToTime(event.recorded_at());
}

absl::CivilDay OccurredOn(const v1::Event& event) {
  absl::CivilDay day;
  const bool parsed = absl::ParseCivilTime(event.occurred_on(), &day);
  EXPECT_TRUE(parsed) << event.occurred_on();
  return day;
}

int Uniform(std::mt19937& rng, int low, int high) {
  return std::uniform_int_distribution<int>(low, high)(rng);
}

bool Chance(std::mt19937& rng, int percent) {
  return Uniform(rng, 1, 100) <= percent;
}

// Builds one random case that the write path accepts: the facts in the order
// they occurred, each with the instant it was recorded, then numbered in
// recording order. Only facts that nothing later depends on (interviews,
// service calls, reviews) are recorded late, so that every event is valid
// where it lands in the log; a retraction is recorded after its target, and
// a closure after everything else.
class CaseGenerator {
 public:
  explicit CaseGenerator(std::mt19937& rng) : rng_(rng) {}

  std::vector<v1::Event> Generate() {
    Open();
    const int count = Uniform(rng_, kEventsMin, kEventsMax);
    for (int i = 0; i < count; ++i) {
      day_ += Uniform(rng_, 0, 12);
      Next();
    }
    if (Chance(rng_, 25)) {
      day_ += Uniform(rng_, 0, 14);
      Close();
    }
    return Numbered();
  }

 private:
  struct Fact {
    v1::Event event;
    absl::Time recorded_at;
    bool retractable = false;
    bool retracted = false;
  };

  // Seconds after midnight of the first recording, and between two facts'
  // recordings: every instant is distinct, and a retraction (at its
  // target's instant plus half a step) never meets another.
  static constexpr int64_t kRecordedFromSeconds = 8 * 3600;
  static constexpr int64_t kRecordingStepSeconds = 10;

  v1::Event& Add(bool may_be_late, bool retractable) {
    const int64_t sequence = static_cast<int64_t>(facts_.size());
    absl::CivilDay recorded_on = day_;
    if (may_be_late && Chance(rng_, 30)) recorded_on += Uniform(rng_, 1, 35);
    Fact fact;
    fact.event.set_event_id(absl::StrCat("e-", sequence + 1));
    fact.event.set_case_id("c-1");
    fact.event.set_occurred_on(absl::FormatCivilTime(day_));
    fact.recorded_at = At(
        recorded_on, kRecordedFromSeconds + sequence * kRecordingStepSeconds);
    fact.retractable = retractable;
    facts_.push_back(std::move(fact));
    return facts_.back().event;
  }

  void Open() {
    static constexpr v1::TargetGroup kGroups[] = {
        v1::TARGET_GROUP_A_DAGPENGE, v1::TARGET_GROUP_SYGEDAGPENGE,
        v1::TARGET_GROUP_KONTANTHJAELP_AKTIVITETSPARAT};
    static constexpr const char* kJobcentres[] = {
        "jc-brondby", "jc-faaborg-midtfyn", "jc-middelfart"};
    group_ = kGroups[Uniform(rng_, 0, 2)];
    anchor_on_ = absl::CivilDay(2018, 1, 1) + Uniform(rng_, 0, 4 * 365 - 1);
    const int age = Uniform(rng_, 18, 64);
    const absl::CivilDay birth_on =
        absl::CivilDay(anchor_on_.year() - age, anchor_on_.month(),
                       anchor_on_.day()) -
        Uniform(rng_, 0, 364);
    day_ = anchor_on_ + Uniform(rng_, 0, 3);
    v1::Event& event = Add(/*may_be_late=*/false, /*retractable=*/false);
    v1::CaseOpened* body = event.mutable_case_opened();
    body->set_citizen_id("citizen-1");
    body->set_jobcentre_id(kJobcentres[Uniform(rng_, 0, 2)]);
    body->set_target_group(group_);
    body->set_birth_on(absl::FormatCivilTime(birth_on));
    body->set_anchor_on(absl::FormatCivilTime(anchor_on_));
    body->set_caseworker_id("cw-1");
    body->set_team_id("team-a");
    if (group_ == v1::TARGET_GROUP_SYGEDAGPENGE && Chance(rng_, 80)) {
      body->set_sick_note_received_on(
          absl::FormatCivilTime(anchor_on_ + Uniform(rng_, 1, 7)));
    }
    caseworker_id_ = "cw-1";
  }

  void Next() {
    const int roll = Uniform(rng_, 0, 99);
    if (roll < 34) return Interview();
    if (roll < 39) return Missed();
    if (roll < 49) return ServiceCall();
    if (roll < 57) return Referral();
    if (roll < 61) return CancelReferral();
    if (roll < 68) return StartOffer();
    if (roll < 71) return EndOffer();
    if (roll < 78) return ChangeCaseworker();
    if (roll < 85) return PauseOrResume();
    if (roll < 91) return Review();
    if (roll < 93) return ChangeTargetGroup();
    return Retract();
  }

  void Interview() {
    v1::Event& event = Add(/*may_be_late=*/true, /*retractable=*/true);
    const int kind = Uniform(rng_, 0, 9);
    event.mutable_interview_held()->set_kind(
        kind < 3   ? v1::INTERVIEW_KIND_JOINT
        : kind < 4 ? v1::INTERVIEW_KIND_GROUP
                   : v1::INTERVIEW_KIND_INDIVIDUAL);
    event.mutable_interview_held()->set_channel(
        static_cast<v1::InterviewChannel>(Uniform(rng_, 1, 3)));
  }

  void Missed() {
    v1::Event& event = Add(/*may_be_late=*/true, /*retractable=*/true);
    event.mutable_interview_missed()->set_kind(
        Chance(rng_, 30) ? v1::INTERVIEW_KIND_JOINT
                         : v1::INTERVIEW_KIND_INDIVIDUAL);
  }

  void ServiceCall() {
    v1::Event& event = Add(/*may_be_late=*/true, /*retractable=*/true);
    event.mutable_service_call_made()->set_outcome(
        static_cast<v1::ServiceCallOutcome>(Uniform(rng_, 1, 2)));
  }

  void Review() {
    v1::Event& event = Add(/*may_be_late=*/true, /*retractable=*/true);
    event.mutable_review_held();
  }

  // Referrals are never retracted: an offer or a cancellation names them.
  void Referral() {
    const std::string referral_id = absl::StrCat("r-", ++referrals_made_);
    v1::Event& event = Add(/*may_be_late=*/false, /*retractable=*/false);
    v1::ReferralMade* body = event.mutable_referral_made();
    body->set_referral_id(referral_id);
    body->set_offer_kind(static_cast<v1::OfferKind>(Uniform(rng_, 1, 3)));
    body->set_provider(Chance(rng_, 50) ? "Middelfart Maskinfabrik"
                                        : "AMU Fyn");
    open_referral_ids_.push_back(referral_id);
  }

  void CancelReferral() {
    if (open_referral_ids_.empty()) return Interview();
    const std::string referral_id = TakeAny(open_referral_ids_);
    v1::Event& event = Add(/*may_be_late=*/false, /*retractable=*/true);
    event.mutable_referral_cancelled()->set_referral_id(referral_id);
    event.mutable_referral_cancelled()->set_reason(
        static_cast<v1::ReferralCancelReason>(Uniform(rng_, 1, 5)));
  }

  void StartOffer() {
    std::string referral_id;
    if (!open_referral_ids_.empty() && Chance(rng_, 70)) {
      referral_id = TakeAny(open_referral_ids_);
    }
    const std::string offer_id = absl::StrCat("o-", ++offers_started_);
    v1::Event& event = Add(/*may_be_late=*/false, /*retractable=*/true);
    v1::OfferStarted* body = event.mutable_offer_started();
    body->set_offer_id(offer_id);
    body->set_referral_id(referral_id);
    body->set_offer_kind(static_cast<v1::OfferKind>(Uniform(rng_, 1, 3)));
    body->set_planned_end_on(
        absl::FormatCivilTime(day_ + Uniform(rng_, 14, 180)));
    running_offer_ids_.push_back(offer_id);
  }

  void EndOffer() {
    if (running_offer_ids_.empty()) return Interview();
    const std::string offer_id = TakeAny(running_offer_ids_);
    v1::Event& event = Add(/*may_be_late=*/false, /*retractable=*/true);
    event.mutable_offer_ended()->set_offer_id(offer_id);
    event.mutable_offer_ended()->set_reason(
        static_cast<v1::OfferEndReason>(Uniform(rng_, 1, 5)));
  }

  // A new caseworker each time; now and then the change is undone the same
  // day (A -> B -> A), which CountSwitches reports apart.
  void ChangeCaseworker() {
    const std::string from_id = caseworker_id_;
    AssignCaseworker(absl::StrCat("cw-", ++caseworkers_));
    if (Chance(rng_, 15)) AssignCaseworker(from_id);
  }

  void AssignCaseworker(const std::string& caseworker_id) {
    v1::Event& event = Add(/*may_be_late=*/false, /*retractable=*/true);
    v1::CaseworkerChanged* body = event.mutable_caseworker_changed();
    body->set_caseworker_id(caseworker_id);
    body->set_team_id(Chance(rng_, 50) ? "team-a" : "team-b");
    body->set_reason(
        static_cast<v1::CaseworkerChangeReason>(Uniform(rng_, 1, 7)));
    caseworker_id_ = caseworker_id;
  }

  // Pauses and resumptions alternate, and are never retracted (that would
  // break the alternation the write path checks).
  void PauseOrResume() {
    v1::Event& event = Add(/*may_be_late=*/false, /*retractable=*/false);
    if (paused_) {
      event.mutable_case_resumed();
    } else {
      event.mutable_case_paused()->set_reason(
          static_cast<v1::PauseReason>(Uniform(rng_, 1, 3)));
    }
    paused_ = !paused_;
  }

  // Includes kontanthjælp jobparat, the same benefit as aktivitetsparat, so
  // that some changes go on in the same period.
  void ChangeTargetGroup() {
    static constexpr v1::TargetGroup kGroups[] = {
        v1::TARGET_GROUP_A_DAGPENGE, v1::TARGET_GROUP_SYGEDAGPENGE,
        v1::TARGET_GROUP_KONTANTHJAELP_JOBPARAT,
        v1::TARGET_GROUP_KONTANTHJAELP_AKTIVITETSPARAT};
    v1::TargetGroup group = group_;
    while (group == group_) group = kGroups[Uniform(rng_, 0, 3)];
    const absl::CivilDay anchor_on =
        std::max(anchor_on_, day_ - Uniform(rng_, 0, 5));
    v1::Event& event = Add(/*may_be_late=*/false, /*retractable=*/false);
    event.mutable_target_group_changed()->set_target_group(group);
    event.mutable_target_group_changed()->set_anchor_on(
        absl::FormatCivilTime(anchor_on));
    group_ = group;
  }

  void Retract() {
    std::vector<size_t> candidates;
    for (size_t i = 0; i < facts_.size(); ++i) {
      if (facts_[i].retractable && !facts_[i].retracted) {
        candidates.push_back(i);
      }
    }
    if (candidates.empty()) return Interview();
    const size_t target =
        candidates[Uniform(rng_, 0, static_cast<int>(candidates.size()) - 1)];
    facts_[target].retracted = true;
    const v1::Event& retracted = facts_[target].event;
    // An offer retracted no longer runs: ending it would name no offer.
    if (retracted.has_offer_started()) {
      std::erase(running_offer_ids_, retracted.offer_started().offer_id());
    }
    const std::string retracted_event_id = retracted.event_id();
    const absl::Time after_target =
        facts_[target].recorded_at + absl::Seconds(kRecordingStepSeconds / 2);
    v1::Event& event = Add(/*may_be_late=*/false, /*retractable=*/false);
    event.mutable_event_retracted()->set_retracted_event_id(retracted_event_id);
    event.mutable_event_retracted()->set_reason("registered by mistake");
    facts_.back().recorded_at =
        std::max(facts_.back().recorded_at, after_target);
  }

  void Close() {
    absl::Time last = absl::InfinitePast();
    for (const Fact& fact : facts_) last = std::max(last, fact.recorded_at);
    v1::Event& event = Add(/*may_be_late=*/false, /*retractable=*/false);
    event.mutable_case_closed()->set_reason(
        static_cast<v1::CaseCloseReason>(Uniform(rng_, 1, 5)));
    facts_.back().recorded_at = std::max(
        facts_.back().recorded_at, last + absl::Seconds(kRecordingStepSeconds));
  }

  // Removes and returns a random element of `ids`.
  std::string TakeAny(std::vector<std::string>& ids) {
    const size_t i =
        static_cast<size_t>(Uniform(rng_, 0, static_cast<int>(ids.size()) - 1));
    std::string id = std::move(ids[i]);
    ids.erase(ids.begin() + static_cast<std::ptrdiff_t>(i));
    return id;
  }

  // The facts in recording order, numbered as the log numbers them.
  std::vector<v1::Event> Numbered() {
    std::stable_sort(facts_.begin(), facts_.end(),
                     [](const Fact& a, const Fact& b) {
                       return a.recorded_at < b.recorded_at;
                     });
    std::vector<v1::Event> events;
    events.reserve(facts_.size());
    for (size_t i = 0; i < facts_.size(); ++i) {
      if (i > 0) {
        EXPECT_LT(facts_[i - 1].recorded_at, facts_[i].recorded_at)
            << "two facts recorded at the same instant";
      }
      v1::Event event = std::move(facts_[i].event);
      event.set_case_version(i + 1);
      event.set_position(i + 1);
      *event.mutable_recorded_at() = ToTimestamp(facts_[i].recorded_at);
      events.push_back(std::move(event));
    }
    return events;
  }

  std::mt19937& rng_;
  std::vector<Fact> facts_;
  absl::CivilDay day_;
  absl::CivilDay anchor_on_;
  v1::TargetGroup group_ = v1::TARGET_GROUP_UNSPECIFIED;
  std::string caseworker_id_;
  int caseworkers_ = 1;
  int referrals_made_ = 0;
  int offers_started_ = 0;
  bool paused_ = false;
  std::vector<std::string> open_referral_ids_;
  std::vector<std::string> running_offer_ids_;
};

std::vector<v1::Event> GenerateCase(std::mt19937& rng) {
  return CaseGenerator(rng).Generate();
}

// The case as a failure message shows it, one event a line.
std::string DescribeCase(uint32_t seed, const std::vector<v1::Event>& events) {
  std::string text = absl::StrCat("case of seed ", seed, ":");
  for (const v1::Event& event : events) {
    v1::Event shown = event;
    shown.clear_case_id();
    shown.clear_case_version();
    shown.clear_position();
    shown.clear_recorded_at();
    absl::StrAppend(&text, "\n  v", event.case_version(), " recorded ",
                    absl::FormatTime("%Y-%m-%d %H:%M:%S", RecordedAt(event),
                                     absl::UTCTimeZone()),
                    ": ", shown.ShortDebugString());
  }
  return text;
}

// --- Queries and answers ---

struct Query {
  absl::CivilDay as_of;
  absl::Time known_at;
  // The days CountSwitches is asked about.
  absl::CivilDay switches_from_on;
  absl::CivilDay switches_to_on;
};

std::string DescribeQuery(const Query& query) {
  return absl::StrCat(
      "as_of ", absl::FormatCivilTime(query.as_of), ", known_at ",
      absl::FormatTime("%Y-%m-%d %H:%M:%S", query.known_at,
                       absl::UTCTimeZone()),
      ", switches from ", absl::FormatCivilTime(query.switches_from_on), " to ",
      absl::FormatCivilTime(query.switches_to_on));
}

// A day from shortly before the case's first event to a month after its
// last, often exactly the day of one of its events (where an off-by-one
// would show).
absl::CivilDay RandomDay(std::mt19937& rng,
                         const std::vector<v1::Event>& events) {
  const v1::Event& any =
      events[Uniform(rng, 0, static_cast<int>(events.size()) - 1)];
  if (Chance(rng, 30)) return OccurredOn(any);
  absl::CivilDay first = OccurredOn(events.front());
  absl::CivilDay last = first;
  for (const v1::Event& event : events) {
    first = std::min(first, OccurredOn(event));
    last = std::max(last, OccurredOn(event));
  }
  return first - 5 + Uniform(rng, 0, static_cast<int>(last - first) + 35);
}

// An instant from before the first recording to a day after the last, often
// exactly one event's recorded_at (known_at includes it), now and then
// "now".
absl::Time RandomKnownAt(std::mt19937& rng,
                         const std::vector<v1::Event>& events) {
  const int roll = Uniform(rng, 0, 9);
  if (roll == 0) return absl::InfiniteFuture();
  if (roll < 5) {
    return RecordedAt(
        events[Uniform(rng, 0, static_cast<int>(events.size()) - 1)]);
  }
  const absl::Time first = RecordedAt(events.front()) - absl::Hours(1);
  const absl::Time last = RecordedAt(events.back()) + absl::Hours(24);
  const int64_t span_seconds = absl::ToInt64Seconds(last - first);
  return first + absl::Seconds(std::uniform_int_distribution<int64_t>(
                     0, span_seconds)(rng));
}

Query RandomQuery(std::mt19937& rng, const std::vector<v1::Event>& events) {
  Query query;
  query.as_of = RandomDay(rng, events);
  query.known_at = RandomKnownAt(rng, events);
  query.switches_from_on = RandomDay(rng, events);
  query.switches_to_on = query.switches_from_on + Uniform(rng, 0, 400);
  return query;
}

std::string Day(const std::optional<absl::CivilDay>& day) {
  return day ? absl::FormatCivilTime(*day) : "-";
}

// Leaves out case_id: it names the input rather than a fact in it, and a
// fold of no events (all of them removed) has none to name.
void AppendTimeline(std::string& out, const CaseTimeline& timeline) {
  absl::StrAppend(&out, "timeline citizen ", timeline.citizen_id, " jobcentre ",
                  timeline.jobcentre_id, " born ", Day(timeline.birth_on),
                  " counted ", timeline.events_counted, " retracted ",
                  timeline.events_retracted, "\n");
  for (const Period& p : timeline.periods) {
    absl::StrAppend(&out, "period ", p.target_group, " anchor ",
                    Day(p.anchor_on), " start ", Day(p.start_on), " end ",
                    Day(p.end_on), " sick note ", Day(p.sick_note_received_on),
                    " ", p.event_id, "\n");
  }
  for (const Pause& p : timeline.pauses) {
    absl::StrAppend(&out, "pause ", Day(p.from_on), " to ", Day(p.to_on), " ",
                    p.reason, " ", p.event_id, "\n");
  }
  for (const Interview& i : timeline.interviews) {
    absl::StrAppend(&out, "interview ", Day(i.on), " ", i.kind, " ", i.channel,
                    " ", i.event_id, "\n");
  }
  for (const Interview& i : timeline.missed_interviews) {
    absl::StrAppend(&out, "missed ", Day(i.on), " ", i.kind, " ", i.channel,
                    " ", i.event_id, "\n");
  }
  for (const ServiceCall& c : timeline.service_calls) {
    absl::StrAppend(&out, "service call ", Day(c.on), " ", c.outcome, " ",
                    c.event_id, "\n");
  }
  for (const Referral& r : timeline.referrals) {
    absl::StrAppend(&out, "referral ", r.referral_id, " ", Day(r.on), " ",
                    r.offer_kind, " ", r.provider, " cancelled ",
                    Day(r.cancelled_on), " offer ", Day(r.offer_started_on),
                    " ", r.event_id, "\n");
  }
  for (const Offer& o : timeline.offers) {
    absl::StrAppend(&out, "offer ", o.offer_id, " referral ", o.referral_id,
                    " ", o.offer_kind, " ", Day(o.start_on), " planned ",
                    Day(o.planned_end_on), " end ", Day(o.end_on), " ",
                    o.event_id, "\n");
  }
  for (const Assignment& a : timeline.assignments) {
    absl::StrAppend(&out, "assignment ", Day(a.from_on), " to ", Day(a.to_on),
                    " ", a.caseworker_id, " ", a.team_id, " ", a.reason, " ",
                    a.event_id, "\n");
  }
  for (const Review& r : timeline.reviews) {
    absl::StrAppend(&out, "review ", Day(r.on), " ", r.event_id, "\n");
  }
  if (timeline.closure) {
    absl::StrAppend(&out, "closure ", Day(timeline.closure->on), " ",
                    timeline.closure->reason, " ", timeline.closure->event_id,
                    "\n");
  }
}

void AppendRows(std::string& out, absl::string_view label,
                const std::vector<RequirementResult>& rows) {
  for (const RequirementResult& row : rows) {
    absl::StrAppend(
        &out, label, " ", row.rule_set_id, " v", row.rule_set_version, " ",
        row.rule_set_kind, " ", row.requirement_id, " \"", row.title, "\" [",
        row.source != nullptr ? row.source->ShortDebugString() : "none",
        "] clock ", row.clock, " \"", row.item, "\" period ", row.period_index,
        " ", row.target_group, " anchor ", Day(row.anchor_on), " ",
        VerdictName(row.verdict), " deadline ", Day(row.deadline_on), " met ",
        Day(row.met_on), " events [", absl::StrJoin(row.event_ids, ","),
        "] note \"", row.note, "\"\n");
  }
}

void AppendSwitches(std::string& out, const Switches& switches) {
  absl::StrAppend(&out, "switches planned ", switches.planned, " unplanned ",
                  switches.unplanned, "\n");
  for (const Switch& s : switches.switches) {
    absl::StrAppend(&out, "switch ", Day(s.on), " ", s.from_caseworker_id,
                    " -> ", s.to_caseworker_id, " ", s.to_team_id, " ",
                    s.reason, s.planned ? " planned" : " unplanned",
                    s.same_day_reversal ? " reversal " : " ", s.event_id, "\n");
  }
}

void AppendWaitingTimes(std::string& out, const WaitingTimes& waits) {
  auto days = [](const std::optional<int>& d) {
    return d ? absl::StrCat(*d) : std::string("-");
  };
  absl::StrAppend(&out, "waits first interview ",
                  days(waits.days_to_first_interview), " first offer ",
                  days(waits.days_to_first_offer), "\n");
  for (const ReferralWait& w : waits.referrals) {
    absl::StrAppend(&out, "wait ", w.referral_id, " ", Day(w.referred_on), " ",
                    static_cast<int>(w.state), " ", w.days, " ", w.offer_kind,
                    " ", w.provider, "\n");
  }
}

// Every projection of `events` for `query`, one fact a line.
std::string Answer(absl::Span<const v1::Event> events, const Query& query) {
  const CaseTimeline timeline =
      FoldTimeline(events, query.as_of, query.known_at);
  std::string out;
  AppendTimeline(out, timeline);
  AppendRows(out, "unnamed",
             Evaluate(ShippedRuleSets(), timeline, query.as_of, false));
  AppendRows(out, "named",
             Evaluate(ShippedRuleSets(), timeline, query.as_of, true));
  AppendSwitches(out, CountSwitches(timeline, query.switches_from_on,
                                    query.switches_to_on));
  AppendWaitingTimes(out, ComputeWaitingTimes(timeline, query.as_of));
  return out;
}

// Whether two answers are the same; if not, the first line that differs.
::testing::AssertionResult SameAnswer(const std::string& want,
                                      const std::string& got) {
  if (want == got) return ::testing::AssertionSuccess();
  const std::vector<absl::string_view> want_lines = absl::StrSplit(want, '\n');
  const std::vector<absl::string_view> got_lines = absl::StrSplit(got, '\n');
  size_t i = 0;
  while (i < want_lines.size() && i < got_lines.size() &&
         want_lines[i] == got_lines[i]) {
    ++i;
  }
  auto line = [i](const std::vector<absl::string_view>& lines) {
    return i < lines.size() ? lines[i] : absl::string_view("(none)");
  };
  return ::testing::AssertionFailure()
         << "answers differ first at line " << i + 1
         << ":\n  want: " << line(want_lines)
         << "\n  got:  " << line(got_lines);
}

// --- The generator ---

// The properties mean something only if the cases are ones the server would
// hold, and if they contain every kind of event, late recordings and
// retractions.
TEST(ProjectionPropertiesTest, GeneratedCasesAreValidAndVaried) {
  absl::flat_hash_set<int> kinds;
  int events_total = 0;
  int events_late = 0;
  int cases_closed = 0;
  for (int i = 0; i < kCasesPerProperty; ++i) {
    const uint32_t seed = kSeedGenerator + i;
    std::mt19937 rng(seed);
    const std::vector<v1::Event> events = GenerateCase(rng);
    CaseState state;
    for (const v1::Event& event : events) {
      absl::Status status = ValidateEventFields(event, kToday);
      if (status.ok()) status = state.Append(event);
      ASSERT_TRUE(status.ok())
          << "v" << event.case_version() << ": " << status << "\n"
          << DescribeCase(seed, events);
      kinds.insert(event.body_case());
      ++events_total;
      const absl::CivilDay recorded_on =
          absl::ToCivilDay(RecordedAt(event), absl::UTCTimeZone());
      if (recorded_on > OccurredOn(event)) ++events_late;
    }
    for (size_t v = 1; v < events.size(); ++v) {
      ASSERT_LT(RecordedAt(events[v - 1]), RecordedAt(events[v]))
          << DescribeCase(seed, events);
    }
    if (state.closed()) ++cases_closed;
  }
  // All 15 kinds of event occur somewhere.
  EXPECT_EQ(kinds.size(), 15u);
  // About 15% of events recorded on a later day than they occurred.
  EXPECT_GT(events_late * 100, events_total * 8);
  EXPECT_LT(events_late * 100, events_total * 25);
  EXPECT_GT(cases_closed, kCasesPerProperty / 10);
}

// --- Properties ---

// Property a: "known at T" is a prefix of the log. Asked with known_at T,
// the whole log and the events recorded by T give the same answer, and so
// does that prefix asked with no limit on known_at.
TEST(ProjectionPropertiesTest,
     AnEventRecordedAfterKnownAtNeverChangesAnAnswer) {
  int failures = 0;
  // Queries where known_at leaves out an event that occurred by as_of, so
  // that the answer without it is a real test.
  int queries_hiding_a_fact = 0;
  for (int i = 0; i < kCasesPerProperty && failures < kFailuresShownMax; ++i) {
    const uint32_t seed = kSeedKnownAt + i;
    std::mt19937 rng(seed);
    const std::vector<v1::Event> events = GenerateCase(rng);
    for (int q = 0; q < kQueriesPerCase; ++q) {
      const Query query = RandomQuery(rng, events);
      std::vector<v1::Event> known;
      bool hides_a_fact = false;
      for (const v1::Event& event : events) {
        if (RecordedAt(event) <= query.known_at) {
          known.push_back(event);
        } else if (OccurredOn(event) <= query.as_of) {
          hides_a_fact = true;
        }
      }
      if (hides_a_fact) ++queries_hiding_a_fact;
      Query unlimited = query;
      unlimited.known_at = absl::InfiniteFuture();
      const std::string want = Answer(events, query);
      ::testing::AssertionResult same = SameAnswer(want, Answer(known, query));
      if (same) same = SameAnswer(want, Answer(known, unlimited));
      if (!same) {
        ++failures;
        ADD_FAILURE() << same.message() << "\nfor " << DescribeQuery(query)
                      << " (" << known.size() << " of " << events.size()
                      << " events known)\n"
                      << DescribeCase(seed, events);
        break;
      }
    }
  }
  EXPECT_GT(queries_hiding_a_fact, kCasesPerProperty * kQueriesPerCase / 10);
}

// Property b: an event that occurred after as_of does not count on as_of.
// Removing such events (but no retraction, and no event a retraction names,
// which still count as retracted) gives the same answer.
TEST(ProjectionPropertiesTest, AnEventOccurringAfterAsOfNeverChangesAnAnswer) {
  int failures = 0;
  // Queries that removed at least one event.
  int queries_removing = 0;
  for (int i = 0; i < kCasesPerProperty && failures < kFailuresShownMax; ++i) {
    const uint32_t seed = kSeedAsOf + i;
    std::mt19937 rng(seed);
    const std::vector<v1::Event> events = GenerateCase(rng);
    absl::flat_hash_set<std::string> retracted_ids;
    for (const v1::Event& event : events) {
      if (event.has_event_retracted()) {
        retracted_ids.insert(event.event_retracted().retracted_event_id());
      }
    }
    for (int q = 0; q < kQueriesPerCase; ++q) {
      const Query query = RandomQuery(rng, events);
      std::vector<v1::Event> kept;
      for (const v1::Event& event : events) {
        const bool removable = OccurredOn(event) > query.as_of &&
                               !event.has_event_retracted() &&
                               !retracted_ids.contains(event.event_id());
        if (!removable) kept.push_back(event);
      }
      if (kept.size() < events.size()) ++queries_removing;
      const ::testing::AssertionResult same =
          SameAnswer(Answer(events, query), Answer(kept, query));
      if (!same) {
        ++failures;
        ADD_FAILURE() << same.message() << "\nfor " << DescribeQuery(query)
                      << " (" << kept.size() << " of " << events.size()
                      << " events kept)\n"
                      << DescribeCase(seed, events);
        break;
      }
    }
  }
  EXPECT_GT(queries_removing, kCasesPerProperty * kQueriesPerCase / 4);
}

// Property c: the same input gives the same answer, asked twice or with the
// events in another order (FoldTimeline takes them in any order).
TEST(ProjectionPropertiesTest, TheSameInputGivesTheSameAnswer) {
  int failures = 0;
  for (int i = 0; i < kCasesPerProperty && failures < kFailuresShownMax; ++i) {
    const uint32_t seed = kSeedDeterminism + i;
    std::mt19937 rng(seed);
    const std::vector<v1::Event> events = GenerateCase(rng);
    const Query query = RandomQuery(rng, events);
    std::vector<v1::Event> shuffled = events;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    const std::string want = Answer(events, query);
    ::testing::AssertionResult same = SameAnswer(want, Answer(events, query));
    if (same) same = SameAnswer(want, Answer(shuffled, query));
    if (!same) {
      ++failures;
      ADD_FAILURE() << same.message() << "\nfor " << DescribeQuery(query)
                    << "\n"
                    << DescribeCase(seed, events);
    }
  }
}

// Whether one row's verdict agrees with its dates on `as_of`, and names only
// events in `counted`.
::testing::AssertionResult ConsistentRow(
    const RequirementResult& row, absl::CivilDay as_of,
    const absl::flat_hash_set<std::string>& counted) {
  auto fail = [&](absl::string_view problem) {
    return ::testing::AssertionFailure()
           << row.rule_set_id << " / " << row.requirement_id << " / \""
           << row.item << "\" period " << row.period_index << ": "
           << VerdictName(row.verdict) << ", deadline " << Day(row.deadline_on)
           << ", met " << Day(row.met_on) << ": " << problem;
  };
  for (const std::string& event_id : row.event_ids) {
    if (!counted.contains(event_id)) {
      return fail(absl::StrCat("names ", event_id, ", which does not count"));
    }
  }
  switch (row.verdict) {
    case Verdict::kMet:
    case Verdict::kMetLate:
      if (!row.met_on || !row.deadline_on) return fail("lacks a date");
      if (*row.met_on > as_of) return fail("met after as_of");
      if ((row.verdict == Verdict::kMet) != (*row.met_on <= *row.deadline_on)) {
        return fail("met date and deadline disagree with the verdict");
      }
      break;
    case Verdict::kDue:
    case Verdict::kOverdue:
      if (!row.deadline_on) return fail("lacks a deadline");
      if (row.met_on) return fail("has a met date");
      if ((row.verdict == Verdict::kDue) != (*row.deadline_on >= as_of)) {
        return fail("deadline disagrees with as_of");
      }
      break;
    case Verdict::kNotApplicable:
      if (row.met_on) return fail("has a met date");
      break;
  }
  return ::testing::AssertionSuccess();
}

// Sanity: no row is met after as_of, every DUE row's deadline is on or after
// as_of and every OVERDUE row's before it, and a row names only events that
// count (known by known_at, not retracted, not after as_of).
TEST(ProjectionPropertiesTest, VerdictsAgreeWithTheirDatesAndAsOf) {
  int failures = 0;
  int rows_checked = 0;
  for (int i = 0; i < kCasesPerProperty && failures < kFailuresShownMax; ++i) {
    const uint32_t seed = kSeedVerdicts + i;
    std::mt19937 rng(seed);
    const std::vector<v1::Event> events = GenerateCase(rng);
    for (int q = 0; q < kQueriesPerCase; ++q) {
      const Query query = RandomQuery(rng, events);
      absl::flat_hash_set<std::string> retracted_ids;
      for (const v1::Event& event : events) {
        if (event.has_event_retracted() &&
            RecordedAt(event) <= query.known_at) {
          retracted_ids.insert(event.event_retracted().retracted_event_id());
        }
      }
      absl::flat_hash_set<std::string> counted;
      for (const v1::Event& event : events) {
        if (RecordedAt(event) <= query.known_at &&
            !event.has_event_retracted() &&
            !retracted_ids.contains(event.event_id()) &&
            OccurredOn(event) <= query.as_of) {
          counted.insert(event.event_id());
        }
      }
      const CaseTimeline timeline =
          FoldTimeline(events, query.as_of, query.known_at);
      EXPECT_EQ(timeline.events_counted, static_cast<int>(counted.size()));
      for (bool named : {false, true}) {
        for (const RequirementResult& row :
             Evaluate(ShippedRuleSets(), timeline, query.as_of, named)) {
          ++rows_checked;
          const ::testing::AssertionResult consistent =
              ConsistentRow(row, query.as_of, counted);
          if (!consistent) {
            ++failures;
            ADD_FAILURE() << consistent.message() << "\nfor "
                          << DescribeQuery(query) << (named ? " (named)" : "")
                          << "\n"
                          << DescribeCase(seed, events);
            break;
          }
        }
      }
    }
  }
  EXPECT_GT(rows_checked, kCasesPerProperty);
}

}  // namespace
}  // namespace caseline
