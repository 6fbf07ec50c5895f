#include "projections/compliance.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "projections/calendar.h"
#include "projections/dates.h"

namespace caseline {
namespace {

// Rows one requirement may produce: a repeating window per year for a
// century, and a cadence gap a week for years. Beyond them a case's answer
// would be unreadable anyway.
constexpr int kWindowsMax = 120;
constexpr int kGapsMax = 520;
// Each round of moving a deadline past pauses can only add pause days that
// the previous round reached; a case has far fewer pauses than this.
constexpr int kPauseRoundsMax = 1000;
// Periods WhyNoRequirements explains one by one: the reasons repeat from
// period to period, and the note must stay one readable line.
constexpr size_t kWhyPeriodsMax = 3;

struct Dated {
  absl::CivilDay on;
  std::string event_id;
};

std::string UnitName(v1::OffsetUnit unit) {
  switch (unit) {
    case v1::OFFSET_UNIT_DAYS:
      return "days";
    case v1::OFFSET_UNIT_WORKING_DAYS:
      return "working days";
    case v1::OFFSET_UNIT_WEEKS:
      return "weeks";
    case v1::OFFSET_UNIT_MONTHS:
      return "months";
    default:
      return "?";
  }
}

std::string Describe(const v1::Offset& offset) {
  std::string unit = UnitName(offset.unit());
  if (offset.count() == 1) unit.pop_back();  // "1 week", not "1 weeks".
  return absl::StrCat(offset.count(), " ", unit);
}

v1::Offset Times(const v1::Offset& offset, int factor) {
  v1::Offset result = offset;
  result.set_count(offset.count() * factor);
  return result;
}

bool HeldByJobcentre(const Interview& interview) {
  return interview.held_by != v1::INTERVIEW_HOLDER_A_KASSE;
}

// The law of 2024 counts "individuelle jobsamtaler": a group interview is
// not one, whoever held it.
bool Individual(const Interview& interview) {
  return interview.kind != v1::INTERVIEW_KIND_GROUP;
}

bool Excluded(const v1::Requirement& requirement, v1::OfferKind kind) {
  const auto& excluded = requirement.excluded_offer_kinds();
  return std::find(excluded.begin(), excluded.end(), kind) != excluded.end();
}

// The events of the case that satisfy `requirement`, dated from `from_on`
// to `to_on` (inclusive; open-ended when unset), in date order.
std::vector<Dated> SatisfyingEvents(const CaseTimeline& timeline,
                                    const v1::Requirement& requirement,
                                    absl::CivilDay from_on,
                                    std::optional<absl::CivilDay> to_on) {
  std::vector<Dated> events;
  auto add = [&](absl::CivilDay on, const std::string& event_id) {
    if (on >= from_on && (!to_on || on <= *to_on)) {
      events.push_back({on, event_id});
    }
  };
  switch (requirement.satisfied_by()) {
    case v1::SATISFIER_INTERVIEW_HELD:
      for (const Interview& i : timeline.interviews) add(i.on, i.event_id);
      break;
    case v1::SATISFIER_JOINT_INTERVIEW_HELD:
      for (const Interview& i : timeline.interviews) {
        if (i.kind == v1::INTERVIEW_KIND_JOINT) add(i.on, i.event_id);
      }
      break;
    case v1::SATISFIER_JOBCENTRE_INTERVIEW_HELD:
      for (const Interview& i : timeline.interviews) {
        if (HeldByJobcentre(i) && Individual(i)) add(i.on, i.event_id);
      }
      break;
    case v1::SATISFIER_A_KASSE_INTERVIEW_HELD:
      for (const Interview& i : timeline.interviews) {
        if (!HeldByJobcentre(i) && Individual(i)) add(i.on, i.event_id);
      }
      break;
    case v1::SATISFIER_OFFER_STARTED:
      for (const Offer& o : timeline.offers) {
        if (!Excluded(requirement, o.offer_kind)) add(o.start_on, o.event_id);
      }
      break;
    case v1::SATISFIER_SERVICE_CALL_MADE:
      for (const ServiceCall& c : timeline.service_calls) add(c.on, c.event_id);
      break;
    case v1::SATISFIER_REVIEW_HELD:
      for (const Review& r : timeline.reviews) add(r.on, r.event_id);
      break;
    default:
      break;
  }
  std::stable_sort(events.begin(), events.end(),
                   [](const Dated& a, const Dated& b) { return a.on < b.on; });
  return events;
}

// Paused days from `from_on` to `to_on`, inclusive. A pause covers its first
// day up to the day before it resumed; an open pause runs on past as_of.
int64_t PausedDays(const CaseTimeline& timeline, absl::CivilDay from_on,
                   absl::CivilDay to_on) {
  int64_t days = 0;
  for (const Pause& pause : timeline.pauses) {
    const absl::CivilDay first = std::max(pause.from_on, from_on);
    const absl::CivilDay last =
        pause.to_on ? std::min(*pause.to_on - 1, to_on) : to_on;
    if (last >= first) days += last - first + 1;
  }
  return days;
}

// `nominal`, moved one day later for every paused day from `start_on` up to
// the (moved) deadline, when the clock discounts pauses.
absl::CivilDay WithPauses(const CaseTimeline& timeline, v1::Clock clock,
                          absl::CivilDay start_on, absl::CivilDay nominal) {
  if (clock != v1::CLOCK_CALENDAR_DAYS_LESS_PAUSES) return nominal;
  absl::CivilDay deadline = nominal;
  for (int round = 0; round < kPauseRoundsMax; ++round) {
    const absl::CivilDay moved =
        nominal + PausedDays(timeline, start_on, deadline);
    if (moved == deadline) break;
    deadline = moved;
  }
  return deadline;
}

// The latest day for the next event after one on `on`: a gap of at most
// `gap` (N weeks is 7N days; here day 1 is the day after the event).
absl::CivilDay GapEnd(absl::CivilDay on, const v1::Offset& gap) {
  switch (gap.unit()) {
    case v1::OFFSET_UNIT_WEEKS:
      return on + 7 * gap.count();
    case v1::OFFSET_UNIT_MONTHS:
      return AddMonths(on, gap.count());
    case v1::OFFSET_UNIT_WORKING_DAYS:
      return NthWorkingDayAfter(on, gap.count());
    default:
      return on + gap.count();
  }
}

std::optional<absl::CivilDay> AnchorDay(const Period& period,
                                        v1::Anchor anchor) {
  switch (anchor) {
    case v1::ANCHOR_SICK_NOTE_RECEIVED:
      return period.sick_note_received_on;
    default:
      return period.anchor_on;
  }
}

// Judges one part of a requirement. See Verdict.
class RowJudge {
 public:
  RowJudge(const CaseTimeline& timeline, const Period& period,
           absl::CivilDay as_of)
      : timeline_(timeline), period_(period), as_of_(as_of) {}

  // Fills verdict, deadline, met_on and the events of `row`: met by the
  // `count`-th of `events`, due by `deadline`.
  void Judge(RequirementResult& row, absl::CivilDay deadline,
             const std::vector<Dated>& events, size_t count) const {
    row.deadline_on = deadline;
    for (size_t i = 0; i < events.size() && i < count; ++i) {
      row.event_ids.push_back(events[i].event_id);
    }
    if (count >= 1 && events.size() >= count) {
      row.met_on = events[count - 1].on;
      row.verdict = *row.met_on <= deadline ? Verdict::kMet : Verdict::kMetLate;
    } else if (period_.end_on && *period_.end_on < deadline) {
      row.verdict = Verdict::kNotApplicable;
      row.note =
          absl::StrCat("the period ended on ", FormatDate(*period_.end_on),
                       ", before the deadline");
    } else {
      row.verdict = deadline < as_of_ ? Verdict::kOverdue : Verdict::kDue;
    }
  }

  const CaseTimeline& timeline() const { return timeline_; }
  const Period& period() const { return period_; }
  absl::CivilDay as_of() const { return as_of_; }

 private:
  const CaseTimeline& timeline_;
  const Period& period_;
  const absl::CivilDay as_of_;
};

class RequirementEvaluator {
 public:
  RequirementEvaluator(const RowJudge& judge, RequirementResult base,
                       const v1::Requirement& requirement,
                       absl::CivilDay anchor,
                       std::vector<RequirementResult>& out)
      : judge_(judge),
        base_(std::move(base)),
        requirement_(requirement),
        anchor_(anchor),
        out_(out),
        events_(SatisfyingEvents(judge.timeline(), requirement, anchor,
                                 judge.period().end_on)) {}

  void Run() {
    switch (requirement_.shape_case()) {
      case v1::Requirement::kDeadline:
        Deadline();
        break;
      case v1::Requirement::kSchedule:
        Schedule();
        break;
      case v1::Requirement::kCountInWindow:
        CountInWindow();
        break;
      case v1::Requirement::kCadence:
        Cadence();
        break;
      case v1::Requirement::SHAPE_NOT_SET:
        NotApplicable("the requirement has no shape");
        break;
    }
  }

 private:
  absl::CivilDay Deadline(absl::CivilDay start, absl::CivilDay nominal) const {
    return WithPauses(judge_.timeline(), requirement_.clock(), start, nominal);
  }

  void NotApplicable(std::string note) {
    RequirementResult row = base_;
    row.verdict = Verdict::kNotApplicable;
    row.note = std::move(note);
    out_.push_back(std::move(row));
  }

  void Deadline() {
    const v1::Deadline& shape = requirement_.deadline();
    v1::Offset within = shape.within();
    if (shape.age_bands_size() > 0) {
      if (!judge_.timeline().birth_on) {
        return NotApplicable("the case has no birth date");
      }
      const int age = AgeOn(*judge_.timeline().birth_on, anchor_);
      const v1::AgeBand* band = nullptr;
      for (const v1::AgeBand& candidate : shape.age_bands()) {
        if (age >= candidate.min_age() &&
            (candidate.max_age() == 0 || age <= candidate.max_age())) {
          band = &candidate;
        }
      }
      if (band == nullptr) {
        return NotApplicable(absl::StrCat("no age band for age ", age));
      }
      within = band->within();
    }
    RequirementResult row = base_;
    row.item = absl::StrCat("within ", Describe(within));
    judge_.Judge(row, Deadline(anchor_, OffsetEnd(anchor_, within)), events_,
                 1);
    out_.push_back(std::move(row));
  }

  void Schedule() {
    const v1::Schedule& shape = requirement_.schedule();
    for (int k = 0; k < shape.milestones_size(); ++k) {
      const v1::Milestone& milestone = shape.milestones(k);
      RequirementResult row = base_;
      row.item = absl::StrCat("milestone ", k + 1, " of ",
                              shape.milestones_size(), " (", milestone.count(),
                              " by ", Describe(milestone.by()), ")");
      judge_.Judge(row, Deadline(anchor_, OffsetEnd(anchor_, milestone.by())),
                   events_, static_cast<size_t>(milestone.count()));
      out_.push_back(std::move(row));
    }
  }

  void CountInWindow() {
    const v1::CountInWindow& shape = requirement_.count_in_window();
    const size_t count = static_cast<size_t>(shape.count());
    if (!shape.repeating()) {
      RequirementResult row = base_;
      row.item = absl::StrCat(shape.count(), " in ", Describe(shape.window()));
      std::vector<Dated> in_window = events_;
      if (shape.has_from()) {
        // "After the first 3 months": the window begins where a count over
        // those months ends, moved by the paused days as the clock says.
        const absl::CivilDay start =
            Deadline(anchor_, OffsetEnd(anchor_, shape.from())) + 1;
        row.item =
            absl::StrCat(shape.count(), " after ", Describe(shape.from()),
                         " and within ", Describe(shape.window()));
        std::erase_if(in_window,
                      [&](const Dated& event) { return event.on < start; });
      }
      judge_.Judge(row, Deadline(anchor_, OffsetEnd(anchor_, shape.window())),
                   in_window, count);
      out_.push_back(std::move(row));
      return;
    }
    // Each window is judged on its own: an event after a window belongs to
    // the next one, so a window is met in time or not at all.
    absl::CivilDay start = anchor_;
    for (int i = 0; i < kWindowsMax && start <= judge_.as_of(); ++i) {
      if (judge_.period().end_on && start > *judge_.period().end_on) break;
      const absl::CivilDay end =
          OffsetEnd(anchor_, Times(shape.window(), i + 1));
      std::vector<Dated> in_window;
      for (const Dated& event : events_) {
        if (event.on >= start && event.on <= end) in_window.push_back(event);
      }
      RequirementResult row = base_;
      row.item = absl::StrCat("window ", i + 1, " (", shape.count(), " in ",
                              Describe(shape.window()), " from ",
                              FormatDate(start), ")");
      judge_.Judge(row, end, in_window, count);
      out_.push_back(std::move(row));
      start = end + 1;
    }
  }

  void Cadence() {
    const v1::Cadence& shape = requirement_.cadence();
    size_t next = 0;
    absl::CivilDay reference = anchor_;
    if (shape.after_first()) {
      if (events_.empty()) {
        return NotApplicable(
            "begins with the first satisfying event, and there is none yet");
      }
      reference = events_[0].on;
      next = 1;
    } else {
      // "After the first 26 weeks" ends where a count over the same 26
      // weeks ends: moved by the paused days, as the clock says.
      const absl::CivilDay from_on =
          shape.has_from() ? Deadline(anchor_, OffsetEnd(anchor_, shape.from()))
                           : anchor_;
      if (from_on > judge_.as_of()) {
        return NotApplicable(absl::StrCat("begins on ", FormatDate(from_on)));
      }
      reference = from_on;
      // The last event on or before the start is the first reference.
      while (next < events_.size() && events_[next].on <= from_on) {
        reference = events_[next].on;
        ++next;
      }
    }
    // A plain day and a flag rather than an optional: GCC 12 warns wrongly
    // about optional CivilDay comparisons at -O2.
    const bool has_until = shape.has_until();
    const absl::CivilDay until_on =
        has_until ? Deadline(anchor_, OffsetEnd(anchor_, shape.until()))
                  : absl::CivilDay();
    for (int gap = 1; gap <= kGapsMax; ++gap) {
      if (has_until && reference >= until_on) break;
      // Two events on one day close one gap, not two.
      while (next < events_.size() && events_[next].on <= reference) ++next;
      RequirementResult row = base_;
      row.item =
          absl::StrCat("gap ", gap, " (at most ", Describe(shape.max_gap()),
                       " after ", FormatDate(reference), ")");
      const absl::CivilDay deadline =
          Deadline(reference, GapEnd(reference, shape.max_gap()));
      const std::vector<Dated> rest(events_.begin() + next, events_.end());
      judge_.Judge(row, deadline, rest, 1);
      const bool open = !row.met_on.has_value();
      out_.push_back(std::move(row));
      if (open) break;
      reference = events_[next].on;
      ++next;
    }
  }

  const RowJudge& judge_;
  const RequirementResult base_;
  const v1::Requirement& requirement_;
  const absl::CivilDay anchor_;
  std::vector<RequirementResult>& out_;
  const std::vector<Dated> events_;
};

bool Contains(const google::protobuf::RepeatedField<int>& groups,
              v1::TargetGroup group) {
  return std::find(groups.begin(), groups.end(), group) != groups.end();
}

std::string GroupNames(const google::protobuf::RepeatedField<int>& groups) {
  std::vector<std::string> names;
  for (int group : groups) {
    names.push_back(v1::TargetGroup_Name(static_cast<v1::TargetGroup>(group)));
  }
  return absl::StrJoin(names, ", ");
}

// Why an unnamed rule set does not judge a period; kGoverns when it does.
// One decision, read by Evaluate (without building text, as it runs for
// every case of a population) and worded by WhyNotGoverned.
enum class NotGoverned {
  kGoverns,
  kNoValidFrom,
  kAnchoredBefore,
  kAnchoredAfter,
  kOtherJobcentre,
  kOtherTargetGroup,
};

NotGoverned CheckGoverns(const v1::RuleSet& rule_set,
                         const CaseTimeline& timeline, const Period& period) {
  absl::StatusOr<absl::CivilDay> from = ParseDate(rule_set.valid_from());
  if (!from.ok()) return NotGoverned::kNoValidFrom;
  if (period.anchor_on < *from) return NotGoverned::kAnchoredBefore;
  if (!rule_set.valid_to().empty()) {
    absl::StatusOr<absl::CivilDay> to = ParseDate(rule_set.valid_to());
    if (!to.ok() || period.anchor_on > *to) return NotGoverned::kAnchoredAfter;
  }
  if (!rule_set.jobcentre_ids().empty() &&
      std::find(rule_set.jobcentre_ids().begin(),
                rule_set.jobcentre_ids().end(),
                timeline.jobcentre_id) == rule_set.jobcentre_ids().end()) {
    return NotGoverned::kOtherJobcentre;
  }
  if (!Contains(rule_set.target_groups(), period.target_group)) {
    return NotGoverned::kOtherTargetGroup;
  }
  return NotGoverned::kGoverns;
}

bool Governs(const v1::RuleSet& rule_set, const CaseTimeline& timeline,
             const Period& period) {
  return CheckGoverns(rule_set, timeline, period) == NotGoverned::kGoverns;
}

// The day from which `rule_set` judges `period`, a period already running
// when it took effect (applies_to_running_periods), judged on `as_of`;
// unset when it does not. A day judged before the law took effect is judged
// by the law then in force: whether the period would still run on the day
// was not known then.
std::optional<absl::CivilDay> RunningFrom(const v1::RuleSet& rule_set,
                                          const CaseTimeline& timeline,
                                          const Period& period,
                                          absl::CivilDay as_of) {
  if (!rule_set.applies_to_running_periods() ||
      rule_set.kind() != v1::RULE_SET_KIND_STATUTORY) {
    return std::nullopt;
  }
  absl::StatusOr<absl::CivilDay> from = ParseDate(rule_set.valid_from());
  if (!from.ok() || as_of < *from || period.anchor_on >= *from ||
      (period.end_on && *period.end_on < *from)) {
    return std::nullopt;
  }
  // Judged as if anchored on the day it took effect, for the other checks.
  Period moved = period;
  moved.anchor_on = *from;
  if (!Governs(rule_set, timeline, moved)) return std::nullopt;
  return *from;
}

// Which of a list of rule sets reach `period` as a running period: for
// each, RunningFrom; and the earliest of those days (the day the law of the
// anchor day is taken over from), with the id of the rule set that does.
struct Running {
  std::vector<std::optional<absl::CivilDay>> from;
  std::optional<absl::CivilDay> earliest;
  std::string by;
};

Running RunningOf(absl::Span<const v1::RuleSet> rule_sets,
                  const CaseTimeline& timeline, const Period& period,
                  absl::CivilDay as_of) {
  Running running;
  running.from.reserve(rule_sets.size());
  for (const v1::RuleSet& rule_set : rule_sets) {
    running.from.push_back(RunningFrom(rule_set, timeline, period, as_of));
    const std::optional<absl::CivilDay>& from = running.from.back();
    if (from && (!running.earliest || *from < *running.earliest)) {
      running.earliest = from;
      running.by = rule_set.id();
    }
  }
  return running;
}

// Makes the rows of `rows` due on or after `from` NOT_APPLICABLE with
// `note`: another law judges them. Rows without a deadline, or not
// applicable already, stay as they are.
void TakeOverFrom(absl::Span<RequirementResult> rows, absl::CivilDay from,
                  const std::string& note) {
  for (RequirementResult& row : rows) {
    if (!row.deadline_on || row.verdict == Verdict::kNotApplicable) continue;
    if (*row.deadline_on < from) continue;
    row.verdict = Verdict::kNotApplicable;
    row.met_on.reset();
    row.note = note;
  }
}

// "period 2 (TARGET_GROUP_A_DAGPENGE, anchored 2019-05-06)"; 1-based.
std::string DescribePeriod(const Period& period, size_t index) {
  return absl::StrCat("period ", index + 1, " (",
                      v1::TargetGroup_Name(period.target_group), ", anchored ",
                      FormatDate(period.anchor_on), ")");
}

// The first exemption of `requirement` within `period`, or null.
const Exemption* FindExemption(const CaseTimeline& timeline,
                               const Period& period,
                               const v1::RuleSet& rule_set,
                               const v1::Requirement& requirement) {
  for (const Exemption& exemption : timeline.exemptions) {
    if (exemption.rule_set_id == rule_set.id() &&
        exemption.requirement_id == requirement.id() &&
        exemption.on >= period.start_on &&
        (!period.end_on || exemption.on <= *period.end_on)) {
      return &exemption;
    }
  }
  return nullptr;
}

// Marks the rows of a population target, and exempts those whose deadline
// is on or after the day the exemption took effect and that were not met
// before it: an exemption neither reaches back past a deadline nor takes a
// case that already counted out of the share.
void MarkTarget(const CaseTimeline& timeline, const Period& period,
                const v1::RuleSet& rule_set, const v1::Requirement& requirement,
                absl::Span<RequirementResult> rows) {
  const Exemption* exemption =
      FindExemption(timeline, period, rule_set, requirement);
  for (RequirementResult& row : rows) {
    row.population_target = true;
    if (exemption == nullptr || !row.deadline_on ||
        row.verdict == Verdict::kNotApplicable ||
        *row.deadline_on < exemption->effective_on ||
        (row.met_on && *row.met_on < exemption->effective_on)) {
      continue;
    }
    row.exempted = true;
    row.exemption_kind = exemption->kind;
    row.exemption_event_id = exemption->event_id;
    row.verdict = Verdict::kNotApplicable;
    row.met_on.reset();
    row.note = absl::StrCat("exempted on ", FormatDate(exemption->effective_on),
                            exemption->kind == v1::EXEMPTION_KIND_BY_LAW
                                ? " by law"
                                : " by the municipality",
                            " (", exemption->event_id, ")");
  }
}

// Why a requirement for periods with (or without) a direct referral to the
// jobcentre does not concern `period`; "" when it does.
std::string WhyNotReferral(const v1::Requirement& requirement,
                           const Period& period) {
  switch (requirement.direct_referral()) {
    case v1::DIRECT_REFERRAL_ONLY:
      if (period.referred_to_jobcentre) return "";
      return "only for periods the a-kasse referred straight to the "
             "jobcentre (LAB § 27, stk. 3)";
    case v1::DIRECT_REFERRAL_EXCLUDED:
      if (!period.referred_to_jobcentre) return "";
      return "not for periods the a-kasse referred straight to the jobcentre "
             "(LAB § 27, stk. 3)";
    default:
      return "";
  }
}

void EvaluateRequirement(const v1::RuleSet& rule_set,
                         const v1::Requirement& requirement,
                         const RowJudge& judge, int period_index,
                         std::vector<RequirementResult>& out) {
  const Period& period = judge.period();
  RequirementResult base;
  base.rule_set_id = rule_set.id();
  base.rule_set_version = rule_set.version();
  base.rule_set_kind = rule_set.kind();
  base.requirement_id = requirement.id();
  base.title = requirement.title();
  base.source =
      requirement.has_source() ? &requirement.source() : &rule_set.source();
  base.clock = requirement.clock();
  base.period_index = period_index;
  base.target_group = period.target_group;
  auto not_applicable = [&](std::string note) {
    base.verdict = Verdict::kNotApplicable;
    base.note = std::move(note);
    out.push_back(base);
  };
  const auto& groups = requirement.target_groups().empty()
                           ? rule_set.target_groups()
                           : requirement.target_groups();
  if (!Contains(groups, period.target_group)) {
    return not_applicable(absl::StrCat("for ", GroupNames(groups)));
  }
  if (std::string why = WhyNotReferral(requirement, period); !why.empty()) {
    return not_applicable(std::move(why));
  }
  if (!requirement.valid_from().empty()) {
    absl::StatusOr<absl::CivilDay> from = ParseDate(requirement.valid_from());
    if (from.ok() && period.anchor_on < *from) {
      return not_applicable(
          absl::StrCat("for periods anchored from ", requirement.valid_from()));
    }
  }
  const std::optional<absl::CivilDay> anchor =
      AnchorDay(period, requirement.anchor());
  if (!anchor) {
    return not_applicable(absl::StrCat("the period has no ",
                                       v1::Anchor_Name(requirement.anchor())));
  }
  base.anchor_on = anchor;
  const size_t first = out.size();
  RequirementEvaluator(judge, base, requirement, *anchor, out).Run();
  if (requirement.has_population_target()) {
    MarkTarget(judge.timeline(), period, rule_set, requirement,
               absl::MakeSpan(out).subspan(first));
  }
}

}  // namespace

v1::ComplianceStatus ComplianceStatusOf(Verdict verdict) {
  switch (verdict) {
    case Verdict::kMet:
      return v1::COMPLIANCE_STATUS_MET;
    case Verdict::kMetLate:
      return v1::COMPLIANCE_STATUS_MET_LATE;
    case Verdict::kOverdue:
      return v1::COMPLIANCE_STATUS_OVERDUE;
    case Verdict::kDue:
      return v1::COMPLIANCE_STATUS_DUE;
    case Verdict::kNotApplicable:
      return v1::COMPLIANCE_STATUS_NOT_APPLICABLE;
  }
  return v1::COMPLIANCE_STATUS_UNSPECIFIED;
}

v1::ComplianceStatus ComplianceStatusOf(const RequirementResult& row) {
  if (!row.population_target) return ComplianceStatusOf(row.verdict);
  if (row.exempted) return v1::COMPLIANCE_STATUS_EXEMPTED;
  switch (row.verdict) {
    case Verdict::kMet:
      return v1::COMPLIANCE_STATUS_COUNTS;
    case Verdict::kMetLate:
    case Verdict::kOverdue:
      return v1::COMPLIANCE_STATUS_DOES_NOT_COUNT;
    case Verdict::kDue:
    case Verdict::kNotApplicable:
      break;
  }
  return ComplianceStatusOf(row.verdict);
}

absl::string_view VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kMet:
      return "MET";
    case Verdict::kMetLate:
      return "MET_LATE";
    case Verdict::kOverdue:
      return "OVERDUE";
    case Verdict::kDue:
      return "DUE";
    case Verdict::kNotApplicable:
      return "NOT_APPLICABLE";
  }
  return "UNKNOWN";
}

int AgeOn(absl::CivilDay birth_on, absl::CivilDay on) {
  int age = static_cast<int>(on.year() - birth_on.year());
  if (on.month() < birth_on.month() ||
      (on.month() == birth_on.month() && on.day() < birth_on.day())) {
    --age;
  }
  return age;
}

std::string WhyNotGoverned(const v1::RuleSet& rule_set,
                           const CaseTimeline& timeline, const Period& period) {
  switch (CheckGoverns(rule_set, timeline, period)) {
    case NotGoverned::kGoverns:
      return "";
    case NotGoverned::kNoValidFrom:
      return absl::StrCat(rule_set.id(), " has no valid_from");
    case NotGoverned::kAnchoredBefore:
      return absl::StrCat(rule_set.id(), " is for periods anchored from ",
                          rule_set.valid_from());
    case NotGoverned::kAnchoredAfter:
      return absl::StrCat(rule_set.id(), " is for periods anchored until ",
                          rule_set.valid_to());
    case NotGoverned::kOtherJobcentre:
      return absl::StrCat(rule_set.id(), " is for jobcentres ",
                          absl::StrJoin(rule_set.jobcentre_ids(), ", "));
    case NotGoverned::kOtherTargetGroup:
      return absl::StrCat(rule_set.id(), " covers ",
                          GroupNames(rule_set.target_groups()));
  }
  return "";
}

std::string WhyNoRequirements(absl::Span<const v1::RuleSet> rule_sets,
                              const CaseTimeline& timeline,
                              absl::CivilDay as_of, bool named) {
  if (rule_sets.empty()) return "no rule set is active";
  if (timeline.periods.empty()) {
    return absl::StrCat("the case had no benefit period by ",
                        FormatDate(as_of));
  }
  // Every rule set has a requirement (ValidateRuleSet), and each
  // requirement gives a period at least one row: named, or once one rule
  // set governs a period, Evaluate has rows.
  if (named) return "";
  std::vector<std::string> periods;
  for (size_t p = 0; p < timeline.periods.size(); ++p) {
    const Period& period = timeline.periods[p];
    std::vector<std::string> clauses;
    for (const v1::RuleSet& rule_set : rule_sets) {
      std::string clause = WhyNotGoverned(rule_set, timeline, period);
      if (clause.empty()) return "";
      // A law reaching running periods judges this one only if it keeps a
      // row (one due from the day it took effect).
      if (RunningFrom(rule_set, timeline, period, as_of) &&
          !Evaluate(absl::MakeConstSpan(&rule_set, 1), timeline, as_of, false)
               .empty()) {
        return "";
      }
      clauses.push_back(std::move(clause));
    }
    if (periods.size() < kWhyPeriodsMax) {
      periods.push_back(absl::StrCat(DescribePeriod(period, p), ": ",
                                     absl::StrJoin(clauses, "; ")));
    }
  }
  std::string why = absl::StrCat("no rule set judges this case: ",
                                 absl::StrJoin(periods, "; "));
  if (timeline.periods.size() > kWhyPeriodsMax) {
    const size_t more = timeline.periods.size() - kWhyPeriodsMax;
    absl::StrAppend(&why, "; and ", more,
                    more == 1 ? " more period" : " more periods");
  }
  return why;
}

std::vector<RequirementResult> Evaluate(absl::Span<const v1::RuleSet> rule_sets,
                                        const CaseTimeline& timeline,
                                        absl::CivilDay as_of, bool named) {
  std::vector<RequirementResult> results;
  for (size_t p = 0; p < timeline.periods.size(); ++p) {
    const Period& period = timeline.periods[p];
    const RowJudge judge(timeline, period, as_of);
    // Named rule sets judge every period whatever their validity.
    const Running reach =
        named ? Running() : RunningOf(rule_sets, timeline, period, as_of);
    for (size_t r = 0; r < rule_sets.size(); ++r) {
      const v1::RuleSet& rule_set = rule_sets[r];
      const bool governs = named || Governs(rule_set, timeline, period);
      const std::optional<absl::CivilDay> running =
          governs ? std::nullopt : reach.from[r];
      if (!governs && !running) continue;
      const size_t first = results.size();
      for (const v1::Requirement& requirement : rule_set.requirements()) {
        EvaluateRequirement(rule_set, requirement, judge, static_cast<int>(p),
                            results);
      }
      if (running) {
        // Only its rows due on or after the day it took effect: the rest
        // are another law's, and would only crowd the answer.
        results.erase(
            std::remove_if(
                results.begin() + static_cast<ptrdiff_t>(first), results.end(),
                [&](const RequirementResult& row) {
                  return !row.deadline_on || *row.deadline_on < *running;
                }),
            results.end());
        continue;
      }
      const auto rows = absl::MakeSpan(results).subspan(first);
      if (reach.earliest && rule_set.kind() == v1::RULE_SET_KIND_STATUTORY) {
        TakeOverFrom(rows, *reach.earliest,
                     absl::StrCat("due after ", reach.by, " took effect on ",
                                  FormatDate(*reach.earliest),
                                  ", which judges the period from then"));
      }
    }
  }
  return results;
}

}  // namespace caseline
