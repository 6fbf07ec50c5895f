// The jobcentres of a run: arrivals weighted so that each group's stock
// comes out like Middelfart's, and compliance, switch rates and caseloads
// spread over the jobcentres.
#include "tools/internal/generate_jobcentres.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace caseline::generate_internal {
namespace {

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

}  // namespace

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

std::string CaseworkerId(int jobcentre, Team team, int caseworker) {
  return absl::StrCat("cw-", jobcentre + 1, "-", kTeamShortNames[team], "-",
                      caseworker + 1);
}

}  // namespace caseline::generate_internal
