#include "rdp/io/atomic_file.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <system_error>
#include <vector>

#include "rdp/error.hpp"

namespace rdp {
namespace {

std::string reason(int err) { return std::strerror(err); }

std::string directory_of(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

// A temporary file in `dir` with a unique name (mkstemp's six random letters), open for writing.
// Hidden, so that a leftover from a killed process is not taken for an output.
struct TempFile {
  std::string path;
  int fd = -1;
};

TempFile make_temp(const std::string& dir, const std::string& stem) {
  std::string pattern = dir + "/." + stem + ".XXXXXX.tmp";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  const int fd = ::mkstemps(buf.data(), 4);
  if (fd < 0) return {pattern, -1};
  return {std::string(buf.data()), fd};
}

// Temporary files being written, so that SIGINT, SIGTERM or SIGHUP (Ctrl-C, a killed job) removes
// them before the process dies. Fixed slots, claimed with atomics: the handler may only read
// lock-free atomics and plain memory, and call unlink, signal and raise.
constexpr int kSlots = 16;
constexpr std::size_t kMaxPath = 4096;
struct PendingSlot {
  std::atomic<int> state{0};  // 0 free, 1 being filled, 2 holds a path
  char path[kMaxPath];
};
PendingSlot g_pending[kSlots];

extern "C" void remove_pending_and_reraise(int sig) {
  for (auto& slot : g_pending)
    if (slot.state.load() == 2) ::unlink(slot.path);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

// Installs the handler for the signals whose disposition is the default (checked on every write:
// a program may set its own handlers, or restore the default, at any time); a program's own
// handlers are left alone.
void install_cleanup_handlers() {
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction old {};
    if (::sigaction(sig, nullptr, &old) == 0 && !(old.sa_flags & SA_SIGINFO) &&
        old.sa_handler == SIG_DFL) {
      struct sigaction sa {};
      sa.sa_handler = remove_pending_and_reraise;
      sigemptyset(&sa.sa_mask);
      ::sigaction(sig, &sa, nullptr);
    }
  }
}

// Registers a temporary path for removal on a signal; -1 when every slot is taken or the path is
// too long (the file is then only removed on ordinary failures).
int register_pending(const std::string& path) {
  if (path.size() >= kMaxPath) return -1;
  install_cleanup_handlers();
  for (int i = 0; i < kSlots; ++i) {
    int expected = 0;
    if (g_pending[i].state.compare_exchange_strong(expected, 1)) {
      std::copy(path.begin(), path.end(), g_pending[i].path);
      g_pending[i].path[path.size()] = '\0';
      g_pending[i].state.store(2);
      return i;
    }
  }
  return -1;
}

void unregister_pending(int slot) {
  if (slot >= 0) g_pending[slot].state.store(0);
}

// mkstemp creates files readable by the owner only; outputs get the usual 0666 & ~umask.
mode_t output_mode() {
  const mode_t mask = ::umask(0);
  ::umask(mask);
  return 0666 & ~mask;
}

}  // namespace

void write_file_atomic(const std::string& path, std::string_view text) {
  const std::string dir = directory_of(path);
  const std::string stem = std::filesystem::path(path).filename().string();
  // The file is created and registered with the cleanup signals blocked, so that no signal can
  // fall between the two.
  sigset_t cleanup_signals, previous;
  sigemptyset(&cleanup_signals);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&cleanup_signals, sig);
  ::pthread_sigmask(SIG_BLOCK, &cleanup_signals, &previous);
  TempFile tmp = make_temp(dir, stem);
  const int make_errno = errno;
  const int slot = tmp.fd >= 0 ? register_pending(tmp.path) : -1;
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  if (tmp.fd < 0) throw std::runtime_error("cannot write " + path + ": " + reason(make_errno));
  auto fail = [&](const char* what, int err) {
    if (tmp.fd >= 0) ::close(tmp.fd);
    ::unlink(tmp.path.c_str());
    unregister_pending(slot);
    throw std::runtime_error(std::string(what) + " " + path + ": " + reason(err));
  };
  const char* p = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    const ssize_t n = ::write(tmp.fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("cannot write", n < 0 ? errno : EIO);
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fchmod(tmp.fd, output_mode()) != 0) fail("cannot set the mode of", errno);
  // A rename may reach the disk before the data; sync first so a crash cannot leave an empty file
  // under the final name.
  if (::fsync(tmp.fd) != 0) fail("cannot flush", errno);
  const int fd = tmp.fd;
  tmp.fd = -1;
  if (::close(fd) != 0) fail("cannot close", errno);
  if (std::rename(tmp.path.c_str(), path.c_str()) != 0) fail("cannot move into place", errno);
  unregister_pending(slot);
}

void require_writable_directory(const std::string& parameter, const std::string& dir) {
  const std::string range = "a writable directory";
  if (dir.empty()) throw InvalidArgument(parameter, range, "''");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw InvalidArgument(parameter, range, "'" + dir + "' (" + ec.message() + ")");
  if (!std::filesystem::is_directory(dir, ec))
    throw InvalidArgument(parameter, range, "'" + dir + "' (not a directory)");
  TempFile probe = make_temp(dir, "write-probe");
  if (probe.fd < 0)
    throw InvalidArgument(parameter, range, "'" + dir + "' (" + reason(errno) + ")");
  ::close(probe.fd);
  ::unlink(probe.path.c_str());
}

void require_writable_file(const std::string& parameter, const std::string& path) {
  const std::string range = "a file path in a writable directory";
  if (path.empty()) throw InvalidArgument(parameter, range, "''");
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw InvalidArgument(parameter, range, "'" + path + "' (a directory)");
  const std::string dir = directory_of(path);
  if (!std::filesystem::is_directory(dir, ec))
    throw InvalidArgument(parameter, range, "'" + path + "' (no directory " + dir + ")");
  TempFile probe = make_temp(dir, "write-probe");
  if (probe.fd < 0)
    throw InvalidArgument(parameter, range, "'" + path + "' (" + reason(errno) + ")");
  ::close(probe.fd);
  ::unlink(probe.path.c_str());
}

}  // namespace rdp
