// The generator's model of Danish jobcentres: the target groups and their
// durations, the cadences of interviews and offers, the rates of switches,
// pauses, late registrations and retractions. Internal to the generator:
// only tools/generate*.cc and tools/internal/generate_*.cc include it; the
// contract readers rely on is tools/generate.h.
#ifndef CASELINE_TOOLS_INTERNAL_GENERATE_MODEL_H_
#define CASELINE_TOOLS_INTERNAL_GENERATE_MODEL_H_

#include <array>
#include <cstddef>
#include <cstdint>

#include "caseline/v1/events.pb.h"
#include "tools/internal/generate_calendar.h"

namespace caseline::generate_internal {

// Every number below either comes from a source in
// ../shared/domain/sources/ (named in its comment) or is marked "chosen".

// Weeks a simulated case may last at most, and so how far before `from`
// cases that are still active on `from` may have begun (the warm-up).
// Chosen: 6 years; every duration below is cut there.
inline constexpr double kDurationWeeksMax = 6 * 52;

// The dagpenge period is two years (chosen from the law of the time, not
// from a source): a-dagpenge cases end by then.
inline constexpr double kDagpengeWeeksMax = 104;

enum Team { kTeamDagpenge, kTeamSyg, kTeamKontanthjaelp, kTeamAfklaring };
inline constexpr int kTeamCount = 4;
inline constexpr std::array<const char*, kTeamCount> kTeamIds = {
    "team-dagpenge", "team-syg", "team-kontanthjaelp", "team-afklaring"};
inline constexpr std::array<const char*, kTeamCount> kTeamShortNames = {
    "dp", "syg", "kh", "afk"};

// Closure reasons in the order of v1::CaseCloseReason 1..5: job, education,
// other benefit, moved, other. Chosen.
using CloseWeights = std::array<double, 5>;

struct GroupModel {
  v1::TargetGroup group;
  // Cases at one time in Middelfart on 31 January 2020 (004, "Antallet ...
  // pr. 31.01.20"); kontanthjælp's 281 split 35/65 between jobparat and
  // aktivitetsparat (the split is chosen).
  double stock;
  // Duration of a benefit period: Weibull(scale_weeks, shape), cut at
  // cap_weeks.
  double scale_weeks;
  double shape;
  double cap_weeks;
  Team team;
  int age_min;
  int age_max;
  // Share of cases that are ever referred to an offer. Chosen.
  double referral_share;
  CloseWeights close_weights;
};

// a-dagpenge: 74% ended within 6 months and 89% within a year (001,
// Rudersdal 2017: "1.160 borgere afsluttet indenfor 6 måneder svarende til
// 74 %", "Yderligere 246 ... indenfor et år svarende til 89 %"). A Weibull
// through both points: shape 0.712, scale 17.1 weeks (mean about 21 weeks).
// sygedagpenge: mean 28 weeks, 14% over 52 weeks (004: "Gennemsnitlig
// varighed sygedagpenge 28 uger", "andel langvarige sager (+52 uger) 14 %"):
// shape 1.22, scale 29.9 weeks.
// jobafklaring: mean 94 weeks (004: "Gennemsnitlig varighed jobafklaring 94
// uger"): shape 1.5 (chosen), scale 94 / Γ(1 + 1/1.5) = 104.1 weeks.
// ressourceforløb: mean 2½ years (004: "afkorte den gennemsnitlige varighed
// af ressourceforløb med 6 måneder fra 2 ½ år til 2 år"): 130 weeks, shape
// 1.5, scale 144.0.
// kontanthjælp jobparat 30 weeks, aktivitetsparat 90, uddannelseshjælp 40,
// ledighedsydelse 40: chosen, exponential (shape 1).
// clang-format off
// group, stock, scale_weeks, shape, cap_weeks, team, age_min, age_max,
// referral_share, close_weights
inline constexpr std::array<GroupModel, 8> kGroups = {{
    {v1::TARGET_GROUP_A_DAGPENGE, 566, 17.11, 0.712, kDagpengeWeeksMax,
     kTeamDagpenge, 25, 64, 0.9, {75, 5, 8, 4, 8}},
    {v1::TARGET_GROUP_SYGEDAGPENGE, 502, 29.9, 1.22, 156,
     kTeamSyg, 20, 66, 0.3, {80, 1, 10, 2, 7}},
    {v1::TARGET_GROUP_KONTANTHJAELP_JOBPARAT, 281 * 0.35, 30, 1, kDurationWeeksMax,
     kTeamKontanthjaelp, 30, 64, 0.8, {45, 10, 20, 10, 15}},
    {v1::TARGET_GROUP_KONTANTHJAELP_AKTIVITETSPARAT, 281 * 0.65, 90, 1, kDurationWeeksMax,
     kTeamKontanthjaelp, 30, 64, 0.9, {25, 10, 35, 10, 20}},
    {v1::TARGET_GROUP_UDDANNELSESHJAELP, 154, 40, 1, kDurationWeeksMax,
     kTeamKontanthjaelp, 18, 29, 0.9, {30, 45, 10, 5, 10}},
    {v1::TARGET_GROUP_JOBAFKLARING, 137, 104.1, 1.5, kDurationWeeksMax,
     kTeamAfklaring, 25, 64, 0.8, {25, 5, 50, 5, 15}},
    {v1::TARGET_GROUP_RESSOURCEFORLOEB, 139, 144.0, 1.5, kDurationWeeksMax,
     kTeamAfklaring, 20, 64, 0.9, {15, 5, 60, 5, 15}},
    {v1::TARGET_GROUP_LEDIGHEDSYDELSE, 114, 40, 1, kDurationWeeksMax,
     kTeamAfklaring, 25, 64, 0.5, {70, 1, 15, 4, 10}},
}};
// clang-format on
inline constexpr int kGroupADagpenge = 0;
inline constexpr int kGroupSygedagpenge = 1;
inline constexpr int kGroupJobparat = 2;
inline constexpr int kGroupAktivitetsparat = 3;
inline constexpr int kGroupJobafklaring = 5;

inline constexpr size_t kGroupCount = kGroups.size();
using GroupWeights = std::array<double, kGroupCount>;

// Sickness cases over 22 weeks are reviewed (004: "sager over 22 uger
// gennemgås"; docs/domain.md "revurdering" by week 22), and some move on to
// jobafklaring then. The share is chosen so that, with the arrivals into
// jobafklaring reduced to match, its stock stays at 137.
inline constexpr double kReviewWeeks = 22;
inline constexpr double kJobafklaringAfterLongSicknessShare = 0.08;

// Share of jobparat kontanthjælp cases reassessed as aktivitetsparat, and
// share of those that change caseworker on the way (002: "I denne proces
// sker der et sagsbehandlerskifte når borgeren overgår fra eksempelvis
// jobparat"). Chosen.
inline constexpr double kAktivitetsparatShare = 0.25;
inline constexpr double kTransferOnRegroupShare = 0.7;

// Caseloads of 30-70 cases per caseworker (issue 4); each jobcentre draws
// its own.
inline constexpr double kCaseloadMin = 30;
inline constexpr double kCaseloadMax = 70;

// Interviews. An interview in each 4-week period of an a-dagpenge case's
// first 26 weeks (001, LBK 1342/2016 § 16a), then at most 6 weeks apart
// (000, Faaborg-Midtfyn); sygedagpenge by week 8, then every 4 weeks
// (docs/domain.md, sickness-benefit act); other groups within a week of first
// contact (002: "Den første samtale skal ske indenfor en uge efter
// henvendelse") and at least 4 in the first 6 months (docs/domain.md, LAB
// §§ 31-32), later every 12 weeks (chosen).
inline constexpr int kInterviewDaysDagpenge = 28;
inline constexpr int kInterviewDaysDagpengeLater = 42;
inline constexpr int kFirstInterviewWeekSyg = 8;
inline constexpr int kInterviewDaysSyg = 28;
inline constexpr int kInterviewDaysOther = 42;
inline constexpr int kInterviewDaysOtherLater = 84;
inline constexpr int kFirstSixMonthsDays = 182;
// Interviews the citizen did not come to, rebooked 5-14 days later. Chosen.
// The law of each period (docs/domain.md, "The rule sets caseline ships").
// From 2024-01-01 the a-kasse holds an a-dagpenge period's interviews of
// the first 3 months (LAB § 31, stk. 1), and guidance and upskilling is
// recorded as its part "øvrig vejledning og opkvalificering", which is not
// a right-and-duty offer (§ 102, stk. 6). Decided by the date alone, so
// that a run before 2024 draws the same numbers as before.
inline constexpr absl::CivilDay kLaw2024From(2024, 1, 1);
inline constexpr int kAKasseMonths = 3;
// From 2026-07-01 the municipality may exempt up to 25% of a group from the
// offer target; it exempts about one in ten (no source gives the share).
inline constexpr absl::CivilDay kLaw2026From(2026, 7, 1);
inline constexpr double kOfferExemptionShare = 0.10;

inline constexpr double kMissedInterviewShare = 0.08;
// a-dagpenge interviews 1 and 5 are joint with the a-kasse (001, Brøndby).
inline constexpr int kJointInterviewFirst = 0;
inline constexpr int kJointInterviewFifth = 4;
// A late interview or offer comes 1 to 6 weeks after its deadline. Chosen.
inline constexpr int kLateDaysMin = 7;
inline constexpr int kLateDaysMax = 42;

// Service call within 14 days of registration (000, Faaborg-Midtfyn:
// "senest 14 dage efter, de har meldt sig ledige"); 20% not reached at the
// first try (chosen).
inline constexpr int kServiceCallDaysMax = 14;
inline constexpr double kServiceCallNotReachedShare = 0.2;

// First active offer for a-dagpenge: by 13 weeks for under 30 and 50 and
// over, by 26 weeks for 30-49 (001, 000; docs/domain.md dk-lab-2016), by 6
// months for all from 2020 (docs/domain.md dk-lab-2020), by 13 weeks for all in
// Faaborg-Midtfyn from 2018-07-01 (000).
inline constexpr int kOfferWeeksYoungOld = 13;
inline constexpr int kOfferWeeksMiddle = 26;
// Waiting time from referral to offer start: days to weeks (002): 3 days
// plus an exponential of mean 12 days, at most 10 weeks. Chosen.
inline constexpr double kReferralWaitDaysMin = 3;
inline constexpr double kReferralWaitDaysMean = 12;
inline constexpr double kReferralWaitDaysMax = 70;
inline constexpr double kReferralCancelledShare = 0.12;
// Offer kinds and lengths: 13-week company internships (002: "den typiske
// varighed for en virksomhedspraktik ... 13 uger"); wage subsidy 26 weeks
// and guidance 6 weeks (chosen). Weights chosen.
inline constexpr std::array<v1::OfferKind, 3> kOfferKinds = {
    v1::OFFER_KIND_COMPANY_INTERNSHIP, v1::OFFER_KIND_WAGE_SUBSIDY,
    v1::OFFER_KIND_GUIDANCE_AND_UPSKILLING};
inline constexpr std::array<double, 3> kOfferKindWeights = {50, 20, 30};
inline constexpr std::array<int, 3> kOfferWeeks = {13, 26, 6};
inline constexpr double kOfferCompletedShare = 0.7;
// Weeks from one offer's end (or a cancelled referral) to the next
// referral. Chosen.
inline constexpr int kNextReferralWeeksMin = 4;
inline constexpr int kNextReferralWeeksMax = 20;

inline constexpr std::array<const char*, 8> kProviders = {
    "Middelfart Tømrerforretning ApS",
    "Fyns Vejledningscenter",
    "Brugsen Nørre Aaby",
    "Kommunens Materielgård",
    "Lillebælt Rengøring A/S",
    "AMU Fyn",
    "Odense Lager og Logistik",
    "Jobværkstedet"};

// Caseworker switches (002: planned, and unplanned from the caseworker's
// sickness, vacancies, job changes and moves into projects). Rates per
// case-year differ by jobcentre, spread over this range (chosen); reasons
// in the order planned, sickness, vacancy, job change, project, other.
inline constexpr double kSwitchesPerCaseYearMin = 0.15;
inline constexpr double kSwitchesPerCaseYearMax = 1.5;
inline constexpr std::array<v1::CaseworkerChangeReason, 6> kSwitchReasons = {
    v1::CASEWORKER_CHANGE_REASON_PLANNED,
    v1::CASEWORKER_CHANGE_REASON_SICKNESS,
    v1::CASEWORKER_CHANGE_REASON_VACANCY,
    v1::CASEWORKER_CHANGE_REASON_JOB_CHANGE,
    v1::CASEWORKER_CHANGE_REASON_PROJECT,
    v1::CASEWORKER_CHANGE_REASON_OTHER};
inline constexpr std::array<double, 6> kSwitchReasonWeights = {35, 20, 15,
                                                               15, 10, 5};

// Compliance differs by jobcentre, so that some cross STAR's flag (003:
// more than 20% of sygedagpenge cases with 6 months' seniority without 4
// interviews, or of a-dagpenge cases without an active offer) and others do
// not: the share of interviews and first offers on time runs over these
// ranges (chosen).
inline constexpr double kOnTimeShareMin = 0.6;
inline constexpr double kOnTimeShareMax = 0.97;
// Of an a-dagpenge case's first offers not on time, the share never made:
// up to this in the weakest jobcentre, none in the best (chosen). A late
// offer still counts for STAR; a missing one is what crosses its flag.
inline constexpr double kOfferMissedShareMax = 0.6;

// Pauses (illness, leave, exemption) per case-year and their length.
// Chosen.
inline constexpr double kPausesPerCaseYear = 0.15;
inline constexpr int kPauseDaysMin = 7;
inline constexpr int kPauseDaysMax = 56;

// Late registrations: per jobcentre, 3-20% of events are recorded days or
// weeks after they occurred (issue 4; the shares are chosen), exponentially
// with a mean of 7 days, at most 6 weeks (the late-registration horizon).
inline constexpr double kLateRecordedShareMin = 0.03;
inline constexpr double kLateRecordedShareMax = 0.20;
inline constexpr double kLateRecordedDaysMean = 7;
inline constexpr int kLateRecordedDaysMax = 42;

// About 1% of events are retracted later and re-recorded with the corrected
// date (issue 4). Only interviews, service calls and reviews are: nothing
// else depends on them. They are about two thirds of all events.
inline constexpr double kRetractedShareOfLeaves = 0.015;
inline constexpr int kRetractionDaysMin = 3;
inline constexpr int kRetractionDaysMax = 30;
inline constexpr int kCorrectionShiftDaysMax = 3;

// Recording happens in working hours, 08:00-16:00.
inline constexpr int64_t kWorkdayStartMicros = 8 * 3600 * kMicrosPerSecond;
inline constexpr int64_t kWorkdayMicros = 8 * 3600 * kMicrosPerSecond;

// The first jobcentres have real names so that local rule sets apply
// (local-middelfart-2020, local-faaborg-2018); the rest are numbered.
inline constexpr std::array<const char*, 8> kJobcentreNames = {
    "jc-middelfart", "jc-faaborg-midtfyn", "jc-fredericia", "jc-ishoej",
    "jc-broendby",   "jc-rudersdal",       "jc-odense",     "jc-aarhus"};

}  // namespace caseline::generate_internal

#endif  // CASELINE_TOOLS_INTERNAL_GENERATE_MODEL_H_
