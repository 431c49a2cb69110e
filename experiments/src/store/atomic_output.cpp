#include "cardinal/experiments/store/atomic_output.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "cardinal/bridge/error.hpp"

namespace cardinal {
namespace fs = std::filesystem;
namespace {

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  std::string out = name;
  for (char& c : out)
    if (c == '-' || c == '/') c = '_';  // keeps "-" the separator of the process id
  return out;
}

/// `.<name>.<tag>-<host>-<pid>` beside `path`: the process that owns it is named, so that a
/// later run can tell whether it is still alive.
fs::path sibling(const fs::path& path, std::string_view tag) {
  return path.parent_path() / ("." + path.filename().string() + "." + std::string(tag) + "-" +
                               host_name() + "-" + std::to_string(::getpid()));
}

/// Removes the staging and retired siblings of `destination` left by processes of this host that
/// no longer run (killed with SIGKILL, or by a power failure).
void remove_stale_siblings(const fs::path& destination) {
  const std::string host = host_name();
  std::error_code ec;
  for (const std::string_view tag : {"staging", "retired"}) {
    const std::string prefix = "." + destination.filename().string() + "." + std::string(tag) + "-";
    for (fs::directory_iterator it(destination.parent_path(), ec), end; !ec && it != end;
         it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (!name.starts_with(prefix)) continue;
      const std::string owner = name.substr(prefix.size());  // <host>-<pid>
      const std::size_t dash = owner.rfind('-');
      if (dash == std::string::npos || owner.substr(0, dash) != host) continue;
      const std::string pid = owner.substr(dash + 1);
      if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
      const long id = std::stol(pid);
      if (id == ::getpid() || ::kill(static_cast<pid_t>(id), 0) == 0 || errno != ESRCH) continue;
      std::error_code ignored;
      fs::remove_all(it->path(), ignored);
    }
  }
}

/// The pipe the signal handler writes to (a plain int: all a handler may touch).
volatile std::sig_atomic_t interrupt_pipe = -1;

/// The staging directories of this process, removed when it is interrupted (SIGINT, SIGTERM).
/// The signal handler only writes the signal number to a pipe; a thread reading the pipe removes
/// the directories (work a signal handler may not do) and then re-raises the signal with its
/// default action, so the process still ends as interrupted.
class InterruptCleanup {
 public:
  static InterruptCleanup& instance() {
    static InterruptCleanup* const cleanup = new InterruptCleanup;  // outlives the watcher thread
    return *cleanup;
  }
  void add(const fs::path& path) {
    const std::lock_guard lock(mutex_);
    paths_.insert(path);
  }
  void remove(const fs::path& path) {
    const std::lock_guard lock(mutex_);
    paths_.erase(path);
  }

 private:
  InterruptCleanup() {
    if (::pipe2(pipe_, O_CLOEXEC) != 0) return;
    interrupt_pipe = pipe_[1];
    std::thread([this] { watch(); }).detach();
    for (const int signal : {SIGINT, SIGTERM}) {
      struct sigaction previous {};
      ::sigaction(signal, nullptr, &previous);
      if (previous.sa_handler == SIG_IGN) continue;  // e.g. started with nohup: keep ignoring
      struct sigaction action {};
      action.sa_handler = &InterruptCleanup::on_signal;
      sigemptyset(&action.sa_mask);
      ::sigaction(signal, &action, nullptr);
    }
  }

  static void on_signal(int signal) {
    const unsigned char number = static_cast<unsigned char>(signal);
    const int saved = errno;
    [[maybe_unused]] const ssize_t written = ::write(interrupt_pipe, &number, 1);
    errno = saved;
  }

  void watch() {
    unsigned char number = 0;
    while (::read(pipe_[0], &number, 1) != 1) {
      if (errno != EINTR) return;
    }
    {
      const std::lock_guard lock(mutex_);
      for (const fs::path& path : paths_) {
        std::error_code ignored;
        fs::remove_all(path, ignored);
      }
    }
    std::signal(number, SIG_DFL);
    std::raise(number);
    std::_Exit(128 + number);
  }

  std::mutex mutex_;
  std::set<fs::path> paths_;
  int pipe_[2] = {-1, -1};
};

/// `given` as the directory it names, without a trailing separator ("out/" is "out").
fs::path output_directory(const fs::path& given) {
  fs::path last;  // the last component that is not the empty one of a trailing separator
  for (const fs::path& component : given.relative_path())
    if (!component.empty()) last = component;
  fs::path path = given.lexically_normal();
  if (path.filename().empty() && path.has_relative_path()) path = path.parent_path();
  require(!last.empty() && last != "." && last != ".." && path.has_relative_path(),
          "output directory '" + given.string() + "' names no directory to create");
  return path;
}

}  // namespace

StagedDirectory::StagedDirectory(fs::path destination, bool overwrite)
    : destination_(output_directory(destination)), overwrite_(overwrite) {
  const fs::path absolute = fs::absolute(destination_);
  staging_ = sibling(absolute, "staging");
  const bool exists = fs::exists(destination_);
  require(!exists || fs::is_directory(destination_),
          "output directory " + destination_.string() +
              " exists and is not a directory (it is never replaced)");
  require(overwrite_ || !exists, "output directory " + destination_.string() +
                                     " already exists (choose another --output or pass "
                                     "--overwrite)");
  fs::create_directories(absolute.parent_path());
  remove_stale_siblings(absolute);
  InterruptCleanup::instance().add(staging_);
  fs::remove_all(staging_);
  fs::create_directories(staging_);
}

StagedDirectory::~StagedDirectory() {
  if (!committed_) {
    std::error_code ignored;
    fs::remove_all(staging_, ignored);
  }
  InterruptCleanup::instance().remove(staging_);
}

void StagedDirectory::commit() {
  const fs::path absolute = fs::absolute(destination_);
  if (fs::exists(absolute)) {
    require(fs::is_directory(absolute), "output directory " + destination_.string() +
                                            " exists and is not a directory (it is never "
                                            "replaced)");
    const fs::path retired = sibling(absolute, "retired");
    fs::remove_all(retired);
    fs::rename(absolute, retired);
    fs::rename(staging_, absolute);
    fs::remove_all(retired);
  } else {
    fs::rename(staging_, absolute);
  }
  committed_ = true;
}

}  // namespace cardinal
