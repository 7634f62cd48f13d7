#include "rdp/io/atomic_file.hpp"

#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "rdp/error.hpp"

namespace fs = std::filesystem;

namespace {

// A fresh empty directory under the system's temporary directory, removed at scope exit.
struct ScratchDir {
  fs::path path;
  ScratchDir() {
    std::string pattern = (fs::temp_directory_path() / "rdp_atomic_XXXXXX").string();
    path = ::mkdtemp(pattern.data());
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(path)) names.push_back(e.path().filename());
    return names;
  }
};

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("write_file_atomic: the file holds the text and nothing else is left in the directory") {
  ScratchDir dir;
  const std::string path = (dir.path / "a.csv").string();
  rdp::write_file_atomic(path, "x,y\n1,2\n");
  rdp::write_file_atomic(path, "x\n3\n");  // replaces, does not append
  CHECK(slurp(path) == "x\n3\n");
  CHECK(dir.entries() == std::vector<std::string>{"a.csv"});
}

TEST_CASE("write_file_atomic: a failed write throws and leaves no temporary file") {
  ScratchDir dir;
  // The target is an existing non-empty directory: the rename must fail after the data is written.
  fs::create_directory(dir.path / "taken");
  std::ofstream(dir.path / "taken" / "keep") << "k";
  CHECK_THROWS_AS(rdp::write_file_atomic((dir.path / "taken").string(), "text"),
                  std::runtime_error);
  CHECK(dir.entries() == std::vector<std::string>{"taken"});
  // A directory that does not exist.
  CHECK_THROWS_AS(rdp::write_file_atomic((dir.path / "missing" / "a.csv").string(), "t"),
                  std::runtime_error);
  CHECK(dir.entries() == std::vector<std::string>{"taken"});
}

TEST_CASE("write_file_atomic: concurrent writers to one path never tear the file") {
  // Two writers, each rewriting the same path with its own text; a shared temporary name would
  // let one writer's rename publish the other's half-written data. Every observed state must be
  // one of the two texts whole.
  ScratchDir dir;
  const std::string path = (dir.path / "t.csv").string();
  const std::string a(20000, 'a'), b(30000, 'b');
  rdp::write_file_atomic(path, a);
  std::vector<std::thread> writers;
  for (const std::string* text : {&a, &b})
    writers.emplace_back([&, text] {
      for (int i = 0; i < 50; ++i) rdp::write_file_atomic(path, *text);
    });
  int torn = 0;
  for (int i = 0; i < 200; ++i) {
    const std::string now = slurp(path);
    torn += now != a && now != b;
  }
  for (auto& w : writers) w.join();
  CHECK(torn == 0);
  const std::string last = slurp(path);
  CHECK((last == a || last == b));
  CHECK(dir.entries() == std::vector<std::string>{"t.csv"});
}

TEST_CASE(
    "require_writable_directory: creates a missing directory, rejects what cannot hold files") {
  ScratchDir dir;
  const std::string nested = (dir.path / "x" / "y").string();
  rdp::require_writable_directory("out", nested);
  CHECK(fs::is_directory(nested));
  CHECK(fs::is_empty(nested));  // the probe is gone

  std::ofstream(dir.path / "file") << "f";
  for (const std::string& bad : {(dir.path / "file").string(), (dir.path / "file" / "sub").string(),
                                 std::string("/proc/rdp_not_a_place"), std::string("")}) {
    CAPTURE(bad);
    try {
      rdp::require_writable_directory("out", bad);
      FAIL("accepted " << bad);
    } catch (const rdp::InvalidArgument& e) {
      const std::string what = e.what();
      CHECK(what.rfind("invalid out: '" + bad + "'", 0) == 0);
      CHECK(what.find("valid range a writable directory") != std::string::npos);
    }
  }
}

TEST_CASE("require_writable_file: rejects a directory and a missing or unwritable parent") {
  ScratchDir dir;
  rdp::require_writable_file("witness", (dir.path / "w.json").string());
  CHECK(dir.entries().empty());
  CHECK_THROWS_AS(rdp::require_writable_file("witness", dir.path.string()), rdp::InvalidArgument);
  CHECK_THROWS_AS(rdp::require_writable_file("witness", (dir.path / "no" / "w.json").string()),
                  rdp::InvalidArgument);
  CHECK_THROWS_AS(rdp::require_writable_file("witness", "/proc/rdp_witness.json"),
                  rdp::InvalidArgument);
}

TEST_CASE("write_file_atomic: SIGTERM during a write removes the temporary file") {
  // A child writes a large file; the parent sends SIGTERM as soon as the temporary file exists.
  // The child must die of the signal and leave the directory empty (the old fixed name stayed).
  ScratchDir dir;
  const std::string path = (dir.path / "big.csv").string();
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    std::signal(SIGTERM, SIG_DFL);  // the test runner's crash handler is not the program's
    const std::string text(std::size_t{64} << 20, 'x');
    rdp::write_file_atomic(path, text);
    ::_exit(0);
  }
  bool seen = false;
  for (int i = 0; i < 200000 && !seen; ++i) {
    for (const auto& name : dir.entries()) seen = seen || name.find(".tmp") != std::string::npos;
    if (!seen) ::usleep(50);
  }
  if (seen) ::kill(child, SIGTERM);
  int status = 0;
  ::waitpid(child, &status, 0);
  if (!seen || !WIFSIGNALED(status)) {
    WARN("the write finished before the signal; nothing was tested");
    return;
  }
  CHECK(WTERMSIG(status) == SIGTERM);
  CHECK(dir.entries().empty());
}
