#pragma once

#include <string>
#include <vector>

#include "cardinal/bridge/number_text.hpp"  // format_number

namespace cardinal {

/// A table of labels and numbers: the CSV a plot draws, or a report's table.
struct PlotTable {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;

  /// Header line and one line per row; fields holding a comma or quote are quoted.
  std::string to_csv() const;
};

/// `text` as one CSV field: quoted (quotes doubled) when it holds a comma, quote or newline.
std::string csv_field(const std::string& text);

/// `value` formatted by the printf conversion `format` (one double, at most 63 characters).
std::string printf_text(const char* format, double value);

}  // namespace cardinal
