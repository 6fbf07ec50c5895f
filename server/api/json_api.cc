#include "server/api/json_api.h"

#include <optional>
#include <utility>
#include <vector>

#include <google/protobuf/message.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "caseline/v1/caseline.pb.h"
#include "caseline/v1/projections.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/byte_buffer.h"
#include "server/api/access.h"
#include "server/auth/loopback.h"

namespace caseline::api {
namespace {

namespace protobuf = google::protobuf;

constexpr char kJsonContentType[] = "application/json; charset=utf-8";
// The placeholder a route's path may hold, standing for one path segment.
constexpr absl::string_view kCaseIdSegment = "{case_id}";
constexpr char kCaseIdField[] = "case_id";

// One API path: the gRPC method it calls and that method's messages. Every
// route takes GET with the request's fields as query parameters, and POST
// with the request as a JSON body.
struct Route {
  absl::string_view path;
  std::string grpc_method;  // "/caseline.v1.Projections/Report"
  const protobuf::Descriptor* request;
  const protobuf::Descriptor* response;
};

template <typename Request, typename Response>
Route MakeRoute(absl::string_view path, absl::string_view service,
                absl::string_view method) {
  return Route{path, absl::StrCat("/caseline.v1.", service, "/", method),
               Request::descriptor(), Response::descriptor()};
}

const std::vector<Route>& Routes() {
  static const auto* const routes = new std::vector<Route>{
      MakeRoute<v1::ReadCaseRequest, v1::ReadCaseResponse>(
          "/v1/cases/{case_id}/events", "EventStore", "ReadCase"),
      MakeRoute<v1::GetComplianceRequest, v1::GetComplianceResponse>(
          "/v1/cases/{case_id}/compliance", "Projections", "GetCompliance"),
      MakeRoute<v1::GetSwitchesRequest, v1::GetSwitchesResponse>(
          "/v1/cases/{case_id}/switches", "Projections", "GetSwitches"),
      MakeRoute<v1::GetWaitingTimesRequest, v1::GetWaitingTimesResponse>(
          "/v1/cases/{case_id}/waiting-times", "Projections",
          "GetWaitingTimes"),
      MakeRoute<v1::GetTimelineRequest, v1::GetTimelineResponse>(
          "/v1/cases/{case_id}/timeline", "Projections", "GetTimeline"),
      MakeRoute<v1::ReadAllRequest, v1::ReadAllResponse>(
          "/v1/events", "EventStore", "ReadAll"),
      MakeRoute<v1::ListRuleSetsRequest, v1::ListRuleSetsResponse>(
          "/v1/rule-sets", "Projections", "ListRuleSets"),
      MakeRoute<v1::ReportRequest, v1::ReportResponse>("/v1/report",
                                                       "Projections", "Report"),
      MakeRoute<v1::TrendRequest, v1::TrendResponse>("/v1/trend", "Projections",
                                                     "Trend"),
      MakeRoute<v1::WorklistRequest, v1::WorklistResponse>(
          "/v1/worklist", "Projections", "Worklist"),
      MakeRoute<v1::ListCasesRequest, v1::ListCasesResponse>(
          "/v1/cases", "Projections", "ListCases"),
      MakeRoute<v1::WhatIfRequest, v1::WhatIfResponse>("/v1/what-if", "Admin",
                                                       "WhatIf"),
      MakeRoute<v1::GetProjectionStatusRequest,
                v1::GetProjectionStatusResponse>(
          "/v1/projection-status", "Admin", "GetProjectionStatus"),
      MakeRoute<v1::ReadAccessLogRequest, v1::ReadAccessLogResponse>(
          "/v1/access-log", "Admin", "ReadAccessLog"),
  };
  return *routes;
}

// The HTTP status for a gRPC code, as HTTP gateways for gRPC map them.
int HttpStatus(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kCancelled:
      return 499;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnimplemented:
      return 501;
    case absl::StatusCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

// {"code": "INVALID_ARGUMENT", "http_status": 400, "message": "..."}: the
// gRPC code's name, the HTTP status and the service's own message.
HttpServer::ApiAnswer ErrorAnswer(const absl::Status& status,
                                  int http_status = 0) {
  // A JSON string of the message: protobuf's printer escapes it.
  protobuf::Value message;
  message.set_string_value(std::string(status.message()));
  std::string quoted;
  (void)protobuf::util::MessageToJsonString(message, &quoted);
  HttpServer::ApiAnswer answer;
  answer.status = http_status != 0 ? http_status : HttpStatus(status.code());
  if (answer.status == 401) answer.www_authenticate = "Bearer";
  answer.content_type = kJsonContentType;
  answer.body = absl::StrCat(
      "{\"code\":\"", absl::StatusCodeToString(status.code()),
      "\",\"http_status\":", answer.status, ",\"message\":", quoted, "}\n");
  return answer;
}

// "%2F" decoded, and in a query "+" as a space; nullopt for a malformed
// escape.
std::optional<std::string> PercentDecoded(absl::string_view text, bool query) {
  std::string decoded;
  decoded.reserve(text.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    if (query && text[i] == '+') {
      decoded += ' ';
    } else if (text[i] != '%') {
      decoded += text[i];
    } else {
      if (i + 2 >= text.size()) return std::nullopt;
      const int high = hex(text[i + 1]);
      const int low = hex(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      decoded += static_cast<char>(high * 16 + low);
      i += 2;
    }
  }
  return decoded;
}

// The route `path` takes and the case id its path names, if any.
const Route* FindRoute(absl::string_view path, std::string& case_id) {
  const std::vector<absl::string_view> segments = absl::StrSplit(path, '/');
  for (const Route& route : Routes()) {
    const std::vector<absl::string_view> pattern =
        absl::StrSplit(route.path, '/');
    if (pattern.size() != segments.size()) continue;
    bool matches = true;
    for (size_t i = 0; i < pattern.size() && matches; ++i) {
      if (pattern[i] == kCaseIdSegment) {
        matches = !segments[i].empty();
        case_id = std::string(segments[i]);
      } else {
        matches = pattern[i] == segments[i];
      }
    }
    if (matches) return &route;
  }
  return nullptr;
}

bool IsTimeType(const protobuf::Descriptor& type) {
  return type.full_name() == "google.protobuf.Timestamp" ||
         type.full_name() == "google.protobuf.Duration";
}

// A query parameter "filter.jobcentre_ids=jc-odense" as a field of the JSON
// object `request` of message `type`: every leaf as a JSON string, which
// protobuf's JSON parser reads for numbers, enums and timestamps alike.
absl::Status AddQueryParameter(const protobuf::Descriptor& type,
                               absl::string_view name, std::string value,
                               protobuf::Struct& request) {
  const std::vector<absl::string_view> parts = absl::StrSplit(name, '.');
  const protobuf::Descriptor* message = &type;
  protobuf::Struct* object = &request;
  for (size_t i = 0; i < parts.size(); ++i) {
    const protobuf::FieldDescriptor* field =
        message->FindFieldByName(std::string(parts[i]));
    if (field == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("query parameter ", name, ": ", message->name(),
                       " has no field ", parts[i]));
    }
    const bool leaf = i + 1 == parts.size();
    const bool nested =
        field->cpp_type() == protobuf::FieldDescriptor::CPPTYPE_MESSAGE &&
        !IsTimeType(*field->message_type());
    if (leaf && nested) {
      return absl::InvalidArgumentError(
          absl::StrCat("query parameter ", name, ": ", parts[i],
                       " is a message; name its fields (", parts[i],
                       ".FIELD=...), or POST "
                       "the request as JSON"));
    }
    protobuf::Value& slot = (*object->mutable_fields())[std::string(parts[i])];
    if (!leaf) {
      if (!nested || field->is_repeated()) {
        return absl::InvalidArgumentError(
            absl::StrCat("query parameter ", name, ": ", parts[i],
                         " has no fields to name; POST the request as JSON"));
      }
      message = field->message_type();
      object = slot.mutable_struct_value();
      continue;
    }
    if (field->is_repeated()) {
      slot.mutable_list_value()->add_values()->set_string_value(
          std::move(value));
    } else if (slot.kind_case() != protobuf::Value::KIND_NOT_SET) {
      return absl::InvalidArgumentError(
          absl::StrCat("query parameter ", name, " is given twice"));
    } else if (field->cpp_type() == protobuf::FieldDescriptor::CPPTYPE_BOOL) {
      if (value != "true" && value != "false") {
        return absl::InvalidArgumentError(
            absl::StrCat("query parameter ", name, ": \"", value,
                         "\" is not true or false"));
      }
      slot.set_bool_value(value == "true");
    } else {
      slot.set_string_value(std::move(value));
    }
  }
  return absl::OkStatus();
}

// The request's JSON object from a query string ("a=1&b=2").
absl::StatusOr<std::string> QueryAsJson(const protobuf::Descriptor& type,
                                        absl::string_view query) {
  protobuf::Struct request;
  size_t count = 0;
  for (absl::string_view pair : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    if (++count > JsonApi::kQueryParametersMax) {
      return absl::InvalidArgumentError(
          absl::StrCat("more than ", JsonApi::kQueryParametersMax,
                       " query parameters; POST the request as JSON"));
    }
    const size_t equals = pair.find('=');
    const std::optional<std::string> name =
        PercentDecoded(pair.substr(0, equals), /*query=*/true);
    const std::optional<std::string> value = PercentDecoded(
        equals == absl::string_view::npos ? "" : pair.substr(equals + 1),
        /*query=*/true);
    if (!name.has_value() || !value.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat("query parameter \"", pair, "\": a malformed %-escape"));
    }
    if (absl::Status added = AddQueryParameter(type, *name, *value, request);
        !added.ok()) {
      return added;
    }
  }
  std::string json;
  (void)protobuf::util::MessageToJsonString(request, &json);
  return json;
}

// The request message of `route` from a GET's query or a POST's body; the
// case id of the path goes into case_id.
absl::StatusOr<std::unique_ptr<protobuf::Message>> RequestMessage(
    const Route& route, absl::string_view http_method, absl::string_view query,
    const std::string& body, const std::string& case_id) {
  std::string json;
  if (http_method == "GET") {
    absl::StatusOr<std::string> from_query = QueryAsJson(*route.request, query);
    if (!from_query.ok()) return from_query.status();
    json = *std::move(from_query);
  } else if (http_method == "POST") {
    if (!query.empty()) {
      return absl::InvalidArgumentError(
          "a POST takes its request as a JSON body, not as query parameters");
    }
    json = body.empty() ? "{}" : body;
  }
  std::unique_ptr<protobuf::Message> request(
      protobuf::MessageFactory::generated_factory()
          ->GetPrototype(route.request)
          ->New());
  protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  if (const auto parsed =
          protobuf::util::JsonStringToMessage(json, request.get(), options);
      !parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(http_method == "GET" ? "query: " : "request body: ",
                     parsed.message().ToString()));
  }
  if (!case_id.empty()) {
    const protobuf::FieldDescriptor* field =
        route.request->FindFieldByName(kCaseIdField);
    const protobuf::Reflection& reflection = *request->GetReflection();
    const std::string named = reflection.GetString(*request, field);
    if (!named.empty() && named != case_id) {
      return absl::InvalidArgumentError(
          absl::StrCat("case_id: the path names ", case_id,
                       " but the request names ", named));
    }
    reflection.SetString(request.get(), field, case_id);
  }
  return request;
}

// "localhost:8080" as it is; "localhost" with a port, for
// auth::IsLoopbackAddress.
std::string HostWithPort(absl::string_view host) {
  const size_t bracket = host.rfind(']');
  const size_t colon = host.rfind(':');
  const bool has_port = colon != absl::string_view::npos &&
                        (bracket == absl::string_view::npos || colon > bracket);
  return has_port ? std::string(host) : absl::StrCat(host, ":0");
}

// Metadata values are printable ASCII; anything else becomes '?' (a token
// with such bytes is refused as any bad token is).
std::string Printable(std::string text) {
  for (char& c : text) {
    if (c < 0x20 || c > 0x7e) c = '?';
  }
  return text;
}

std::string Flattened(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (!buffer.Dump(&slices).ok()) return bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes;
}

}  // namespace

// One call in flight: what the generic stub writes into, kept alive until its
// completion is handled and its client has no more use for cancelling it.
struct JsonApi::PendingCall {
  grpc::ClientContext context;
  grpc::ByteBuffer request;
  grpc::ByteBuffer response;
  grpc::Status status;
  std::unique_ptr<grpc::GenericClientAsyncResponseReader> reader;
  const Route* route = nullptr;
  std::function<void(HttpServer::ApiAnswer)> done;
};

namespace {

HttpServer::ApiAnswer JsonAnswer(const JsonApi::PendingCall& call) {
  std::unique_ptr<protobuf::Message> response(
      protobuf::MessageFactory::generated_factory()
          ->GetPrototype(call.route->response)
          ->New());
  if (!response->ParseFromString(Flattened(call.response))) {
    return ErrorAnswer(
        absl::InternalError("the service's answer did not parse"));
  }
  protobuf::util::JsonPrintOptions options;
  // The proto's own field names, as the query parameters and the CLI's
  // --json use; zeros and empty lists are printed, so that a browser need
  // not know the defaults.
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  HttpServer::ApiAnswer answer;
  answer.content_type = kJsonContentType;
  if (const auto printed =
          protobuf::util::MessageToJsonString(*response, &answer.body, options);
      !printed.ok()) {
    return ErrorAnswer(absl::InternalError(printed.message().ToString()));
  }
  answer.body += "\n";
  return answer;
}

}  // namespace

JsonApi::JsonApi(std::shared_ptr<grpc::ChannelInterface> channel,
                 std::string forwarding_key, bool loopback_hosts_only)
    : stub_(std::move(channel)),
      forwarding_key_(std::move(forwarding_key)),
      loopback_hosts_only_(loopback_hosts_only),
      completions_([this] { HandleCompletions(); }) {}

JsonApi::~JsonApi() {
  {
    std::unique_lock lock(mu_);
    idle_.wait(lock, [this] { return in_flight_ == 0; });
  }
  queue_.Shutdown();
  completions_.join();
}

// Each finished call: its tag is the call, handed over by Handle.
void JsonApi::HandleCompletions() {
  void* tag = nullptr;
  bool ok = false;
  while (queue_.Next(&tag, &ok)) {
    const std::unique_ptr<std::shared_ptr<PendingCall>> owned(
        static_cast<std::shared_ptr<PendingCall>*>(tag));
    PendingCall& call = **owned;
    // `done` holds the HTTP session: it is let go before the call counts
    // as finished, so nothing of it outlives this JsonApi.
    auto reply = std::move(call.done);
    reply(call.status.ok()
              ? JsonAnswer(call)
              : ErrorAnswer(absl::Status(
                    static_cast<absl::StatusCode>(call.status.error_code()),
                    call.status.error_message())));
    reply = nullptr;
    std::lock_guard lock(mu_);
    if (--in_flight_ == 0) idle_.notify_all();
  }
}

HttpServer::ApiCancel JsonApi::Handle(
    HttpServer::ApiCall call, std::function<void(HttpServer::ApiAnswer)> done) {
  const absl::string_view target = call.target;
  const size_t question = target.find('?');
  const absl::string_view path = target.substr(0, question);
  const absl::string_view query = question == absl::string_view::npos
                                      ? absl::string_view()
                                      : target.substr(question + 1);
  std::string encoded_case_id;
  const Route* route = FindRoute(path, encoded_case_id);
  if (route == nullptr) {
    done(ErrorAnswer(absl::NotFoundError(absl::StrCat(
        "no API path ", path, "; the README's JSON API section lists them"))));
    return nullptr;
  }
  if (loopback_hosts_only_ &&
      !auth::IsLoopbackAddress(HostWithPort(call.host))) {
    // An open server answers only pages of this machine: a web page
    // elsewhere that points a name of its own at 127.0.0.1 (DNS rebinding)
    // must not read it through the user's browser.
    done(ErrorAnswer(absl::PermissionDeniedError(absl::StrCat(
        "Host ", Printable(call.host),
        ": a server without --auth-keys answers only requests for this "
        "machine (localhost, 127.0.0.1, [::1])"))));
    return nullptr;
  }
  if (call.method == "POST" &&
      !absl::StartsWith(absl::AsciiStrToLower(call.content_type),
                        "application/json")) {
    // Also keeps other sites' pages from posting forms to the API.
    done(ErrorAnswer(
        absl::InvalidArgumentError(
            "Content-Type: a POST takes its request as application/json"),
        /*http_status=*/415));
    return nullptr;
  }
  if (call.method != "GET" && call.method != "POST") {
    HttpServer::ApiAnswer answer =
        ErrorAnswer(absl::UnimplementedError(absl::StrCat(
                        call.method,
                        " is not an API method: use GET with query "
                        "parameters or POST with the request as JSON")),
                    /*http_status=*/405);
    answer.allow = "GET, POST";
    done(std::move(answer));
    return nullptr;
  }
  const std::optional<std::string> case_id =
      PercentDecoded(encoded_case_id, /*query=*/false);
  if (!case_id.has_value()) {
    done(ErrorAnswer(absl::InvalidArgumentError(
        "case_id: a malformed %-escape in the path")));
    return nullptr;
  }
  absl::StatusOr<std::unique_ptr<protobuf::Message>> request =
      RequestMessage(*route, call.method, query, call.body, *case_id);
  if (!request.ok()) {
    done(ErrorAnswer(request.status()));
    return nullptr;
  }

  auto pending = std::make_shared<PendingCall>();
  pending->route = route;
  pending->done = std::move(done);
  const std::string bytes = (*request)->SerializeAsString();
  grpc::Slice slice(bytes);
  pending->request = grpc::ByteBuffer(&slice, 1);
  if (!call.authorization.empty()) {
    pending->context.AddMetadata("authorization",
                                 Printable(std::move(call.authorization)));
  }
  if (!call.purpose.empty()) {
    pending->context.AddMetadata(kPurposeMetadata,
                                 Printable(std::move(call.purpose)));
  }
  pending->context.AddMetadata(kHttpPeerMetadata, Printable(call.peer));
  pending->context.AddMetadata(kForwardingKeyMetadata, forwarding_key_);
  pending->context.set_deadline(
      absl::ToChronoTime(absl::Now() + kCallDeadline));
  {
    std::lock_guard lock(mu_);
    ++in_flight_;
  }
  pending->reader = stub_.PrepareUnaryCall(
      &pending->context, route->grpc_method, pending->request, &queue_);
  pending->reader->StartCall();
  pending->reader->Finish(&pending->response, &pending->status,
                          new std::shared_ptr<PendingCall>(pending));
  // A client that left: the service sees the call cancelled and stops (a
  // population answer checks between cases). After the answer it changes
  // nothing.
  return [weak = std::weak_ptr<PendingCall>(pending)] {
    if (const std::shared_ptr<PendingCall> in_flight = weak.lock()) {
      in_flight->context.TryCancel();
    }
  };
}

}  // namespace caseline::api
