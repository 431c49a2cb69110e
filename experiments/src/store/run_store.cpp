#include "cardinal/experiments/store/run_store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <sstream>

#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/input_file.hpp"
#include "cardinal/experiments/store/atomic_output.hpp"

namespace cardinal {
namespace fs = std::filesystem;
namespace {

constexpr const char* kSettingsName = "settings.json";
constexpr const char* kMarkerName = "DONE.json";

nlohmann::json read_json(const fs::path& path) {
  const std::string text = read_input_file(path);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw InvalidInput(path.string() + ": corrupt JSON (" + e.what() + ")");
  }
}

}  // namespace

std::string settings_hash(const nlohmann::json& settings) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : settings.dump()) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4) out[static_cast<std::size_t>(i)] = kHex[h & 0xf];
  return out;
}

std::string run_name(const std::string& prefix, const nlohmann::json& settings) {
  return prefix + "-" + settings_hash(settings);
}

RunDirectory::RunDirectory(fs::path path, nlohmann::json settings)
    : path_(std::move(path)), settings_(std::move(settings)) {}

RunDirectory RunDirectory::claim(const fs::path& path, const nlohmann::json& settings,
                                 bool overwrite, const std::string& what) {
  const fs::path stored = path / kSettingsName;
  if (fs::exists(path)) {
    require(fs::is_directory(path), "--output " + path.string() + " exists and is not a directory");
    if (overwrite) {
      fs::remove_all(path);
    } else if (fs::exists(stored)) {
      nlohmann::json existing;
      try {
        existing = nlohmann::json::parse(read_input_file(stored));
      } catch (const std::exception&) {
        throw InvalidInput("cannot read " + stored.string() +
                           " (pass --overwrite to start afresh)");
      }
      require(existing == settings, "output directory " + path.string() + " holds a " + what +
                                        " with different settings (choose another --output, or "
                                        "pass --overwrite to discard it)");
    } else {
      require(fs::is_empty(path), "output directory " + path.string() + " exists and holds no " +
                                      what + " (choose another --output or pass --overwrite)");
    }
  }
  fs::create_directories(path);
  if (!fs::exists(stored)) write_file_atomically(stored, settings.dump(2) + "\n");
  return RunDirectory(path, settings);
}

bool RunDirectory::is_complete(const fs::path& path, const std::string& stage) {
  return fs::exists(path / stage / kMarkerName);
}

fs::path RunDirectory::stage_path(const std::string& stage) const {
  fs::path p = path_ / stage;
  fs::create_directories(p);
  return p;
}

bool RunDirectory::is_complete(const std::string& stage) const {
  return is_complete(path_, stage);
}

void RunDirectory::mark_complete(const std::string& stage, const nlohmann::json& summary) const {
  write_file_atomically(stage_path(stage) / kMarkerName, summary.dump(2) + "\n");
}

nlohmann::json RunDirectory::completed_summary(const std::string& stage) const {
  return read_json(path_ / stage / kMarkerName);
}

RunStore::RunStore(fs::path root) : root_(std::move(root)) {}

fs::path RunStore::path(const std::string& prefix, const nlohmann::json& settings) const {
  return root_ / run_name(prefix, settings);
}

RunDirectory RunStore::open(const std::string& prefix, const nlohmann::json& settings) const {
  const fs::path path = this->path(prefix, settings);
  const fs::path stored = path / kSettingsName;
  if (fs::exists(stored)) {
    require(read_json(stored) == settings,
            "run directory " + path.string() + " holds different settings (hash collision?)");
  } else {
    fs::create_directories(path);
    write_file_atomically(stored, settings.dump(2) + "\n");
  }
  return RunDirectory(path, settings);
}

RunLock::RunLock(const fs::path& directory, const std::function<void()>& on_wait) {
  const fs::path file = directory / ".lock";
  descriptor_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  require(descriptor_ >= 0, "cannot lock " + directory.string() + ": " + std::strerror(errno));
  if (::flock(descriptor_, LOCK_EX | LOCK_NB) == 0) return;
  if (errno == EWOULDBLOCK && on_wait) on_wait();
  while (::flock(descriptor_, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    const int error = errno;
    ::close(descriptor_);
    throw InvalidInput("cannot lock " + directory.string() + ": " + std::strerror(error));
  }
}

RunLock::~RunLock() {
  ::close(descriptor_);
}

}  // namespace cardinal
