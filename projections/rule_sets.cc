#include "projections/rule_sets.h"

#include <algorithm>
#include <climits>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/text_format.h"
#include "projections/dates.h"
#include "projections/event_validation.h"

namespace caseline {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::RepeatedField;
using google::protobuf::TextFormat;

// What is wrong ("must be at least 1") and where
// ("requirements[2].deadline.within.count").
struct FieldProblem {
  std::string path;
  std::string problem;
};

// The first problem found, if any.
using Finding = std::optional<FieldProblem>;

Finding Problem(absl::string_view path, absl::string_view problem) {
  return FieldProblem{std::string(path), std::string(problem)};
}

std::string Join(absl::string_view path, absl::string_view field) {
  return path.empty() ? std::string(field) : absl::StrCat(path, ".", field);
}

std::string At(absl::string_view path, int index) {
  return absl::StrCat(path, "[", index, "]");
}

#define CASELINE_RETURN_IF_FOUND(expr)         \
  do {                                         \
    Finding finding_ = (expr);                 \
    if (finding_.has_value()) return finding_; \
  } while (false)

// Titles and sources are notes for people; bounded like an event's text.
Finding CheckText(absl::string_view path, const std::string& text,
                  bool required) {
  if (text.empty()) {
    return required ? Problem(path, "is required") : std::nullopt;
  }
  if (text.size() > kTextBytesMax) {
    return Problem(path, absl::StrFormat("is %d bytes; the limit is %d",
                                         text.size(), kTextBytesMax));
  }
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) {
      return Problem(path, "contains a control character");
    }
  }
  return std::nullopt;
}

Finding CheckRuleId(absl::string_view path, const std::string& id) {
  if (id.empty()) return Problem(path, "is required");
  absl::Status status = CheckId(id);
  if (!status.ok()) return Problem(path, status.message());
  return std::nullopt;
}

std::string EnumName(const EnumDescriptor* type, int value) {
  const auto* found = type->FindValueByNumber(value);
  return found != nullptr ? found->name() : absl::StrCat(value);
}

// Every enum's zero is UNSPECIFIED; unknown numbers (written as numbers in
// the text) cannot be judged either.
Finding CheckEnum(absl::string_view path, const EnumDescriptor* type,
                  int value) {
  if (value == 0) {
    return Problem(path, absl::StrCat("is required (", type->name(),
                                      " must not be unspecified)"));
  }
  if (type->FindValueByNumber(value) == nullptr) {
    return Problem(path, absl::StrCat(value, " is not a known ", type->name()));
  }
  return std::nullopt;
}

std::string GroupName(int group) {
  return EnumName(v1::TargetGroup_descriptor(), group);
}

Finding CheckDate(absl::string_view path, const std::string& text,
                  absl::CivilDay* day) {
  if (text.empty()) return Problem(path, "is required");
  absl::StatusOr<absl::CivilDay> parsed = ParseDate(text);
  if (!parsed.ok()) return Problem(path, parsed.status().message());
  *day = *parsed;
  return std::nullopt;
}

Finding CheckSource(absl::string_view path, const v1::Source& source) {
  CASELINE_RETURN_IF_FOUND(CheckText(Join(path, "law"), source.law(), false));
  CASELINE_RETURN_IF_FOUND(
      CheckText(Join(path, "decision"), source.decision(), false));
  CASELINE_RETURN_IF_FOUND(
      CheckText(Join(path, "document"), source.document(), false));
  if (source.law().empty() && source.decision().empty()) {
    return Problem(path, "needs a law or a decision");
  }
  return std::nullopt;
}

// Target groups, specified and each listed once.
Finding CheckTargetGroups(absl::string_view path,
                          const RepeatedField<int>& groups) {
  absl::flat_hash_map<int, int> first_index;
  for (int i = 0; i < groups.size(); ++i) {
    CASELINE_RETURN_IF_FOUND(
        CheckEnum(At(path, i), v1::TargetGroup_descriptor(), groups[i]));
    auto [it, inserted] = first_index.emplace(groups[i], i);
    if (!inserted) {
      return Problem(At(path, i),
                     absl::StrCat(GroupName(groups[i]), " is listed twice (",
                                  At(path, it->second), ")"));
    }
  }
  return std::nullopt;
}

Finding CheckOffset(absl::string_view path, const v1::Offset& offset) {
  if (offset.count() < 1) {
    return Problem(Join(path, "count"), "must be at least 1");
  }
  if (offset.count() > kOffsetCountMax) {
    return Problem(Join(path, "count"),
                   absl::StrFormat("is %d; the limit is %d", offset.count(),
                                   kOffsetCountMax));
  }
  return CheckEnum(Join(path, "unit"), v1::OffsetUnit_descriptor(),
                   offset.unit());
}

Finding RequireOffset(absl::string_view path, bool present,
                      const v1::Offset& offset) {
  if (!present) return Problem(path, "is required");
  return CheckOffset(path, offset);
}

// "30-49", or "50 and over" when there is no upper bound (max_age 0).
std::string DescribeAges(const v1::AgeBand& band) {
  if (band.max_age() == 0) return absl::StrCat(band.min_age(), " and over");
  return absl::StrCat(band.min_age(), "-", band.max_age());
}

bool Overlap(const v1::AgeBand& a, const v1::AgeBand& b) {
  const int a_max = a.max_age() == 0 ? INT_MAX : a.max_age();
  const int b_max = b.max_age() == 0 ? INT_MAX : b.max_age();
  return a.min_age() <= b_max && b.min_age() <= a_max;
}

Finding CheckAgeBands(absl::string_view path, const v1::Deadline& deadline) {
  const std::string bands_path = Join(path, "age_bands");
  if (deadline.age_bands_size() > kAgeBandsMax) {
    return Problem(bands_path,
                   absl::StrFormat("has %d bands; the limit is %d",
                                   deadline.age_bands_size(), kAgeBandsMax));
  }
  for (int i = 0; i < deadline.age_bands_size(); ++i) {
    const v1::AgeBand& band = deadline.age_bands(i);
    const std::string band_path = At(bands_path, i);
    if (band.min_age() < 0) {
      return Problem(Join(band_path, "min_age"), "must not be negative");
    }
    if (band.max_age() < 0 ||
        (band.max_age() != 0 && band.max_age() < band.min_age())) {
      return Problem(Join(band_path, "max_age"),
                     absl::StrCat("must be 0 (no upper bound) or at least "
                                  "min_age ",
                                  band.min_age()));
    }
    CASELINE_RETURN_IF_FOUND(RequireOffset(Join(band_path, "within"),
                                           band.has_within(), band.within()));
    for (int j = 0; j < i; ++j) {
      if (Overlap(band, deadline.age_bands(j))) {
        return Problem(band_path,
                       absl::StrCat("ages ", DescribeAges(band), " overlap ",
                                    At("age_bands", j), " (",
                                    DescribeAges(deadline.age_bands(j)), ")"));
      }
    }
  }
  return std::nullopt;
}

Finding CheckDeadline(absl::string_view path, const v1::Deadline& deadline) {
  if (deadline.has_within() && deadline.age_bands_size() > 0) {
    return Problem(path, "has both within and age_bands; give one");
  }
  if (deadline.has_within()) {
    return CheckOffset(Join(path, "within"), deadline.within());
  }
  if (deadline.age_bands_size() == 0) {
    return Problem(path, "needs within or age_bands");
  }
  return CheckAgeBands(path, deadline);
}

// Milestones only move forward: more events, later (offsets in different
// units are not compared, since months and weeks do not convert exactly).
Finding CheckSchedule(absl::string_view path, const v1::Schedule& schedule) {
  const std::string milestones_path = Join(path, "milestones");
  if (schedule.milestones_size() == 0) {
    return Problem(milestones_path, "needs at least one milestone");
  }
  if (schedule.milestones_size() > kMilestonesMax) {
    return Problem(milestones_path,
                   absl::StrFormat("has %d milestones; the limit is %d",
                                   schedule.milestones_size(), kMilestonesMax));
  }
  for (int i = 0; i < schedule.milestones_size(); ++i) {
    const v1::Milestone& milestone = schedule.milestones(i);
    const std::string milestone_path = At(milestones_path, i);
    CASELINE_RETURN_IF_FOUND(RequireOffset(Join(milestone_path, "by"),
                                           milestone.has_by(), milestone.by()));
    if (milestone.count() < 1) {
      return Problem(Join(milestone_path, "count"), "must be at least 1");
    }
    if (i == 0) continue;
    const v1::Milestone& previous = schedule.milestones(i - 1);
    if (milestone.count() <= previous.count()) {
      return Problem(Join(milestone_path, "count"),
                     absl::StrCat("must be more than milestones[", i - 1,
                                  "].count ", previous.count()));
    }
    if (milestone.by().unit() == previous.by().unit() &&
        milestone.by().count() <= previous.by().count()) {
      return Problem(
          Join(milestone_path, "by"),
          absl::StrCat("must be later than milestones[", i - 1, "].by"));
    }
  }
  return std::nullopt;
}

Finding CheckCadence(absl::string_view path, const v1::Cadence& cadence) {
  CASELINE_RETURN_IF_FOUND(RequireOffset(
      Join(path, "max_gap"), cadence.has_max_gap(), cadence.max_gap()));
  if (cadence.has_from()) {
    // The cadence starts at one point: a fixed offset or the first event.
    if (cadence.after_first()) {
      return Problem(Join(path, "from"), "cannot be given with after_first");
    }
    CASELINE_RETURN_IF_FOUND(CheckOffset(Join(path, "from"), cadence.from()));
  }
  if (cadence.has_until()) {
    CASELINE_RETURN_IF_FOUND(CheckOffset(Join(path, "until"), cadence.until()));
    if (cadence.has_from() && cadence.from().unit() == cadence.until().unit() &&
        cadence.until().count() <= cadence.from().count()) {
      return Problem(Join(path, "until"), "must be later than from");
    }
  }
  return std::nullopt;
}

Finding CheckCountInWindow(absl::string_view path,
                           const v1::CountInWindow& count_in_window) {
  if (count_in_window.count() < 1) {
    return Problem(Join(path, "count"), "must be at least 1");
  }
  CASELINE_RETURN_IF_FOUND(RequireOffset(Join(path, "window"),
                                         count_in_window.has_window(),
                                         count_in_window.window()));
  if (!count_in_window.has_from()) return std::nullopt;
  // One window that begins later; repeating windows follow each other.
  if (count_in_window.repeating()) {
    return Problem(Join(path, "from"), "cannot be given with repeating");
  }
  CASELINE_RETURN_IF_FOUND(
      CheckOffset(Join(path, "from"), count_in_window.from()));
  // Offsets in different units do not compare (months and weeks do not
  // convert exactly), so the two share the window's.
  if (count_in_window.from().unit() != count_in_window.window().unit()) {
    return Problem(Join(path, "from"), "must be in the same unit as window");
  }
  if (count_in_window.from().count() >= count_in_window.window().count()) {
    return Problem(Join(path, "from"), "must be earlier than window");
  }
  return std::nullopt;
}

Finding CheckShape(absl::string_view path, const v1::Requirement& requirement) {
  switch (requirement.shape_case()) {
    case v1::Requirement::kDeadline:
      return CheckDeadline(Join(path, "deadline"), requirement.deadline());
    case v1::Requirement::kSchedule:
      return CheckSchedule(Join(path, "schedule"), requirement.schedule());
    case v1::Requirement::kCadence:
      return CheckCadence(Join(path, "cadence"), requirement.cadence());
    case v1::Requirement::kCountInWindow:
      return CheckCountInWindow(Join(path, "count_in_window"),
                                requirement.count_in_window());
    case v1::Requirement::SHAPE_NOT_SET:
      break;
  }
  return Problem(path,
                 "needs a shape (one of deadline, schedule, cadence, "
                 "count_in_window)");
}

// The target group that an anchor belongs to, or UNSPECIFIED when the
// anchor suits every group.
v1::TargetGroup GroupOfAnchor(int anchor) {
  switch (anchor) {
    case v1::ANCHOR_REGISTRATION:
      return v1::TARGET_GROUP_A_DAGPENGE;
    case v1::ANCHOR_FIRST_ABSENCE_DAY:
    case v1::ANCHOR_SICK_NOTE_RECEIVED:
      return v1::TARGET_GROUP_SYGEDAGPENGE;
    default:
      return v1::TARGET_GROUP_UNSPECIFIED;
  }
}

// `groups` are the requirement's own, else the rule set's.
Finding CheckAnchorFits(absl::string_view path, int anchor,
                        const RepeatedField<int>& groups) {
  const v1::TargetGroup only = GroupOfAnchor(anchor);
  if (only == v1::TARGET_GROUP_UNSPECIFIED) return std::nullopt;
  for (int group : groups) {
    if (group != only) {
      return Problem(path,
                     absl::StrCat(EnumName(v1::Anchor_descriptor(), anchor),
                                  " is only for ", GroupName(only), ", not ",
                                  GroupName(group)));
    }
  }
  return std::nullopt;
}

// The groups a requirement is for: its own, else the rule set's.
const RepeatedField<int>& GroupsOf(const v1::RuleSet& rule_set,
                                   const v1::Requirement& requirement) {
  return requirement.target_groups_size() > 0 ? requirement.target_groups()
                                              : rule_set.target_groups();
}

// The rule set's validity: valid_from, and valid_to unless open-ended.
struct Validity {
  absl::CivilDay from;
  std::optional<absl::CivilDay> to;
};

Finding CheckRequirementGroups(absl::string_view path,
                               const v1::RuleSet& rule_set,
                               const v1::Requirement& requirement) {
  CASELINE_RETURN_IF_FOUND(CheckTargetGroups(Join(path, "target_groups"),
                                             requirement.target_groups()));
  for (int i = 0; i < requirement.target_groups_size(); ++i) {
    const int group = requirement.target_groups(i);
    if (std::find(rule_set.target_groups().begin(),
                  rule_set.target_groups().end(),
                  group) == rule_set.target_groups().end()) {
      return Problem(At(Join(path, "target_groups"), i),
                     absl::StrCat(GroupName(group),
                                  " is not one of the rule set's "
                                  "target_groups"));
    }
  }
  const RepeatedField<int>& groups = GroupsOf(rule_set, requirement);
  return CheckAnchorFits(Join(path, "anchor"), requirement.anchor(), groups);
}

Finding CheckRequirementValidFrom(absl::string_view path,
                                  const std::string& text,
                                  const Validity& validity) {
  if (text.empty()) return std::nullopt;
  absl::CivilDay day;
  CASELINE_RETURN_IF_FOUND(CheckDate(path, text, &day));
  if (day < validity.from) {
    return Problem(path, absl::StrCat(text,
                                      " is before the rule set's "
                                      "valid_from ",
                                      FormatDate(validity.from)));
  }
  if (validity.to.has_value() && day > *validity.to) {
    return Problem(path, absl::StrCat(text,
                                      " is after the rule set's "
                                      "valid_to ",
                                      FormatDate(*validity.to)));
  }
  return std::nullopt;
}

// A share strictly between 0 and 1: a flag over 0 would flag every group
// with one failing case, a flag at 1 none ever. NaN fails both comparisons.
Finding CheckPopulationFlag(absl::string_view path,
                            const v1::PopulationFlag& flag) {
  const double share = flag.flag_over_share();
  if (!(share > 0.0 && share < 1.0)) {
    return Problem(Join(path, "flag_over_share"),
                   absl::StrCat(share, " is not between 0 and 1 (exclusive)"));
  }
  return std::nullopt;
}

// Excluded offer kinds narrow what an offer satisfier counts; each is a
// known kind, given once.
Finding CheckExcludedOfferKinds(absl::string_view path,
                                const v1::Requirement& requirement) {
  const auto& kinds = requirement.excluded_offer_kinds();
  if (kinds.empty()) return std::nullopt;
  if (requirement.satisfied_by() != v1::SATISFIER_OFFER_STARTED) {
    return Problem(path, "is only for satisfied_by SATISFIER_OFFER_STARTED");
  }
  for (int i = 0; i < kinds.size(); ++i) {
    CASELINE_RETURN_IF_FOUND(
        CheckEnum(At(path, i), v1::OfferKind_descriptor(), kinds[i]));
    if (std::find(kinds.begin(), kinds.begin() + i, kinds[i]) !=
        kinds.begin() + i) {
      return Problem(
          At(path, i),
          absl::StrCat(EnumName(v1::OfferKind_descriptor(), kinds[i]),
                       " is given twice"));
    }
  }
  return std::nullopt;
}

// A direct referral to the jobcentre is an a-dagpenge fact (LAB § 27,
// stk. 3); for other groups the requirement would never apply, or always.
Finding CheckDirectReferral(absl::string_view path, const v1::RuleSet& rule_set,
                            const v1::Requirement& requirement) {
  if (requirement.direct_referral() == v1::DIRECT_REFERRAL_ANY) {
    return std::nullopt;
  }
  if (v1::DirectReferral_descriptor()->FindValueByNumber(
          requirement.direct_referral()) == nullptr) {
    return Problem(path, absl::StrCat(requirement.direct_referral(),
                                      " is not a known DirectReferral"));
  }
  const RepeatedField<int>& groups = GroupsOf(rule_set, requirement);
  for (int group : groups) {
    if (group != v1::TARGET_GROUP_A_DAGPENGE) {
      return Problem(path, absl::StrCat("is only for TARGET_GROUP_A_DAGPENGE, "
                                        "not ",
                                        GroupName(group)));
    }
  }
  return std::nullopt;
}

// A share the target is met at, and an exemption allowance below the
// whole population. NaN fails every comparison.
Finding CheckPopulationTarget(absl::string_view path,
                              const v1::Requirement& requirement) {
  if (requirement.has_population_flag()) {
    return Problem(path, "cannot be given with population_flag");
  }
  const v1::PopulationTarget& target = requirement.population_target();
  if (!(target.min_share() > 0.0 && target.min_share() <= 1.0)) {
    return Problem(
        Join(path, "min_share"),
        absl::StrCat(target.min_share(), " is not above 0 and at most 1"));
  }
  if (!(target.exemption_cap() >= 0.0 && target.exemption_cap() < 1.0)) {
    return Problem(
        Join(path, "exemption_cap"),
        absl::StrCat(target.exemption_cap(), " is not at least 0 and below 1"));
  }
  return std::nullopt;
}

// A monitor: a share, a run of months a report can show (it shows 12), a
// population of at least one, and a real first month.
Finding CheckMonitor(absl::string_view path,
                     const v1::Requirement& requirement) {
  if (requirement.has_population_target()) {
    return Problem(path, "cannot be given with population_target");
  }
  const v1::Monitor& monitor = requirement.monitor();
  if (!(monitor.below_share() > 0.0 && monitor.below_share() <= 1.0)) {
    return Problem(
        Join(path, "below_share"),
        absl::StrCat(monitor.below_share(), " is not above 0 and at most 1"));
  }
  if (monitor.months() < 1 || monitor.months() > kMonitorMonthsMax) {
    return Problem(
        Join(path, "months"),
        absl::StrCat(monitor.months(), " is not 1 to ", kMonitorMonthsMax));
  }
  if (monitor.min_population() < 1) {
    return Problem(Join(path, "min_population"), "must be at least 1");
  }
  if (!monitor.first_month().empty()) {
    absl::CivilMonth month;
    if (!absl::ParseCivilTime(monitor.first_month(), &month) ||
        absl::FormatCivilTime(month) != monitor.first_month()) {
      return Problem(Join(path, "first_month"),
                     absl::StrCat(monitor.first_month(),
                                  " is not a month (want YYYY-MM)"));
    }
  }
  return std::nullopt;
}

Finding CheckRequirement(const v1::RuleSet& rule_set, int index,
                         const Validity& validity) {
  const v1::Requirement& requirement = rule_set.requirements(index);
  const std::string path = At("requirements", index);
  CASELINE_RETURN_IF_FOUND(CheckRuleId(Join(path, "id"), requirement.id()));
  CASELINE_RETURN_IF_FOUND(
      CheckText(Join(path, "title"), requirement.title(), true));
  CASELINE_RETURN_IF_FOUND(CheckEnum(
      Join(path, "anchor"), v1::Anchor_descriptor(), requirement.anchor()));
  CASELINE_RETURN_IF_FOUND(CheckEnum(Join(path, "satisfied_by"),
                                     v1::Satisfier_descriptor(),
                                     requirement.satisfied_by()));
  CASELINE_RETURN_IF_FOUND(CheckEnum(
      Join(path, "clock"), v1::Clock_descriptor(), requirement.clock()));
  CASELINE_RETURN_IF_FOUND(CheckRequirementGroups(path, rule_set, requirement));
  if (requirement.has_source()) {
    CASELINE_RETURN_IF_FOUND(
        CheckSource(Join(path, "source"), requirement.source()));
  }
  CASELINE_RETURN_IF_FOUND(CheckRequirementValidFrom(
      Join(path, "valid_from"), requirement.valid_from(), validity));
  CASELINE_RETURN_IF_FOUND(
      CheckExcludedOfferKinds(Join(path, "excluded_offer_kinds"), requirement));
  CASELINE_RETURN_IF_FOUND(CheckDirectReferral(Join(path, "direct_referral"),
                                               rule_set, requirement));
  if (requirement.has_population_target()) {
    CASELINE_RETURN_IF_FOUND(
        CheckPopulationTarget(Join(path, "population_target"), requirement));
  }
  if (requirement.has_monitor()) {
    CASELINE_RETURN_IF_FOUND(CheckMonitor(Join(path, "monitor"), requirement));
  }
  if (requirement.has_population_flag()) {
    CASELINE_RETURN_IF_FOUND(CheckPopulationFlag(
        Join(path, "population_flag"), requirement.population_flag()));
  }
  return CheckShape(path, requirement);
}

Finding CheckValidity(const v1::RuleSet& rule_set, Validity* validity) {
  CASELINE_RETURN_IF_FOUND(
      CheckDate("valid_from", rule_set.valid_from(), &validity->from));
  if (rule_set.valid_to().empty()) return std::nullopt;
  absl::CivilDay to;
  CASELINE_RETURN_IF_FOUND(CheckDate("valid_to", rule_set.valid_to(), &to));
  if (to < validity->from) {
    return Problem("valid_to",
                   absl::StrCat(rule_set.valid_to(), " is before valid_from ",
                                rule_set.valid_from()));
  }
  validity->to = to;
  return std::nullopt;
}

Finding CheckRequirements(const v1::RuleSet& rule_set,
                          const Validity& validity) {
  if (rule_set.requirements_size() == 0) {
    return Problem("requirements", "needs at least one requirement");
  }
  if (rule_set.requirements_size() > kRequirementsMax) {
    return Problem(
        "requirements",
        absl::StrFormat("has %d requirements; the limit is %d",
                        rule_set.requirements_size(), kRequirementsMax));
  }
  absl::flat_hash_map<std::string, int> first_index;
  for (int i = 0; i < rule_set.requirements_size(); ++i) {
    // Earlier requirements passed every check, so a repeated id is a well
    // formed one.
    const std::string& id = rule_set.requirements(i).id();
    auto [it, inserted] = first_index.emplace(id, i);
    if (!inserted) {
      return Problem(Join(At("requirements", i), "id"),
                     absl::StrCat("\"", id, "\" is also the id of ",
                                  At("requirements", it->second)));
    }
    CASELINE_RETURN_IF_FOUND(CheckRequirement(rule_set, i, validity));
  }
  return std::nullopt;
}

Finding FindProblem(const v1::RuleSet& rule_set) {
  CASELINE_RETURN_IF_FOUND(CheckRuleId("id", rule_set.id()));
  if (rule_set.version() < 1) {
    return Problem("version", "must be at least 1");
  }
  CASELINE_RETURN_IF_FOUND(CheckText("title", rule_set.title(), true));
  CASELINE_RETURN_IF_FOUND(
      CheckEnum("kind", v1::RuleSetKind_descriptor(), rule_set.kind()));
  if (!rule_set.has_source()) return Problem("source", "is required");
  CASELINE_RETURN_IF_FOUND(CheckSource("source", rule_set.source()));
  Validity validity;
  CASELINE_RETURN_IF_FOUND(CheckValidity(rule_set, &validity));
  if (rule_set.target_groups_size() == 0) {
    return Problem("target_groups", "needs at least one target group");
  }
  CASELINE_RETURN_IF_FOUND(
      CheckTargetGroups("target_groups", rule_set.target_groups()));
  for (int i = 0; i < rule_set.jobcentre_ids_size(); ++i) {
    CASELINE_RETURN_IF_FOUND(
        CheckRuleId(At("jobcentre_ids", i), rule_set.jobcentre_ids(i)));
  }
  // A law takes running periods over from the law before it; a local target
  // or a measure has no law before it to take over from.
  if (rule_set.applies_to_running_periods() &&
      rule_set.kind() != v1::RULE_SET_KIND_STATUTORY) {
    return Problem("applies_to_running_periods",
                   "is only for RULE_SET_KIND_STATUTORY rule sets");
  }
  return CheckRequirements(rule_set, validity);
}

#undef CASELINE_RETURN_IF_FOUND

// Tokenizer errors are the parser's too, and already collected.
class IgnoreErrors : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int, google::protobuf::io::ColumnNumber,
                const std::string&) override {}
};

// For an unknown field or enum name the parser has already read the name
// and reports the token after it, often on the next line. Moves (line,
// column) back to the token before when `message` quotes that token.
void PointAtQuotedName(absl::string_view text, absl::string_view message,
                       int* line, int* column) {
  using google::protobuf::io::Tokenizer;
  google::protobuf::io::ArrayInputStream input(text.data(),
                                               static_cast<int>(text.size()));
  IgnoreErrors ignore;
  Tokenizer tokenizer(&input, &ignore);
  tokenizer.set_comment_style(Tokenizer::SH_COMMENT_STYLE);
  Tokenizer::Token previous;
  previous.line = -1;
  // Ends at the reported token or at the end of the text.
  while (tokenizer.Next()) {
    const Tokenizer::Token& token = tokenizer.current();
    if (token.line > *line ||
        (token.line == *line && token.column >= *column)) {
      break;
    }
    previous = token;
  }
  if (previous.line >= 0 &&
      absl::StrContains(message, absl::StrCat("\"", previous.text, "\""))) {
    *line = previous.line;
    *column = previous.column;
  }
}

// Keeps the parser's first error: later ones are often echoes of it.
class FirstErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (found_) return;
    found_ = true;
    line_ = line;
    column_ = column;
    message_ = message;
  }

  // "<file>:<line>:<column>: <message>", 1-based; `text` is what was
  // parsed.
  std::string Describe(absl::string_view text, absl::string_view file) const {
    if (!found_) return absl::StrCat(file, ": cannot be parsed");
    int line = line_;
    int column = column_;
    PointAtQuotedName(text, message_, &line, &column);
    return absl::StrCat(file, ":", line + 1, ":", column + 1, ": ", message_);
  }

 private:
  bool found_ = false;
  int line_ = 0;
  int column_ = 0;
  std::string message_;
};

// Splits "requirements[2]" into "requirements" and 2; "clock" into "clock"
// and -1.
void SplitStep(absl::string_view step, absl::string_view* name, int* index) {
  *index = -1;
  *name = step;
  const size_t open = step.find('[');
  if (open == absl::string_view::npos || step.back() != ']') return;
  *name = step.substr(0, open);
  if (!absl::SimpleAtoi(step.substr(open + 1, step.size() - open - 2), index)) {
    *index = -1;
  }
}

// The 0-based line of the field at `path` (a path of FindProblem), else of
// the nearest enclosing message that was written, else -1.
int LineOf(const TextFormat::ParseInfoTree& root, const Descriptor* type,
           absl::string_view path) {
  const TextFormat::ParseInfoTree* tree = &root;
  int line = -1;
  for (absl::string_view step : absl::StrSplit(path, '.')) {
    absl::string_view name;
    int index = -1;
    SplitStep(step, &name, &index);
    const FieldDescriptor* field =
        type == nullptr ? nullptr : type->FindFieldByName(std::string(name));
    if (field == nullptr || tree == nullptr) break;
    // A repeated field without an index (e.g. "requirements: needs at least
    // one") is placed at its first value.
    if (field->is_repeated() && index < 0) index = 0;
    if (!field->is_repeated()) index = -1;
    TextFormat::ParseLocation location = tree->GetLocation(field, index);
    // List syntax ("target_groups: [A, B]") records one location for all
    // values.
    if (location.line < 0 && index > 0) location = tree->GetLocation(field, 0);
    if (location.line < 0) break;
    line = location.line;
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) break;
    tree = tree->GetTreeForNested(field, index);
    type = field->message_type();
  }
  return line;
}

static_assert(kRuleSetTextBytesMax <= INT_MAX,
              "the parser's input stream counts bytes in an int");

}  // namespace

absl::Status ValidateRuleSet(const v1::RuleSet& rule_set) {
  Finding problem = FindProblem(rule_set);
  if (!problem.has_value()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(problem->path, ": ", problem->problem));
}

absl::StatusOr<v1::RuleSet> ParseRuleSet(absl::string_view text,
                                         absl::string_view file) {
  if (text.size() > kRuleSetTextBytesMax) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: is %d bytes; the limit is %d", file, text.size(),
                        kRuleSetTextBytesMax));
  }
  FirstErrorCollector errors;
  TextFormat::ParseInfoTree tree;
  TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  parser.WriteLocationsTo(&tree);
  google::protobuf::io::ArrayInputStream input(text.data(),
                                               static_cast<int>(text.size()));
  v1::RuleSet rule_set;
  if (!parser.Parse(&input, &rule_set)) {
    return absl::InvalidArgumentError(errors.Describe(text, file));
  }
  Finding problem = FindProblem(rule_set);
  if (problem.has_value()) {
    const int line = LineOf(tree, v1::RuleSet::descriptor(), problem->path);
    const std::string where =
        line >= 0 ? absl::StrCat(file, ":", line + 1) : std::string(file);
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": ", problem->path, ": ", problem->problem));
  }
  return rule_set;
}

std::vector<v1::RuleSet> WithCandidate(const std::vector<v1::RuleSet>& active,
                                       const v1::RuleSet& candidate) {
  std::vector<v1::RuleSet> after = active;
  auto same = std::find_if(after.begin(), after.end(), [&](const auto& r) {
    return r.id() == candidate.id();
  });
  if (same == after.end()) {
    after.push_back(candidate);
  } else {
    *same = candidate;
  }
  return after;
}

}  // namespace caseline
