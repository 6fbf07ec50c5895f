#include "projections/case_state.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "projections/dates.h"

namespace caseline {
namespace {

absl::Status Precondition(absl::string_view path, absl::string_view problem) {
  return absl::FailedPreconditionError(absl::StrCat(path, ": ", problem));
}

}  // namespace

absl::Status CaseState::Append(const v1::Event& event) {
  absl::Status status = CheckOrder(event);
  if (!status.ok()) return status;

  entries_.push_back(MakeEntry(event));
  if (event.has_case_opened() && jobcentre_id_.empty()) {
    jobcentre_id_ = event.case_opened().jobcentre_id();
  }
  if (event.has_event_retracted()) {
    // CheckOrder found it.
    entries_[*FindEntry(event.event_retracted().retracted_event_id())]
        .retracted = true;
    Rederive();
  } else {
    Apply(entries_.back());
  }
  return absl::OkStatus();
}

void CaseState::Restore(const v1::Event& event) {
  entries_.push_back(MakeEntry(event));
  if (event.has_case_opened() && jobcentre_id_.empty()) {
    jobcentre_id_ = event.case_opened().jobcentre_id();
  }
  if (!event.has_event_retracted()) {
    Apply(entries_.back());
    return;
  }
  const std::optional<size_t> target =
      FindEntry(event.event_retracted().retracted_event_id());
  if (!target.has_value()) return;
  entries_[*target].retracted = true;
  Rederive();
}

std::optional<size_t> CaseState::FindEntry(absl::string_view event_id) const {
  // Event ids are unique in the log; the latest entry of one wins, as with
  // the index this search replaced.
  for (size_t i = entries_.size(); i-- > 0;) {
    if (entries_[i].event_id == event_id) return i;
  }
  return std::nullopt;
}

absl::Status CaseState::CheckOrder(const v1::Event& event) const {
  if (event.has_event_retracted()) {
    return CheckRetraction(event.event_retracted());
  }
  if (absl::Status status = CheckLifecycle(event); !status.ok()) {
    return status;
  }
  return CheckBody(event);
}

absl::Status CaseState::CheckLifecycle(const v1::Event& event) const {
  if (!opened_) {
    // A case whose case_opened was retracted may be opened again, but only
    // in its jobcentre: who may see a case is decided by it.
    if (event.has_case_opened() && !jobcentre_id_.empty() &&
        event.case_opened().jobcentre_id() != jobcentre_id_) {
      return Precondition(
          "case_opened.jobcentre_id",
          absl::StrCat("the case belongs to ", jobcentre_id_,
                       ", where it was first opened; a case cannot move to "
                       "another jobcentre (open a new case there)"));
    }
    if (event.has_case_opened()) return absl::OkStatus();
    return Precondition("body",
                        absl::StrCat(EventKindName(event.body_case()),
                                     " cannot come first: a case begins with "
                                     "case_opened, and this case has none"));
  }
  if (event.has_case_opened()) {
    return Precondition("case_opened", absl::StrCat("the case was opened "
                                                    "already by event ",
                                                    opened_by_));
  }
  if (closed_) {
    return Precondition(
        "body", absl::StrCat("the case was closed by event ", closed_by_,
                             "; only event_retracted may follow"));
  }
  // ParseDate cannot fail: ValidateEventFields accepted the date.
  const absl::CivilDay occurred_on = *ParseDate(event.occurred_on());
  if (occurred_on < anchor_on_) {
    return absl::InvalidArgumentError(absl::StrCat(
        "occurred_on: ", event.occurred_on(),
        " is before the case's anchor date ", FormatDate(anchor_on_)));
  }
  return absl::OkStatus();
}

absl::Status CaseState::CheckBody(const v1::Event& event) const {
  switch (event.body_case()) {
    case v1::Event::kReferralMade:
      if (referrals_.contains(event.referral_made().referral_id())) {
        return Precondition(
            "referral_made.referral_id",
            absl::StrCat("referral ", event.referral_made().referral_id(),
                         " exists already in this case"));
      }
      return absl::OkStatus();
    case v1::Event::kReferralCancelled:
      return CheckReferralCancelled(event.referral_cancelled());
    case v1::Event::kOfferStarted:
      return CheckOfferStarted(event.offer_started());
    case v1::Event::kOfferEnded:
      return CheckOfferEnded(event.offer_ended());
    case v1::Event::kCaseworkerChanged:
      if (event.caseworker_changed().caseworker_id() == caseworker_id_) {
        return Precondition(
            "caseworker_changed.caseworker_id",
            absl::StrCat(caseworker_id_, " is the case's caseworker already"));
      }
      return absl::OkStatus();
    case v1::Event::kTargetGroupChanged:
      return CheckTargetGroupChanged(event.target_group_changed());
    case v1::Event::kCasePaused:
      if (paused_) {
        return Precondition("case_paused", "the case is paused already");
      }
      return absl::OkStatus();
    case v1::Event::kCaseResumed:
      if (!paused_)
        return Precondition("case_resumed", "the case is not paused");
      return absl::OkStatus();
    default:
      return absl::OkStatus();
  }
}

absl::Status CaseState::CheckReferralCancelled(
    const v1::ReferralCancelled& body) const {
  const std::string& id = body.referral_id();
  auto it = referrals_.find(id);
  if (it == referrals_.end()) {
    return Precondition("referral_cancelled.referral_id",
                        absl::StrCat("no referral ", id, " in this case"));
  }
  if (it->second.cancelled) {
    return Precondition("referral_cancelled.referral_id",
                        absl::StrCat("referral ", id, " is cancelled already"));
  }
  if (it->second.started) {
    return Precondition(
        "referral_cancelled.referral_id",
        absl::StrCat("referral ", id, " has led to an offer already"));
  }
  return absl::OkStatus();
}

absl::Status CaseState::CheckOfferStarted(const v1::OfferStarted& body) const {
  if (offers_.contains(body.offer_id())) {
    return Precondition("offer_started.offer_id",
                        absl::StrCat("offer ", body.offer_id(),
                                     " exists already in this case"));
  }
  if (body.referral_id().empty()) return absl::OkStatus();
  auto it = referrals_.find(body.referral_id());
  if (it == referrals_.end()) {
    return Precondition(
        "offer_started.referral_id",
        absl::StrCat("no referral ", body.referral_id(), " in this case"));
  }
  if (it->second.cancelled) {
    return Precondition(
        "offer_started.referral_id",
        absl::StrCat("referral ", body.referral_id(), " was cancelled"));
  }
  if (it->second.started) {
    return Precondition("offer_started.referral_id",
                        absl::StrCat("referral ", body.referral_id(),
                                     " has led to an offer already"));
  }
  return absl::OkStatus();
}

absl::Status CaseState::CheckOfferEnded(const v1::OfferEnded& body) const {
  const std::string& id = body.offer_id();
  auto it = offers_.find(id);
  if (it == offers_.end()) {
    return Precondition("offer_ended.offer_id",
                        absl::StrCat("no offer ", id, " in this case"));
  }
  if (it->second) {
    return Precondition("offer_ended.offer_id",
                        absl::StrCat("offer ", id, " has ended already"));
  }
  return absl::OkStatus();
}

absl::Status CaseState::CheckTargetGroupChanged(
    const v1::TargetGroupChanged& body) const {
  if (ParseDate(body.anchor_on()).value_or(anchor_on_) < anchor_on_) {
    return absl::InvalidArgumentError(absl::StrCat(
        "target_group_changed.anchor_on: ", body.anchor_on(),
        " is before the case's anchor date ", FormatDate(anchor_on_)));
  }
  if (body.target_group() == target_group_) {
    return Precondition(
        "target_group_changed.target_group",
        absl::StrCat("the case is in ", v1::TargetGroup_Name(target_group_),
                     " already"));
  }
  return absl::OkStatus();
}

absl::Status CaseState::CheckRetraction(const v1::EventRetracted& body) const {
  constexpr absl::string_view kPath = "event_retracted.retracted_event_id";
  const std::optional<size_t> found = FindEntry(body.retracted_event_id());
  if (!found.has_value()) {
    return Precondition(kPath, absl::StrCat(body.retracted_event_id(),
                                            " is not an event of this case"));
  }
  const Entry& target = entries_[*found];
  if (target.retracted) {
    return Precondition(kPath, absl::StrCat(body.retracted_event_id(),
                                            " is retracted already"));
  }
  if (target.kind == v1::Event::kEventRetracted) {
    return Precondition(
        kPath, absl::StrCat(body.retracted_event_id(),
                            " is a retraction, which cannot be retracted; "
                            "append the fact again instead"));
  }
  return absl::OkStatus();
}

CaseState::Entry CaseState::MakeEntry(const v1::Event& event) {
  Entry entry;
  entry.event_id = event.event_id();
  entry.kind = event.body_case();
  switch (entry.kind) {
    case v1::Event::kCaseOpened:
      entry.key = event.case_opened().caseworker_id();
      entry.anchor_on =
          ParseDate(event.case_opened().anchor_on()).value_or(absl::CivilDay());
      entry.target_group = event.case_opened().target_group();
      break;
    case v1::Event::kCaseworkerChanged:
      entry.key = event.caseworker_changed().caseworker_id();
      break;
    case v1::Event::kTargetGroupChanged:
      entry.target_group = event.target_group_changed().target_group();
      break;
    case v1::Event::kReferralMade:
      entry.key = event.referral_made().referral_id();
      break;
    case v1::Event::kReferralCancelled:
      entry.key = event.referral_cancelled().referral_id();
      break;
    case v1::Event::kOfferStarted:
      entry.key = event.offer_started().offer_id();
      entry.referral_id = event.offer_started().referral_id();
      break;
    case v1::Event::kOfferEnded:
      entry.key = event.offer_ended().offer_id();
      break;
    default:
      break;
  }
  return entry;
}

void CaseState::Apply(const Entry& entry) {
  switch (entry.kind) {
    case v1::Event::kCaseOpened:
      opened_ = true;
      opened_by_ = entry.event_id;
      anchor_on_ = entry.anchor_on;
      target_group_ = entry.target_group;
      caseworker_id_ = entry.key;
      break;
    case v1::Event::kCaseworkerChanged:
      caseworker_id_ = entry.key;
      break;
    case v1::Event::kTargetGroupChanged:
      target_group_ = entry.target_group;
      break;
    case v1::Event::kReferralMade:
      referrals_[entry.key] = Referral{};
      break;
    // After a retraction the entries are applied again without checks; an
    // event whose referral or offer was retracted must not create it anew.
    case v1::Event::kReferralCancelled:
      if (auto it = referrals_.find(entry.key); it != referrals_.end()) {
        it->second.cancelled = true;
      }
      break;
    case v1::Event::kOfferStarted:
      offers_[entry.key] = false;
      if (auto it = referrals_.find(entry.referral_id);
          it != referrals_.end()) {
        it->second.started = true;
      }
      break;
    case v1::Event::kOfferEnded:
      if (auto it = offers_.find(entry.key); it != offers_.end()) {
        it->second = true;
      }
      break;
    case v1::Event::kCasePaused:
      paused_ = true;
      break;
    case v1::Event::kCaseResumed:
      paused_ = false;
      break;
    case v1::Event::kCaseClosed:
      closed_ = true;
      closed_by_ = entry.event_id;
      break;
    default:
      break;
  }
}

void CaseState::Rederive() {
  opened_ = false;
  opened_by_.clear();
  anchor_on_ = absl::CivilDay();
  target_group_ = v1::TARGET_GROUP_UNSPECIFIED;
  closed_ = false;
  closed_by_.clear();
  paused_ = false;
  caseworker_id_.clear();
  referrals_.clear();
  offers_.clear();
  for (const Entry& entry : entries_) {
    if (!entry.retracted) Apply(entry);
  }
}

}  // namespace caseline
