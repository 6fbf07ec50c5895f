// A real headless Chromium, driven over the W3C WebDriver protocol by
// Debian's chromedriver, for the dashboard's browser tests: navigate, run a
// script in the page, type, click, take a screenshot.
#ifndef CASELINE_TESTS_WEBDRIVER_H_
#define CASELINE_TESTS_WEBDRIVER_H_

#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "tests/http_get.h"

namespace caseline::testing {

inline constexpr char kChromium[] = "/usr/bin/chromium";
inline constexpr char kChromedriver[] = "/usr/bin/chromedriver";

class Browser {
 public:
  // Starts chromedriver on a free port and a headless Chromium session with
  // a window of `width` x `height`. Throws if either does not come up.
  Browser(int width, int height) {
    port_ = FreePort();
    const pid_t parent = getpid();
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(127);
      const std::string port = "--port=" + std::to_string(port_);
      execl(kChromedriver, kChromedriver, port.c_str(), "--log-level=OFF",
            static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 100 && !Ready(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    const std::string size =
        "--window-size=" + std::to_string(width) + "," + std::to_string(height);
    const google::protobuf::Value session =
        Call("POST", "/session",
             R"({"capabilities":{"alwaysMatch":{"browserName":"chrome",)"
             R"("goog:chromeOptions":{"binary":")" +
                 std::string(kChromium) +
                 R"(","args":["--headless","--no-sandbox","--disable-gpu",)"
                 R"("--disable-dev-shm-usage",")" +
                 size + R"("]}}}})");
    session_ = session.struct_value().fields().at("sessionId").string_value();
    if (session_.empty()) throw std::runtime_error("no WebDriver session");
  }

  ~Browser() {
    if (!session_.empty()) {
      try {
        Call("DELETE", "/session/" + session_, "");
      } catch (const std::exception&) {
        // The driver is killed below anyway.
      }
    }
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  Browser(const Browser&) = delete;
  Browser& operator=(const Browser&) = delete;

  void Go(const std::string& url) {
    Call("POST", Path("/url"), Json("url", url));
  }

  // Runs `script` (a function body; `arguments` holds `args_json`'s items)
  // in the page and returns what it returns.
  google::protobuf::Value Run(const std::string& script,
                              const std::string& args_json = "[]") {
    google::protobuf::Value body;
    auto& fields = *body.mutable_struct_value()->mutable_fields();
    fields["script"].set_string_value(script);
    google::protobuf::Value args;
    if (!google::protobuf::util::JsonStringToMessage(args_json, &args).ok()) {
      throw std::runtime_error("bad script arguments: " + args_json);
    }
    fields["args"] = args;
    std::string json;
    (void)google::protobuf::util::MessageToJsonString(body, &json);
    return Call("POST", Path("/execute/sync"), json);
  }

  // Waits up to `timeout` for `script` to return a non-empty string, and
  // returns it (empty on timeout).
  std::string WaitFor(const std::string& script,
                      std::chrono::seconds timeout = std::chrono::seconds(60)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      const google::protobuf::Value value = Run(script);
      if (value.kind_case() == google::protobuf::Value::kStringValue &&
          !value.string_value().empty()) {
        return value.string_value();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return "";
  }

  // Clicks the first element `css` selects.
  void Click(const std::string& css) {
    Call("POST", Path("/element/" + Element(css) + "/click"), "{}");
  }

  // Replaces the value of the input `css` selects with `text`.
  void Type(const std::string& css, const std::string& text) {
    const std::string element = Element(css);
    Call("POST", Path("/element/" + element + "/clear"), "{}");
    Call("POST", Path("/element/" + element + "/value"), Json("text", text));
  }

  // Saves a PNG of the window.
  void Screenshot(const std::string& file) {
    const google::protobuf::Value png = Call("GET", Path("/screenshot"), "");
    std::string bytes;
    if (!absl::Base64Unescape(png.string_value(), &bytes)) {
      throw std::runtime_error("screenshot is not base64");
    }
    std::ofstream(file, std::ios::binary) << bytes;
  }

 private:
  static int FreePort() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    close(fd);
    return ntohs(address.sin_port);
  }

  static std::string Json(const std::string& name, const std::string& value) {
    google::protobuf::Struct object;
    (*object.mutable_fields())[name].set_string_value(value);
    std::string json;
    (void)google::protobuf::util::MessageToJsonString(object, &json);
    return json;
  }

  bool Ready() { return HttpCall(port_, "GET", "/status").status == 200; }

  std::string Path(const std::string& command) const {
    return "/session/" + session_ + command;
  }

  std::string Element(const std::string& css) {
    google::protobuf::Struct query;
    (*query.mutable_fields())["using"].set_string_value("css selector");
    (*query.mutable_fields())["value"].set_string_value(css);
    std::string json;
    (void)google::protobuf::util::MessageToJsonString(query, &json);
    const google::protobuf::Value element =
        Call("POST", Path("/element"), json);
    // The W3C element reference's key.
    return element.struct_value()
        .fields()
        .at("element-6066-11e4-a52e-4f735466cecf")
        .string_value();
  }

  // One command; its "value", or an exception with the driver's error.
  google::protobuf::Value Call(const std::string& method,
                               const std::string& path,
                               const std::string& body) {
    const HttpReply reply = HttpCall(port_, method, path, {}, body);
    google::protobuf::Struct answer;
    if (reply.status == 0 ||
        !google::protobuf::util::JsonStringToMessage(reply.body, &answer)
             .ok()) {
      throw std::runtime_error("WebDriver " + method + " " + path +
                               ": no answer (" + reply.body + ")");
    }
    const google::protobuf::Value value = answer.fields().at("value");
    if (reply.status != 200) {
      throw std::runtime_error("WebDriver " + method + " " + path + ": " +
                               reply.body.substr(0, 500));
    }
    return value;
  }

  int port_ = 0;
  pid_t pid_ = -1;
  std::string session_;
};

}  // namespace caseline::testing

#endif  // CASELINE_TESTS_WEBDRIVER_H_
