// What the write path must know about a case to accept its next event: the
// case's facts so far, in the order they were recorded. It decides the
// FAILED_PRECONDITION rules (a case begins with case_opened, nothing follows
// case_closed but retractions, offers name live referrals, ...).
//
// Retractions are honoured: a retracted event no longer counts, so retracting
// case_closed reopens the case and retracting a caseworker_changed restores
// the caseworker before it.
//
// Not thread-safe; a value type, cheap enough to copy for one request.
#ifndef CASELINE_PROJECTIONS_CASE_STATE_H_
#define CASELINE_PROJECTIONS_CASE_STATE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "caseline/v1/events.pb.h"
#include "projections/event_kinds.h"

namespace caseline {

class CaseState {
 public:
  // Checks that `event`, whose fields ValidateEventFields accepted, may be the
  // case's next event, and if so records it. On error nothing changes:
  // - FAILED_PRECONDITION when the case's history forbids it (e.g. no
  //   case_opened yet, a second case_opened, the case is closed, an unknown
  //   or cancelled referral, a retraction of an event not in this case);
  // - INVALID_ARGUMENT when occurred_on is before the case's anchor date.
  // Messages start with the field path relative to the event.
  absl::Status Append(const v1::Event& event);

  // Records `event`, read back from the log, without the checks: the log is
  // the truth, even if a later server would have refused the event.
  void Restore(const v1::Event& event);

  // Events recorded in the case, retracted or not.
  uint64_t version() const { return entries_.size(); }
  bool opened() const { return opened_; }
  bool closed() const { return closed_; }
  const std::string& caseworker_id() const { return caseworker_id_; }
  // The jobcentre of the case's first case_opened (retracted or not); empty
  // before one.
  const std::string& jobcentre_id() const { return jobcentre_id_; }

 private:
  // The little the rules need from each event, in version order.
  struct Entry {
    std::string event_id;
    EventKind kind = v1::Event::BODY_NOT_SET;
    bool retracted = false;
    // caseworker_id, referral_id or offer_id, by kind.
    std::string key;
    // offer_started: the referral it came from.
    std::string referral_id;
    // case_opened: the anchor; target_group_changed: the new group.
    absl::CivilDay anchor_on;
    v1::TargetGroup target_group = v1::TARGET_GROUP_UNSPECIFIED;
  };
  struct Referral {
    bool cancelled = false;
    bool started = false;
  };

  absl::Status CheckOrder(const v1::Event& event) const;
  absl::Status CheckRetraction(const v1::EventRetracted& body) const;
  // The case's life: opened first and once, nothing but retractions after
  // closing, nothing before the anchor.
  absl::Status CheckLifecycle(const v1::Event& event) const;
  // What the event's body refers to in the case's state.
  absl::Status CheckBody(const v1::Event& event) const;
  absl::Status CheckReferralCancelled(const v1::ReferralCancelled& body) const;
  absl::Status CheckOfferStarted(const v1::OfferStarted& body) const;
  absl::Status CheckOfferEnded(const v1::OfferEnded& body) const;
  absl::Status CheckTargetGroupChanged(
      const v1::TargetGroupChanged& body) const;
  static Entry MakeEntry(const v1::Event& event);
  // The index of the entry of `event_id`, if the case has one. A linear
  // search: a case holds tens of events, and an index of them took a third
  // of a state's memory, of which the store's writer keeps 250,000.
  std::optional<size_t> FindEntry(absl::string_view event_id) const;
  // Applies one entry's effect to the derived state, without checks.
  void Apply(const Entry& entry);
  // Recomputes the derived state from the entries not retracted.
  void Rederive();

  std::vector<Entry> entries_;

  // Derived from entries_ that are not retracted, in version order.
  bool opened_ = false;
  std::string opened_by_;
  // The jobcentre of the case's first case_opened, retracted or not: the
  // case stays there.
  std::string jobcentre_id_;
  absl::CivilDay anchor_on_;
  v1::TargetGroup target_group_ = v1::TARGET_GROUP_UNSPECIFIED;
  bool closed_ = false;
  std::string closed_by_;
  bool paused_ = false;
  std::string caseworker_id_;
  absl::flat_hash_map<std::string, Referral> referrals_;
  // offer_id -> ended.
  absl::flat_hash_map<std::string, bool> offers_;
};

}  // namespace caseline

#endif  // CASELINE_PROJECTIONS_CASE_STATE_H_
