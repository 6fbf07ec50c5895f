#include "tools/generate.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <functional>
#include <queue>
#include <random>
#include <span>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "projections/dates.h"
#include "projections/instants.h"

namespace caseline {
namespace {

// ---------------------------------------------------------------- defaults
// Every number below either comes from a source in
// ../shared/domain/sources/ (named in its comment) or is marked "chosen".

constexpr double kDaysPerWeek = 7;

// Weeks a simulated case may last at most, and so how far before `from`
// cases that are still active on `from` may have begun (the warm-up).
// Chosen: 6 years; every duration below is cut there.
constexpr double kDurationWeeksMax = 6 * 52;

// The dagpenge period is two years (chosen from the law of the time, not
// from a source): a-dagpenge cases end by then.
constexpr double kDagpengeWeeksMax = 104;

enum Team { kTeamDagpenge, kTeamSyg, kTeamKontanthjaelp, kTeamAfklaring };
constexpr int kTeamCount = 4;
constexpr std::array<const char*, kTeamCount> kTeamIds = {
    "team-dagpenge", "team-syg", "team-kontanthjaelp", "team-afklaring"};
constexpr std::array<const char*, kTeamCount> kTeamShortNames = {"dp", "syg",
                                                                 "kh", "afk"};

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
constexpr std::array<GroupModel, 8> kGroups = {{
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
constexpr int kGroupSygedagpenge = 1;
constexpr int kGroupJobparat = 2;
constexpr int kGroupAktivitetsparat = 3;
constexpr int kGroupJobafklaring = 5;

// Sickness cases over 22 weeks are reviewed (004: "sager over 22 uger
// gennemgås"; docs/domain.md "revurdering" by week 22), and some move on to
// jobafklaring then. The share is chosen so that, with the arrivals into
// jobafklaring reduced to match, its stock stays at 137.
constexpr double kReviewWeeks = 22;
constexpr double kJobafklaringAfterLongSicknessShare = 0.08;

// Share of jobparat kontanthjælp cases reassessed as aktivitetsparat, and
// share of those that change caseworker on the way (002: "I denne proces
// sker der et sagsbehandlerskifte når borgeren overgår fra eksempelvis
// jobparat"). Chosen.
constexpr double kAktivitetsparatShare = 0.25;
constexpr double kTransferOnRegroupShare = 0.7;

// Caseloads of 30-70 cases per caseworker (issue 4); each jobcentre draws
// its own.
constexpr double kCaseloadMin = 30;
constexpr double kCaseloadMax = 70;

// Interviews. An interview in each 4-week period of an a-dagpenge case's
// first 26 weeks (001, LBK 1342/2016 § 16a), then at most 6 weeks apart
// (000, Faaborg-Midtfyn); sygedagpenge by week 8, then every 4 weeks
// (docs/domain.md, sickness-benefit act); other groups within a week of first
// contact (002: "Den første samtale skal ske indenfor en uge efter
// henvendelse") and at least 4 in the first 6 months (docs/domain.md, LAB
// §§ 31-32), later every 12 weeks (chosen).
constexpr int kInterviewDaysDagpenge = 28;
constexpr int kInterviewDaysDagpengeLater = 42;
constexpr int kFirstInterviewWeekSyg = 8;
constexpr int kInterviewDaysSyg = 28;
constexpr int kInterviewDaysOther = 42;
constexpr int kInterviewDaysOtherLater = 84;
constexpr int kFirstSixMonthsDays = 182;
// Interviews the citizen did not come to, rebooked 5-14 days later. Chosen.
constexpr double kMissedInterviewShare = 0.08;
// a-dagpenge interviews 1 and 5 are joint with the a-kasse (001, Brøndby).
constexpr int kJointInterviewFirst = 0;
constexpr int kJointInterviewFifth = 4;
// A late interview or offer comes 1 to 6 weeks after its deadline. Chosen.
constexpr int kLateDaysMin = 7;
constexpr int kLateDaysMax = 42;

// Service call within 14 days of registration (000, Faaborg-Midtfyn:
// "senest 14 dage efter, de har meldt sig ledige"); 20% not reached at the
// first try (chosen).
constexpr int kServiceCallDaysMax = 14;
constexpr double kServiceCallNotReachedShare = 0.2;

// First active offer for a-dagpenge: by 13 weeks for under 30 and 50 and
// over, by 26 weeks for 30-49 (001, 000; docs/domain.md dk-lab-2016), by 6
// months for all from 2020 (docs/domain.md dk-lab-2020), by 13 weeks for all in
// Faaborg-Midtfyn from 2018-07-01 (000).
constexpr int kOfferWeeksYoungOld = 13;
constexpr int kOfferWeeksMiddle = 26;
// Waiting time from referral to offer start: days to weeks (002): 3 days
// plus an exponential of mean 12 days, at most 10 weeks. Chosen.
constexpr double kReferralWaitDaysMin = 3;
constexpr double kReferralWaitDaysMean = 12;
constexpr double kReferralWaitDaysMax = 70;
constexpr double kReferralCancelledShare = 0.12;
// Offer kinds and lengths: 13-week company internships (002: "den typiske
// varighed for en virksomhedspraktik ... 13 uger"); wage subsidy 26 weeks
// and guidance 6 weeks (chosen). Weights chosen.
constexpr std::array<v1::OfferKind, 3> kOfferKinds = {
    v1::OFFER_KIND_COMPANY_INTERNSHIP, v1::OFFER_KIND_WAGE_SUBSIDY,
    v1::OFFER_KIND_GUIDANCE_AND_UPSKILLING};
constexpr std::array<double, 3> kOfferKindWeights = {50, 20, 30};
constexpr std::array<int, 3> kOfferWeeks = {13, 26, 6};
constexpr double kOfferCompletedShare = 0.7;
// Weeks from one offer's end (or a cancelled referral) to the next
// referral. Chosen.
constexpr int kNextReferralWeeksMin = 4;
constexpr int kNextReferralWeeksMax = 20;

constexpr std::array<const char*, 8> kProviders = {
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
constexpr double kSwitchesPerCaseYearMin = 0.15;
constexpr double kSwitchesPerCaseYearMax = 1.5;
constexpr std::array<v1::CaseworkerChangeReason, 6> kSwitchReasons = {
    v1::CASEWORKER_CHANGE_REASON_PLANNED,
    v1::CASEWORKER_CHANGE_REASON_SICKNESS,
    v1::CASEWORKER_CHANGE_REASON_VACANCY,
    v1::CASEWORKER_CHANGE_REASON_JOB_CHANGE,
    v1::CASEWORKER_CHANGE_REASON_PROJECT,
    v1::CASEWORKER_CHANGE_REASON_OTHER};
constexpr std::array<double, 6> kSwitchReasonWeights = {35, 20, 15, 15, 10, 5};

// Compliance differs by jobcentre, so that some cross STAR's flag (003:
// more than 20% of sygedagpenge cases with 6 months' seniority without 4
// interviews, or of a-dagpenge cases without an active offer) and others do
// not: the share of interviews and first offers on time runs over these
// ranges (chosen).
constexpr double kOnTimeShareMin = 0.6;
constexpr double kOnTimeShareMax = 0.97;
// Of an a-dagpenge case's first offers not on time, the share never made:
// up to this in the weakest jobcentre, none in the best (chosen). A late
// offer still counts for STAR; a missing one is what crosses its flag.
constexpr double kOfferMissedShareMax = 0.6;

// Pauses (illness, leave, exemption) per case-year and their length.
// Chosen.
constexpr double kPausesPerCaseYear = 0.15;
constexpr int kPauseDaysMin = 7;
constexpr int kPauseDaysMax = 56;

// Late registrations: per jobcentre, 3-20% of events are recorded days or
// weeks after they occurred (issue 4; the shares are chosen), exponentially
// with a mean of 7 days, at most 6 weeks (the late-registration horizon).
constexpr double kLateRecordedShareMin = 0.03;
constexpr double kLateRecordedShareMax = 0.20;
constexpr double kLateRecordedDaysMean = 7;
constexpr int kLateRecordedDaysMax = 42;

// About 1% of events are retracted later and re-recorded with the corrected
// date (issue 4). Only interviews, service calls and reviews are: nothing
// else depends on them. They are about two thirds of all events.
constexpr double kRetractedShareOfLeaves = 0.015;
constexpr int kRetractionDaysMin = 3;
constexpr int kRetractionDaysMax = 30;
constexpr int kCorrectionShiftDaysMax = 3;

// Recording happens in working hours, 08:00-16:00.
constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;
constexpr int64_t kWorkdayStartMicros = 8 * 3600 * kMicrosPerSecond;
constexpr int64_t kWorkdayMicros = 8 * 3600 * kMicrosPerSecond;

// The first jobcentres have real names so that local rule sets apply
// (local-middelfart-2020, local-faaborg-2018); the rest are numbered.
constexpr std::array<const char*, 8> kJobcentreNames = {
    "jc-middelfart", "jc-faaborg-midtfyn", "jc-fredericia", "jc-ishoej",
    "jc-broendby",   "jc-rudersdal",       "jc-odense",     "jc-aarhus"};

// A day far beyond any simulated one: a timer that never fires.
const absl::CivilDay kNever(9999, 12, 31);

// ---------------------------------------------------------------- random

// Draws from std::mt19937_64, whose sequence the standard fixes. The
// distributions are written here because std::*_distribution differ between
// standard libraries.
class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}

  // Uniform on [0, 1), from the top 53 bits.
  double Uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

  // Uniform on [low, high], both inclusive.
  int64_t UniformInt(int64_t low, int64_t high) {
    assert(low <= high);
    const double width = static_cast<double>(high - low + 1);
    return std::min(high, low + static_cast<int64_t>(Uniform() * width));
  }

  double UniformReal(double low, double high) {
    return low + (high - low) * Uniform();
  }

  bool Chance(double probability) { return Uniform() < probability; }

  double Exponential(double mean) { return -mean * std::log1p(-Uniform()); }

  double Weibull(double scale, double shape) {
    return scale * std::pow(-std::log1p(-Uniform()), 1 / shape);
  }

  // An index drawn with the given weights.
  size_t Pick(std::span<const double> weights) {
    double total = 0;
    for (double weight : weights) total += weight;
    double point = Uniform() * total;
    for (size_t i = 0; i + 1 < weights.size(); ++i) {
      if (point < weights[i]) return i;
      point -= weights[i];
    }
    return weights.size() - 1;
  }

 private:
  std::mt19937_64 engine_;
};

// ---------------------------------------------------------------- dates

absl::CivilDay NextWeekday(absl::CivilDay day) {
  switch (absl::GetWeekday(day)) {
    case absl::Weekday::saturday:
      return day + 2;
    case absl::Weekday::sunday:
      return day + 1;
    default:
      return day;
  }
}

int64_t DayStartMicros(absl::CivilDay day) {
  return (day - absl::CivilDay(1970, 1, 1)) * kMicrosPerDay;
}

absl::CivilDay DayOfMicros(int64_t micros) {
  return absl::CivilDay(1970, 1, 1) + micros / kMicrosPerDay;
}

int WeeksToDays(double weeks) {
  return static_cast<int>(std::lround(weeks * kDaysPerWeek));
}

// E[min(D, cap)] in weeks for D ~ Weibull(scale, shape): the integral of
// the survival function, by the trapezoid rule.
double TruncatedMeanWeeks(const GroupModel& model) {
  constexpr int kSteps = 4000;
  const double step = model.cap_weeks / kSteps;
  double sum = 0;
  for (int i = 0; i <= kSteps; ++i) {
    const double t = i * step;
    const double survival =
        std::exp(-std::pow(t / model.scale_weeks, model.shape));
    sum += (i == 0 || i == kSteps) ? survival / 2 : survival;
  }
  return sum * step;
}

double SurvivalAt(const GroupModel& model, double weeks) {
  return std::exp(-std::pow(weeks / model.scale_weeks, model.shape));
}

// ---------------------------------------------------------------- model

constexpr size_t kGroupCount = kGroups.size();
using GroupWeights = std::array<double, kGroupCount>;

struct Jobcentre {
  std::string id;
  // Expected new cases per day by group, during the period and before it
  // (see Simulator::WarmUp).
  GroupWeights arrivals_per_day{};
  GroupWeights warm_up_arrivals_per_day{};
  double arrivals_per_day_total = 0;
  double interview_on_time_share = 0;
  double offer_on_time_share = 0;
  // Of the first offers not on time, the share never made.
  double offer_missed_share = 0;
  double service_call_share = 0;
  double switches_per_case_year = 0;
  double late_recorded_share = 0;
  // Caseworkers per team, from the jobcentre's caseload.
  std::array<int, kTeamCount> caseworkers{};
};

// New cases per week of each group, per unit of population, such that the
// stock comes out like Middelfart's (004): by Little's law stock = arrivals
// × mean duration, so arrivals are weighted by stock / mean duration.
// Sickness cases that move on to jobafklaring count among its arrivals.
GroupWeights StockWeights() {
  GroupWeights weights{};
  for (size_t g = 0; g < kGroupCount; ++g) {
    weights[g] = kGroups[g].stock / TruncatedMeanWeeks(kGroups[g]);
  }
  return weights;
}

GroupWeights DirectWeights(const GroupWeights& stock_weights) {
  GroupWeights weights = stock_weights;
  const double inflow = stock_weights[kGroupSygedagpenge] *
                        kJobafklaringAfterLongSicknessShare *
                        SurvivalAt(kGroups[kGroupSygedagpenge], kReviewWeeks);
  weights[kGroupJobafklaring] =
      std::max(0.0, weights[kGroupJobafklaring] - inflow);
  return weights;
}

// A value in [low, high] for each of n jobcentres, stratified so that they
// spread over the range whatever the seed, in an order the seed shuffles.
std::vector<double> Spread(Rng& rng, int n, double low, double high) {
  std::vector<int> order(n);
  for (int i = 0; i < n; ++i) order[i] = i;
  for (int i = n - 1; i > 0; --i) {
    std::swap(order[i], order[rng.UniformInt(0, i)]);
  }
  std::vector<double> values(n);
  for (int i = 0; i < n; ++i) {
    values[i] = low + (high - low) * (order[i] + rng.Uniform()) / n;
  }
  return values;
}

std::string JobcentreId(int index) {
  if (index < static_cast<int>(kJobcentreNames.size())) {
    return kJobcentreNames[index];
  }
  return absl::StrFormat("jc-%03d", index + 1);
}

std::vector<Jobcentre> MakeJobcentres(const GenerateOptions& options,
                                      Rng& rng) {
  const int n = options.jobcentres;
  const GroupWeights stock_weights = StockWeights();
  const GroupWeights direct_weights = DirectWeights(stock_weights);
  double stock_total = 0;
  double direct_total = 0;
  for (size_t g = 0; g < kGroupCount; ++g) {
    stock_total += kGroups[g].stock;
    direct_total += direct_weights[g];
  }
  // Expected cases = stock on `from` + arrivals in the period.
  const double period_weeks = ((options.to - options.from) + 1) / kDaysPerWeek;
  const double population = static_cast<double>(options.cases) /
                            (stock_total + direct_total * period_weeks);

  std::vector<double> sizes(n);
  double size_total = 0;
  for (double& size : sizes) {
    size = rng.UniformReal(0.6, 1.4);
    size_total += size;
  }
  const std::vector<double> quality = Spread(rng, n, 0, 1);
  const std::vector<double> switches =
      Spread(rng, n, kSwitchesPerCaseYearMin, kSwitchesPerCaseYearMax);

  std::vector<Jobcentre> jobcentres(n);
  for (int k = 0; k < n; ++k) {
    Jobcentre& jc = jobcentres[k];
    jc.id = JobcentreId(k);
    const double scale = population * sizes[k] / size_total;
    for (size_t g = 0; g < kGroupCount; ++g) {
      jc.arrivals_per_day[g] = scale * direct_weights[g] / kDaysPerWeek;
      jc.warm_up_arrivals_per_day[g] = scale * stock_weights[g] / kDaysPerWeek;
      jc.arrivals_per_day_total += jc.arrivals_per_day[g];
    }
    const double on_time =
        kOnTimeShareMin + (kOnTimeShareMax - kOnTimeShareMin) * quality[k];
    jc.interview_on_time_share = on_time;
    jc.offer_on_time_share = on_time;
    jc.offer_missed_share = kOfferMissedShareMax * (1 - quality[k]);
    jc.service_call_share = on_time;
    jc.switches_per_case_year = switches[k];
    jc.late_recorded_share =
        kLateRecordedShareMax -
        (kLateRecordedShareMax - kLateRecordedShareMin) * quality[k];
    const double caseload = rng.UniformReal(kCaseloadMin, kCaseloadMax);
    std::array<double, kTeamCount> team_stock{};
    for (const GroupModel& model : kGroups) {
      team_stock[model.team] += scale * model.stock;
    }
    for (int t = 0; t < kTeamCount; ++t) {
      // At least two, so that a case can change caseworker.
      jc.caseworkers[t] =
          std::max(2, static_cast<int>(std::lround(team_stock[t] / caseload)));
    }
  }
  return jobcentres;
}

// ---------------------------------------------------------------- cases

// One active case: what its next events depend on.
struct Case {
  int64_t number = 0;
  int jobcentre = 0;
  size_t group = 0;
  int caseworker = 0;
  absl::CivilDay birth_on;
  // The case's anchor (case_opened), the current period's anchor and its
  // end, where the case closes or changes benefit.
  absl::CivilDay anchor_on;
  absl::CivilDay period_on;
  absl::CivilDay period_end_on;
  int event_count = 0;
  int referral_count = 0;
  // Interviews held in the current period.
  int interviews = 0;
  bool service_call_retried = false;
  bool paused = false;
  bool referral_pending = false;
  bool offer_running = false;
  size_t offer_kind = 0;
  v1::OfferEndReason offer_end_reason = v1::OFFER_END_REASON_COMPLETED;
  // Timers: the day of the next event of each kind; kNever when none.
  absl::CivilDay service_call_on = kNever;
  absl::CivilDay interview_on = kNever;
  absl::CivilDay review_on = kNever;
  absl::CivilDay referral_on = kNever;
  absl::CivilDay referral_decided_on = kNever;
  absl::CivilDay offer_end_on = kNever;
  absl::CivilDay switch_on = kNever;
  absl::CivilDay pause_on = kNever;
  absl::CivilDay resume_on = kNever;
  absl::CivilDay regroup_on = kNever;
  // recorded_at of the case's last structural event (case_opened, referrals,
  // offers, changes, pauses) and of any event: structural events are
  // recorded in the order they occur, case_closed after everything.
  int64_t chain_micros = 0;
  int64_t max_micros = 0;

  absl::CivilDay NextTimer() const {
    return std::min({service_call_on, interview_on, review_on, referral_on,
                     referral_decided_on, offer_end_on, switch_on, pause_on,
                     resume_on, regroup_on, period_end_on});
  }
};

// An event waiting for the simulation to pass its recorded_at.
struct Pending {
  int64_t recorded_micros;
  uint64_t sequence;
  v1::Event event;
};
struct PendingLater {
  bool operator()(const Pending& a, const Pending& b) const {
    return std::tie(a.recorded_micros, a.sequence) >
           std::tie(b.recorded_micros, b.sequence);
  }
};

// A case's next timer.
struct Wake {
  absl::CivilDay day;
  uint64_t sequence;
  uint32_t slot;
  bool operator>(const Wake& other) const {
    return std::tie(day, sequence) > std::tie(other.day, other.sequence);
  }
};

// ---------------------------------------------------------------- simulator

class Simulator {
 public:
  Simulator(const GenerateOptions& options, const EventSink& sink)
      : options_(options), sink_(sink), rng_(options.seed) {
    jobcentres_ = MakeJobcentres(options, rng_);
  }

  GenerateSummary Run() {
    today_ = options_.from;
    const std::vector<StockCase> stock = WarmUp();
    std::vector<double> next_arrival(jobcentres_.size());
    for (size_t k = 0; k < jobcentres_.size(); ++k) {
      next_arrival[k] = rng_.Exponential(1 / ArrivalRate(k));
    }
    // The cases open on `from` are simulated from the day they opened, with
    // their history before `from`, as a municipality moving its case
    // system's history would have it.
    const absl::CivilDay first_day =
        stock.empty() ? options_.from
                      : std::min(options_.from, stock.front().opened_on);
    size_t next_stock = 0;
    for (absl::CivilDay day = first_day; day <= options_.to; ++day) {
      today_ = day;
      for (; next_stock < stock.size() && stock[next_stock].opened_on <= day;
           ++next_stock) {
        OpenStockCase(stock[next_stock]);
      }
      if (day >= options_.from) {
        const double day_end = static_cast<double>(day - options_.from) + 1;
        for (size_t k = 0; k < jobcentres_.size(); ++k) {
          while (next_arrival[k] < day_end) {
            OpenNewCase(static_cast<int>(k));
            next_arrival[k] += rng_.Exponential(1 / ArrivalRate(k));
          }
        }
      }
      while (!wakes_.empty() && wakes_.top().day <= day) {
        const uint32_t slot = wakes_.top().slot;
        wakes_.pop();
        Process(slot);
      }
      Emit(DayStartMicros(day + 1));
      summary_.active_cases_max =
          std::max(summary_.active_cases_max,
                   static_cast<int64_t>(cases_.size() - free_slots_.size()));
    }
    summary_.cases_recorded_after_to = cases_opened_ - summary_.cases;
    return summary_;
  }

 private:
  double ArrivalRate(size_t k) const {
    // A jobcentre too small to expect any case still gets a rate, so that
    // the arrival loop ends.
    return std::max(jobcentres_[k].arrivals_per_day_total, 1e-9);
  }

  // A case active on `from`, drawn before the simulation runs.
  struct StockCase {
    absl::CivilDay opened_on;
    int jobcentre = 0;
    size_t group = 0;
    absl::CivilDay anchor_on;
    int duration_days = 0;
  };

  // The cases active on `from`: those that began in the kDurationWeeksMax
  // before it and have not ended, by the day they opened. Only their
  // durations are drawn here, so the warm-up costs a few draws per case
  // that would have arrived; memory holds the stock, as it would anyway.
  std::vector<StockCase> WarmUp() {
    std::vector<StockCase> stock;
    const int warm_up_days = WeeksToDays(kDurationWeeksMax);
    for (size_t k = 0; k < jobcentres_.size(); ++k) {
      for (size_t g = 0; g < kGroupCount; ++g) {
        const double rate = jobcentres_[k].warm_up_arrivals_per_day[g];
        if (rate <= 0) continue;
        double t = -warm_up_days + rng_.Exponential(1 / rate);
        for (; t < 0; t += rng_.Exponential(1 / rate)) {
          const absl::CivilDay anchor_on =
              options_.from + static_cast<int64_t>(std::floor(t));
          const int duration_days = DrawDurationDays(g);
          if (anchor_on + duration_days <= options_.from) continue;
          // A sickness case opens when the sick note arrives (as in
          // OpenNewCase), at the latest on `from`.
          const absl::CivilDay opened_on =
              g == kGroupSygedagpenge
                  ? std::min(options_.from, anchor_on + rng_.UniformInt(3, 21))
                  : anchor_on;
          stock.push_back(StockCase{opened_on, static_cast<int>(k), g,
                                    anchor_on, duration_days});
        }
      }
    }
    std::stable_sort(stock.begin(), stock.end(),
                     [](const StockCase& a, const StockCase& b) {
                       return a.opened_on < b.opened_on;
                     });
    return stock;
  }

  int DrawDurationDays(size_t g) {
    const GroupModel& model = kGroups[g];
    const double weeks =
        std::min(model.cap_weeks, rng_.Weibull(model.scale_weeks, model.shape));
    return std::max(1, WeeksToDays(weeks));
  }

  // ------------------------------------------------------------ opening

  uint32_t AllocateCase() {
    if (!free_slots_.empty()) {
      const uint32_t slot = free_slots_.back();
      free_slots_.pop_back();
      cases_[slot] = Case{};
      return slot;
    }
    cases_.emplace_back();
    return static_cast<uint32_t>(cases_.size() - 1);
  }

  Case& InitCase(uint32_t slot, int jobcentre, size_t g,
                 absl::CivilDay anchor_on) {
    Case& c = cases_[slot];
    c.number = ++cases_opened_;
    c.jobcentre = jobcentre;
    c.group = g;
    c.anchor_on = anchor_on;
    c.period_on = anchor_on;
    const GroupModel& model = kGroups[g];
    const int age_years =
        static_cast<int>(rng_.UniformInt(model.age_min, model.age_max));
    c.birth_on = anchor_on - (age_years * 365 + rng_.UniformInt(0, 364));
    c.caseworker =
        static_cast<int>(rng_.UniformInt(0, Jc(c).caseworkers[model.team] - 1));
    return c;
  }

  void OpenNewCase(int jobcentre) {
    const size_t g = rng_.Pick(jobcentres_[jobcentre].arrivals_per_day);
    // A sickness case opens when the sick note arrives, days after the first
    // absence day, its anchor (chosen: 3-21 days).
    const bool sick = g == kGroupSygedagpenge;
    const absl::CivilDay anchor_on =
        sick ? today_ - rng_.UniformInt(3, 21) : today_;
    const uint32_t slot = AllocateCase();
    Case& c = InitCase(slot, jobcentre, g, anchor_on);
    c.period_end_on = std::max(anchor_on + DrawDurationDays(g), today_ + 7);
    RecordOpened(c, today_);
    StartTimers(c);
    Schedule(slot);
  }

  // A case active on `from`, opened on its day like a new one, with the
  // duration the warm-up drew (so that it is still active on `from`).
  void OpenStockCase(const StockCase& stock) {
    const uint32_t slot = AllocateCase();
    Case& c = InitCase(slot, stock.jobcentre, stock.group, stock.anchor_on);
    c.period_end_on = std::max(stock.anchor_on + stock.duration_days,
                               std::max(options_.from, today_ + 7));
    RecordOpened(c, today_);
    StartTimers(c);
    Schedule(slot);
  }

  void RecordOpened(Case& c, absl::CivilDay opened_on) {
    v1::Event event = NewEvent(c, opened_on);
    v1::CaseOpened* body = event.mutable_case_opened();
    body->set_citizen_id(absl::StrCat("p-", c.number));
    body->set_jobcentre_id(Jc(c).id);
    body->set_target_group(kGroups[c.group].group);
    body->set_birth_on(FormatDate(c.birth_on));
    body->set_anchor_on(FormatDate(c.anchor_on));
    body->set_caseworker_id(CaseworkerId(c));
    body->set_team_id(kTeamIds[kGroups[c.group].team]);
    if (c.group == kGroupSygedagpenge) {
      body->set_sick_note_received_on(FormatDate(opened_on));
    }
    RecordStructural(c, std::move(event));
  }

  void StartTimers(Case& c) {
    const GroupModel& model = kGroups[c.group];
    c.interview_on = ScheduleInterview(c, InterviewDue(c, today_));
    if (c.group == 0 && rng_.Chance(Jc(c).service_call_share)) {
      c.service_call_on =
          After(today_ + rng_.UniformInt(1, kServiceCallDaysMax - 2));
    }
    if (c.group == kGroupSygedagpenge) StartReview(c);
    if (rng_.Chance(model.referral_share)) {
      c.referral_on = FirstReferral(c);
    }
    c.switch_on = NextSwitch(c);
    c.pause_on = After(today_, rng_.Exponential(365 / kPausesPerCaseYear));
    if (c.group == kGroupJobparat && rng_.Chance(kAktivitetsparatShare)) {
      c.regroup_on = After(today_ + rng_.UniformInt(28, 210));
    }
  }

  // ------------------------------------------------------------ timers

  // The earliest day a new timer may fire: tomorrow, on a weekday.
  absl::CivilDay After(absl::CivilDay day) const {
    return NextWeekday(std::max(day, today_ + 1));
  }
  // `days` after `base`, for drawn real numbers of days; kNever-like far
  // days are cut to a century.
  absl::CivilDay After(absl::CivilDay base, double days) const {
    constexpr double kDaysMax = 36'500;
    return After(base + static_cast<int64_t>(std::min(days, kDaysMax)));
  }

  // The deadline of the next interview of the current period, after one on
  // `last_on` (or the period's start).
  absl::CivilDay InterviewDue(const Case& c, absl::CivilDay last_on) const {
    const bool early = (last_on - c.period_on) < kFirstSixMonthsDays;
    if (c.group == 0) {
      if (c.interviews == 0) return c.period_on + 4 * 7 - 1;
      return last_on +
             (early ? kInterviewDaysDagpenge : kInterviewDaysDagpengeLater);
    }
    if (c.group == kGroupSygedagpenge) {
      if (c.interviews == 0)
        return c.period_on + kFirstInterviewWeekSyg * 7 - 1;
      return last_on + kInterviewDaysSyg;
    }
    if (c.interviews == 0) return today_ + 6;
    return last_on + (early ? kInterviewDaysOther : kInterviewDaysOtherLater);
  }

  // On time, a few days before the deadline; late, 1-6 weeks after it.
  absl::CivilDay ScheduleInterview(const Case& c, absl::CivilDay due_on) {
    if (rng_.Chance(Jc(c).interview_on_time_share)) {
      return After(due_on - rng_.UniformInt(0, 6));
    }
    return After(due_on + rng_.UniformInt(kLateDaysMin, kLateDaysMax));
  }

  void StartReview(Case& c) {
    const absl::CivilDay due_on = c.anchor_on + WeeksToDays(kReviewWeeks) - 1;
    if (due_on <= today_) return;
    c.review_on =
        rng_.Chance(Jc(c).interview_on_time_share)
            ? After(due_on - rng_.UniformInt(0, 14))
            : After(due_on + rng_.UniformInt(kLateDaysMin, kLateDaysMax));
  }

  int OfferDeadlineWeeks(const Case& c) const {
    if (c.period_on >= absl::CivilDay(2020, 1, 1)) return kOfferWeeksMiddle;
    if (Jc(c).id == "jc-faaborg-midtfyn" &&
        c.period_on >= absl::CivilDay(2018, 7, 1)) {
      return kOfferWeeksYoungOld;
    }
    const int64_t age_years = (c.period_on - c.birth_on) / 365;
    return (age_years < 30 || age_years >= 50) ? kOfferWeeksYoungOld
                                               : kOfferWeeksMiddle;
  }

  // The first referral: in time for the offer to start by its deadline, or
  // late, by the jobcentre's compliance.
  absl::CivilDay FirstReferral(const Case& c) {
    const bool on_time = rng_.Chance(Jc(c).offer_on_time_share);
    if (c.group == 0) {
      const absl::CivilDay deadline_on =
          c.period_on + OfferDeadlineWeeks(c) * 7 - 1;
      if (!on_time) {
        if (rng_.Chance(Jc(c).offer_missed_share)) return kNever;
        return After(deadline_on +
                     rng_.UniformInt(kLateDaysMin, 2 * kLateDaysMax));
      }
      // Leave room for the wait (mostly under three weeks).
      const int64_t room = std::max<int64_t>(0, (deadline_on - today_) - 35);
      return After(today_ + 14 + rng_.UniformInt(0, room));
    }
    if (c.group == kGroupSygedagpenge) {
      return After(today_ + rng_.UniformInt(6 * 7, 20 * 7));
    }
    return on_time ? After(today_ + rng_.UniformInt(7, 56))
                   : After(today_ + rng_.UniformInt(56, 182));
  }

  absl::CivilDay NextSwitch(const Case& c) {
    return After(today_, rng_.Exponential(365 / Jc(c).switches_per_case_year));
  }

  void Schedule(uint32_t slot) {
    const absl::CivilDay next = cases_[slot].NextTimer();
    assert(next > today_);
    wakes_.push(Wake{next, ++wake_sequence_, slot});
  }

  // ------------------------------------------------------------ processing

  // Fires the case's timers due today, in a fixed order; the end of the
  // period comes last, so that the closure follows the day's other events.
  void Process(uint32_t slot) {
    Case& c = cases_[slot];
    if (c.service_call_on == today_) ServiceCall(c);
    if (c.interview_on == today_) Interview(c);
    if (c.review_on == today_) Review(c);
    if (c.referral_decided_on == today_) DecideReferral(c);
    if (c.offer_end_on == today_) EndOffer(c);
    if (c.referral_on == today_) Refer(c);
    if (c.switch_on == today_) Switch(c);
    if (c.resume_on == today_) Resume(c);
    if (c.pause_on == today_) Pause(c);
    if (c.regroup_on == today_) Regroup(c);
    if (c.period_end_on == today_ && EndPeriod(c)) {
      free_slots_.push_back(slot);
      return;
    }
    Schedule(slot);
  }

  void ServiceCall(Case& c) {
    const bool reached =
        c.service_call_retried || !rng_.Chance(kServiceCallNotReachedShare);
    v1::Event event = NewEvent(c, today_);
    event.mutable_service_call_made()->set_outcome(
        reached ? v1::SERVICE_CALL_OUTCOME_REACHED
                : v1::SERVICE_CALL_OUTCOME_NOT_REACHED);
    RecordLeaf(c, std::move(event));
    c.service_call_on = kNever;
    if (!reached) {
      c.service_call_retried = true;
      c.service_call_on = After(today_ + rng_.UniformInt(1, 3));
    }
  }

  void Interview(Case& c) {
    const bool joint = c.group == 0 && (c.interviews == kJointInterviewFirst ||
                                        c.interviews == kJointInterviewFifth);
    const v1::InterviewKind kind =
        joint ? v1::INTERVIEW_KIND_JOINT : v1::INTERVIEW_KIND_INDIVIDUAL;
    v1::Event event = NewEvent(c, today_);
    if (rng_.Chance(kMissedInterviewShare)) {
      event.mutable_interview_missed()->set_kind(kind);
      RecordLeaf(c, std::move(event));
      c.interview_on = After(today_ + rng_.UniformInt(5, 14));
      return;
    }
    // Channels: 60% in person, 25% phone, 15% video. Chosen.
    static constexpr std::array<double, 3> kChannelWeights = {60, 25, 15};
    v1::InterviewHeld* body = event.mutable_interview_held();
    body->set_kind(kind);
    body->set_channel(
        static_cast<v1::InterviewChannel>(1 + rng_.Pick(kChannelWeights)));
    RecordLeaf(c, std::move(event));
    ++c.interviews;
    c.interview_on = ScheduleInterview(c, InterviewDue(c, today_));
  }

  void Review(Case& c) {
    v1::Event event = NewEvent(c, today_);
    event.mutable_review_held();
    RecordLeaf(c, std::move(event));
    c.review_on = kNever;
  }

  void Refer(Case& c) {
    c.referral_on = kNever;
    if (c.referral_pending || c.offer_running) return;
    c.offer_kind = rng_.Pick(kOfferKindWeights);
    v1::Event event = NewEvent(c, today_);
    v1::ReferralMade* body = event.mutable_referral_made();
    body->set_referral_id(ReferralId(c, ++c.referral_count));
    body->set_offer_kind(kOfferKinds[c.offer_kind]);
    body->set_provider(kProviders[rng_.UniformInt(0, kProviders.size() - 1)]);
    RecordStructural(c, std::move(event));
    c.referral_pending = true;
    const double wait_days = std::min(
        kReferralWaitDaysMax,
        kReferralWaitDaysMin + rng_.Exponential(kReferralWaitDaysMean));
    c.referral_decided_on = After(today_, wait_days);
  }

  // The wait ends: the offer starts, or the referral is cancelled.
  void DecideReferral(Case& c) {
    c.referral_decided_on = kNever;
    if (rng_.Chance(kReferralCancelledShare)) {
      // Declined, provider unavailable, ill, other: 40/30/20/10, chosen.
      static constexpr std::array<double, 4> kWeights = {40, 30, 20, 10};
      static constexpr std::array<v1::ReferralCancelReason, 4> kReasons = {
          v1::REFERRAL_CANCEL_REASON_CITIZEN_DECLINED,
          v1::REFERRAL_CANCEL_REASON_PROVIDER_UNAVAILABLE,
          v1::REFERRAL_CANCEL_REASON_CITIZEN_ILL,
          v1::REFERRAL_CANCEL_REASON_OTHER};
      CancelReferral(c, kReasons[rng_.Pick(kWeights)]);
      c.referral_on = After(today_ + 7 * rng_.UniformInt(1, 4));
      return;
    }
    const int length_days = kOfferWeeks[c.offer_kind] * 7;
    const absl::CivilDay planned_end_on = today_ + (length_days - 1);
    v1::Event event = NewEvent(c, today_);
    v1::OfferStarted* body = event.mutable_offer_started();
    body->set_offer_id(OfferId(c, c.referral_count));
    body->set_referral_id(ReferralId(c, c.referral_count));
    body->set_offer_kind(kOfferKinds[c.offer_kind]);
    body->set_planned_end_on(FormatDate(planned_end_on));
    RecordStructural(c, std::move(event));
    c.referral_pending = false;
    c.offer_running = true;
    if (rng_.Chance(kOfferCompletedShare)) {
      c.offer_end_on = std::max(planned_end_on, today_ + 1);
      c.offer_end_reason = v1::OFFER_END_REASON_COMPLETED;
      return;
    }
    // Job, dropped out, illness, other: 40/30/20/10, chosen.
    static constexpr std::array<double, 4> kWeights = {40, 30, 20, 10};
    static constexpr std::array<v1::OfferEndReason, 4> kReasons = {
        v1::OFFER_END_REASON_JOB, v1::OFFER_END_REASON_DROPPED_OUT,
        v1::OFFER_END_REASON_ILLNESS, v1::OFFER_END_REASON_OTHER};
    c.offer_end_on = today_ + rng_.UniformInt(1, length_days - 1);
    c.offer_end_reason = kReasons[rng_.Pick(kWeights)];
  }

  void CancelReferral(Case& c, v1::ReferralCancelReason reason) {
    v1::Event event = NewEvent(c, today_);
    v1::ReferralCancelled* body = event.mutable_referral_cancelled();
    body->set_referral_id(ReferralId(c, c.referral_count));
    body->set_reason(reason);
    RecordStructural(c, std::move(event));
    c.referral_pending = false;
    c.referral_decided_on = kNever;
  }

  void EndOffer(Case& c) {
    RecordOfferEnded(c, c.offer_end_reason);
    c.referral_on = After(today_ + 7 * rng_.UniformInt(kNextReferralWeeksMin,
                                                       kNextReferralWeeksMax));
  }

  void RecordOfferEnded(Case& c, v1::OfferEndReason reason) {
    v1::Event event = NewEvent(c, today_);
    v1::OfferEnded* body = event.mutable_offer_ended();
    body->set_offer_id(OfferId(c, c.referral_count));
    body->set_reason(reason);
    RecordStructural(c, std::move(event));
    c.offer_running = false;
    c.offer_end_on = kNever;
  }

  void Switch(Case& c) {
    c.switch_on = NextSwitch(c);
    ChangeCaseworker(c, kGroups[c.group].team,
                     kSwitchReasons[rng_.Pick(kSwitchReasonWeights)]);
  }

  // Moves the case to another caseworker of `team`.
  void ChangeCaseworker(Case& c, Team team, v1::CaseworkerChangeReason reason) {
    const int pool = Jc(c).caseworkers[team];
    const bool same_team = team == kGroups[c.group].team;
    int next = static_cast<int>(rng_.UniformInt(0, pool - (same_team ? 2 : 1)));
    if (same_team && next >= c.caseworker) ++next;
    v1::Event event = NewEvent(c, today_);
    v1::CaseworkerChanged* body = event.mutable_caseworker_changed();
    body->set_caseworker_id(CaseworkerId(c.jobcentre, team, next));
    body->set_team_id(kTeamIds[team]);
    body->set_reason(reason);
    RecordStructural(c, std::move(event));
    c.caseworker = next;
  }

  void Pause(Case& c) {
    c.pause_on = kNever;
    // Illness, leave, exemption: 60/25/15, chosen.
    static constexpr std::array<double, 3> kWeights = {60, 25, 15};
    v1::Event event = NewEvent(c, today_);
    event.mutable_case_paused()->set_reason(
        static_cast<v1::PauseReason>(1 + rng_.Pick(kWeights)));
    RecordStructural(c, std::move(event));
    c.paused = true;
    c.resume_on = After(today_ + rng_.UniformInt(kPauseDaysMin, kPauseDaysMax));
    // Nothing is planned while the case is paused.
    for (absl::CivilDay* timer : {&c.interview_on, &c.referral_on}) {
      if (*timer < c.resume_on)
        *timer = After(c.resume_on + rng_.UniformInt(1, 10));
    }
  }

  void Resume(Case& c) {
    v1::Event event = NewEvent(c, today_);
    event.mutable_case_resumed();
    RecordStructural(c, std::move(event));
    c.paused = false;
    c.resume_on = kNever;
    c.pause_on = After(today_, rng_.Exponential(365 / kPausesPerCaseYear));
  }

  // Kontanthjælp jobparat to aktivitetsparat: the same benefit, so the same
  // period (docs/domain.md, "Target-group change").
  void Regroup(Case& c) {
    c.regroup_on = kNever;
    RecordGroupChange(c, kGroupAktivitetsparat, c.period_on);
    if (rng_.Chance(kTransferOnRegroupShare)) {
      ChangeCaseworker(c, kGroups[c.group].team,
                       v1::CASEWORKER_CHANGE_REASON_TRANSFER);
    }
  }

  void RecordGroupChange(Case& c, size_t g, absl::CivilDay anchor_on) {
    v1::Event event = NewEvent(c, today_);
    v1::TargetGroupChanged* body = event.mutable_target_group_changed();
    body->set_target_group(kGroups[g].group);
    body->set_anchor_on(FormatDate(anchor_on));
    RecordStructural(c, std::move(event));
    c.group = g;
  }

  // The benefit period ends: a long sickness case may go on to
  // jobafklaring (a new period); otherwise the case closes. Returns whether
  // it closed.
  bool EndPeriod(Case& c) {
    const bool long_sickness =
        c.group == kGroupSygedagpenge &&
        (today_ - c.period_on) >= WeeksToDays(kReviewWeeks);
    if (long_sickness && rng_.Chance(kJobafklaringAfterLongSicknessShare)) {
      StartJobafklaring(c);
      return false;
    }
    Close(c);
    return true;
  }

  void StartJobafklaring(Case& c) {
    RecordGroupChange(c, kGroupJobafklaring, today_);
    ChangeCaseworker(c, kTeamAfklaring, v1::CASEWORKER_CHANGE_REASON_TRANSFER);
    c.period_on = today_;
    c.period_end_on = today_ + DrawDurationDays(kGroupJobafklaring);
    c.interviews = 0;
    c.review_on = kNever;
    c.interview_on = ScheduleInterview(c, InterviewDue(c, today_));
    if (!c.referral_pending && !c.offer_running &&
        rng_.Chance(kGroups[kGroupJobafklaring].referral_share)) {
      c.referral_on = FirstReferral(c);
    }
  }

  void Close(Case& c) {
    const auto reason = static_cast<v1::CaseCloseReason>(
        1 + rng_.Pick(kGroups[c.group].close_weights));
    if (c.referral_pending) {
      CancelReferral(c, v1::REFERRAL_CANCEL_REASON_CASE_CHANGED);
    }
    if (c.offer_running) {
      RecordOfferEnded(c, reason == v1::CASE_CLOSE_REASON_JOB
                              ? v1::OFFER_END_REASON_JOB
                              : v1::OFFER_END_REASON_OTHER);
    }
    v1::Event event = NewEvent(c, today_);
    event.mutable_case_closed()->set_reason(reason);
    const int64_t micros =
        std::max(RecordingMicros(c, today_), c.max_micros + 1);
    Push(micros, std::move(event));
  }

  // ------------------------------------------------------------ recording

  const Jobcentre& Jc(const Case& c) const { return jobcentres_[c.jobcentre]; }

  std::string CaseworkerId(int jobcentre, Team team, int caseworker) const {
    return absl::StrCat("cw-", jobcentre + 1, "-", kTeamShortNames[team], "-",
                        caseworker + 1);
  }
  std::string CaseworkerId(const Case& c) const {
    return CaseworkerId(c.jobcentre, kGroups[c.group].team, c.caseworker);
  }
  static std::string ReferralId(const Case& c, int k) {
    return absl::StrCat("ref-", c.number, "-", k);
  }
  static std::string OfferId(const Case& c, int k) {
    return absl::StrCat("offer-", c.number, "-", k);
  }

  v1::Event NewEvent(Case& c, absl::CivilDay occurred_on) {
    v1::Event event;
    event.set_event_id(absl::StrCat("e-", c.number, "-", ++c.event_count));
    event.set_case_id(absl::StrCat("case-", c.number));
    event.set_occurred_on(FormatDate(occurred_on));
    return event;
  }

  // When the case system registers an event that occurred on `day`: the
  // same working day, or for the jobcentre's late share days or weeks later.
  int64_t RecordingMicros(const Case& c, absl::CivilDay day) {
    if (rng_.Chance(Jc(c).late_recorded_share)) {
      const double late_days = std::min<double>(
          kLateRecordedDaysMax, 1 + rng_.Exponential(kLateRecordedDaysMean));
      day = day + static_cast<int64_t>(late_days);
    }
    return DayStartMicros(NextWeekday(day)) + kWorkdayStartMicros +
           rng_.UniformInt(0, kWorkdayMicros - 1);
  }

  // Structural events are recorded in the order they occur, so that the
  // server's order rules hold whatever the delays.
  void RecordStructural(Case& c, v1::Event event) {
    const int64_t micros =
        std::max(RecordingMicros(c, today_), c.chain_micros + 1);
    c.chain_micros = micros;
    c.max_micros = std::max(c.max_micros, micros);
    Push(micros, std::move(event));
  }

  // Interviews, service calls and reviews: nothing depends on them, so they
  // may be recorded out of order; some are retracted and corrected later.
  void RecordLeaf(Case& c, v1::Event event) {
    const int64_t micros =
        std::max(RecordingMicros(c, today_), c.chain_micros + 1);
    c.max_micros = std::max(c.max_micros, micros);
    if (rng_.Chance(kRetractedShareOfLeaves)) Correct(c, event, micros);
    Push(micros, std::move(event));
  }

  // Retracts `original` (recorded at `recorded_micros`) days or weeks later
  // and records it again with the corrected date.
  void Correct(Case& c, const v1::Event& original, int64_t recorded_micros) {
    const absl::CivilDay found_on =
        NextWeekday(DayOfMicros(recorded_micros) +
                    rng_.UniformInt(kRetractionDaysMin, kRetractionDaysMax));
    const int64_t retracted_micros = DayStartMicros(found_on) +
                                     kWorkdayStartMicros +
                                     rng_.UniformInt(0, kWorkdayMicros - 1);
    v1::Event corrected = original;
    corrected.set_event_id(absl::StrCat("e-", c.number, "-", ++c.event_count));
    const absl::CivilDay occurred_on = *ParseDate(original.occurred_on());
    const absl::CivilDay earlier_on =
        occurred_on - rng_.UniformInt(1, kCorrectionShiftDaysMax);
    corrected.set_occurred_on(
        FormatDate(earlier_on >= c.anchor_on ? earlier_on : occurred_on + 1));

    v1::Event retraction = NewEvent(c, found_on);
    v1::EventRetracted* body = retraction.mutable_event_retracted();
    body->set_retracted_event_id(original.event_id());
    body->set_reason(absl::StrCat("registered with the wrong date; see ",
                                  corrected.event_id()));
    const int64_t corrected_micros =
        retracted_micros + rng_.UniformInt(1, 600) * kMicrosPerSecond;
    c.max_micros = std::max(c.max_micros, corrected_micros);
    Push(retracted_micros, std::move(retraction));
    Push(corrected_micros, std::move(corrected));
  }

  void Push(int64_t recorded_micros, v1::Event event) {
    assert(recorded_micros >= DayStartMicros(today_));
    pending_.push_back(
        Pending{recorded_micros, ++pending_sequence_, std::move(event)});
    std::push_heap(pending_.begin(), pending_.end(), PendingLater());
    summary_.pending_events_max = std::max(
        summary_.pending_events_max, static_cast<int64_t>(pending_.size()));
  }

  // Writes every pending event recorded before `until_micros`, nudging
  // recorded_at by microseconds where two would coincide.
  void Emit(int64_t until_micros) {
    while (!pending_.empty() &&
           pending_.front().recorded_micros < until_micros) {
      std::pop_heap(pending_.begin(), pending_.end(), PendingLater());
      Pending next = std::move(pending_.back());
      pending_.pop_back();
      const int64_t micros =
          std::max(next.recorded_micros, last_emitted_micros_ + 1);
      last_emitted_micros_ = micros;
      *next.event.mutable_recorded_at() = FromMicros(micros);
      sink_(next.event);
      ++summary_.events;
      if (next.event.has_case_opened()) ++summary_.cases;
    }
  }

  const GenerateOptions& options_;
  const EventSink& sink_;
  Rng rng_;
  std::vector<Jobcentre> jobcentres_;
  absl::CivilDay today_;

  // Active cases; a closed case's slot is reused.
  std::vector<Case> cases_;
  std::vector<uint32_t> free_slots_;
  std::priority_queue<Wake, std::vector<Wake>, std::greater<Wake>> wakes_;
  uint64_t wake_sequence_ = 0;

  // A min-heap on (recorded_micros, sequence).
  std::vector<Pending> pending_;
  uint64_t pending_sequence_ = 0;
  int64_t last_emitted_micros_ = 0;
  // Cases opened so far, written or not; numbers the cases.
  int64_t cases_opened_ = 0;

  GenerateSummary summary_;
};

}  // namespace

absl::Status CheckGenerateOptions(const GenerateOptions& options) {
  if (options.jobcentres < 1 || options.jobcentres > kJobcentresMax) {
    return absl::InvalidArgumentError(
        absl::StrCat("--jobcentres: ", options.jobcentres,
                     " is not between 1 and ", kJobcentresMax));
  }
  if (options.cases < 1 || options.cases > kCasesMax) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--cases: ", options.cases, " is not between 1 and ", kCasesMax));
  }
  if (options.to < options.from) {
    return absl::InvalidArgumentError(
        absl::StrCat("--to: ", FormatDate(options.to), " is before --from ",
                     FormatDate(options.from)));
  }
  if (options.to - options.from >= kPeriodDaysMax) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--from/--to: the period is longer than ", kPeriodDaysMax, " days"));
  }
  if (options.from.year() < 1900 || options.to.year() > 9000) {
    return absl::InvalidArgumentError(
        "--from/--to: years must lie between 1900 and 9000");
  }
  return absl::OkStatus();
}

absl::StatusOr<GenerateSummary> GenerateEvents(const GenerateOptions& options,
                                               const EventSink& sink) {
  absl::Status status = CheckGenerateOptions(options);
  if (!status.ok()) return status;
  Simulator simulator(options, sink);
  return simulator.Run();
}

namespace {

// protobuf's MessageToJsonString resolves the message's type anew for every
// call, which made it nine tenths of the generator's time. The events here
// hold only strings, enums, messages and a Timestamp, so they are printed
// directly, byte for byte as protobuf prints them (generate_test checks
// this); anything else falls back to protobuf.

// Strings that need no escaping in protobuf's JSON: printable ASCII other
// than the characters it escapes.
bool IsPlainJson(absl::string_view text) {
  for (char c : text) {
    if (c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' ||
        c == '&' || c == '\'' || c == '=') {
      return false;
    }
  }
  return true;
}

// "2018-01-02T08:00:06.156754Z", with 0, 3, 6 or 9 fraction digits, by
// protobuf's own printer of a Timestamp.
void AppendTimestamp(const google::protobuf::Timestamp& timestamp,
                     std::string* out) {
  absl::StrAppend(out, "\"",
                  google::protobuf::util::TimeUtil::ToString(timestamp), "\"");
}

// Appends `message` as a JSON object; returns false (with `out` partly
// written) for a field it does not print like protobuf.
bool AppendJsonObject(const google::protobuf::Message& message,
                      std::string* out) {
  using google::protobuf::FieldDescriptor;
  const google::protobuf::Reflection* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  out->push_back('{');
  bool first = true;
  for (const FieldDescriptor* field : fields) {
    if (field->is_repeated() || field->is_map()) return false;
    if (!first) out->push_back(',');
    first = false;
    absl::StrAppend(out, "\"", field->name(), "\":");
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING: {
        const std::string text = reflection->GetString(message, field);
        if (!IsPlainJson(text)) return false;
        absl::StrAppend(out, "\"", text, "\"");
        break;
      }
      case FieldDescriptor::CPPTYPE_ENUM:
        absl::StrAppend(out, "\"", reflection->GetEnum(message, field)->name(),
                        "\"");
        break;
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        const google::protobuf::Message& nested =
            reflection->GetMessage(message, field);
        if (field->message_type()->full_name() == "google.protobuf.Timestamp") {
          AppendTimestamp(
              static_cast<const google::protobuf::Timestamp&>(nested), out);
        } else if (!AppendJsonObject(nested, out)) {
          return false;
        }
        break;
      }
      default:
        return false;
    }
  }
  out->push_back('}');
  return true;
}

}  // namespace

absl::Status AppendEventJson(const v1::Event& event, std::string* out) {
  const size_t start = out->size();
  if (AppendJsonObject(event, out)) return absl::OkStatus();
  out->resize(start);
  google::protobuf::util::JsonPrintOptions print_options;
  print_options.preserve_proto_field_names = true;
  std::string json;
  auto status =
      google::protobuf::util::MessageToJsonString(event, &json, print_options);
  if (!status.ok()) {
    return absl::InternalError(
        absl::StrCat("event ", event.event_id(), ": ", status.ToString()));
  }
  out->append(json);
  return absl::OkStatus();
}

absl::StatusOr<GenerateSummary> WriteJsonLines(const GenerateOptions& options,
                                               std::ostream& out) {
  absl::Status print_status;
  std::string line;
  auto summary = GenerateEvents(options, [&](const v1::Event& event) {
    if (!print_status.ok()) return;
    line.clear();
    print_status = AppendEventJson(event, &line);
    line.push_back('\n');
    out.write(line.data(), static_cast<std::streamsize>(line.size()));
  });
  if (!summary.ok()) return summary.status();
  if (!print_status.ok()) return print_status;
  if (!out.good()) return absl::DataLossError("could not write the output");
  return summary;
}

}  // namespace caseline
