// A generated population imported into a real server over
// Admin.ImportHistory (keeping each event's recording time), for end-to-end
// tests of population answers.
#ifndef CASELINE_TESTS_TEST_POPULATION_H_
#define CASELINE_TESTS_TEST_POPULATION_H_

#include <string>
#include <vector>

#include "caseline/v1/caseline.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/server_process.h"
#include "tools/generate.h"

namespace caseline::testing {

// Imports the population `options` generates, as `token` (none when empty);
// returns its events in the order sent.
inline std::vector<v1::Event> ImportGenerated(const ServerProcess& server,
                                              const std::string& token,
                                              const GenerateOptions& options) {
  std::vector<v1::Event> events;
  EXPECT_TRUE(GenerateEvents(options, [&](const v1::Event& event) {
                events.push_back(event);
              }).ok());
  auto admin = v1::Admin::NewStub(server.Channel());
  grpc::ClientContext context;
  if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
  auto stream = admin->ImportHistory(&context);
  for (const v1::Event& event : events) {
    v1::AppendRequest request;
    request.set_case_id(event.case_id());
    *request.add_events() = event;
    EXPECT_TRUE(stream->Write(request));
  }
  stream->WritesDone();
  v1::AppendResponse response;
  size_t answered = 0;
  while (stream->Read(&response)) {
    EXPECT_EQ(response.status_code(), 0) << response.status_message();
    ++answered;
  }
  const grpc::Status status = stream->Finish();
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(answered, events.size());
  return events;
}

}  // namespace caseline::testing

#endif  // CASELINE_TESTS_TEST_POPULATION_H_
