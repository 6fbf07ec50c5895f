// TimelineText (projection_format.h): the case's facts, a table a section.
#include <string>

#include "absl/strings/str_cat.h"
#include "tools/format.h"
#include "tools/projection_format.h"
#include "tools/table.h"

namespace caseline::cli {
namespace {

// "\nTITLE\n" and the table; nothing for an empty section.
void AppendSection(absl::string_view title, const Table& table,
                   std::string* text) {
  if (table.empty()) return;
  absl::StrAppend(text, "\n", title, "\n", table.Render());
}

Table Periods(const v1::GetTimelineResponse& response) {
  Table table({"TARGET GROUP", "ANCHOR ON", "START ON", "END ON",
               "SICK NOTE RECEIVED ON", "REFERRED TO JOBCENTRE", "EVENT"});
  for (const v1::TimelinePeriod& period : response.periods()) {
    table.AddRow(
        {ShortEnumName(period.target_group()), period.anchor_on(),
         period.start_on(), period.end_on(), period.sick_note_received_on(),
         period.referred_to_jobcentre() ? "yes" : "", period.event_id()});
  }
  return table;
}

Table Pauses(const v1::GetTimelineResponse& response) {
  Table table({"FROM", "TO", "REASON", "EVENT"});
  for (const v1::TimelinePause& pause : response.pauses()) {
    table.AddRow({pause.from_on(), pause.to_on(),
                  ShortEnumNameOrEmpty(pause.reason()), pause.event_id()});
  }
  return table;
}

Table Caseworkers(const v1::GetTimelineResponse& response) {
  Table table({"FROM", "TO", "CASEWORKER", "TEAM", "REASON", "EVENT"});
  for (const v1::TimelineAssignment& assignment : response.assignments()) {
    table.AddRow({assignment.from_on(), assignment.to_on(),
                  assignment.caseworker_id(), assignment.team_id(),
                  ShortEnumNameOrEmpty(assignment.reason()),
                  assignment.event_id()});
  }
  return table;
}

Table Interviews(
    const google::protobuf::RepeatedPtrField<v1::TimelineInterview>&
        interviews) {
  // HELD BY is empty when not stated, which means the jobcentre.
  Table table({"ON", "KIND", "CHANNEL", "HELD BY", "EVENT"});
  for (const v1::TimelineInterview& interview : interviews) {
    table.AddRow({interview.on(), ShortEnumNameOrEmpty(interview.kind()),
                  ShortEnumNameOrEmpty(interview.channel()),
                  ShortEnumNameOrEmpty(interview.held_by()),
                  interview.event_id()});
  }
  return table;
}

Table ServiceCalls(const v1::GetTimelineResponse& response) {
  Table table({"ON", "OUTCOME", "EVENT"});
  for (const v1::TimelineServiceCall& call : response.service_calls()) {
    table.AddRow(
        {call.on(), ShortEnumNameOrEmpty(call.outcome()), call.event_id()});
  }
  return table;
}

Table Referrals(const v1::GetTimelineResponse& response) {
  Table table({"REFERRAL", "ON", "OFFER KIND", "PROVIDER", "CANCELLED ON",
               "OFFER STARTED ON", "EVENT"});
  for (const v1::TimelineReferral& referral : response.referrals()) {
    table.AddRow({referral.referral_id(), referral.on(),
                  ShortEnumNameOrEmpty(referral.offer_kind()),
                  referral.provider(), referral.cancelled_on(),
                  referral.offer_started_on(), referral.event_id()});
  }
  return table;
}

Table Offers(const v1::GetTimelineResponse& response) {
  Table table({"OFFER", "REFERRAL", "KIND", "START ON", "PLANNED END ON",
               "END ON", "EVENT"});
  for (const v1::TimelineOffer& offer : response.offers()) {
    table.AddRow({offer.offer_id(), offer.referral_id(),
                  ShortEnumNameOrEmpty(offer.offer_kind()), offer.start_on(),
                  offer.planned_end_on(), offer.end_on(), offer.event_id()});
  }
  return table;
}

Table Reviews(const v1::GetTimelineResponse& response) {
  Table table({"ON", "EVENT"});
  for (const v1::TimelineReview& review : response.reviews()) {
    table.AddRow({review.on(), review.event_id()});
  }
  return table;
}

Table Exemptions(const v1::GetTimelineResponse& response) {
  Table table({"ON", "RULE SET", "REQUIREMENT", "KIND", "DECIDED BY", "REASON",
               "EVENT"});
  for (const v1::TimelineExemption& exemption : response.exemptions()) {
    table.AddRow(
        {exemption.on(), exemption.rule_set_id(), exemption.requirement_id(),
         ShortEnumNameOrEmpty(exemption.kind()), exemption.decided_by(),
         exemption.reason(), exemption.event_id()});
  }
  return table;
}

Table Closure(const v1::GetTimelineResponse& response) {
  Table table({"ON", "REASON", "EVENT"});
  const v1::TimelineClosure& closure = response.closure();
  if (!closure.on().empty()) {
    table.AddRow({closure.on(), ShortEnumNameOrEmpty(closure.reason()),
                  closure.event_id()});
  }
  return table;
}

}  // namespace

std::string TimelineText(const v1::GetTimelineResponse& response) {
  std::string text = BasisLine(response.basis());
  if (!response.citizen_id().empty()) {
    absl::StrAppend(&text, "citizen ", response.citizen_id(), ", born ",
                    response.birth_on(), ", jobcentre ",
                    response.jobcentre_id(), "\n");
  }
  AppendSection("periods", Periods(response), &text);
  AppendSection("pauses", Pauses(response), &text);
  AppendSection("caseworkers", Caseworkers(response), &text);
  AppendSection("interviews", Interviews(response.interviews()), &text);
  AppendSection("missed interviews", Interviews(response.missed_interviews()),
                &text);
  AppendSection("service calls", ServiceCalls(response), &text);
  AppendSection("referrals", Referrals(response), &text);
  AppendSection("offers", Offers(response), &text);
  AppendSection("reviews", Reviews(response), &text);
  AppendSection("exemptions", Exemptions(response), &text);
  AppendSection("closure", Closure(response), &text);
  return text;
}

}  // namespace caseline::cli
