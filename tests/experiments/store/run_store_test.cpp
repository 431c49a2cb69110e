#include "cardinal/experiments/store/run_store.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "cardinal/bridge/error.hpp"
#include "cardinal/experiments/store/record_log.hpp"

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

TEST_F(RunStoreTest, TheDirectoryOfARunIsNamedByItsSettingsBeforeItIsOpened) {
  RunStore store(root_);
  const nlohmann::json settings = {{"a", 1}};
  const fs::path path = store.path("solve", settings);
  EXPECT_EQ(path, root_ / run_name("solve", settings));
  EXPECT_EQ(run_name("solve", settings), "solve-" + settings_hash(settings));
  EXPECT_FALSE(fs::exists(root_));  // naming touches nothing
  const RunDirectory run = store.open("solve", settings);
  EXPECT_EQ(run.path(), path);
  EXPECT_FALSE(RunDirectory::is_complete(path, "run"));
  run.mark_complete("run");
  EXPECT_TRUE(RunDirectory::is_complete(path, "run"));
}

TEST_F(RunStoreTest, AClaimedDirectoryResumesOnlyTheSameSettings) {
  const fs::path dir = root_ / "out";
  const RunDirectory first = RunDirectory::claim(dir, {{"a", 1}}, false, "sweep");
  first.mark_complete("half");
  // The same settings resume: completed stages stay.
  EXPECT_TRUE(RunDirectory::claim(dir, {{"a", 1}}, false, "sweep").is_complete("half"));
  try {
    RunDirectory::claim(dir, {{"a", 2}}, false, "sweep");
    FAIL() << "other settings were accepted";
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find("holds a sweep with different settings"),
              std::string::npos)
        << e.what();
  }
  // --overwrite discards the earlier run whole.
  const RunDirectory fresh = RunDirectory::claim(dir, {{"a", 2}}, true, "sweep");
  EXPECT_FALSE(fresh.is_complete("half"));
  EXPECT_EQ(fresh.settings(), (nlohmann::json{{"a", 2}}));

  const fs::path foreign = root_ / "foreign";
  fs::create_directories(foreign);
  { std::ofstream(foreign / "notes.txt") << "mine"; }
  EXPECT_THROW(RunDirectory::claim(foreign, {{"a", 1}}, false, "sweep"), InvalidInput);
  EXPECT_TRUE(fs::exists(foreign / "notes.txt"));
  { std::ofstream(root_ / "file") << "x"; }
  EXPECT_THROW(RunDirectory::claim(root_ / "file", {{"a", 1}}, true, "sweep"), InvalidInput);
}

TEST_F(RunStoreTest, ARecordLogKeepsWholeAcceptedRecordsAndAppendsOnANewLine) {
  fs::create_directories(root_);
  const fs::path path = root_ / "log.jsonl";
  auto accept_small = [](const nlohmann::json& r) { return r.at("x").get<int>() < 10; };
  {
    RecordLog log(path, accept_small);  // no file yet
    EXPECT_TRUE(log.records().empty());
    log.append({{"x", 1}});
    log.append({{"x", 2}});
  }
  // A rejected record, one of the wrong shape, one that is not JSON and a torn last line.
  { std::ofstream(path, std::ios::app) << "{\"x\":50}\n{\"y\":1}\nnot json\n{\"x\":3"; }
  {
    RecordLog log(path, accept_small);
    ASSERT_EQ(log.records().size(), 2u);
    EXPECT_EQ(log.records()[1], (nlohmann::json{{"x", 2}}));
    log.append({{"x", 4}});
  }
  std::ifstream file(path);
  const std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "{\"x\":1}\n{\"x\":2}\n{\"x\":4}\n");
}

}  // namespace
}  // namespace cardinal
