#include "cardinal/convex/data/libsvm.hpp"

#include <gtest/gtest.h>

#include <Eigen/SparseCore>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/memory_limit.hpp"
#include "cardinal/convex/data/synthetic.hpp"

namespace cardinal {
namespace {

namespace fs = std::filesystem;

/// Each test gets a fresh directory for its input files, removed afterwards.
class LibsvmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("cardinal_libsvm_" + std::string(info->name()) + "_" +
                                        std::to_string(std::random_device{}()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path file(const std::string& name, const std::string& content) const {
    const fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  fs::path dir_;
};

/// The message of the InvalidInput that `read` throws; fails the test if it throws nothing.
template <class F>
std::string error_of(F read) {
  try {
    read();
  } catch (const InvalidInput& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected InvalidInput";
  return "";
}

Eigen::MatrixXd dense_of(const Design& design) {
  std::vector<Index> all(static_cast<std::size_t>(design.cols()));
  for (Index j = 0; j < design.cols(); ++j) all[j] = j;
  return design.dense_columns(all);
}

const Design::Sparse& sparse_of(const Dataset& data) {
  EXPECT_TRUE(data.design.is_sparse());
  return std::get<Design::Sparse>(data.design.storage());
}

std::uint64_t bits(double v) {
  return std::bit_cast<std::uint64_t>(v);
}

/// Same shape, same stored pattern (explicit zeros included), bit-identical values.
void expect_identical(const Design::Sparse& a, const Design::Sparse& b) {
  ASSERT_EQ(a.rows(), b.rows());
  ASSERT_EQ(a.cols(), b.cols());
  ASSERT_EQ(a.nonZeros(), b.nonZeros());
  ASSERT_TRUE(a.isCompressed());
  ASSERT_TRUE(b.isCompressed());
  for (Index j = 0; j <= a.cols(); ++j) ASSERT_EQ(a.outerIndexPtr()[j], b.outerIndexPtr()[j]);
  for (Index k = 0; k < a.nonZeros(); ++k) {
    ASSERT_EQ(a.innerIndexPtr()[k], b.innerIndexPtr()[k]) << "entry " << k;
    ASSERT_EQ(bits(a.valuePtr()[k]), bits(b.valuePtr()[k]))
        << "entry " << k << ": " << a.valuePtr()[k] << " vs " << b.valuePtr()[k];
  }
}

void expect_identical(const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
  ASSERT_EQ(a.size(), b.size());
  for (Index i = 0; i < a.size(); ++i) ASSERT_EQ(bits(a[i]), bits(b[i])) << "entry " << i;
}

/// A value that stresses shortest round-trip printing: many digits, exponents across the whole
/// double range, subnormals, signed zero.
double awkward_value(std::mt19937_64& engine) {
  std::uniform_real_distribution<double> mantissa(-1.0, 1.0);
  std::uniform_int_distribution<int> kind(0, 9);
  switch (kind(engine)) {
    case 0:
      return std::ldexp(mantissa(engine), std::uniform_int_distribution<int>(-1074, 1023)(engine));
    case 1:
      return std::numeric_limits<double>::denorm_min() *
             std::uniform_int_distribution<int>(1, 1000)(engine);
    case 2:
      return -0.0;
    case 3:
      return std::numeric_limits<double>::max();
    case 4:
      return static_cast<double>(std::uniform_int_distribution<int>(-5, 5)(engine));
    default:
      return mantissa(engine) * std::pow(10.0, std::uniform_int_distribution<int>(-8, 8)(engine));
  }
}

/// A random sparse design with empty rows, empty (including trailing) columns and a few explicit
/// stored zeros.
Design::Sparse random_sparse(Index rows, Index cols, double density, std::uint64_t seed) {
  std::mt19937_64 engine(seed);
  std::bernoulli_distribution keep(density);
  std::vector<Eigen::Triplet<double, Index>> entries;
  for (Index i = 0; i < rows; ++i) {
    if (i % 7 == 3) continue;               // empty row
    for (Index j = 0; j + 2 < cols; ++j) {  // the last two columns stay empty
      if (j % 5 == 1 || !keep(engine)) continue;
      entries.emplace_back(i, j, i % 11 == 0 && j % 3 == 0 ? 0.0 : awkward_value(engine));
    }
  }
  Design::Sparse x(rows, cols);
  x.setFromTriplets(entries.begin(), entries.end());
  x.makeCompressed();
  return x;
}

Eigen::VectorXd random_labels(Index n, std::uint64_t seed) {
  std::mt19937_64 engine(seed);
  Eigen::VectorXd y(n);
  for (Index i = 0; i < n; ++i) y[i] = awkward_value(engine);
  return y;
}

TEST_F(LibsvmTest, WriteThenReadIsBitIdentical) {
  const Design::Sparse x = random_sparse(60, 25, 0.3, 11);
  const Eigen::VectorXd y = random_labels(60, 12);
  const fs::path path = dir_ / "round_trip.svm";
  write_libsvm(path, Dataset{Design(x), y, "synthetic"});

  const Dataset read = read_libsvm(path, {.features = 25});
  expect_identical(sparse_of(read), x);
  expect_identical(read.response, y);
  EXPECT_EQ(read.source, path.string());

  // Without the dimension, the empty trailing columns cannot be known: the rest is unchanged.
  const Dataset inferred = read_libsvm(path);
  EXPECT_EQ(inferred.design.cols(), 23);
  const Design::Sparse leading = x.leftCols(23);
  expect_identical(sparse_of(inferred), leading);
}

TEST_F(LibsvmTest, DenseDesignIsWrittenAsItsNonzeros) {
  SyntheticInstance inst = make_synthetic({.samples = 30, .features = 8, .sparsity = 3});
  Eigen::MatrixXd x = dense_of(inst.design);
  for (Index i = 0; i < x.rows(); ++i) x(i, (i * 3) % 8) = 0.0;
  const fs::path path = dir_ / "dense.svm";
  write_libsvm(path, Dataset{Design(x), inst.response, "dense"});

  const Dataset read = read_libsvm(path, {.features = 8});
  EXPECT_EQ(sparse_of(read).nonZeros(), (x.array() != 0.0).count());
  const Eigen::MatrixXd back = dense_of(read.design);
  for (Index i = 0; i < x.rows(); ++i) {
    for (Index j = 0; j < x.cols(); ++j) ASSERT_EQ(bits(back(i, j)), bits(x(i, j)));
  }
  expect_identical(read.response, inst.response);
}

TEST_F(LibsvmTest, WriteReplacesTheFileAndLeavesNoTemporary) {
  const fs::path path = dir_ / "data.svm";
  const Design::Sparse first = random_sparse(10, 6, 0.5, 1);
  const Design::Sparse second = random_sparse(14, 6, 0.5, 2);
  write_libsvm(path, Dataset{Design(first), random_labels(10, 3), "first"});
  write_libsvm(path, Dataset{Design(second), random_labels(14, 4), "second"});
  expect_identical(sparse_of(read_libsvm(path, {.features = 6})), second);

  std::vector<fs::path> listing;
  for (const auto& entry : fs::directory_iterator(dir_)) listing.push_back(entry.path());
  EXPECT_EQ(listing, std::vector<fs::path>{path});
}

TEST_F(LibsvmTest, WriteRejectsBadInputWithoutTouchingTheTarget) {
  const Design::Sparse x = random_sparse(5, 4, 0.6, 9);
  const fs::path path = dir_ / "out.svm";
  EXPECT_THROW(write_libsvm(path, Dataset{Design(x), Eigen::VectorXd::Ones(4), "short"}),
               InvalidInput);
  Eigen::VectorXd nan_labels = Eigen::VectorXd::Ones(5);
  nan_labels[2] = std::numeric_limits<double>::quiet_NaN();
  const std::string message = error_of([&] {
    write_libsvm(path, Dataset{Design(x), nan_labels, "nan"});
  });
  EXPECT_NE(message.find("row 2"), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(path));
  EXPECT_TRUE(fs::is_empty(dir_));  // no temporary left behind either

  EXPECT_THROW(write_libsvm(dir_ / "missing_dir" / "out.svm",
                            Dataset{Design(x), Eigen::VectorXd::Ones(5), "x"}),
               InvalidInput);
}

TEST_F(LibsvmTest, ParsesCommentsBlankLinesQidAndLineEndings) {
  const fs::path path = file("variants.svm",
                             "# a header comment\n"
                             "\n"
                             "+1 qid:3 1:0.5 4:-2 # trailing comment\r\n"
                             "-1\t2:1e-3\t\t3:+7   \n"
                             "   \t \n"
                             "0.25 qid:12\n"  // a sample with no features
                             "-3.5e2 1:1 2:2 3:3 4:4#comment without a space\n"
                             "2 4:-0.0");  // no newline at the end
  const Dataset data = read_libsvm(path);
  Eigen::MatrixXd expected(5, 4);
  expected << 0.5, 0, 0, -2,  //
      0, 1e-3, 7, 0,          //
      0, 0, 0, 0,             //
      1, 2, 3, 4,             //
      0, 0, 0, -0.0;
  EXPECT_EQ(dense_of(data.design), expected);
  EXPECT_EQ(sparse_of(data).nonZeros(), 9);  // the explicit -0.0 is stored
  EXPECT_EQ(data.response, (Eigen::VectorXd(5) << 1, -1, 0.25, -350, 2).finished());
}

TEST_F(LibsvmTest, ZeroBasedIndices) {
  const fs::path path = file("zero.svm", "1 0:2 3:4\n0 1:5\n");
  const Dataset data = read_libsvm(path, {.zero_based = true});
  Eigen::MatrixXd expected(2, 4);
  expected << 2, 0, 0, 4,  //
      0, 5, 0, 0;
  EXPECT_EQ(dense_of(data.design), expected);

  // The same file read as 1-based is rejected at its first index 0.
  const std::string message = error_of([&] { read_libsvm(path); });
  EXPECT_NE(message.find(path.string() + ":1:"), std::string::npos) << message;
  EXPECT_NE(message.find("'0:2'"), std::string::npos) << message;
}

TEST_F(LibsvmTest, DimensionIsInferredOrGiven) {
  const fs::path path = file("dims.svm", "1 2:1\n-1 7:1\n1 5:1\n");
  EXPECT_EQ(read_libsvm(path).design.cols(), 7);
  EXPECT_EQ(read_libsvm(path, {.zero_based = true}).design.cols(), 8);
  const Dataset wide = read_libsvm(path, {.features = 12});
  EXPECT_EQ(wide.design.cols(), 12);
  EXPECT_EQ(wide.design.rows(), 3);
  EXPECT_EQ(dense_of(wide.design)(1, 6), 1.0);
  EXPECT_EQ(read_libsvm(path, {.features = 7}).design.cols(), 7);

  const std::string message = error_of([&] { read_libsvm(path, {.features = 6}); });
  EXPECT_NE(message.find(path.string() + ":2:"), std::string::npos) << message;
  EXPECT_NE(message.find("'7:1'"), std::string::npos) << message;
  EXPECT_THROW(read_libsvm(path, {.features = -1}), InvalidInput);
}

struct MalformedCase {
  std::string content;
  Index line;
  std::string token;
  bool zero_based = false;
};

TEST_F(LibsvmTest, MalformedInputNamesFileLineAndToken) {
  const std::string good = "# comment\n1 1:1 3:2\n\n";  // three lines before the bad one
  const std::vector<MalformedCase> cases = {
      {good + "abc 1:2\n", 4, "abc"},
      {good + "1:2 3:4\n", 4, "1:2"},  // missing label
      {good + "nan 1:1\n", 4, "nan"},
      {good + "-inf 1:1\n", 4, "-inf"},
      {good + "1 1:inf\n", 4, "1:inf"},
      {good + "1 1:NaN\n", 4, "1:NaN"},
      {good + "1 x\n", 4, "x"},
      {good + "1 x:1\n", 4, "x:1"},
      {good + "1 1:abc\n", 4, "1:abc"},
      {good + "1 1:\n", 4, "1:"},
      {good + "1 :1\n", 4, ":1"},
      {good + "1 1.5:1\n", 4, "1.5:1"},
      {good + "1 2:1:3\n", 4, "2:1:3"},
      {good + "1 2:1e999\n", 4, "2:1e999"},
      {good + "1 0:1\n", 4, "0:1"},
      {good + "1 -3:1\n", 4, "-3:1"},
      {good + "1 -3:1\n", 4, "-3:1", true},
      {good + "1 3:1 2:1\n", 4, "2:1"},
      {good + "1 2:1 2:1\n", 4, "2:1"},
      {good + "1 99999999999999999999:1\n", 4, "99999999999999999999:1"},
      {good + "1 4294967296:1\n", 4, "4294967296:1"},
      {good + "1 qid:x 1:1\n", 4, "qid:x"},
      {good + "1 1:1 qid:3\n", 4, "qid:3"},  // qid belongs right after the label
      {good + "1 1:1\r\n2 2:2 x\r\n", 5, "x"},
  };
  const std::vector<std::pair<std::string, std::string>> reasons = {
      {"1 0:1\n", "1-based"},
      {"1 -3:1\n", "negative"},
      {"1 3:1 3:2\n", "not strictly increasing"},
      {"1 99999999999999999999:1\n", "out of range"},
      {"1 -99999999999999999999:1\n", "out of range"},
      {"1 1:inf\n", "non-finite"},
      {"1 1:1x\n", "malformed"},
  };
  for (const auto& [content, reason] : reasons) {
    const std::string message = error_of([&] { read_libsvm(file("bad.svm", content)); });
    EXPECT_NE(message.find(reason), std::string::npos) << "'" << message << "' lacks " << reason;
  }
  for (const MalformedCase& c : cases) {
    const fs::path path = file("bad.svm", c.content);
    const std::string message = error_of([&] { read_libsvm(path, {.zero_based = c.zero_based}); });
    const std::string where = path.string() + ":" + std::to_string(c.line) + ":";
    EXPECT_NE(message.find(where), std::string::npos) << "'" << message << "' lacks " << where;
    EXPECT_NE(message.find("'" + c.token + "'"), std::string::npos)
        << "'" << message << "' lacks the token " << c.token;
  }
}

TEST_F(LibsvmTest, IndicesFrom2To31Minus1AreOutOfRangeAsDocumented) {
  for (const std::string index : {"2147483647", "2147483648"}) {
    const std::string message =
        error_of([&] { read_libsvm(file("wide.svm", "1 " + index + ":1\n")); });
    EXPECT_NE(message.find("out of range in '" + index + ":1'"), std::string::npos) << message;
  }
  const std::string zero_based =
      error_of([&] { read_libsvm(file("wide.svm", "1 2147483647:1\n"), {.zero_based = true}); });
  EXPECT_NE(zero_based.find("out of range"), std::string::npos) << zero_based;
}

TEST_F(LibsvmTest, ADesignBeyondTheMemoryLimitIsRefusedBeforeItIsAllocated) {
  const std::uint64_t saved = max_memory();
  set_max_memory(1 << 20);
  const fs::path path = file("wide.svm", "1 1:1\n-1 2147483646:2\n");
  const std::string message = error_of([&] { read_libsvm(path); });
  set_max_memory(saved);
  EXPECT_NE(
      message.find(path.string() + ": a sparse design of 2 x 2147483646 with 2 stored entries "
                                   "needs 16.0 GiB of memory, above the limit of 1.0 MiB "
                                   "(--max-memory)"),
      std::string::npos)
      << message;
}

TEST_F(LibsvmTest, DecimalsBelowTheDoubleRangeReadAsZero) {
  const Dataset data = read_libsvm(file("tiny.svm", "1e-400 1:1e-400 2:-1e-999 3:4.9e-324\n"));
  EXPECT_EQ(data.response[0], 0.0);
  const auto& x = std::get<Design::Sparse>(data.design.storage());
  EXPECT_EQ(x.coeff(0, 0), 0.0);
  EXPECT_TRUE(std::signbit(x.coeff(0, 1)));
  EXPECT_EQ(x.coeff(0, 2), 4.9e-324);
  EXPECT_EQ(x.nonZeros(), 3);  // stored explicitly, as written
}

TEST_F(LibsvmTest, FileLevelErrorsNameTheFile) {
  const fs::path missing = dir_ / "missing.svm";
  EXPECT_NE(error_of([&] { read_libsvm(missing); }).find(missing.string()), std::string::npos);
  for (const std::string& content :
       {std::string(""), std::string("\n\n  \n"), std::string("# only\n# comments\n")}) {
    const fs::path path = file("empty.svm", content);
    const std::string message = error_of([&] { read_libsvm(path); });
    EXPECT_NE(message.find(path.string()), std::string::npos) << message;
    EXPECT_NE(message.find("no data"), std::string::npos) << message;
  }
  const fs::path gzip = file("data.svm.gz", std::string("\x1f\x8b\x08\x00", 4));
  EXPECT_NE(error_of([&] { read_libsvm(gzip); }).find("gzip"), std::string::npos);
  EXPECT_THROW(read_libsvm(dir_), InvalidInput);
}

/// The same data written with every formatting freedom the format allows must read back to
/// exactly the values that were printed.
TEST_F(LibsvmTest, RandomlyFormattedFilesReadBackExactly) {
  std::mt19937_64 engine(2024);
  const Index rows = 200, cols = 40;
  const Design::Sparse x = random_sparse(rows, cols, 0.15, 5);
  const Eigen::VectorXd y = random_labels(rows, 6);
  const Eigen::SparseMatrix<double, Eigen::RowMajor, Index> by_row = x;
  auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(engine); };
  auto blanks = [&] {
    static const char* const kChoices[] = {" ", "\t", "  ", " \t ", "\t\t"};
    return std::string(kChoices[pick(5)]);
  };
  auto number = [&](double v) {
    char buffer[64];
    const auto format = pick(2) == 0 ? std::chars_format::general : std::chars_format::scientific;
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v, format, 17);
    std::string text(buffer, end);
    if (!std::signbit(v) && pick(3) == 0) text.insert(0, "+");
    return text;
  };

  std::string text;
  for (Index i = 0; i < rows; ++i) {
    if (pick(4) == 0) text += "# comment " + std::to_string(i) + "\n";
    if (pick(5) == 0) text += blanks() + "\n";
    if (pick(2) == 0) text += blanks();
    text += number(y[i]);
    if (pick(3) == 0) text += blanks() + "qid:" + std::to_string(pick(100));
    for (decltype(by_row)::InnerIterator it(by_row, i); it; ++it) {
      text += blanks() + std::to_string(it.col() + 1) + ":" + number(it.value());
    }
    if (pick(3) == 0) text += blanks();
    if (pick(4) == 0) text += "# trailing 1:2";
    text += pick(2) == 0 ? "\r\n" : "\n";
  }
  const Dataset data = read_libsvm(file("random.svm", text), {.features = cols});
  expect_identical(sparse_of(data), x);
  expect_identical(data.response, y);
}

TEST(LibsvmFixture, ReadsCommittedFile) {
  const Dataset data = read_libsvm(fs::path(CARDINAL_TEST_DATA_DIR) / "convex" / "small.svm");
  Eigen::MatrixXd expected(4, 5);
  expected << 1.5, 0, 0, 0, -2,  //
      0, 0.25, 0, 0, 0,          //
      0, 0, 0, 0, 0,             //
      3, 0, 1e-3, 4, 0;
  EXPECT_EQ(dense_of(data.design), expected);
  EXPECT_EQ(data.response, (Eigen::VectorXd(4) << 1, -1, -1, 1).finished());
}

}  // namespace
}  // namespace cardinal
