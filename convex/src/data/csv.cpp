#include "cardinal/convex/data/csv.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "text_file.hpp"

namespace cardinal {
namespace {

using text_file::at_line;
using text_file::in_quotes;

/// The non-blank lines of a text, with their 1-based line numbers, trailing '\r' removed.
class LineReader {
 public:
  explicit LineReader(std::string_view text) : rest_(text) {}

  /// The next non-blank line, or false at the end of the text.
  bool next(std::string_view& line, Index& number) {
    while (!rest_.empty()) {
      const std::size_t newline = rest_.find('\n');
      line = rest_.substr(0, newline);
      rest_.remove_prefix(newline == std::string_view::npos ? rest_.size() : newline + 1);
      ++number_;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.find_first_not_of(" \t\r\v\f") != std::string_view::npos) {
        number = number_;
        return true;
      }
    }
    return false;
  }

 private:
  std::string_view rest_;
  Index number_ = 0;
};

/// One cell of a row: its text with surrounding blanks (and quotes) removed.
struct Cell {
  std::string_view text;
  bool quoted = false;
};

/// Splits lines into cells. A delimiter of ' ' separates on any run of spaces and tabs; any other
/// delimiter separates on each occurrence, and spaces and tabs around a cell are trimmed. A cell
/// may be enclosed in double quotes (a doubled quote inside stands for one quote); a quoted cell
/// cannot span lines.
class CellSplitter {
 public:
  CellSplitter(const std::string& source, char delimiter)
      : source_(source), delimiter_(delimiter), whitespace_(delimiter == ' ') {}

  void split(std::string_view line, Index number, std::vector<Cell>& cells) const {
    cells.clear();
    std::size_t i = 0;
    const std::size_t n = line.size();
    if (whitespace_) skip_blanks(line, i);
    while (true) {
      if (!whitespace_) skip_blanks(line, i);
      Cell cell;
      if (i < n && line[i] == '"') {
        const std::size_t begin = ++i;
        while (true) {
          const std::size_t quote = line.find('"', i);
          if (quote == std::string_view::npos) {
            throw InvalidInput(at_line(
                source_, number, "unterminated quoted cell " + in_quotes(line.substr(begin - 1))));
          }
          if (quote + 1 < n && line[quote + 1] == '"') {
            i = quote + 2;
            continue;
          }
          cell = {line.substr(begin, quote - begin), true};
          i = quote + 1;
          break;
        }
        skip_blanks(line, i);
        if (i < n && line[i] != delimiter_) {
          throw InvalidInput(at_line(source_, number,
                                     "unexpected text after the quoted cell " +
                                         in_quotes(line.substr(begin - 1, i - begin + 2))));
        }
      } else {
        const std::size_t begin = i;
        while (i < n && line[i] != delimiter_ && !(whitespace_ && line[i] == '\t')) ++i;
        std::size_t end = i;
        while (end > begin && is_trimmed(line[end - 1])) --end;
        cell.text = line.substr(begin, end - begin);
      }
      cells.push_back(cell);
      if (i >= n) return;
      if (whitespace_) {
        skip_blanks(line, i);
        if (i >= n) return;
      } else {
        ++i;  // past the delimiter; a delimiter at the end of the line leaves an empty last cell
      }
    }
  }

 private:
  bool is_trimmed(char c) const { return (c == ' ' || c == '\t' || c == '\r') && c != delimiter_; }
  void skip_blanks(std::string_view line, std::size_t& i) const {
    while (i < line.size() && (whitespace_ ? (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')
                                           : is_trimmed(line[i]))) {
      ++i;
    }
  }

  const std::string& source_;
  char delimiter_;
  bool whitespace_;
};

std::string unquote(const Cell& cell) {
  std::string out(cell.text);
  if (!cell.quoted) return out;
  std::string result;
  for (std::size_t i = 0; i < out.size(); ++i) {
    result += out[i];
    if (out[i] == '"') ++i;  // skip the second quote of a doubled pair
  }
  return result;
}

bool is_number(const Cell& cell) {
  return text_file::parse_number(cell.text).has_value();
}

std::optional<std::int64_t> parse_count(const Cell& cell) {
  std::int64_t value = 0;
  const char* end = cell.text.data() + cell.text.size();
  const auto [ptr, ec] = std::from_chars(cell.text.data(), end, value);
  if (cell.text.empty() || ec != std::errc() || ptr != end || value < 0) return std::nullopt;
  return value;
}

/// How the first line of the file is read.
struct Layout {
  Index columns = 0;
  std::vector<std::string> names;  ///< empty without a header
  bool first_line_is_data = false;
  std::optional<std::int64_t> declared_samples;  ///< from a scikit-learn metadata line
};

/// Decides between a header, a scikit-learn metadata line and data for the first line.
Layout read_layout(const std::vector<Cell>& first, LineReader lines, const CellSplitter& splitter,
                   const CsvOptions& options) {
  Layout layout;
  layout.columns = static_cast<Index>(first.size());
  bool header = false;
  if (options.header.has_value()) {
    header = *options.header;
  } else {
    for (const Cell& cell : first) header = header || !is_number(cell);
  }
  if (!header) {
    layout.first_line_is_data = true;
    return layout;
  }
  if (!options.header.has_value() && first.size() >= 2) {
    // scikit-learn's bundled CSVs (breast_cancer.csv, iris.csv, wine_data.csv) open with
    // "n_samples,n_features,class names..." followed by rows of n_features + 1 numbers.
    const auto samples = parse_count(first[0]);
    const auto features = parse_count(first[1]);
    std::string_view second_line;
    Index second_number = 0;
    if (samples && features && lines.next(second_line, second_number)) {
      std::vector<Cell> second;
      splitter.split(second_line, second_number, second);
      const auto expected = static_cast<std::size_t>(*features) + 1;
      if (second.size() == expected) {
        layout.columns = static_cast<Index>(expected);
        layout.declared_samples = *samples;
        return layout;
      }
    }
  }
  for (const Cell& cell : first) layout.names.push_back(unquote(cell));
  return layout;
}

Index resolve_label_column(const Layout& layout, const CsvOptions& options,
                           const std::string& source) {
  if (!options.label_column.empty()) {
    require(!layout.names.empty(), source + ": label column " + in_quotes(options.label_column) +
                                       " requested but the file has no header row");
    Index found = -1;
    for (Index j = 0; j < static_cast<Index>(layout.names.size()); ++j) {
      if (layout.names[j] != options.label_column) continue;
      require(found < 0, source + ": label column name " + in_quotes(options.label_column) +
                             " is ambiguous (columns " + std::to_string(found + 1) + " and " +
                             std::to_string(j + 1) + ")");
      found = j;
    }
    require(found >= 0,
            source + ": no column named " + in_quotes(options.label_column) + " in the header");
    return found;
  }
  if (options.label_index == -1) return layout.columns - 1;
  require(options.label_index < layout.columns,
          source + ": label_index " + std::to_string(options.label_index) +
              " is out of range for " + std::to_string(layout.columns) + " columns");
  return options.label_index;
}

}  // namespace

Dataset read_csv(const std::filesystem::path& path, const CsvOptions& options) {
  const std::string source = path.string();
  require(options.label_column.empty() || options.label_index == -1,
          "CsvOptions: set label_column or label_index, not both");
  require(options.label_index >= -1,
          "CsvOptions::label_index must be -1 (last column) or a column index (got " +
              std::to_string(options.label_index) + ")");
  require(options.delimiter != '"' && options.delimiter != '\n' && options.delimiter != '\r',
          "CsvOptions::delimiter cannot be a quote or a line break");

  const std::string text = text_file::read_whole_file(path);
  LineReader lines(text);
  const CellSplitter splitter(source, options.delimiter);
  std::string_view line;
  Index number = 0;
  require(lines.next(line, number), source + ": empty file (no data lines)");
  std::vector<Cell> cells;
  splitter.split(line, number, cells);
  const Layout layout = read_layout(cells, lines, splitter, options);
  require(layout.columns >= 2, source +
                                   ": need at least two columns (features and a label), found " +
                                   std::to_string(layout.columns));
  const Index label = resolve_label_column(layout, options, source);
  const Index features = layout.columns - 1;

  auto column_name = [&](Index j) {
    std::string out = "column " + std::to_string(j + 1);
    if (!layout.names.empty()) out += " (" + in_quotes(layout.names[j]) + ")";
    return out;
  };
  std::vector<double> values;  // row-major, features only
  std::vector<double> labels;
  bool have_row = layout.first_line_is_data;
  if (!have_row && lines.next(line, number)) {
    splitter.split(line, number, cells);
    have_row = true;
  }
  while (have_row) {
    if (static_cast<Index>(cells.size()) != layout.columns) {
      throw InvalidInput(at_line(source, number,
                                 "expected " + std::to_string(layout.columns) + " columns, found " +
                                     std::to_string(cells.size())));
    }
    for (Index j = 0; j < layout.columns; ++j) {
      const Cell& cell = cells[j];
      const std::optional<double> value = text_file::parse_number(cell.text);
      if (!value) {
        throw InvalidInput(
            at_line(source, number,
                    column_name(j) + ": " +
                        (cell.text.empty() ? std::string("empty cell")
                                           : "non-numeric value " + in_quotes(cell.text))));
      }
      if (!std::isfinite(*value)) {
        throw InvalidInput(
            at_line(source, number, column_name(j) + ": non-finite value " + in_quotes(cell.text)));
      }
      (j == label ? labels : values).push_back(*value);
    }
    have_row = lines.next(line, number);
    if (have_row) splitter.split(line, number, cells);
  }
  require(!labels.empty(), source + ": no data rows after the header");
  const auto samples = static_cast<Index>(labels.size());
  if (layout.declared_samples) {
    require(*layout.declared_samples == samples,
            source + ":1: the metadata line declares " + std::to_string(*layout.declared_samples) +
                " samples but the file has " + std::to_string(samples));
  }

  Design::Dense dense =
      Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
          values.data(), samples, features);
  Eigen::VectorXd response = Eigen::Map<const Eigen::VectorXd>(labels.data(), samples);
  if (options.sparse) {
    return Dataset{Design(Design::Sparse(dense.sparseView())), std::move(response), source};
  }
  return Dataset{Design(std::move(dense)), std::move(response), source};
}

}  // namespace cardinal
