// Crash safety of the real binary: `framework chart --draft` saving a chart, and `framework export
// -o FILE` writing CSV, JSON and XLSX, killed with SIGKILL at varying moments, 200 times each.
//
// Each case has an old version of the target file (written by an uninterrupted run of the command
// in one form) and a new one (an uninterrupted run of the form under test, over the old file). The
// test puts the old bytes in place, starts the binary, kills it after a delay, and asserts that
// the file holds exactly the old or exactly the new bytes and loads (LoadChart without errors,
// ReadCsv without diagnostics, a JSON parse, the workbook opened as a zip). Whatever else the
// killed run left in the folder must be a hidden temporary file of the target, which the study
// loader does not see.
//
// Most kills wait for the write to begin (the temporary file appears, seen through inotify), then
// a delay from a fixed-seed generator, spread over the time an uninterrupted run takes from that
// moment to its exit (the write, its fsync and the rename), so kills land all through the write.
// The machine's speed decides only which version is seen, never what is asserted: one attempt in
// eight is not killed (so the new version is seen) and one in eight is killed at once (so the old
// one is).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zip.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <functional>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "framework/chart.h"
#include "framework/csv.h"
#include "framework/file_system.h"
#include "framework/study.h"
#include "kill_test_util.h"
#include "run_binary.h"

namespace {

namespace fs = std::filesystem;
using framework_test::kExample;
using framework_test::ReadFile;
using framework_test::Run;
using framework_test::RunResult;
using framework_test::TempDir;

const char* const kEpoch = "1700000000";

// A copy of the example study to write into.
class StudyCopy {
 public:
  StudyCopy() {
    fs::copy(kExample, root(), fs::copy_options::recursive);
    fs::create_directories(root() / "out");
  }
  fs::path root() const { return tmp_.path() / "study"; }

 private:
  TempDir tmp_;
};

// "name" -> true for ".name.tmp-XXXXXX", the temporary files of WriteFileAtomically/WriteXlsx.
bool IsTemporaryOf(const std::string& entry, const std::string& name) {
  const std::string prefix = "." + name + ".tmp-";
  if (!entry.starts_with(prefix)) return false;
  // Ours (".NAME.tmp-XXXXXX"), or the one libzip makes beside it while it writes the scratch
  // file of a .qdpx (".NAME.tmp-XXXXXX.XXXXXX"): hidden, named after the target, never read.
  return entry.size() == prefix.size() + 6 ||
         (entry.size() == prefix.size() + 13 && entry[prefix.size() + 6] == '.');
}

// The binary with `args`, in `cwd`, streams to /dev/null, SOURCE_DATE_EPOCH pinned. Returns the
// child's pid; the caller waits for it.
pid_t Start(const std::vector<std::string>& args, const fs::path& cwd) {
  return framework_test::StartQuiet(args, cwd, {std::string("SOURCE_DATE_EPOCH=") + kEpoch});
}

// The wait status of `pid`.
int Wait(pid_t pid) { return framework_test::WaitStatus(pid); }

// Watches the target's folder for the temporary file of a save: the moment a write begins.
class WriteWatch {
 public:
  WriteWatch(const fs::path& dir, std::string name) : prefix_("." + std::move(name) + ".tmp-") {
    fd_ = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (fd_ >= 0) ::inotify_add_watch(fd_, dir.c_str(), IN_CREATE);
  }
  ~WriteWatch() {
    if (fd_ >= 0) ::close(fd_);
  }
  WriteWatch(const WriteWatch&) = delete;
  WriteWatch& operator=(const WriteWatch&) = delete;
  bool ok() const { return fd_ >= 0; }
  // Forgets earlier events.
  void Drain() {
    alignas(inotify_event) char buffer[4096];
    while (::read(fd_, buffer, sizeof buffer) > 0) {
    }
  }
  // Waits until a temporary file of the target is created, or `pid` has exited, or 10 s (a safety
  // net only: what is asserted never depends on it). True when the write began.
  bool WaitForWrite(pid_t pid) {
    alignas(inotify_event) char buffer[4096];
    for (int waited_ms = 0; waited_ms < 10'000; ++waited_ms) {
      pollfd pfd{fd_, POLLIN, 0};
      if (::poll(&pfd, 1, 1) == 1) {
        const ssize_t n = ::read(fd_, buffer, sizeof buffer);
        for (ssize_t at = 0; at < n;) {
          const auto* event = reinterpret_cast<const inotify_event*>(buffer + at);
          if (event->len > 0 && std::string(event->name).starts_with(prefix_)) return true;
          at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
        }
      }
      siginfo_t info{};
      if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
          info.si_pid == pid)
        return false;  // exited (not reaped: the caller waits for it)
    }
    return false;
  }

 private:
  std::string prefix_;
  int fd_ = -1;
};

struct KillCase {
  std::string what;                 // for messages
  fs::path study;                   // the study folder (the binary runs there)
  fs::path target;                  // the file written
  std::vector<std::string> before;  // the command that writes the old version
  std::vector<std::string> after;   // the command killed while it writes the new one
  int kills = 200;
  // Asserts that bytes equal to one version load; called once per version seen.
  std::function<void(const std::string& bytes)> check_loads;
};

// Runs the case; returns how often each version was seen, and kills that left a temporary file.
struct KillTally {
  int old_seen = 0, new_seen = 0, leftovers = 0;
};

KillTally KillWhileWriting(const KillCase& c, std::uint32_t seed) {
  INFO("case: ", c.what);
  const std::string name = c.target.filename().string();

  // The old and the new version, each from an uninterrupted run; the new one over the old one.
  RunResult first = Run(c.before, c.study, {{"SOURCE_DATE_EPOCH", kEpoch}});
  REQUIRE_MESSAGE(first.exit_code == 0, first.err);
  const std::string old_bytes = ReadFile(c.target);
  WriteWatch watch(c.target.parent_path(), name);
  REQUIRE(watch.ok());
  watch.Drain();
  const pid_t timed = Start(c.after, c.study);
  REQUIRE(timed > 0);
  REQUIRE(watch.WaitForWrite(timed));
  const auto write_began = std::chrono::steady_clock::now();
  const int timed_status = Wait(timed);
  // From the temporary file's creation to the process's end: the write, its sync and rename.
  const auto write_time = std::chrono::steady_clock::now() - write_began;
  REQUIRE(WIFEXITED(timed_status));
  REQUIRE(WEXITSTATUS(timed_status) == 0);
  const std::string new_bytes = ReadFile(c.target);
  REQUIRE(!old_bytes.empty());
  REQUIRE(old_bytes != new_bytes);
  // The command is deterministic: a second uninterrupted run writes the same bytes.
  REQUIRE(framework::WriteFileAtomically(c.target.string(), old_bytes).empty());
  REQUIRE(Run(c.after, c.study, {{"SOURCE_DATE_EPOCH", kEpoch}}).exit_code == 0);
  REQUIRE(ReadFile(c.target) == new_bytes);
  c.check_loads(old_bytes);
  c.check_loads(new_bytes);

  // Delays after the write begins, spread over the write and a little beyond.
  const auto span = std::chrono::duration_cast<std::chrono::microseconds>(write_time * 1.2).count();
  std::mt19937 rng(seed);
  KillTally tally;
  for (int attempt = 0; attempt < c.kills; ++attempt) {
    CAPTURE(attempt);
    if (ReadFile(c.target) != old_bytes)
      REQUIRE(framework::WriteFileAtomically(c.target.string(), old_bytes).empty());
    const long delay = static_cast<long>(rng() % static_cast<std::uint32_t>(span + 1));
    const bool no_kill = attempt % 8 == 7;
    const bool kill_at_once = attempt % 8 == 0;
    CAPTURE(delay);

    watch.Drain();
    const pid_t pid = Start(c.after, c.study);
    REQUIRE(pid > 0);
    if (!no_kill) {
      if (!kill_at_once && watch.WaitForWrite(pid))
        std::this_thread::sleep_for(std::chrono::microseconds(delay));
      ::kill(pid, SIGKILL);
    }
    const int status = Wait(pid);
    if (no_kill || WIFEXITED(status)) {
      REQUIRE(WIFEXITED(status));
      REQUIRE(WEXITSTATUS(status) == 0);
    } else {
      REQUIRE(WTERMSIG(status) == SIGKILL);
    }

    const std::string bytes = ReadFile(c.target);
    const bool is_old = bytes == old_bytes, is_new = bytes == new_bytes;
    CHECK_MESSAGE((is_old || is_new), "the file is neither version: "
                                          << bytes.size() << " bytes (old " << old_bytes.size()
                                          << ", new " << new_bytes.size() << ")");
    if (!is_old && !is_new) c.check_loads(bytes);  // to say what is wrong with it
    tally.old_seen += is_old;
    tally.new_seen += is_new;
    if (no_kill) CHECK(is_new);
    if (kill_at_once && WIFSIGNALED(status)) CHECK(is_old);

    // Only the files that were there, and hidden temporaries of the target.
    bool left = false;
    for (const auto& entry : fs::directory_iterator(c.target.parent_path())) {
      const std::string entry_name = entry.path().filename().string();
      if (IsTemporaryOf(entry_name, name)) {
        left = true;
      } else if (entry_name != "." + name + ".lock") {  // the chart store's lock file
        CHECK_MESSAGE(!entry_name.starts_with("." + name), "unexpected file: " << entry_name);
      }
    }
    if (left) {
      ++tally.leftovers;
    }
    if (left && tally.leftovers == 1) {
      // The study loader does not see them: no diagnostic names them, no chart comes of them.
      // (Checked with the first leftover: loading the study is the slow part of an attempt.)
      framework::DiskFileSystem disk(c.study.string());
      framework::LoadOptions options;
      options.jobs = 1;
      const framework::Study study = framework::LoadStudy(disk, options);
      CHECK(framework::CountDiagnostics(study.diagnostics).errors == 0);
      for (const framework::Diagnostic& d : study.diagnostics)
        CHECK_MESSAGE(d.file.find(".tmp-") == std::string::npos, d.file << ": " << d.message);
      for (const framework::Chart& chart : study.charts)
        CHECK(chart.path.find(".tmp-") == std::string::npos);
    }
    if (left) {
      for (const auto& entry : fs::directory_iterator(c.target.parent_path()))
        if (IsTemporaryOf(entry.path().filename().string(), name)) fs::remove(entry.path());
    }
  }
  MESSAGE(c.what << ": " << c.kills << " runs, old version seen " << tally.old_seen
                 << " times, new " << tally.new_seen << ", killed mid-write (temporary left) "
                 << tally.leftovers);
  CHECK(tally.old_seen + tally.new_seen == c.kills);
  CHECK(tally.old_seen >= 1);
  CHECK(tally.new_seen >= 1);
  return tally;
}

void CheckChartLoads(const std::string& bytes) {
  framework::Diagnostics diagnostics;
  const framework::Chart chart = framework::LoadChart("charts/role.yaml", bytes, diagnostics);
  CHECK(diagnostics.empty());
  CHECK(chart.theme == "role");
  CHECK(!chart.cells.empty());
}

void CheckCsvLoads(const std::string& bytes) {
  framework::Diagnostics diagnostics;
  const auto rows = framework::ReadCsv("out.csv", bytes, diagnostics);
  CHECK(diagnostics.empty());
  CHECK(rows.size() > 1);
}

void CheckJsonLoads(const std::string& bytes) {
  const nlohmann::json json = nlohmann::json::parse(bytes, nullptr, false);
  REQUIRE(!json.is_discarded());
  CHECK(json.is_object());
}

// Opens `bytes` as a zip archive (checked for consistency) and hands it to `check`, which
// asserts on its entries; `what` names the file in the failure message.
void CheckZipLoads(const std::string& bytes, const char* what,
                   const std::function<void(zip_t*)>& check) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  REQUIRE(source != nullptr);
  zip_t* zip = zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &error);
  if (zip == nullptr) zip_source_free(source);
  zip_error_fini(&error);
  REQUIRE_MESSAGE(zip != nullptr, what, " does not open as a zip");
  check(zip);
  zip_discard(zip);
}

void CheckXlsxLoads(const std::string& bytes) {
  CheckZipLoads(bytes, "the workbook", [](zip_t* zip) {
    CHECK(zip_name_locate(zip, "xl/workbook.xml", 0) >= 0);
    CHECK(zip_name_locate(zip, "xl/worksheets/sheet1.xml", 0) >= 0);
  });
}

void CheckQdpxLoads(const std::string& bytes) {
  CheckZipLoads(bytes, "the project", [](zip_t* zip) {
    CHECK(zip_name_locate(zip, "project.qde", 0) >= 0);
    CHECK(zip_get_num_entries(zip, 0) > 1);
  });
}

}  // namespace

TEST_CASE(
    "crash safety: `framework chart --draft` killed at any moment leaves the old or new chart") {
  StudyCopy copy;
  KillCase c;
  c.what = "chart role --draft --all";
  c.study = copy.root();
  c.target = copy.root() / "charts" / "role.yaml";
  c.before = {"chart", "role", "--draft"};  // one draft: the old file
  c.after = {"chart", "role", "--draft", "--all"};
  c.check_loads = CheckChartLoads;
  KillWhileWriting(c, 20240612);
}

TEST_CASE(
    "crash safety: `framework export -o FILE` killed at any moment leaves the old or new file") {
  // 200 kills over the four formats (qdpx: project.qde and the sources made as it is written).
  StudyCopy copy;
  const std::string out = (copy.root() / "out").string();
  struct Format {
    const char* what;
    const char* file;
    std::vector<std::string> extra_before, extra_after;
    void (*check)(const std::string&);
    int kills;
  };
  const std::vector<Format> formats = {
      {"export csv", "matrices.csv", {"training"}, {"training", "--long"}, CheckCsvLoads, 50},
      {"export json", "matrices.json", {"training"}, {}, CheckJsonLoads, 50},
      {"export xlsx",
       "matrices.xlsx",
       {"training"},
       {"--attributes", "role,sector"},
       CheckXlsxLoads,
       50},
      {"export qdpx", "project.qdpx", {"--only", "P0[1-5]"}, {}, CheckQdpxLoads, 50}};
  int kills = 0;
  for (const Format& f : formats) {
    KillCase c;
    c.what = f.what;
    c.study = copy.root();
    c.target = copy.root() / "out" / f.file;
    c.before = {"export", "-o", c.target.string()};
    c.before.insert(c.before.end(), f.extra_before.begin(), f.extra_before.end());
    c.after = {"export", "-o", c.target.string()};
    c.after.insert(c.after.end(), f.extra_after.begin(), f.extra_after.end());
    c.kills = f.kills;
    c.check_loads = f.check;
    KillWhileWriting(c, 20240613 + static_cast<std::uint32_t>(kills));
    kills += f.kills;
  }
  CHECK(kills == 200);
}
