#pragma once

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

namespace cardinal {

/// The 16-hex-digit FNV-1a hash of the canonical (key-sorted, compact) JSON form of `settings`.
std::string settings_hash(const nlohmann::json& settings);

/// The name of the run directory of `settings` in a RunStore: `<prefix>-<settings_hash>`.
std::string run_name(const std::string& prefix, const nlohmann::json& settings);

/// One run's directory, the one persistence scheme of every command: `settings.json` (what
/// identifies the run) beside the results, every file written atomically, a RunLock while the
/// results are computed, and a resume rule: work is organised in named *stages* (e.g. "level-3",
/// or "run" for a whole command of an experiment); a stage is complete once its marker
/// `<stage>/DONE.json` exists, and the marker is written last and atomically, so a killed run
/// resumes at the first incomplete stage. Work of many small items in one stage (the phase
/// transition's cells) records each item in a RecordLog instead of a marker each.
///
/// A run lives either in a RunStore, named by the hash of its settings, or in a directory the
/// user names (claim()).
class RunDirectory {
 public:
  /// The run at `path`, a directory the user names (a command's --output): created holding
  /// settings.json, or resumed when it holds the same settings. InvalidInput when it is not a
  /// directory, holds other settings, or holds no settings.json but other files (the message
  /// calls the run `what`, e.g. "phase-transition sweep"), unless `overwrite`, which discards
  /// what is there first.
  static RunDirectory claim(const std::filesystem::path& path, const nlohmann::json& settings,
                            bool overwrite, const std::string& what);

  /// Whether stage `stage` of the run at `path` is complete, without opening the run.
  static bool is_complete(const std::filesystem::path& path, const std::string& stage);

  const std::filesystem::path& path() const { return path_; }
  const nlohmann::json& settings() const { return settings_; }
  /// `path() / stage`, created on demand.
  std::filesystem::path stage_path(const std::string& stage) const;
  bool is_complete(const std::string& stage) const;
  /// Marks `stage` complete, recording `summary` (written atomically as `<stage>/DONE.json`).
  void mark_complete(const std::string& stage, const nlohmann::json& summary = {}) const;
  /// The summary recorded when `stage` was completed.
  nlohmann::json completed_summary(const std::string& stage) const;

 private:
  friend class RunStore;
  RunDirectory(std::filesystem::path path, nlohmann::json settings);
  std::filesystem::path path_;
  nlohmann::json settings_;
};

/// A directory of runs, each named by the hash of its resolved settings, so that an identical
/// request finds the finished (or partially finished) work of an earlier one.
///
/// Only settings that change behaviour belong in the hashed JSON: output paths, verbosity and
/// thread counts do not. The stored settings.json is compared on every open, so a hash
/// collision is detected rather than silently reusing another run's results.
class RunStore {
 public:
  explicit RunStore(std::filesystem::path root);
  const std::filesystem::path& root() const { return root_; }

  /// Opens (creating if needed) the run for `settings`; `prefix` names the kind of run.
  RunDirectory open(const std::string& prefix, const nlohmann::json& settings) const;
  /// Where open() puts that run, touching nothing on disk.
  std::filesystem::path path(const std::string& prefix, const nlohmann::json& settings) const;

 private:
  std::filesystem::path root_;
};

/// An exclusive lock on a run directory, held while its results are computed, so that a second
/// process on the same request waits for the first and then reuses its results instead of
/// computing them again. An advisory lock (flock) on `<directory>/.lock`: the system releases it
/// when the holder ends, however it ends, so a killed run never leaves it locked. The lock file
/// itself stays.
class RunLock {
 public:
  /// Blocks until the lock is taken; calls `on_wait` first when another process holds it.
  explicit RunLock(const std::filesystem::path& directory,
                   const std::function<void()>& on_wait = {});
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  int descriptor_ = -1;
};

}  // namespace cardinal
