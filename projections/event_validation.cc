#include "projections/event_validation.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "projections/dates.h"

namespace caseline {
namespace {

using google::protobuf::EnumDescriptor;

absl::Status FieldError(absl::string_view path, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", problem));
}

absl::Status RequireId(absl::string_view path, const std::string& id) {
  if (id.empty()) return FieldError(path, "is required");
  absl::Status status = CheckId(id);
  if (!status.ok()) return FieldError(path, status.message());
  return absl::OkStatus();
}

absl::Status OptionalId(absl::string_view path, const std::string& id) {
  return id.empty() ? absl::OkStatus() : RequireId(path, id);
}

absl::Status RequireText(absl::string_view path, const std::string& text) {
  if (text.empty()) return FieldError(path, "is required");
  if (text.size() > kTextBytesMax) {
    return FieldError(path, absl::StrFormat("is %d bytes; the limit is %d",
                                            text.size(), kTextBytesMax));
  }
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) {
      return FieldError(path, "contains a control character");
    }
  }
  return absl::OkStatus();
}

// Every enum's zero is UNSPECIFIED and always rejected; unknown numbers (from
// a newer client) are rejected too, since this server cannot judge them.
absl::Status RequireEnum(absl::string_view path, const EnumDescriptor* type,
                         int value) {
  if (value == 0) {
    return FieldError(path, absl::StrCat("is required (", type->name(),
                                         " must not be unspecified)"));
  }
  if (type->FindValueByNumber(value) == nullptr) {
    return FieldError(path,
                      absl::StrCat(value, " is not a known ", type->name()));
  }
  return absl::OkStatus();
}

#define CASELINE_RETURN_IF_ERROR(expr) \
  do {                                 \
    absl::Status status_ = (expr);     \
    if (!status_.ok()) return status_; \
  } while (false)

// An optional enum: zero means "not stated" and keeps the meaning events had
// before the field existed; unknown numbers are rejected as in RequireEnum.
absl::Status OptionalEnum(absl::string_view path, const EnumDescriptor* type,
                          int value) {
  if (value == 0) return absl::OkStatus();
  return RequireEnum(path, type, value);
}

// A joint interview ("fællessamtale") is the jobcentre's, with the a-kasse
// taking part; the a-kasse's own interviews are individual or group ones.
absl::Status CheckHolder(absl::string_view path, v1::InterviewKind kind,
                         v1::InterviewHolder held_by) {
  CASELINE_RETURN_IF_ERROR(
      OptionalEnum(path, v1::InterviewHolder_descriptor(), held_by));
  if (held_by == v1::INTERVIEW_HOLDER_A_KASSE &&
      kind == v1::INTERVIEW_KIND_JOINT) {
    return FieldError(path,
                      "INTERVIEW_HOLDER_A_KASSE cannot hold a joint interview "
                      "(a joint interview is the jobcentre's, with the "
                      "a-kasse taking part)");
  }
  return absl::OkStatus();
}

// A direct referral to the jobcentre (LAB § 27, stk. 3) is an a-dagpenge
// fact.
absl::Status CheckReferredToJobcentre(absl::string_view path, bool referred,
                                      v1::TargetGroup group) {
  if (!referred || group == v1::TARGET_GROUP_A_DAGPENGE) {
    return absl::OkStatus();
  }
  return FieldError(path, "is only for a-dagpenge periods");
}

absl::StatusOr<absl::CivilDay> RequireDate(absl::string_view path,
                                           const std::string& text) {
  if (text.empty()) return FieldError(path, "is required");
  absl::StatusOr<absl::CivilDay> day = ParseDate(text);
  if (!day.ok()) return FieldError(path, day.status().message());
  return day;
}

// Dates other than occurred_on may not lie in the future either (with the
// same day of grace).
absl::Status NotFuture(absl::string_view path, const std::string& text,
                       absl::CivilDay day, absl::CivilDay today) {
  if (day <= today + 1) return absl::OkStatus();
  return FieldError(path, absl::StrCat(text,
                                       " is in the future (the server's "
                                       "today is ",
                                       FormatDate(today), ")"));
}

absl::Status ValidateCaseOpened(const v1::CaseOpened& body,
                                absl::CivilDay occurred_on,
                                absl::CivilDay today) {
  CASELINE_RETURN_IF_ERROR(
      RequireId("case_opened.citizen_id", body.citizen_id()));
  CASELINE_RETURN_IF_ERROR(
      RequireId("case_opened.jobcentre_id", body.jobcentre_id()));
  CASELINE_RETURN_IF_ERROR(RequireEnum("case_opened.target_group",
                                       v1::TargetGroup_descriptor(),
                                       body.target_group()));
  absl::StatusOr<absl::CivilDay> birth_on =
      RequireDate("case_opened.birth_on", body.birth_on());
  if (!birth_on.ok()) return birth_on.status();
  absl::StatusOr<absl::CivilDay> anchor_on =
      RequireDate("case_opened.anchor_on", body.anchor_on());
  if (!anchor_on.ok()) return anchor_on.status();
  if (*birth_on > *anchor_on) {
    return FieldError("case_opened.birth_on",
                      absl::StrCat(body.birth_on(), " is after anchor_on ",
                                   body.anchor_on()));
  }
  if (occurred_on < *anchor_on) {
    return FieldError(
        "occurred_on",
        absl::StrCat(FormatDate(occurred_on),
                     " is before the case's anchor date ", body.anchor_on()));
  }
  CASELINE_RETURN_IF_ERROR(
      RequireId("case_opened.caseworker_id", body.caseworker_id()));
  CASELINE_RETURN_IF_ERROR(RequireId("case_opened.team_id", body.team_id()));
  CASELINE_RETURN_IF_ERROR(CheckReferredToJobcentre(
      "case_opened.referred_to_jobcentre", body.referred_to_jobcentre(),
      body.target_group()));
  if (!body.sick_note_received_on().empty()) {
    absl::StatusOr<absl::CivilDay> received_on = RequireDate(
        "case_opened.sick_note_received_on", body.sick_note_received_on());
    if (!received_on.ok()) return received_on.status();
    if (body.target_group() != v1::TARGET_GROUP_SYGEDAGPENGE) {
      return FieldError("case_opened.sick_note_received_on",
                        "is only for sygedagpenge cases");
    }
    if (*received_on < *anchor_on) {
      return FieldError(
          "case_opened.sick_note_received_on",
          absl::StrCat(body.sick_note_received_on(), " is before anchor_on ",
                       body.anchor_on()));
    }
    CASELINE_RETURN_IF_ERROR(NotFuture("case_opened.sick_note_received_on",
                                       body.sick_note_received_on(),
                                       *received_on, today));
  }
  return absl::OkStatus();
}

absl::Status ValidateBody(const v1::Event& event, absl::CivilDay occurred_on,
                          absl::CivilDay today) {
  switch (event.body_case()) {
    case v1::Event::kCaseOpened:
      return ValidateCaseOpened(event.case_opened(), occurred_on, today);
    case v1::Event::kServiceCallMade:
      return RequireEnum("service_call_made.outcome",
                         v1::ServiceCallOutcome_descriptor(),
                         event.service_call_made().outcome());
    case v1::Event::kInterviewHeld:
      CASELINE_RETURN_IF_ERROR(RequireEnum("interview_held.kind",
                                           v1::InterviewKind_descriptor(),
                                           event.interview_held().kind()));
      CASELINE_RETURN_IF_ERROR(RequireEnum("interview_held.channel",
                                           v1::InterviewChannel_descriptor(),
                                           event.interview_held().channel()));
      return CheckHolder("interview_held.held_by",
                         event.interview_held().kind(),
                         event.interview_held().held_by());
    case v1::Event::kInterviewMissed:
      CASELINE_RETURN_IF_ERROR(RequireEnum("interview_missed.kind",
                                           v1::InterviewKind_descriptor(),
                                           event.interview_missed().kind()));
      return CheckHolder("interview_missed.held_by",
                         event.interview_missed().kind(),
                         event.interview_missed().held_by());
    case v1::Event::kReferralMade: {
      const v1::ReferralMade& body = event.referral_made();
      CASELINE_RETURN_IF_ERROR(
          RequireId("referral_made.referral_id", body.referral_id()));
      CASELINE_RETURN_IF_ERROR(RequireEnum("referral_made.offer_kind",
                                           v1::OfferKind_descriptor(),
                                           body.offer_kind()));
      return RequireText("referral_made.provider", body.provider());
    }
    case v1::Event::kReferralCancelled: {
      const v1::ReferralCancelled& body = event.referral_cancelled();
      CASELINE_RETURN_IF_ERROR(
          RequireId("referral_cancelled.referral_id", body.referral_id()));
      return RequireEnum("referral_cancelled.reason",
                         v1::ReferralCancelReason_descriptor(), body.reason());
    }
    case v1::Event::kOfferStarted: {
      const v1::OfferStarted& body = event.offer_started();
      CASELINE_RETURN_IF_ERROR(
          RequireId("offer_started.offer_id", body.offer_id()));
      CASELINE_RETURN_IF_ERROR(
          OptionalId("offer_started.referral_id", body.referral_id()));
      CASELINE_RETURN_IF_ERROR(RequireEnum("offer_started.offer_kind",
                                           v1::OfferKind_descriptor(),
                                           body.offer_kind()));
      absl::StatusOr<absl::CivilDay> end_on =
          RequireDate("offer_started.planned_end_on", body.planned_end_on());
      if (!end_on.ok()) return end_on.status();
      if (*end_on < occurred_on) {
        return FieldError("offer_started.planned_end_on",
                          absl::StrCat(body.planned_end_on(),
                                       " is before the offer starts on ",
                                       event.occurred_on()));
      }
      return absl::OkStatus();
    }
    case v1::Event::kOfferEnded:
      CASELINE_RETURN_IF_ERROR(
          RequireId("offer_ended.offer_id", event.offer_ended().offer_id()));
      return RequireEnum("offer_ended.reason", v1::OfferEndReason_descriptor(),
                         event.offer_ended().reason());
    case v1::Event::kCaseworkerChanged: {
      const v1::CaseworkerChanged& body = event.caseworker_changed();
      CASELINE_RETURN_IF_ERROR(
          RequireId("caseworker_changed.caseworker_id", body.caseworker_id()));
      CASELINE_RETURN_IF_ERROR(
          RequireId("caseworker_changed.team_id", body.team_id()));
      return RequireEnum("caseworker_changed.reason",
                         v1::CaseworkerChangeReason_descriptor(),
                         body.reason());
    }
    case v1::Event::kTargetGroupChanged: {
      const v1::TargetGroupChanged& body = event.target_group_changed();
      CASELINE_RETURN_IF_ERROR(RequireEnum("target_group_changed.target_group",
                                           v1::TargetGroup_descriptor(),
                                           body.target_group()));
      CASELINE_RETURN_IF_ERROR(CheckReferredToJobcentre(
          "target_group_changed.referred_to_jobcentre",
          body.referred_to_jobcentre(), body.target_group()));
      absl::StatusOr<absl::CivilDay> anchor_on =
          RequireDate("target_group_changed.anchor_on", body.anchor_on());
      if (!anchor_on.ok()) return anchor_on.status();
      return NotFuture("target_group_changed.anchor_on", body.anchor_on(),
                       *anchor_on, today);
    }
    case v1::Event::kCasePaused:
      return RequireEnum("case_paused.reason", v1::PauseReason_descriptor(),
                         event.case_paused().reason());
    case v1::Event::kCaseResumed:
    case v1::Event::kReviewHeld:
      return absl::OkStatus();
    case v1::Event::kCaseClosed:
      return RequireEnum("case_closed.reason", v1::CaseCloseReason_descriptor(),
                         event.case_closed().reason());
    case v1::Event::kExemptionGranted: {
      const v1::ExemptionGranted& body = event.exemption_granted();
      CASELINE_RETURN_IF_ERROR(
          RequireId("exemption_granted.rule_set_id", body.rule_set_id()));
      CASELINE_RETURN_IF_ERROR(
          RequireId("exemption_granted.requirement_id", body.requirement_id()));
      CASELINE_RETURN_IF_ERROR(RequireEnum("exemption_granted.kind",
                                           v1::ExemptionKind_descriptor(),
                                           body.kind()));
      CASELINE_RETURN_IF_ERROR(
          RequireText("exemption_granted.reason", body.reason()));
      return RequireId("exemption_granted.decided_by", body.decided_by());
    }
    case v1::Event::kEventRetracted:
      CASELINE_RETURN_IF_ERROR(
          RequireId("event_retracted.retracted_event_id",
                    event.event_retracted().retracted_event_id()));
      return RequireText("event_retracted.reason",
                         event.event_retracted().reason());
    case v1::Event::BODY_NOT_SET:
      break;
  }
  return FieldError("body",
                    "is required (set exactly one event kind, e.g. "
                    "interview_held)");
}

}  // namespace

absl::Status CheckId(absl::string_view id) {
  if (id.size() > kIdBytesMax) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "is %d bytes; the limit is %d", id.size(), kIdBytesMax));
  }
  for (size_t i = 0; i < id.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(id[i]);
    if (c < 0x20 || c > 0x7e) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "has a non-printable character (byte 0x%02x at offset %d); ids are "
          "printable ASCII",
          c, i));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateEventFields(const v1::Event& event, absl::CivilDay today) {
  CASELINE_RETURN_IF_ERROR(RequireId("event_id", event.event_id()));
  absl::StatusOr<absl::CivilDay> occurred_on =
      RequireDate("occurred_on", event.occurred_on());
  if (!occurred_on.ok()) return occurred_on.status();
  if (*occurred_on > today + 1) {
    return FieldError("occurred_on",
                      absl::StrCat(event.occurred_on(),
                                   " is in the future (the server's today is ",
                                   FormatDate(today), ")"));
  }
  return ValidateBody(event, *occurred_on, today);
}

}  // namespace caseline
