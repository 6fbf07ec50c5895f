// Files the HTTP server serves as they are: the dashboard's page, script
// and style, built into the server binary.
#ifndef CASELINE_SERVER_HTTP_STATIC_FILES_H_
#define CASELINE_SERVER_HTTP_STATIC_FILES_H_

#include <string_view>
#include <vector>

namespace caseline {

struct StaticFile {
  std::string_view path;  // "/index.html"
  std::string_view content_type;
  std::string_view body;
};

// server/dashboard/'s files (generated at build time).
const std::vector<StaticFile>& DashboardFiles();

}  // namespace caseline

#endif  // CASELINE_SERVER_HTTP_STATIC_FILES_H_
