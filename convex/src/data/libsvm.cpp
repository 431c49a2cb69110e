#include "cardinal/convex/data/libsvm.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <numeric>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

#include "cardinal/convex/data/atomic_file.hpp"
#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/memory_limit.hpp"
#include "text_file.hpp"

namespace cardinal {
namespace {

using text_file::at_line;
using text_file::in_quotes;

/// The smallest index refused (2^31 - 1): a larger index is far more likely a corrupt file than a
/// real feature, and would make the CSC column array exhaust memory.
constexpr std::int64_t kIndexLimit = std::numeric_limits<std::int32_t>::max();

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/// The samples as parsed: labels and compressed sparse rows.
struct ParsedRows {
  std::vector<double> labels;
  std::vector<Index> row_start{0};
  std::vector<Index> columns;
  std::vector<double> values;
  Index max_column = -1;
};

ParsedRows parse_libsvm(std::string_view text, const std::string& source,
                        const LibsvmOptions& options) {
  ParsedRows rows;
  // Upper bounds on the sizes, so that the arrays never reallocate: growing them by doubling
  // costs more than this extra pass over the text.
  const auto colons = static_cast<std::size_t>(std::count(text.begin(), text.end(), ':'));
  const auto newlines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
  rows.columns.reserve(colons);
  rows.values.reserve(colons);
  rows.labels.reserve(newlines + 1);
  rows.row_start.reserve(newlines + 2);
  const std::int64_t first_index = options.zero_based ? 0 : 1;
  const char* cursor = text.data();
  const char* const text_end = cursor + text.size();
  Index line = 0;
  auto fail = [&](const std::string& message) {
    throw InvalidInput(at_line(source, line, message));
  };

  while (cursor < text_end) {
    ++line;
    const char* line_end = static_cast<const char*>(
        std::memchr(cursor, '\n', static_cast<std::size_t>(text_end - cursor)));
    if (line_end == nullptr) line_end = text_end;
    const char* data_end = static_cast<const char*>(
        std::memchr(cursor, '#', static_cast<std::size_t>(line_end - cursor)));
    if (data_end == nullptr) data_end = line_end;
    const char* p = cursor;
    cursor = line_end < text_end ? line_end + 1 : text_end;

    auto next_token = [&]() -> std::string_view {
      while (p < data_end && is_blank(*p)) ++p;
      const char* begin = p;
      while (p < data_end && !is_blank(*p)) ++p;
      return {begin, static_cast<std::size_t>(p - begin)};
    };

    std::string_view token = next_token();
    if (token.empty()) continue;  // blank or comment-only line
    const std::optional<double> label = text_file::parse_number(token);
    if (!label) fail("malformed label " + in_quotes(token) + " (expected a number)");
    if (!std::isfinite(*label)) fail("non-finite label " + in_quotes(token));

    Index previous_column = -1;
    bool right_after_label = true;
    for (token = next_token(); !token.empty(); token = next_token(), right_after_label = false) {
      if (right_after_label && token.starts_with("qid:")) {
        std::int64_t qid = 0;
        const char* qid_end = token.data() + token.size();
        const auto [ptr, ec] = std::from_chars(token.data() + 4, qid_end, qid);
        if (ec != std::errc() || ptr != qid_end) {
          fail("malformed query id " + in_quotes(token) + " (expected qid:integer)");
        }
        continue;
      }
      const std::size_t colon = token.find(':');
      if (colon == std::string_view::npos || colon == 0) {
        fail("malformed feature " + in_quotes(token) + " (expected index:value)");
      }
      std::int64_t index = 0;
      const char* index_end = token.data() + colon;
      const auto [ptr, ec] = std::from_chars(token.data(), index_end, index);
      if (ptr != index_end || (ec != std::errc() && ec != std::errc::result_out_of_range)) {
        fail("malformed feature " + in_quotes(token) + " (expected index:value)");
      }
      const std::optional<double> value = text_file::parse_number(token.substr(colon + 1));
      if (!value) fail("malformed feature " + in_quotes(token) + " (expected index:value)");
      if (ec == std::errc::result_out_of_range || index >= kIndexLimit) {
        fail("feature index out of range in " + in_quotes(token));
      }
      if (index < 0) fail("negative feature index in " + in_quotes(token));
      if (index < first_index) {
        fail("feature index 0 in " + in_quotes(token) +
             " (indices are 1-based; set zero_based for 0-based files)");
      }
      const Index column = static_cast<Index>(index - first_index);
      if (column <= previous_column) {
        fail("feature indices not strictly increasing at " + in_quotes(token) + " (after index " +
             std::to_string(previous_column + first_index) + ")");
      }
      if (options.features > 0 && column >= options.features) {
        fail("feature index " + std::to_string(index) + " in " + in_quotes(token) +
             " exceeds the number of features " + std::to_string(options.features));
      }
      if (!std::isfinite(*value)) fail("non-finite value in " + in_quotes(token));
      previous_column = column;
      rows.columns.push_back(column);
      rows.values.push_back(*value);
    }
    if (previous_column > rows.max_column) rows.max_column = previous_column;
    rows.labels.push_back(*label);
    rows.row_start.push_back(static_cast<Index>(rows.columns.size()));
  }
  return rows;
}

/// Transposes the parsed rows into a compressed column matrix by counting sort; since rows are
/// visited in order, row indices within each column come out sorted.
Design::Sparse to_compressed_columns(const ParsedRows& rows, Index cols) {
  const Index n = static_cast<Index>(rows.labels.size());
  Design::Sparse x(n, cols);  // compressed, column starts zeroed
  x.resizeNonZeros(static_cast<Index>(rows.columns.size()));
  Index* column_start = x.outerIndexPtr();
  for (const Index c : rows.columns) ++column_start[c + 1];
  std::partial_sum(column_start, column_start + cols + 1, column_start);
  std::vector<Index> next(column_start, column_start + cols);
  Index* row_index = x.innerIndexPtr();
  double* value = x.valuePtr();
  for (Index r = 0; r < n; ++r) {
    for (Index k = rows.row_start[r]; k < rows.row_start[r + 1]; ++k) {
      const Index slot = next[rows.columns[k]]++;
      row_index[slot] = r;
      value[slot] = rows.values[k];
    }
  }
  return x;
}

}  // namespace

Dataset read_libsvm(const std::filesystem::path& path, const LibsvmOptions& options) {
  const std::string source = path.string();
  require(options.features >= 0, "LibsvmOptions::features must be non-negative (got " +
                                     std::to_string(options.features) + ")");
  ParsedRows rows;
  {
    const std::string text = text_file::read_whole_file(path);
    rows = parse_libsvm(text, source, options);
  }  // the text is released before the matrix is built
  require(!rows.labels.empty(), source + ": no data lines");
  const Index cols = options.features > 0 ? options.features : rows.max_column + 1;
  const auto n = static_cast<double>(rows.labels.size());
  const auto stored = static_cast<double>(rows.columns.size());
  require_memory((static_cast<double>(cols) + 1.0) * sizeof(Index) +
                     stored * (sizeof(Index) + sizeof(double)) + n * sizeof(double),
                 source + ": a sparse design of " + std::to_string(rows.labels.size()) + " x " +
                     std::to_string(cols) + " with " + std::to_string(rows.columns.size()) +
                     " stored entries");
  Eigen::VectorXd response =
      Eigen::Map<const Eigen::VectorXd>(rows.labels.data(), static_cast<Index>(rows.labels.size()));
  Design design(to_compressed_columns(rows, cols));
  return Dataset{std::move(design), std::move(response), source};
}

void write_libsvm(const std::filesystem::path& path, const Dataset& data) {
  const std::string target = path.string();
  const Design& design = data.design;
  require(data.response.size() == design.rows(),
          target + ": response has " + std::to_string(data.response.size()) +
              " entries for a design with " + std::to_string(design.rows()) + " rows");
  using RowMajorSparse = Eigen::SparseMatrix<double, Eigen::RowMajor, Index>;
  RowMajorSparse x;
  if (design.is_sparse()) {
    x = std::get<Design::Sparse>(design.storage());
  } else if (const auto* dense_float = std::get_if<Design::DenseFloat>(&design.storage())) {
    x = dense_float->cast<double>().sparseView();  // float entries widened exactly
  } else {
    x = std::get<Design::Dense>(design.storage()).sparseView();  // drops exact zeros only
  }
  x.makeCompressed();

  AtomicFile file(path);
  std::string buffer;
  constexpr std::size_t kFlushAt = std::size_t{1} << 20;
  buffer.reserve(kFlushAt + 4096);
  char number[64];
  auto append_number = [&](auto v) {
    const auto [end, ec] = std::to_chars(number, number + sizeof number, v);
    buffer.append(number, end);
  };
  for (Index r = 0; r < x.rows(); ++r) {
    const double label = data.response[r];
    require(std::isfinite(label), target + ": non-finite label in row " + std::to_string(r));
    append_number(label);
    for (RowMajorSparse::InnerIterator it(x, r); it; ++it) {  // Design holds finite values
      buffer += ' ';
      append_number(it.col() + 1);
      buffer += ':';
      append_number(it.value());
    }
    buffer += '\n';
    if (buffer.size() >= kFlushAt) {
      file.write(buffer);
      buffer.clear();
    }
  }
  file.write(buffer);
  file.commit();
}

}  // namespace cardinal
