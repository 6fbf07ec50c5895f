#include "tools/table.h"

#include <algorithm>
#include <cassert>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"
#include "tools/format.h"

namespace caseline::cli {
namespace {

// Spaces between columns.
constexpr size_t kColumnGap = 2;

// UTF-8 characters in `text`: every byte that does not continue a sequence.
size_t DisplayWidth(absl::string_view text) {
  return std::count_if(text.begin(), text.end(), [](char byte) {
    return (static_cast<unsigned char>(byte) & 0xC0) != 0x80;
  });
}

void AppendLine(const std::vector<std::string>& cells,
                const std::vector<size_t>& widths, std::string* out) {
  std::string line;
  for (size_t i = 0; i < cells.size(); ++i) {
    line += cells[i];
    const size_t padding = widths[i] - DisplayWidth(cells[i]) + kColumnGap;
    if (i + 1 < cells.size()) line.append(padding, ' ');
  }
  absl::StripTrailingAsciiWhitespace(&line);
  *out += line;
  *out += "\n";
}

}  // namespace

Table::Table(std::vector<std::string> header, size_t cell_bytes_max)
    : header_(std::move(header)), cell_bytes_max_(cell_bytes_max) {}

void Table::AddRow(std::vector<std::string> cells) {
  assert(cells.size() == header_.size());
  rows_.push_back(std::move(cells));
}

std::string Table::Render() const {
  std::vector<std::vector<std::string>> rows;
  rows.reserve(rows_.size());
  for (const std::vector<std::string>& row : rows_) {
    std::vector<std::string>& cut = rows.emplace_back();
    for (const std::string& cell : row) {
      cut.push_back(Truncate(cell, cell_bytes_max_));
    }
  }
  std::vector<size_t> widths(header_.size(), 0);
  for (size_t i = 0; i < header_.size(); ++i) {
    widths[i] = DisplayWidth(header_[i]);
    for (const std::vector<std::string>& row : rows) {
      widths[i] = std::max(widths[i], DisplayWidth(row[i]));
    }
  }
  std::string out;
  AppendLine(header_, widths, &out);
  for (const std::vector<std::string>& row : rows) {
    AppendLine(row, widths, &out);
  }
  return out;
}

namespace {

// A cell a spreadsheet would run as a formula: free text from a case system
// (a provider's name) must not. Numbers, negative ones too, are not.
bool LooksLikeFormula(const std::string& cell) {
  if (cell.empty()) return false;
  const char first = cell[0];
  if (first == '=' || first == '@' || first == '\t' || first == '\r') {
    return true;
  }
  if (first == '+' || first == '-') {
    return cell.size() > 1 && !absl::ascii_isdigit(cell[1]) && cell[1] != '.';
  }
  return false;
}

void AppendCsvLine(const std::vector<std::string>& cells, std::string* out) {
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) *out += ',';
    // A leading quote makes a spreadsheet show the cell as text.
    const std::string cell =
        LooksLikeFormula(cells[i]) ? "'" + cells[i] : cells[i];
    if (cell.find_first_of(",\"\n\r") == std::string::npos) {
      *out += cell;
      continue;
    }
    *out += '"';
    for (char c : cell) {
      if (c == '"') *out += '"';
      *out += c;
    }
    *out += '"';
  }
  *out += '\n';
}

}  // namespace

std::string Table::RenderCsv() const {
  std::string out;
  AppendCsvLine(header_, &out);
  for (const std::vector<std::string>& row : rows_) AppendCsvLine(row, &out);
  return out;
}

}  // namespace caseline::cli
