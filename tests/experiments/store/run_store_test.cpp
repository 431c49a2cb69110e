#include "cardinal/experiments/run_store.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "cardinal/bridge/error.hpp"

namespace cardinal {
namespace {
namespace fs = std::filesystem;

class RunStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("cardinal-run-store-" +
             std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  fs::path root_;
};

TEST(SettingsHash, DependsOnValuesNotOnInsertionOrder) {
  nlohmann::json a, b;
  a["model"] = "lenet300";
  a["seed"] = 1;
  b["seed"] = 1;
  b["model"] = "lenet300";
  EXPECT_EQ(settings_hash(a), settings_hash(b));
  b["seed"] = 2;
  EXPECT_NE(settings_hash(a), settings_hash(b));
  EXPECT_EQ(settings_hash(a).size(), 16u);
  // FNV-1a 64 of "{}" computed by hand from the published offset basis and prime.
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : std::string("{}")) h = (h ^ c) * 0x100000001b3ULL;
  char expected[17];
  std::snprintf(expected, sizeof expected, "%016llx", static_cast<unsigned long long>(h));
  EXPECT_EQ(settings_hash(nlohmann::json::object()), expected);
}

TEST_F(RunStoreTest, IdenticalSettingsReuseTheRunAndItsCompletedStages) {
  const nlohmann::json settings = {{"method", "imp-reset"}, {"levels", 3}};
  RunStore store(root_);
  const RunDirectory first = store.open("lottery", settings);
  EXPECT_FALSE(first.is_complete("level-0"));
  first.mark_complete("level-0", {{"accuracy", 0.9}});
  const RunDirectory again = store.open("lottery", settings);
  EXPECT_EQ(again.path(), first.path());
  EXPECT_TRUE(again.is_complete("level-0"));
  EXPECT_FALSE(again.is_complete("level-1"));
  EXPECT_EQ(again.completed_summary("level-0")["accuracy"], 0.9);
  EXPECT_NE(store.open("lottery", {{"method", "imp-reset"}, {"levels", 4}}).path(), first.path());
}

TEST_F(RunStoreTest, ACollidingDirectoryWithOtherSettingsIsRefused) {
  RunStore store(root_);
  const RunDirectory run = store.open("solve", {{"a", 1}});
  { std::ofstream(run.path() / "settings.json") << R"({"a": 2})"; }
  EXPECT_THROW(store.open("solve", {{"a", 1}}), InvalidInput);
  { std::ofstream(run.path() / "settings.json") << "{ truncated"; }
  EXPECT_THROW(store.open("solve", {{"a", 1}}), InvalidInput);
}

}  // namespace
}  // namespace cardinal
