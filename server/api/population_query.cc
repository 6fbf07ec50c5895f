#include "server/api/population_query.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "projections/calendar.h"
#include "projections/dates.h"
#include "projections/event_validation.h"
#include "projections/instants.h"

namespace caseline::api {
namespace {

// The scan checks for a caller that gave up once every this many cases.
constexpr int64_t kCancelCheckCases = 1024;

absl::Status CheckIds(
    absl::string_view field,
    const google::protobuf::RepeatedPtrField<std::string>& ids) {
  if (ids.size() > kFilterIdsMax) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": ", ids.size(), " ids; the limit is ", kFilterIdsMax));
  }
  for (int i = 0; i < ids.size(); ++i) {
    if (absl::Status id = CheckId(ids[i]); !id.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, "[", i, "]: ", id.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckFilter(const v1::CaseFilter& filter) {
  for (auto [field, ids] :
       {std::pair{"filter.jobcentre_ids", &filter.jobcentre_ids()},
        std::pair{"filter.team_ids", &filter.team_ids()},
        std::pair{"filter.caseworker_ids", &filter.caseworker_ids()}}) {
    if (absl::Status checked = CheckIds(field, *ids); !checked.ok()) {
      return checked;
    }
  }
  if (filter.target_groups_size() > kFilterIdsMax) {
    return absl::InvalidArgumentError(
        absl::StrCat("filter.target_groups: ", filter.target_groups_size(),
                     " groups; the limit is ", kFilterIdsMax));
  }
  for (int i = 0; i < filter.target_groups_size(); ++i) {
    const int group = filter.target_groups(i);
    if (group == v1::TARGET_GROUP_UNSPECIFIED ||
        !v1::TargetGroup_IsValid(group)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "filter.target_groups[", i, "]: ", group, " is not a target group"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<absl::CivilDay> DateField(absl::string_view field,
                                         const std::string& text,
                                         absl::CivilDay fallback) {
  if (text.empty()) return fallback;
  absl::StatusOr<absl::CivilDay> day = ParseDate(text);
  if (!day.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", day.status().message()));
  }
  // Working days are counted with the holidays of each year between a
  // deadline and the day judged; the calendar knows these years.
  if (day->year() < kCalendarYearMin || day->year() > kCalendarYearMax) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": ", text, " is outside the years ", kCalendarYearMin, "-",
        kCalendarYearMax, " caseline's calendar covers"));
  }
  return day;
}

absl::CivilDay TodayUtc(absl::Time now) {
  return absl::ToCivilDay(now, absl::UTCTimeZone());
}

absl::StatusOr<absl::Time> KnownAtField(
    bool has_known_at, const google::protobuf::Timestamp& known_at) {
  if (!has_known_at) return absl::InfiniteFuture();
  return TimeField("known_at", known_at);
}

absl::StatusOr<int> CountField(absl::string_view field, int value, int fallback,
                               int max) {
  if (value < 0 || value > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", value, " is out of range (0 for ", fallback,
                     ", at most ", max, ")"));
  }
  return value == 0 ? fallback : value;
}

void StateRuleSets(const std::vector<v1::RuleSet>& rule_sets,
                   v1::ReportBasis* basis) {
  for (const v1::RuleSet& rule_set : rule_sets) {
    v1::RuleSetRef* ref = basis->add_rule_sets();
    ref->set_id(rule_set.id());
    ref->set_version(rule_set.version());
  }
}

absl::Status PopulationGate::Enter() {
  if (running_.fetch_add(1) >= kPopulationQueriesMax) {
    running_.fetch_sub(1);
    return absl::ResourceExhaustedError(
        absl::StrCat(kPopulationQueriesMax,
                     " population answers are being computed; retry shortly"));
  }
  return absl::OkStatus();
}

void PopulationGate::Leave() { running_.fetch_sub(1); }

absl::Status ScanPopulation(
    const store::EventStore& store, v1::ReportSource requested,
    absl::Time known_at, absl::Time now, grpc::ServerContext* context,
    const std::function<void(absl::Span<const v1::Event>)>& add,
    v1::ReportBasis* basis) {
  int64_t seen = 0;
  const store::CaseVisitor visit =
      [&](absl::string_view /*case_id*/,
          absl::Span<const v1::Event> events) -> absl::Status {
    if (++seen % kCancelCheckCases == 0 && context != nullptr &&
        context->IsCancelled()) {
      return absl::CancelledError("the caller cancelled the request");
    }
    add(events);
    return absl::OkStatus();
  };

  // Every event acknowledged before the request arrived must count. The
  // follower is normally milliseconds behind; if it cannot catch up in
  // time, the log answers instead, and the basis says so.
  const uint64_t target = store.last_position();
  bool from_log = requested == v1::REPORT_SOURCE_LOG;
  std::string note;
  if (!from_log) {
    const uint64_t reached =
        store.WaitForProjection(target, absl::Now() + kProjectionWaitMax);
    if (reached < target) {
      from_log = true;
      note = absl::StrCat("the materialization was at position ", reached,
                          " of ", target, "; read from the log");
    }
  }
  absl::StatusOr<store::ScanBasis> scanned =
      // Cut at the target: the follower's pages may end inside an append,
      // a position the log acknowledged never does.
      from_log ? store.ScanLog(visit) : store.ScanMaterialized(visit, target);
  if (!scanned.ok()) return scanned.status();

  basis->set_source(from_log ? v1::REPORT_SOURCE_LOG
                             : v1::REPORT_SOURCE_MATERIALIZED);
  basis->set_projection_version(scanned->projection_version);
  basis->set_last_position(scanned->last_position);
  basis->set_note(note);
  // "Now" is stated as the recorded_at of the last event seen: the exact
  // cut, since every later event is recorded later, so that asking again
  // with the stated known_at gives the same answer even after more history
  // is imported. An empty log is stated as now.
  absl::Time stated = known_at;
  if (stated == absl::InfiniteFuture()) {
    stated = scanned->last_position > 0 ? scanned->last_recorded_at : now;
  }
  *basis->mutable_known_at() = ToTimestamp(stated);
  return absl::OkStatus();
}

}  // namespace caseline::api
