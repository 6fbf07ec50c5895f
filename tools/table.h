// A plain-text table: a header row and data rows, each column as wide as
// its widest cell, two spaces apart. Widths count UTF-8 characters, not
// bytes, so that provider names like "Tømrerforretning" line up. Not
// thread-safe; build it, render it, drop it.
#ifndef CASELINE_TOOLS_TABLE_H_
#define CASELINE_TOOLS_TABLE_H_

#include <cstddef>
#include <string>
#include <vector>

namespace caseline::cli {

class Table {
 public:
  // A cell longer than this (in bytes) is cut with "..."; keeps one wide
  // value (a provider's name, a law's title) from pushing every row off the
  // screen.
  static constexpr size_t kCellBytesMax = 60;

  // `cell_bytes_max` for a table whose cells are lists that must stay whole.
  explicit Table(std::vector<std::string> header,
                 size_t cell_bytes_max = kCellBytesMax);

  // `cells` must have as many cells as the header. Render cuts long cells;
  // RenderCsv keeps them whole.
  void AddRow(std::vector<std::string> cells);
  bool empty() const { return rows_.empty(); }

  // The header and rows, each line ending in "\n", trailing blanks cut.
  std::string Render() const;

  // The same as CSV (RFC 4180: commas, CRLF-free "\n" lines, fields with a
  // comma, quote or newline quoted), cells whole, for spreadsheets; a cell
  // that would start a formula (=, @, or + and - not before a number) gets
  // a leading ' so that it is shown as text.
  std::string RenderCsv() const;

 private:
  std::vector<std::string> header_;
  size_t cell_bytes_max_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace caseline::cli

#endif  // CASELINE_TOOLS_TABLE_H_
