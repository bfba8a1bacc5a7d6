// Import is atomic (docs/decisions.md "Import staging"): `framework import` of the example study
// (14 transcripts, as a .qdpx) killed with SIGKILL at varied moments, 200 times, into a new
// folder and with --force over an old study, never leaves a partial study: the target is absent
// (or the old study, byte for byte) or the complete new study, byte for byte as an uninterrupted
// run writes it (which checks clean and whose report lists the 14 sources). A killed run leaves at
// most hidden staging folders beside the target, which the next import removes. Out of disk
// (a small tmpfs), an import exits 3 and leaves no study and no staging folder.
//
// Kills follow tests/crash_safety_cli_test.cc: most wait for the staging folder to appear (seen
// through inotify), then a delay from a fixed-seed generator spread over the time an
// uninterrupted run takes from that moment to the rename that puts the study in place; one attempt
// in eight is not killed (the new study must be there) and one in eight is killed at once (the old
// state must be).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "kill_test_util.h"
#include "run_binary.h"

namespace {

namespace fs = std::filesystem;
using framework_test::Contains;
using framework_test::kExample;
using framework_test::ReadFile;
using framework_test::Run;
using framework_test::RunResult;
using framework_test::Snapshot;
using framework_test::TempDir;
using framework_test::WriteFile;

// The binary with `args`, in `cwd`, streams to /dev/null. Returns the child's pid.
pid_t Start(const std::vector<std::string>& args, const fs::path& cwd) {
  return framework_test::StartQuiet(args, cwd);
}

int Wait(pid_t pid) { return framework_test::WaitStatus(pid); }

// Watches a folder for the staging folder of an import into NAME (".NAME.import-…").
class StagingWatch {
 public:
  StagingWatch(const fs::path& dir, const std::string& name) : prefix_("." + name + ".import-") {
    fd_ = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (fd_ >= 0) ::inotify_add_watch(fd_, dir.c_str(), IN_CREATE | IN_MOVED_TO);
  }
  ~StagingWatch() {
    if (fd_ >= 0) ::close(fd_);
  }
  StagingWatch(const StagingWatch&) = delete;
  StagingWatch& operator=(const StagingWatch&) = delete;
  bool ok() const { return fd_ >= 0; }
  void Drain() {
    while (Read(0)) {
    }
    pending_.clear();
  }
  // True when a staging folder appeared before `pid` exited (or 10 s, a safety net only).
  bool WaitForStaging(pid_t pid) { return WaitFor(pid, IN_CREATE, prefix_, true); }
  // True when something was renamed to `name` before `pid` exited: the study put in place.
  bool WaitForRename(pid_t pid, const std::string& name) {
    return WaitFor(pid, IN_MOVED_TO, name, false);
  }

 private:
  struct Event {
    std::uint32_t mask;
    std::string name;
  };

  // Appends what inotify has queued (waiting up to `ms` for it) to pending_; false when nothing.
  bool Read(int ms) {
    pollfd pfd{fd_, POLLIN, 0};
    if (::poll(&pfd, 1, ms) != 1) return false;
    alignas(inotify_event) char buffer[4096];
    const ssize_t n = ::read(fd_, buffer, sizeof buffer);
    for (ssize_t at = 0; at < n;) {
      const auto* event = reinterpret_cast<const inotify_event*>(buffer + at);
      pending_.push_back({event->mask, event->len > 0 ? event->name : ""});
      at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
    }
    return n > 0;
  }

  // Events after the one looked for stay pending for the next wait: a fast import's staging
  // folder and its rename can arrive in one read.
  bool WaitFor(pid_t pid, std::uint32_t mask, const std::string& name, bool prefix) {
    bool exited = false;
    for (int waited_ms = 0; waited_ms < 10'000; ++waited_ms) {
      const bool got = Read(exited ? 0 : 1);
      while (!pending_.empty()) {
        const Event event = std::move(pending_.front());
        pending_.pop_front();
        if ((event.mask & mask) && (prefix ? event.name.starts_with(name) : event.name == name))
          return true;
      }
      if (exited && !got) return false;  // it has exited and every event it caused was read
      siginfo_t info{};
      if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
          info.si_pid == pid)
        exited = true;
    }
    return false;
  }

  std::string prefix_;
  int fd_ = -1;
  std::deque<Event> pending_;  // read from inotify, not yet looked at
};

// A temporary folder in /dev/shm when there is one (a tmpfs: the import's one sync of the file
// system costs nothing there, where on a disk shared with busy builds it can take most of a run;
// what is asserted does not depend on it), else under TMPDIR.
class FastTempDir {
 public:
  FastTempDir() {
    std::error_code ec;
    std::string pattern = "/dev/shm/framework-test-XXXXXX";
    if (fs::is_directory("/dev/shm", ec) && ::mkdtemp(pattern.data()) != nullptr) {
      path_ = pattern;
    } else {
      fallback_ = std::make_unique<TempDir>();
      path_ = fallback_->path();
    }
  }
  ~FastTempDir() {
    std::error_code ec;
    if (!fallback_) fs::remove_all(path_, ec);
  }
  FastTempDir(const FastTempDir&) = delete;
  FastTempDir& operator=(const FastTempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  std::unique_ptr<TempDir> fallback_;
  fs::path path_;
};

// The example exported as a REFI-QDA project, into `dir`.
fs::path ExampleQdpx(const fs::path& dir) {
  const fs::path qdpx = dir / "example.qdpx";
  const RunResult r = Run({"export", "--format", "qdpx", "-q", "-o", qdpx.string()}, kExample);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  return qdpx;
}

// Entries of `dir` other than `keep` must be staging folders of imports into `name`; returns
// how many there are.
int Leftovers(const fs::path& dir, const std::string& keep, const std::string& name) {
  int n = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string entry_name = entry.path().filename().string();
    if (entry_name == keep) continue;
    CHECK_MESSAGE(entry_name.starts_with("." + name + ".import-"), "unexpected: " << entry_name);
    // Hidden, and not a study at the top: nothing takes it for one.
    ++n;
  }
  return n;
}

struct ImportKillCase {
  std::string what;
  fs::path parent;  // where the target is
  std::vector<std::string> args;
  std::map<std::string, std::string> before;  // the target's files before (empty: no target)
  fs::path pristine;                          // a copy of the old target, to restore it
  int kills = 100;
};

// Kills the import `c.kills` times; checks every state seen. Returns how often the new study
// was seen.
int KillImports(const ImportKillCase& c, const std::map<std::string, std::string>& after,
                std::uint32_t seed) {
  INFO("case: ", c.what);
  const fs::path target = c.parent / "study";
  auto reset = [&] {
    std::error_code ec;
    if (c.before.empty()) {
      fs::remove_all(target, ec);
    } else if (!fs::exists(target) || Snapshot(target) != c.before) {
      fs::remove_all(target, ec);
      fs::copy(c.pristine, target, fs::copy_options::recursive);
    }
  };
  StagingWatch watch(c.parent, "study");
  REQUIRE(watch.ok());

  // How long an uninterrupted run takes from its staging folder's creation to the rename that
  // puts the study in place.
  reset();
  watch.Drain();
  const pid_t timed = Start(c.args, c.parent);
  REQUIRE(watch.WaitForStaging(timed));
  const auto began = std::chrono::steady_clock::now();
  REQUIRE(watch.WaitForRename(timed, "study"));
  const auto write_time = std::chrono::steady_clock::now() - began;
  const int timed_status = Wait(timed);
  REQUIRE(WIFEXITED(timed_status));
  REQUIRE(WEXITSTATUS(timed_status) == 0);
  REQUIRE(Snapshot(target) == after);
  const auto span = std::chrono::duration_cast<std::chrono::microseconds>(write_time * 1.2).count();

  std::mt19937 rng(seed);
  int old_seen = 0, new_seen = 0, left = 0;
  for (int attempt = 0; attempt < c.kills; ++attempt) {
    CAPTURE(attempt);
    reset();
    const long delay = static_cast<long>(rng() % static_cast<std::uint32_t>(span + 1));
    CAPTURE(delay);
    const bool no_kill = attempt % 8 == 7;
    const bool kill_at_once = attempt % 8 == 0;
    watch.Drain();
    const pid_t pid = Start(c.args, c.parent);
    REQUIRE(pid > 0);
    if (!no_kill) {
      if (!kill_at_once && watch.WaitForStaging(pid))
        std::this_thread::sleep_for(std::chrono::microseconds(delay));
      ::kill(pid, SIGKILL);
    }
    const int status = Wait(pid);
    if (no_kill || WIFEXITED(status)) {
      REQUIRE(WIFEXITED(status));
      REQUIRE(WEXITSTATUS(status) == 0);
    }
    const bool exists = fs::exists(target);
    const auto files = exists ? Snapshot(target) : std::map<std::string, std::string>{};
    const bool is_old = files == c.before, is_new = files == after;
    CHECK_MESSAGE((is_old || is_new), "a partial study: " << files.size() << " files (old "
                                                          << c.before.size() << ", new "
                                                          << after.size() << ")");
    if (c.before.empty() && !is_new) CHECK(!exists);  // no empty folder either
    old_seen += is_old;
    new_seen += is_new;
    if (no_kill) CHECK(is_new);
    if (kill_at_once && WIFSIGNALED(status)) CHECK(is_old);
    left += Leftovers(c.parent, "study", "study") > 0;
  }
  MESSAGE(c.what << ": " << c.kills << " runs, old state seen " << old_seen << " times, new "
                 << new_seen << "; runs after which a staging folder was left: " << left);
  CHECK(old_seen + new_seen == c.kills);
  CHECK(old_seen >= 1);
  CHECK(new_seen >= 1);

  // One more, uninterrupted: it removes what killed runs left.
  reset();
  const RunResult last = Run(c.args, c.parent);
  CHECK(last.exit_code == 0);
  CHECK(Snapshot(target) == after);
  CHECK(Leftovers(c.parent, "study", "study") == 0);
  return new_seen;
}

}  // namespace

TEST_CASE("import atomicity: killed at any moment (200 kills), never a partial study") {
  FastTempDir tmp;
  const fs::path qdpx = ExampleQdpx(tmp.path());

  // The new study, as an uninterrupted import writes it: complete, checked clean, reported.
  const fs::path reference = tmp.path() / "reference";
  RunResult r = Run({"import", qdpx.string(), "-o", reference.string()});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(Run({"check", "-C", reference.string()}).exit_code == 0);
  const std::string report = ReadFile(reference / "IMPORT-REPORT.md");
  CHECK(Contains(report, "14 text source(s)"));
  const auto imported = Snapshot(reference);
  std::size_t transcripts = 0;
  for (const auto& [path, bytes] : imported) transcripts += path.starts_with("transcripts/");
  CHECK(transcripts == 14);

  // Into a new folder.
  ImportKillCase fresh;
  fresh.what = "import into a new folder";
  fresh.parent = tmp.path() / "fresh";
  fs::create_directories(fresh.parent);
  fresh.args = {"import", qdpx.string(), "-o", "study"};
  KillImports(fresh, imported, 20261201);

  // --force over an old study (the example itself, with a file of the user's): the old study
  // stays until the new one is complete; the user's file is kept in the new one.
  ImportKillCase force;
  force.what = "import --force over an old study";
  force.parent = tmp.path() / "force";
  force.pristine = tmp.path() / "old";
  fs::copy(kExample, force.pristine, fs::copy_options::recursive);
  WriteFile(force.pristine / "notes" / "memo.txt", "the user's own file\n");
  force.before = Snapshot(force.pristine);
  fs::create_directories(force.parent);
  fs::copy(force.pristine, force.parent / "study", fs::copy_options::recursive);
  force.args = {"import", qdpx.string(), "-o", "study", "--force"};
  r = Run(force.args, force.parent);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const auto forced = Snapshot(force.parent / "study");
  CHECK(forced.at("notes/memo.txt") == "the user's own file\n");
  for (const auto& [path, bytes] : imported) CHECK(forced.at(path) == bytes);
  CHECK(forced != force.before);
  KillImports(force, forced, 20261202);
}

TEST_CASE("import atomicity: out of disk, exit 3 and no partial study") {
  TempDir tmp;
  const fs::path qdpx = ExampleQdpx(tmp.path());
  const fs::path disk = tmp.path() / "disk";
  fs::create_directories(disk);
  if (::mount("tmpfs", disk.c_str(), "tmpfs", 0, "size=64k") != 0) {
    MESSAGE("skipped: cannot mount a small tmpfs here (" << std::strerror(errno) << ")");
    return;
  }
  struct Unmount {
    fs::path path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{disk};

  RunResult r = Run({"import", qdpx.string(), "-o", (disk / "study").string()});
  CHECK(r.exit_code == 3);
  CHECK(Contains(r.err, "no space left on device"));
  CHECK(!fs::exists(disk / "study"));
  CHECK(fs::is_empty(disk));

  // --force over an old study that fits: the old one is kept as it was.
  WriteFile(disk / "old" / "framework.yaml", "version: 1\ntitle: old\nthemes: []\n");
  WriteFile(disk / "old" / "memo.txt", "mine\n");
  const auto before = Snapshot(disk / "old");
  r = Run({"import", qdpx.string(), "-o", (disk / "old").string(), "--force"});
  CHECK(r.exit_code == 3);
  CHECK(Snapshot(disk / "old") == before);
  std::vector<std::string> entries;
  for (const auto& entry : fs::directory_iterator(disk))
    entries.push_back(entry.path().filename().string());
  CHECK(entries == std::vector<std::string>{"old"});
}

TEST_CASE("import atomicity: a codebook merged into a symlinked framework.yaml keeps the link") {
  TempDir tmp;
  const fs::path study = tmp.path() / "study";
  fs::copy(kExample, study, fs::copy_options::recursive);
  fs::rename(study / "framework.yaml", tmp.path() / "shared-framework.yaml");
  fs::create_symlink("../shared-framework.yaml", study / "framework.yaml");
  const std::string before = ReadFile(tmp.path() / "shared-framework.yaml");
  const fs::path qdc = framework_test::kSourceDir / "tests" / "refi-seeds" / "codebook.qdc";
  // framework.yaml leads outside the study, so reading it needs --follow-symlinks.
  const RunResult r = Run({"import", qdc.string(), "-C", study.string(), "--follow-symlinks"});
  CHECK_MESSAGE(r.exit_code <= 1, r.err);
  CHECK(fs::is_symlink(study / "framework.yaml"));
  if (Contains(r.err, "merged")) CHECK(ReadFile(tmp.path() / "shared-framework.yaml") != before);
}

TEST_CASE(
    "import atomicity: --force through a symlinked folder replaces its target, and the link "
    "stays") {
  TempDir tmp;
  const fs::path qdpx = ExampleQdpx(tmp.path());
  fs::create_directories(tmp.path() / "real");
  WriteFile(tmp.path() / "real" / "memo.txt", "mine\n");
  fs::create_symlink("real", tmp.path() / "link");
  const RunResult r = Run({"import", qdpx.string(), "-o", "link", "--force"}, tmp.path());
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(fs::is_symlink(tmp.path() / "link"));
  CHECK(fs::is_regular_file(tmp.path() / "real" / "framework.yaml"));
  CHECK(ReadFile(tmp.path() / "real" / "memo.txt") == "mine\n");
  // Nothing else beside them: the staging folder went away.
  std::vector<std::string> entries;
  for (const auto& entry : fs::directory_iterator(tmp.path()))
    entries.push_back(entry.path().filename().string());
  std::sort(entries.begin(), entries.end());
  CHECK(entries == std::vector<std::string>{"example.qdpx", "link", "real"});
}
