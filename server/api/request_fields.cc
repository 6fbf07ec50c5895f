#include "server/api/request_fields.h"

#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "projections/calendar.h"
#include "projections/dates.h"
#include "projections/event_validation.h"
#include "projections/instants.h"

namespace caseline::api {
namespace {

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

absl::Status CheckTargetGroups(
    absl::string_view field,
    const google::protobuf::RepeatedField<int>& groups) {
  if (groups.size() > kFilterIdsMax) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": ", groups.size(), " groups; the limit is ", kFilterIdsMax));
  }
  for (int i = 0; i < groups.size(); ++i) {
    const int group = groups[i];
    if (group == v1::TARGET_GROUP_UNSPECIFIED ||
        !v1::TargetGroup_IsValid(group)) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, "[", i, "]: ", group, " is not a target group"));
    }
  }
  return absl::OkStatus();
}

absl::Status IdField(absl::string_view field, const std::string& id) {
  if (id.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": is required"));
  }
  if (absl::Status checked = CheckId(id); !checked.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", checked.message()));
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

absl::Status CheckSpan(absl::CivilDay from, absl::string_view to_field,
                       absl::CivilDay to) {
  if (from > to) {
    return absl::InvalidArgumentError(absl::StrCat("from: ", FormatDate(from),
                                                   " is after ", to_field, " ",
                                                   FormatDate(to)));
  }
  return absl::OkStatus();
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

absl::Status CheckFilter(const v1::CaseFilter& filter) {
  for (auto [field, ids] :
       {std::pair{"filter.jobcentre_ids", &filter.jobcentre_ids()},
        std::pair{"filter.team_ids", &filter.team_ids()},
        std::pair{"filter.caseworker_ids", &filter.caseworker_ids()}}) {
    if (absl::Status checked = CheckIds(field, *ids); !checked.ok()) {
      return checked;
    }
  }
  return CheckTargetGroups("filter.target_groups", filter.target_groups());
}

absl::StatusOr<std::vector<v1::GroupBy>> GroupByField(
    const google::protobuf::RepeatedField<int>& group_by) {
  std::vector<v1::GroupBy> keys;
  absl::flat_hash_set<int> seen;
  for (int i = 0; i < group_by.size(); ++i) {
    const int key = group_by[i];
    if (key == v1::GROUP_BY_UNSPECIFIED || !v1::GroupBy_IsValid(key)) {
      return absl::InvalidArgumentError(
          absl::StrCat("group_by[", i, "]: ", key, " is not a grouping"));
    }
    if (!seen.insert(key).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          "group_by[", i, "]: ",
          v1::GroupBy_Name(static_cast<v1::GroupBy>(key)), " is given twice"));
    }
    keys.push_back(static_cast<v1::GroupBy>(key));
  }
  return keys;
}

absl::StatusOr<v1::ReportSource> SourceField(v1::ReportSource source) {
  if (!v1::ReportSource_IsValid(source)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "source: ", static_cast<int>(source), " is not a report source"));
  }
  return source;
}

}  // namespace caseline::api
