// Conversions from the projections' domain types to the Projections API's
// messages.
#ifndef CASELINE_SERVER_API_PROJECTIONS_CONVERT_H_
#define CASELINE_SERVER_API_PROJECTIONS_CONVERT_H_

#include <vector>

#include "caseline/v1/projections.pb.h"
#include "projections/compliance.h"
#include "projections/timeline.h"

namespace caseline::api {

void ToResults(const std::vector<RequirementResult>& results,
               v1::GetComplianceResponse* response);
void ToSwitches(const Switches& switches, v1::GetSwitchesResponse* response);
void ToWaitingTimes(const WaitingTimes& waits,
                    v1::GetWaitingTimesResponse* response);
void ToTimeline(const CaseTimeline& timeline,
                v1::GetTimelineResponse* response);

}  // namespace caseline::api

#endif  // CASELINE_SERVER_API_PROJECTIONS_CONVERT_H_
