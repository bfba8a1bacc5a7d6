// Crash safety of chart saves: a process killed while saving a chart leaves the old or the new
// chart file, never a broken one.
//
// A child process saves two versions of a ~200 KB chart over and over onto the same path with
// WriteFileAtomically, as `framework` saves one. The parent kills it with SIGKILL after a short,
// varying delay, 200 times, and after each kill checks that the file holds exactly the bytes of
// one of the two versions (SerializeChart of each, made once up front so that the child spends
// its time writing, where a kill can do harm, not serialising) and that it loads without errors.
// The delays come from a fixed-seed generator; the timing of the machine only decides which
// version is seen, never what is asserted.
//
// The child never returns into doctest: it only saves, and leaves by _exit or by the kill.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "framework/chart.h"
#include "framework/diagnostic.h"
#include "framework/file_system.h"
#include "test_util.h"

namespace fs = std::filesystem;

using framework::Chart;
using framework::ChartCell;
using framework::ChartStatus;
using framework::CountDiagnostics;
using framework::Diagnostics;
using framework::DiskFileSystem;
using framework::LoadChart;
using framework::ReadResult;
using framework::SerializeChart;
using framework::WriteFileAtomically;

namespace {

using framework_test::TempDir;

constexpr int kParticipants = 30;
constexpr int kSubthemes = 10;

// The chart saved as version A (`revised` false) or B (`revised` true): 300 cells with long
// summaries in non-ASCII text, some over several lines. B rewords every summary, reviews every
// cell and adds one cell, as a round of charting would; its file differs from A's all through.
Chart MakeChart(bool revised) {
  static const char* const kSubthemeIds[kSubthemes] = {
      "prequal",  "postqual",  "access", "supervision", "guidance",
      "referral", "provision", "gaps",   "bridging",    "outcomes"};
  Chart chart;
  chart.path = "charts/training.yaml";
  chart.theme = "training";
  for (int p = 1; p <= kParticipants; ++p) {
    for (int s = 0; s < kSubthemes; ++s) {
      ChartCell cell;
      cell.participant = (p < 10 ? "P0" : "P") + std::to_string(p);
      cell.subtheme = kSubthemeIds[s];
      cell.status = revised ? ChartStatus::kReviewed : ChartStatus::kCharted;
      const int line = 10 * p + 3 * s + 1;
      std::string summary;
      for (int sentence = 0; sentence < 3; ++sentence) {
        if (sentence > 0) summary += (sentence == 2 && s % 3 == 0) ? "\n" : " ";
        summary += revised ? "On reflection, " : "";
        summary += "the “" + cell.subtheme + "” cell for " + cell.participant +
                   " records that the café drop-in in Zürich was ‘naïve’ about risk — "
                   "sessions «every other week», Núñez said; 東京の研修 helped (L" +
                   std::to_string(line + sentence) + ").";
      }
      cell.summary = std::move(summary);
      if (revised) cell.comment = "checked again against the transcript; wording tightened";
      cell.refs = {"L" + std::to_string(line),
                   "L" + std::to_string(line + 1) + "-" + std::to_string(line + 3)};
      cell.source = (revised ? "fnv1a:9e3779b97f4a7c15" : "fnv1a:cbf29ce484222325");
      cell.updated = revised ? "2022-05-02T09:30:00Z" : "2022-04-04T10:14:34Z";
      chart.cells.push_back(std::move(cell));
    }
  }
  if (revised) {
    ChartCell added;
    added.participant = "P31";
    added.subtheme = "prequal";
    added.status = ChartStatus::kDraft;
    added.summary = "Nouvelle participante : « rien du tout » sur le sujet à l'université (L12).";
    added.refs = {"L12"};
    added.updated = "2022-05-02T09:31:00Z";
    chart.cells.push_back(std::move(added));
  }
  return chart;
}

constexpr int kChildSaveFailed = 3;
constexpr int kChildOrphaned = 4;

// The child: saves the two versions in turn, starting with `first`, until it is killed. After its
// first completed save it writes one byte to `saved_fd`. Never returns, not even by an exception.
// Should the test process die first (a timeout, say), the child sees it has a new parent and stops
// rather than save forever.
[[noreturn]] void SaveForever(const std::string& path, const std::array<std::string, 2>& versions,
                              int first, int saved_fd, pid_t parent) noexcept {
  for (int version = first;; version ^= 1) {
    if (::getppid() != parent) ::_exit(kChildOrphaned);
    if (!WriteFileAtomically(path, versions[version]).empty()) ::_exit(kChildSaveFailed);
    if (saved_fd >= 0) {
      const char byte = 's';
      [[maybe_unused]] ssize_t n = ::write(saved_fd, &byte, 1);
      ::close(saved_fd);
      saved_fd = -1;
    }
  }
}

// "name.yaml" -> true for ".name.yaml.tmp-XXXXXX", the temporary files of WriteFileAtomically.
bool IsTemporaryOf(const std::string& entry, const std::string& name) {
  const std::string prefix = "." + name + ".tmp-";
  return entry.size() == prefix.size() + 6 && entry.starts_with(prefix);
}

// First byte offset where `a` and `b` differ (the shorter size when one is a prefix).
std::size_t FirstDifference(const std::string& a, const std::string& b) {
  std::size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  return i;
}

}  // namespace

TEST_CASE("crash safety: a chart save killed at any moment leaves the old or the new file") {
  const auto started = std::chrono::steady_clock::now();
  TempDir tmp;
  const std::string name = "training.yaml";
  const std::string path = (tmp.path() / name).string();

  const std::array<Chart, 2> charts = {MakeChart(false), MakeChart(true)};
  const std::array<std::string, 2> serialised = {SerializeChart(charts[0]),
                                                 SerializeChart(charts[1])};
  const std::array<std::size_t, 2> cell_counts = {charts[0].cells.size(), charts[1].cells.size()};
  const std::array<const char*, 2> version_names = {"A", "B"};
  REQUIRE(cell_counts[0] == 300);
  REQUIRE(cell_counts[1] == 301);
  REQUIRE(serialised[0] != serialised[1]);
  // Big enough that a save takes a while: ~200 KB each.
  CHECK(serialised[0].size() > 150'000);
  CHECK(serialised[1].size() > 150'000);
  CHECK(serialised[0].size() < 300'000);
  CHECK(serialised[1].size() < 300'000);

  // The two versions load back cleanly, every cell there, so a file equal to either is good.
  for (int v = 0; v < 2; ++v) {
    Diagnostics diagnostics;
    Chart loaded = LoadChart(name, serialised[v], diagnostics);
    CHECK(diagnostics.empty());
    REQUIRE(loaded.cells.size() == cell_counts[v]);
    CHECK(loaded.theme == charts[v].theme);
    for (const ChartCell& cell : charts[v].cells) {
      const int found = loaded.Find(cell.participant, cell.subtheme);
      REQUIRE(found >= 0);
      CHECK(loaded.cells[found].status == cell.status);
      CHECK(loaded.cells[found].refs == cell.refs);
    }
  }

  // Version A on disk to start with.
  REQUIRE(WriteFileAtomically(path, serialised[0]) == "");
  DiskFileSystem disk(tmp.path().string());

  constexpr int kKills = 200;
  std::mt19937 rng(20240611);  // fixed seed: the same delays every run
  std::array<int, 2> seen = {0, 0};
  int on_disk = 0;  // the version last seen in the file
  int leftover_temporaries = 0;
  std::array<bool, 2> load_checked = {false, false};

  for (int attempt = 0; attempt < kKills; ++attempt) {
    CAPTURE(attempt);
    // 0 to 3 ms. One kill in four waits first for the child's first completed save, so that
    // saves are seen to complete even where a save (with its fsync) takes longer than 3 ms.
    const auto delay = std::chrono::microseconds(rng() % 3001);
    const bool after_first_save = attempt % 4 == 3;
    CAPTURE(delay.count());
    CAPTURE(after_first_save);
    // The child saves the version not on disk first, so every completed save changes the file.
    const int first = on_disk ^ 1;

    int saved_pipe[2];
    REQUIRE(::pipe2(saved_pipe, O_CLOEXEC) == 0);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    const int fork_errno = errno;
    if (pid == 0) {
      ::close(saved_pipe[0]);
      SaveForever(path, serialised, first, saved_pipe[1], parent);
    }
    ::close(saved_pipe[1]);
    // No doctest macro may throw between fork and waitpid: the child must not outlive the test.
    bool child_saved = false;
    if (pid > 0) {
      if (after_first_save) {
        pollfd pfd{saved_pipe[0], POLLIN, 0};
        char byte = 0;
        if (::poll(&pfd, 1, 10'000) == 1 && ::read(saved_pipe[0], &byte, 1) == 1)
          child_saved = true;
      }
      std::this_thread::sleep_for(delay);
      ::kill(pid, SIGKILL);
    }
    int status = 0;
    const pid_t waited = pid > 0 ? ::waitpid(pid, &status, 0) : -1;
    ::close(saved_pipe[0]);

    REQUIRE_MESSAGE(pid > 0, "fork failed: " << std::string(std::strerror(fork_errno)));
    REQUIRE(waited == pid);
    REQUIRE_MESSAGE(WIFSIGNALED(status),
                    "the child stopped before the kill, exit code "
                        << (WIFEXITED(status) ? WEXITSTATUS(status) : -1)
                        << (WIFEXITED(status) && WEXITSTATUS(status) == kChildSaveFailed
                                ? std::string(" (a save failed)")
                                : std::string()));
    REQUIRE(WTERMSIG(status) == SIGKILL);
    if (after_first_save) REQUIRE_MESSAGE(child_saved, "the child never completed a save");

    // The file: exactly one version, byte for byte, and it loads cleanly.
    const ReadResult read = disk.Read(name);
    REQUIRE_MESSAGE(read.ok, "cannot read the chart after a kill: " << read.error);
    int version = -1;
    for (int v = 0; v < 2; ++v)
      if (read.contents == serialised[v]) version = v;
    // LoadChart depends on the bytes alone: a version's file is loaded and checked the first time
    // it is seen (the same bytes were checked before the loop), a file that is neither is loaded
    // to tell what is wrong with it.
    Diagnostics diagnostics;
    Chart loaded;
    if (version < 0 || !load_checked[version]) loaded = LoadChart(name, read.contents, diagnostics);
    if (version < 0) {
      FAIL_CHECK("the chart is neither version: "
                 << read.contents.size() << " bytes (A has " << serialised[0].size() << ", B has "
                 << serialised[1].size() << "), first difference from A at byte "
                 << FirstDifference(read.contents, serialised[0]) << ", from B at byte "
                 << FirstDifference(read.contents, serialised[1]) << "; it loads with "
                 << diagnostics.size() << " diagnostics and " << loaded.cells.size() << " cells");
    } else {
      if (!load_checked[version]) {
        CAPTURE(version_names[version]);
        CHECK(CountDiagnostics(diagnostics).errors == 0);
        CHECK(diagnostics.empty());
        CHECK(loaded.cells.size() == cell_counts[version]);
        CHECK(loaded.theme == "training");
        load_checked[version] = true;
      }
      ++seen[version];
      on_disk = version;
    }

    // Nothing else in the folder but temporaries the killed child left behind; the target path is
    // a regular file, never one of them. Removed each time, so they do not pile up.
    CHECK(fs::is_regular_file(path));
    for (const auto& entry : fs::directory_iterator(tmp.path())) {
      const std::string entry_name = entry.path().filename().string();
      if (entry_name == name) continue;
      CHECK_MESSAGE(IsTemporaryOf(entry_name, name), "unexpected file: " << entry_name);
      ++leftover_temporaries;
      std::error_code ec;
      fs::remove(entry.path(), ec);
    }
  }

  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  INFO("kills: ", kKills, ", version A seen ", seen[0], " times, version B ", seen[1],
       " times; kills that left a temporary file (mid-save): ", leftover_temporaries, "; ", seconds,
       " s");
  CHECK(seen[0] + seen[1] == kKills);
  CHECK(seen[0] >= 1);
  CHECK(seen[1] >= 1);

  // Clean the folder: only the chart is left, and it goes with the folder.
  for (const auto& entry : fs::directory_iterator(tmp.path()))
    CHECK(entry.path().filename().string() == name);
}

namespace {

// The names in `dir`, sorted.
std::vector<std::string> Entries(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

std::string Slurp(const fs::path& path) {
  ReadResult r = DiskFileSystem().Read(path.string());
  REQUIRE(r.ok);
  return r.contents;
}

}  // namespace

TEST_CASE("AtomicFile: pieces written go in place at Commit, never before") {
  TempDir dir;
  const fs::path target = dir.path() / "matrix.csv";
  REQUIRE(WriteFileAtomically(target.string(), "old version\n") == "");
  fs::permissions(target, fs::perms::owner_read | fs::perms::owner_write);

  // Small pieces, one larger than the buffer, and more small ones after it.
  std::string expected;
  framework::AtomicFile file;
  REQUIRE(file.Open(target.string()) == "");
  CHECK(file.is_open());
  for (int i = 0; i < 5000; ++i) {
    const std::string piece = "row " + std::to_string(i) + ",Ōtautahi,\"quoted\"\r\n";
    CHECK(file.Write(piece));
    expected += piece;
  }
  const std::string big(300000, 'x');
  CHECK(file.Write(big));
  expected += big;
  CHECK(file.Write("last\n"));
  expected += "last\n";

  // Before the commit: the target is the old version, beside one hidden temporary file.
  CHECK(Slurp(target) == "old version\n");
  std::vector<std::string> entries = Entries(dir.path());
  REQUIRE(entries.size() == 2);
  CHECK(IsTemporaryOf(entries[0], "matrix.csv"));
  CHECK(entries[1] == "matrix.csv");

  CHECK(file.Commit() == "");
  CHECK_FALSE(file.is_open());
  CHECK(Slurp(target) == expected);
  CHECK(Entries(dir.path()) == std::vector<std::string>{"matrix.csv"});
  // The replaced file's permissions are kept.
  CHECK((fs::status(target).permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write));
  // Nothing more can be written or committed.
  CHECK_FALSE(file.Write("more"));
  CHECK(file.Commit() != "");
  CHECK(Slurp(target) == expected);
}

TEST_CASE("AtomicFile: abandoned or destroyed uncommitted, it removes its temporary file") {
  TempDir dir;
  const fs::path target = dir.path() / "export.json";
  REQUIRE(WriteFileAtomically(target.string(), "{}\n") == "");
  const fs::path fresh = dir.path() / "new.json";

  SUBCASE("destroyed") {
    {
      framework::AtomicFile file;
      REQUIRE(file.Open(target.string()) == "");
      CHECK(file.Write(std::string(200000, 'y')));
      framework::AtomicFile other;
      REQUIRE(other.Open(fresh.string()) == "");
      CHECK(other.Write("[1, 2]\n"));
      CHECK(Entries(dir.path()).size() == 3);
    }
  }
  SUBCASE("abandoned") {
    framework::AtomicFile file;
    REQUIRE(file.Open(target.string()) == "");
    CHECK(file.Write("{\"half\": "));
    file.Abandon();
    CHECK_FALSE(file.is_open());
    CHECK(file.Commit() != "");
  }
  // The old version is kept and no new file appears.
  CHECK(Slurp(target) == "{}\n");
  CHECK(Entries(dir.path()) == std::vector<std::string>{"export.json"});
}

TEST_CASE("AtomicFile: a folder that cannot take the file is an error, at Open and Commit") {
  TempDir dir;
  const fs::path target = dir.path() / "missing" / "out.csv";
  framework::AtomicFile file;
  const std::string error = file.Open(target.string());
  CHECK(error.find("cannot create a temporary file in " + (dir.path() / "missing").string()) == 0);
  CHECK(error.find("no such file or directory") != std::string::npos);
  CHECK_FALSE(file.is_open());
  CHECK_FALSE(file.Write("a,b\r\n"));
  CHECK(file.Commit() == error);
  CHECK(WriteFileAtomically(target.string(), "a,b\r\n") == error);
  CHECK_FALSE(fs::exists(target));
}
