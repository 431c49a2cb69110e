// The LIBSVM and CSV readers on seeded mutations of valid files: each input is read or refused
// with InvalidInput (no other exception, no crash), and what is read is consistent.
#include <gtest/gtest.h>

#include <Eigen/Core>
#include <optional>
#include <string>
#include <vector>

#include "cardinal/convex/data/csv.hpp"
#include "cardinal/convex/data/libsvm.hpp"
#include "fuzz/fuzz_files.hpp"
#include "fuzz/mutator.hpp"

namespace cardinal {
namespace {

/// A dataset as a reader must return it: one label per row, every entry finite.
void expect_consistent(const Dataset& data, const std::string& round) {
  EXPECT_EQ(data.response.size(), data.design.rows()) << round;
  EXPECT_TRUE(data.response.allFinite()) << round;
  EXPECT_GE(data.design.rows(), 1) << round;
}

template <class Read>
void fuzz(const std::string& name, const std::vector<std::string>& corpus,
          const std::vector<std::string>& dictionary, Read read) {
  const test::FuzzFolder folder(name);
  int accepted = 0, refused = 0;
  for (std::uint64_t seed = 0; seed < corpus.size(); ++seed) {
    test::Mutator mutator(seed, dictionary);
    for (int round = 0; round < test::kFuzzRounds / static_cast<int>(corpus.size()); ++round) {
      const std::string where =
          name + " seed " + std::to_string(seed) + " round " + std::to_string(round);
      const auto file = folder.write("input", mutator.mutate(corpus[seed]));
      std::optional<Dataset> data;
      if (test::parses_or_refuses([&] { data.emplace(read(file)); }, where)) {
        expect_consistent(*data, where);
        ++accepted;
      } else {
        ++refused;
      }
    }
  }
  // The mutations reach both outcomes: the test exercises the parser, not only its first check.
  EXPECT_GT(accepted, 0);
  EXPECT_GT(refused, 0);
}

TEST(TextReadersFuzz, LibsvmReadsOrRefusesEveryMutation) {
  const std::vector<std::string> corpus = {test::read_test_data("convex/small.svm"),
                                           "1 1:0.5 3:2\n-1 2:1\n",
                                           "0 qid:3 1:1e-3 7:-4 # c\n\n1\n"};
  fuzz("libsvm", corpus, {"qid:", "1:", "2147483646:", ":1"},
       [](const auto& file) { return read_libsvm(file); });
  fuzz("libsvm-features", corpus, {"qid:", "5:"},
       [](const auto& file) { return read_libsvm(file, {.features = 6, .zero_based = true}); });
}

TEST(TextReadersFuzz, CsvReadsOrRefusesEveryMutation) {
  const std::vector<std::string> corpus = {test::read_test_data("convex/small.csv"),
                                           test::read_test_data("convex/sklearn_style.csv"),
                                           "x y label\n1 2 3\n4 5 6\n"};
  fuzz("csv", corpus, {"\"\"", "\"a,b\"", ";", "NA"},
       [](const auto& file) { return read_csv(file); });
  fuzz("csv-options", corpus, {"price", "\""}, [](const auto& file) {
    return read_csv(file, {.label_column = "price", .header = true, .sparse = true});
  });
  fuzz("csv-spaces", corpus, {"  "},
       [](const auto& file) { return read_csv(file, {.label_index = 0, .delimiter = ' '}); });
}

}  // namespace
}  // namespace cardinal
