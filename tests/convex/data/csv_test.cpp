#include "cardinal/convex/data/csv.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <charconv>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "cardinal/bridge/error.hpp"

namespace cardinal {
namespace {

namespace fs = std::filesystem;

/// Each test gets a fresh directory for its input files, removed afterwards.
class CsvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("cardinal_csv_" + std::string(info->name()) + "_" +
                                        std::to_string(std::random_device{}()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path file(const std::string& name, const std::string& content) const {
    const fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  /// The message of the InvalidInput that reading `content` with `options` throws.
  std::string error_reading(const std::string& content, const CsvOptions& options = {}) const {
    const fs::path path = file("bad.csv", content);
    try {
      read_csv(path, options);
    } catch (const InvalidInput& e) {
      return e.what();
    }
    ADD_FAILURE() << "expected InvalidInput reading\n" << content;
    return "";
  }

  fs::path dir_;
};

Eigen::MatrixXd dense_of(const Dataset& data) {
  EXPECT_FALSE(data.design.is_sparse());
  std::vector<Index> all(static_cast<std::size_t>(data.design.cols()));
  for (Index j = 0; j < data.design.cols(); ++j) all[j] = j;
  return data.design.dense_columns(all);
}

Eigen::MatrixXd matrix(Index rows, Index cols, std::initializer_list<double> values) {
  Eigen::MatrixXd m(rows, cols);
  auto it = values.begin();
  for (Index i = 0; i < rows; ++i) {
    for (Index j = 0; j < cols; ++j) m(i, j) = *it++;
  }
  return m;
}

Eigen::VectorXd vector(std::initializer_list<double> values) {
  Eigen::VectorXd v(static_cast<Index>(values.size()));
  Index i = 0;
  for (double x : values) v[i++] = x;
  return v;
}

#define EXPECT_CONTAINS(text, part)                          \
  EXPECT_NE(std::string(text).find(part), std::string::npos) \
      << "'" << (text) << "' lacks " << (part)

TEST_F(CsvTest, HeaderIsDetectedAndLabelIsTheLastColumn) {
  const fs::path path = file("header.csv", "a,b,y\n1,2,3\n4,5,6\n");
  const Dataset data = read_csv(path);
  EXPECT_EQ(dense_of(data), matrix(2, 2, {1, 2, 4, 5}));
  EXPECT_EQ(data.response, vector({3, 6}));
  EXPECT_EQ(data.source, path.string());
}

TEST_F(CsvTest, NumericFirstRowIsData) {
  const Dataset data = read_csv(file("plain.csv", "1,2,3\n4,5,6\n"));
  EXPECT_EQ(dense_of(data), matrix(2, 2, {1, 2, 4, 5}));
  EXPECT_EQ(data.response, vector({3, 6}));
}

TEST_F(CsvTest, ExplicitHeaderSettingOverridesDetection) {
  // A header of numbers is only known to be one when said so.
  const fs::path numeric_names = file("numeric_names.csv", "10,20,30\n1,2,3\n4,5,6\n");
  const Dataset named = read_csv(numeric_names, {.label_column = "20", .header = true});
  EXPECT_EQ(dense_of(named), matrix(2, 2, {1, 3, 4, 6}));
  EXPECT_EQ(named.response, vector({2, 5}));
  EXPECT_EQ(read_csv(numeric_names, {.header = false}).design.rows(), 3);

  const std::string message = error_reading("a,b,y\n1,2,3\n", {.header = false});
  EXPECT_CONTAINS(message, "bad.csv:1:");
  EXPECT_CONTAINS(message, "column 1");
  EXPECT_CONTAINS(message, "'a'");
}

TEST_F(CsvTest, LabelColumnByNameOrIndex) {
  const fs::path path = file("cols.csv", "x1,target,x2\n1,10,2\n3,20,4\n5,30,6\n");
  const Dataset by_name = read_csv(path, {.label_column = "target"});
  EXPECT_EQ(dense_of(by_name), matrix(3, 2, {1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(by_name.response, vector({10, 20, 30}));
  const Dataset by_index = read_csv(path, {.label_index = 1});
  EXPECT_EQ(dense_of(by_index), dense_of(by_name));
  EXPECT_EQ(by_index.response, by_name.response);
  const Dataset first = read_csv(path, {.label_index = 0});
  EXPECT_EQ(dense_of(first), matrix(3, 2, {10, 2, 20, 4, 30, 6}));
  EXPECT_EQ(first.response, vector({1, 3, 5}));
}

TEST_F(CsvTest, LabelColumnErrors) {
  const std::string content = "x1,target,x2\n1,10,2\n";
  EXPECT_CONTAINS(error_reading(content, {.label_column = "price"}), "'price'");
  EXPECT_CONTAINS(error_reading(content, {.label_index = 3}), "label_index 3");
  EXPECT_CONTAINS(error_reading("1,10,2\n", {.label_column = "target"}), "no header");
  EXPECT_CONTAINS(error_reading("a,y,y\n1,2,3\n", {.label_column = "y"}), "ambiguous");
  EXPECT_THROW(read_csv(file("ok.csv", content), {.label_column = "target", .label_index = 1}),
               InvalidInput);
  EXPECT_THROW(read_csv(file("ok.csv", content), {.label_index = -2}), InvalidInput);
  EXPECT_CONTAINS(error_reading("y\n1\n2\n"), "two columns");
}

TEST_F(CsvTest, RaggedRowsNameLineAndColumnCounts) {
  const std::string short_row = error_reading("a,b,y\n1,2,3\n\n4,5\n7,8,9\n");
  EXPECT_CONTAINS(short_row, "bad.csv:4:");
  EXPECT_CONTAINS(short_row, "expected 3 columns, found 2");
  const std::string long_row = error_reading("1,2,3\n4,5,6,7\n");
  EXPECT_CONTAINS(long_row, "bad.csv:2:");
  EXPECT_CONTAINS(long_row, "expected 3 columns, found 4");
  // A trailing delimiter is an extra, empty cell.
  EXPECT_CONTAINS(error_reading("1,2,3\n4,5,6,\n"), "found 4");
}

TEST_F(CsvTest, BadCellsNameLineColumnAndValue) {
  const std::string text = error_reading("a,b,y\r\n1,2,3\r\n\r\n4,five,6\r\n");
  EXPECT_CONTAINS(text, "bad.csv:4:");
  EXPECT_CONTAINS(text, "column 2 ('b')");
  EXPECT_CONTAINS(text, "'five'");
  const std::string empty = error_reading("1,2,3\n4,,6\n");
  EXPECT_CONTAINS(empty, "bad.csv:2:");
  EXPECT_CONTAINS(empty, "column 2");
  EXPECT_CONTAINS(empty, "empty");
  for (const std::string bad : {"nan", "NaN", "inf", "-Infinity", "1e999", "0x10", "1.2.3"}) {
    const std::string message = error_reading("a,b,y\n1,2,3\n4,5," + bad + "\n");
    EXPECT_CONTAINS(message, "bad.csv:3:");
    EXPECT_CONTAINS(message, "column 3 ('y')");
    EXPECT_CONTAINS(message, "'" + bad + "'");
  }
}

TEST_F(CsvTest, EmptyInputs) {
  EXPECT_CONTAINS(error_reading(""), "empty file");
  EXPECT_CONTAINS(error_reading("\n  \n\r\n"), "empty file");
  EXPECT_CONTAINS(error_reading("a,b,y\n\n"), "no data rows");
  const fs::path missing = dir_ / "missing.csv";
  try {
    read_csv(missing);
    ADD_FAILURE() << "expected InvalidInput";
  } catch (const InvalidInput& e) {
    EXPECT_CONTAINS(e.what(), missing.string());
  }
  EXPECT_CONTAINS(error_reading(std::string("\x1f\x8b\x08\x00", 4)), "gzip");
}

TEST_F(CsvTest, OtherDelimitersAndBlanks) {
  const Dataset semicolon =
      read_csv(file("semi.csv", "a ; b ; y\n 1 ; 2.5 ;3\n-4;+5; 6 \n"), {.delimiter = ';'});
  EXPECT_EQ(dense_of(semicolon), matrix(2, 2, {1, 2.5, -4, 5}));
  EXPECT_EQ(semicolon.response, vector({3, 6}));

  const Dataset whitespace =
      read_csv(file("ws.txt", "  1   2\t\t3\n\t4 5 6   \n"), {.delimiter = ' '});
  EXPECT_EQ(dense_of(whitespace), matrix(2, 2, {1, 2, 4, 5}));
  EXPECT_EQ(whitespace.response, vector({3, 6}));

  // With tabs as the delimiter, two tabs enclose an empty cell.
  EXPECT_CONTAINS(error_reading("1\t2\t3\n4\t\t6\n", {.delimiter = '\t'}), "empty");
  const Dataset tabs = read_csv(file("t.tsv", "1\t 2\t3\n4\t5\t6\n"), {.delimiter = '\t'});
  EXPECT_EQ(dense_of(tabs), matrix(2, 2, {1, 2, 4, 5}));
}

TEST_F(CsvTest, QuotedCells) {
  const fs::path path = file("quoted.csv",
                             "\"mean, radius\",\"say \"\"hi\"\"\",\"label\"\n"
                             "\"1.5\",2,\"0\"\n");
  const Dataset data = read_csv(path, {.label_column = "say \"hi\""});
  EXPECT_EQ(dense_of(data), matrix(1, 2, {1.5, 0}));
  EXPECT_EQ(data.response, vector({2}));
  EXPECT_EQ(read_csv(path, {.label_column = "mean, radius"}).response, vector({1.5}));

  const std::string unterminated = error_reading("a,b,y\n1,\"2,3\n");
  EXPECT_CONTAINS(unterminated, "bad.csv:2:");
  EXPECT_CONTAINS(unterminated, "unterminated");
  EXPECT_CONTAINS(error_reading("a,b,y\n1,\"2\"x,3\n"), "bad.csv:2:");
}

TEST_F(CsvTest, ScikitLearnMetadataLineIsSkipped) {
  // The layout of scikit-learn's bundled breast_cancer.csv / iris.csv: "n_samples,n_features,
  // class names..." and then rows of n_features values and the class.
  const std::string content =
      "4,2,malignant,benign\n"
      "1.5,2,0\n"
      "4,5,1\n"
      "7,8,1\n"
      "10,11,0\n";
  const Dataset data = read_csv(file("sk.csv", content));
  EXPECT_EQ(dense_of(data), matrix(4, 2, {1.5, 2, 4, 5, 7, 8, 10, 11}));
  EXPECT_EQ(data.response, vector({0, 1, 1, 0}));
  // As many class names as features (iris: "150,4,setosa,versicolor,virginica").
  const Dataset iris_like = read_csv(file("iris.csv", "2,4,a,b,c\n1,2,3,4,0\n5,6,7,8,2\n"));
  EXPECT_EQ(dense_of(iris_like), matrix(2, 4, {1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(iris_like.response, vector({0, 2}));

  EXPECT_CONTAINS(error_reading("5,2,malignant,benign\n1,2,0\n"), "declares 5 samples");
  // Said to be a header, the metadata line is one, and the rows are then ragged.
  const std::string as_header = error_reading(content, {.header = true});
  EXPECT_CONTAINS(as_header, "bad.csv:2:");
  EXPECT_CONTAINS(as_header, "expected 4 columns, found 3");
}

TEST_F(CsvTest, SparseStorage) {
  const fs::path path = file("s.csv", "a,b,c,y\n0,2,0,1\n0,0,0,0\n3,0,-0.5,1\n");
  const Dataset dense = read_csv(path);
  const Dataset sparse = read_csv(path, {.sparse = true});
  ASSERT_TRUE(sparse.design.is_sparse());
  EXPECT_EQ(sparse.design.nonzeros(), 3);
  EXPECT_EQ(Eigen::MatrixXd(std::get<Design::Sparse>(sparse.design.storage())), dense_of(dense));
  EXPECT_EQ(sparse.response, dense.response);
}

TEST_F(CsvTest, PrintedValuesReadBackExactly) {
  std::mt19937_64 engine(17);
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  std::uniform_int_distribution<int> exponent(-300, 300);
  const Index rows = 50, cols = 6;
  Eigen::MatrixXd values(rows, cols);
  std::string text = "f0,f1,f2,f3,f4,y\n";
  for (Index i = 0; i < rows; ++i) {
    for (Index j = 0; j < cols; ++j) {
      values(i, j) = unit(engine) * std::pow(10.0, exponent(engine));
      char buffer[64];
      const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, values(i, j));
      text += std::string(buffer, end) + (j + 1 < cols ? "," : "\n");
    }
  }
  const Dataset data = read_csv(file("exact.csv", text));
  const Eigen::MatrixXd x = dense_of(data);
  for (Index i = 0; i < rows; ++i) {
    for (Index j = 0; j + 1 < cols; ++j) {
      ASSERT_EQ(std::bit_cast<std::uint64_t>(x(i, j)), std::bit_cast<std::uint64_t>(values(i, j)));
    }
    ASSERT_EQ(std::bit_cast<std::uint64_t>(data.response[i]),
              std::bit_cast<std::uint64_t>(values(i, cols - 1)));
  }
}

TEST(CsvFixture, ReadsCommittedFiles) {
  const fs::path dir = fs::path(CARDINAL_TEST_DATA_DIR) / "convex";
  const Dataset small = read_csv(dir / "small.csv", {.label_column = "price"});
  EXPECT_EQ(dense_of(small), matrix(3, 2, {3, 120.5, 2, 80, 4, 210}));
  EXPECT_EQ(small.response, vector({310000, 205000, 495000}));

  const Dataset sklearn_style = read_csv(dir / "sklearn_style.csv");
  EXPECT_EQ(dense_of(sklearn_style),
            matrix(5, 2, {17.99, 10.38, 20.57, 17.77, 19.69, 21.25, 11.42, 20.38, 20.29, 14.34}));
  EXPECT_EQ(sklearn_style.response, vector({0, 0, 0, 1, 1}));
}

}  // namespace
}  // namespace cardinal
