// Output targets (docs/decisions.md "Output targets"): `-o` never replaces a study's input
// files, whatever the format, directly, through a symlink or a hard link (exit 2, the file byte
// for byte as it was); `-o` onto a character device, FIFO or /dev/stdout writes into it and
// leaves it what it was; `-o` onto a symlink writes its target and the link stays a link.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "framework/file_system.h"
#include "run_binary.h"
#include "study_copy.h"
#include "tmpfs_util.h"

namespace {

namespace fs = std::filesystem;
using framework_test::Contains;
using framework_test::kExample;
using framework_test::ReadFile;
using framework_test::Run;
using framework_test::RunResult;
using framework_test::TempDir;
using framework_test::WriteFile;

// A copy of the example study, with an empty folder "out" beside its files.
class StudyCopy {
 public:
  StudyCopy() {
    fs::copy(kExample, root(), fs::copy_options::recursive);
    fs::create_directories(root() / "out");
  }
  fs::path root() const { return tmp_.path() / "study"; }
  fs::path tmp() const { return tmp_.path(); }

 private:
  TempDir tmp_;
};

bool IsCharDevice(const fs::path& p) {
  struct stat st {};
  return ::lstat(p.c_str(), &st) == 0 && S_ISCHR(st.st_mode);
}

bool IsFifo(const fs::path& p) {
  struct stat st {};
  return ::lstat(p.c_str(), &st) == 0 && S_ISFIFO(st.st_mode);
}

// The study's input files the tests aim -o at.
const std::vector<std::string> kInputs = {"framework.yaml", "participants.yaml",
                                          "transcripts/P01.txt", "charts/training.yaml"};

// Commands with -o, each writing FILE (its name given by the test; formats fixed by options).
std::vector<std::vector<std::string>> Writers(const std::string& file) {
  return {
      {"export", "training", "--format", "csv", "-o", file},
      {"export", "--format", "json", "-o", file},
      {"export", "training", "--format", "md", "-o", file},
      {"quotes", "training.prequal", "-o", file},
      {"summarise", "--format", "md", "-o", file},
  };
}

std::string Joined(const std::vector<std::string>& args) {
  std::string out;
  for (const std::string& a : args) out += (out.empty() ? "" : " ") + a;
  return out;
}

}  // namespace

TEST_CASE("output targets: -o onto a study input is refused, directly, via symlink, hard link") {
  StudyCopy study;
  const fs::path root = study.root();
  for (const std::string& input : kInputs) {
    const fs::path file = root / input;
    const std::string before = ReadFile(file);
    REQUIRE(!before.empty());
    // The three ways to name it: its own path, a symlink and a hard link in out/.
    const fs::path link = root / "out" / "link";
    const fs::path hard = root / "out" / "hard";
    fs::remove(link);
    fs::remove(hard);
    fs::create_symlink(fs::path("..") / input, link);
    REQUIRE(::link(file.c_str(), hard.c_str()) == 0);
    for (const std::string& name : {input, std::string("out/link"), std::string("out/hard")}) {
      for (const auto& args : Writers(name)) {
        CAPTURE(Joined(args));
        const RunResult r = Run(args, root);
        CHECK(r.exit_code == 2);
        CHECK(Contains(r.err, "output never replaces an input"));
        CHECK(ReadFile(file) == before);
        CHECK(fs::is_symlink(link));
        CHECK(fs::hard_link_count(file) == 2);
      }
    }
    // An xlsx or qdpx export, through a link whose name has the format's extension.
    for (const char* ext : {"xlsx", "qdpx"}) {
      const fs::path named = root / "out" / (std::string("hard.") + ext);
      fs::remove(named);
      REQUIRE(::link(file.c_str(), named.c_str()) == 0);
      const RunResult r = Run({"export", "--format", ext, "-o", named.string()}, root);
      CAPTURE(ext);
      CHECK(r.exit_code == 2);
      CHECK(ReadFile(file) == before);
      fs::remove(named);
    }
    fs::remove(link);
    fs::remove(hard);
  }
  // The message names what the file is.
  const RunResult chart =
      Run({"export", "training", "--format", "csv", "-o", "charts/training.yaml"}, root);
  CHECK(chart.exit_code == 2);
  CHECK(Contains(chart.err,
                 "-o charts/training.yaml is a chart file of the study "
                 "(charts/training.yaml); output never replaces an input"));
  // From another folder, with -C: still the study's file.
  const RunResult from_outside =
      Run({"export", "training", "--format", "csv", "-C", "study", "-o", "study/framework.yaml"},
          study.tmp());
  CHECK(from_outside.exit_code == 2);
  CHECK(Contains(from_outside.err, "is the study's framework.yaml"));
}

TEST_CASE("output targets: -o never adds a file the study would read as input") {
  StudyCopy study;
  const fs::path root = study.root();
  for (const char* name : {"transcripts/P99.txt", "charts/new.yaml"}) {
    const RunResult r = Run({"export", "training", "--format", "csv", "-o", name}, root);
    CAPTURE(name);
    CHECK(r.exit_code == 2);
    CHECK(!fs::exists(root / name));
  }
  // Files the study does not read are fine there.
  CHECK(
      Run({"export", "training", "--format", "csv", "-o", "charts/training.csv"}, root).exit_code ==
      0);
  CHECK(fs::is_regular_file(root / "charts/training.csv"));
}

TEST_CASE("output targets: -o DIR never writes into an input of the study") {
  StudyCopy study;
  const fs::path root = study.root();
  // out/training.csv is framework.yaml under another name: the folder export is refused before
  // any file is written.
  const std::string before = ReadFile(root / "framework.yaml");
  REQUIRE(::link((root / "framework.yaml").c_str(), (root / "out/training.csv").c_str()) == 0);
  const RunResult r = Run({"export", "--format", "csv", "-o", "out/"}, root);
  CHECK(r.exit_code == 2);
  CHECK(ReadFile(root / "framework.yaml") == before);
  CHECK(!fs::exists(root / "out/role.csv"));
}

TEST_CASE("output targets: merge -o onto one of its parts, or a study input, is refused") {
  StudyCopy study;
  const fs::path root = study.root();
  REQUIRE(
      Run({"export", "--format", "json", "--only", "P0*", "-o", "out/a.json"}, root).exit_code ==
      0);
  REQUIRE(
      Run({"export", "--format", "json", "--only", "P1*", "-o", "out/b.json"}, root).exit_code ==
      0);
  const std::string a = ReadFile(root / "out/a.json");
  const std::string yaml = ReadFile(root / "framework.yaml");
  RunResult r = Run({"merge", "out/a.json", "out/b.json", "-o", "out/a.json"}, root);
  CHECK(r.exit_code == 2);
  CHECK(ReadFile(root / "out/a.json") == a);
  r = Run({"merge", "out/a.json", "out/b.json", "-o", "framework.yaml"}, root);
  CHECK(r.exit_code == 2);
  CHECK(ReadFile(root / "framework.yaml") == yaml);
  CHECK(Run({"merge", "out/a.json", "out/b.json", "-o", "out/all.json"}, root).exit_code == 0);
}

TEST_CASE("output targets: a full disk under a streamed -o keeps the old file, exit 3") {
  // merge, summarise, quotes and export write their output in pieces as it is made; when the
  // disk fills part way, the target must keep its old bytes and no scratch file may be left.
  framework_test::StudyCopy study;
  const fs::path root = study.root();
  for (const char* part : {"P0*", "P1*"})
    REQUIRE(Run({"export", "--format", "json", "--only", part, "-q", "-o",
                 (study.tmp() / (std::string(part, 2) + ".json")).string()},
                root)
                .exit_code == 0);
  const std::vector<std::vector<std::string>> commands = {
      {"merge", (study.tmp() / "P0.json").string(), (study.tmp() / "P1.json").string()},
      {"summarise", "--format", "html"},                  // about 100 KB
      {"quotes", "role.background", "--format", "json"},  // about 6 KB
      {"export", "--format", "json"},
      {"export", "--format", "csv", "--long"},
      {"export", "--format", "qdpx"},  // about 140 KB, made as it is written
  };
  // 16 pages of 4 KB: one for each old target, one left free, the rest taken by a filler, so
  // every output (each more than 4 KB) runs out of space part way.
  const fs::path mnt = study.tmp() / "mnt";
  const framework_test::SmallTmpfs disk(mnt, "64k");
  if (!disk.mounted()) return;
  std::vector<std::string> names;
  for (std::size_t i = 0; i < commands.size(); ++i) {
    names.push_back("out" + std::to_string(i));
    WriteFile(mnt / names.back(), "OLD\n");
  }
  WriteFile(mnt / "filler", std::string((16 - commands.size() - 1) * 4096, 'x'));
  names.push_back("filler");
  for (std::size_t i = 0; i < commands.size(); ++i) {
    std::vector<std::string> args = commands[i];
    args.insert(args.end(), {"-o", (mnt / names[i]).string()});
    const RunResult r = Run(args, root);
    CAPTURE(args[0]);
    CAPTURE(r.err);
    CHECK(r.exit_code == 3);
    CHECK(Contains(r.err, "no space left on device"));
    // The message names the target, not the scratch file beside it (.outN.tmp-XXXXXX).
    CHECK(Contains(r.err, "cannot write " + (mnt / names[i]).string() + ": no space left"));
    CHECK(!Contains(r.err, ".tmp-"));
    CHECK(ReadFile(mnt / names[i]) == "OLD\n");
  }
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(mnt)) left.push_back(e.path().filename().string());
  std::sort(left.begin(), left.end());
  std::sort(names.begin(), names.end());
  CHECK(left == names);
}

TEST_CASE("output targets: import -o never writes into the inputs of an enclosing study") {
  StudyCopy study;
  const fs::path root = study.root();
  TempDir tmp;
  const fs::path qdpx = tmp.path() / "example.qdpx";
  REQUIRE(Run({"export", "--format", "qdpx", "-o", qdpx.string()}, root).exit_code == 0);
  // A study under the transcripts folder would add transcripts to this one.
  const RunResult r = Run({"import", qdpx.string(), "-o", "transcripts/imported"}, root);
  CHECK(r.exit_code == 2);
  CHECK(!fs::exists(root / "transcripts/imported"));
  CHECK(Run({"import", qdpx.string(), "-o", "out/imported"}, root).exit_code == 0);
  CHECK(fs::is_regular_file(root / "out/imported/framework.yaml"));
}

TEST_CASE("output targets: -o onto a character device writes into it, and it stays a device") {
  StudyCopy study;
  const fs::path root = study.root();
  const fs::path null = root / "out" / "null";
  const fs::path null_xlsx = root / "out" / "null.xlsx";
  if (::mknod(null.c_str(), S_IFCHR | 0666, makedev(1, 3)) != 0 ||
      ::mknod(null_xlsx.c_str(), S_IFCHR | 0666, makedev(1, 3)) != 0) {
    MESSAGE("skipped: mknod of a character device is not permitted here (" << std::strerror(errno)
                                                                           << ")");
    return;
  }
  for (const auto& args : Writers(null.string())) {
    CAPTURE(Joined(args));
    const RunResult r = Run(args, root);
    CHECK(r.exit_code == 0);
    CHECK(IsCharDevice(null));
  }
  const RunResult xlsx = Run({"export", "--format", "xlsx", "-o", null_xlsx.string()}, root);
  CHECK(xlsx.exit_code == 0);
  CHECK(IsCharDevice(null_xlsx));
  // Nothing was left beside them.
  for (const auto& entry : fs::directory_iterator(root / "out"))
    CHECK_MESSAGE((entry.path() == null || entry.path() == null_xlsx), entry.path());
  // A write error on a device is reported (exit 3), and the device stays.
  const RunResult full = Run({"export", "training", "--format", "csv", "-o", "/dev/full"}, root);
  CHECK(full.exit_code == 3);
  CHECK(Contains(full.err, "no space left on device"));
  CHECK(IsCharDevice("/dev/full"));
}

TEST_CASE("output targets: -o onto a block device is refused, and it stays a device") {
  TempDir tmp;
  const fs::path disk = tmp.path() / "disk";
  if (::mknod(disk.c_str(), S_IFBLK | 0600, makedev(7, 250)) != 0) {
    MESSAGE("skipped: mknod of a block device is not permitted here (" << std::strerror(errno)
                                                                       << ")");
    return;
  }
  const RunResult r = Run({"export", "training", "--format", "csv", "-o", disk.string()}, kExample);
  CHECK(r.exit_code == 3);
  CHECK(Contains(r.err, "is a block device"));
  struct stat st {};
  CHECK((::lstat(disk.c_str(), &st) == 0 && S_ISBLK(st.st_mode)));
}

TEST_CASE("output targets: -o /dev/stdout writes standard output") {
  StudyCopy study;
  const fs::path root = study.root();
  const RunResult plain = Run({"export", "training", "--format", "csv", "-q"}, root);
  REQUIRE(plain.exit_code == 0);
  REQUIRE(!plain.out.empty());
  for (const char* name : {"/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"}) {
    CAPTURE(name);
    const RunResult r = Run({"export", "training", "--format", "csv", "-q", "-o", name}, root);
    CHECK(r.exit_code == 0);
    CHECK(r.out == plain.out);
  }
  // A symlink to /dev/stdout too; and an xlsx workbook, whole.
  fs::create_symlink("/dev/stdout", root / "out" / "book.xlsx");
  const RunResult book = Run({"export", "--format", "xlsx", "-q", "-o", "out/book.xlsx"}, root);
  CHECK(book.exit_code == 0);
  CHECK(book.out.starts_with("PK"));
  CHECK(fs::is_symlink(root / "out" / "book.xlsx"));
  const RunResult quotes = Run({"quotes", "training.prequal", "-o", "/dev/stdout"}, root);
  CHECK(quotes.exit_code == 0);
  CHECK(!quotes.out.empty());
}

TEST_CASE("output targets: -o onto a FIFO writes into it, and it stays a FIFO") {
  StudyCopy study;
  const fs::path root = study.root();
  const fs::path fifo = root / "out" / "pipe";
  REQUIRE(::mkfifo(fifo.c_str(), 0644) == 0);
  const RunResult plain = Run({"export", "--format", "json", "-q"}, root);
  REQUIRE(plain.exit_code == 0);
  std::string received;
  std::thread reader([&] {
    const int fd = ::open(fifo.c_str(), O_RDONLY);
    if (fd < 0) return;
    char buffer[65536];
    for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;)
      received.append(buffer, static_cast<std::size_t>(n));
    ::close(fd);
  });
  const RunResult r = Run({"export", "--format", "json", "-q", "-o", fifo.string()}, root);
  // Should the command not have opened the FIFO, this lets the reader go.
  const int unblock = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
  if (unblock >= 0) ::close(unblock);
  reader.join();
  CHECK(r.exit_code == 0);
  CHECK(received == plain.out);
  CHECK(IsFifo(fifo));
}

TEST_CASE("output targets: -o onto a Unix socket connects and writes, and it stays a socket") {
  StudyCopy study;
  const fs::path root = study.root();
  const fs::path path = root / "out" / "sock";
  const int listener = ::socket(AF_UNIX, SOCK_STREAM, 0);
  REQUIRE(listener >= 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  REQUIRE(path.string().size() < sizeof address.sun_path);
  std::memcpy(address.sun_path, path.c_str(), path.string().size() + 1);
  REQUIRE(::bind(listener, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(::listen(listener, 1) == 0);
  const RunResult plain = Run({"export", "training", "--format", "csv", "-q"}, root);
  std::string received;
  std::thread reader([&] {
    const int fd = ::accept(listener, nullptr, nullptr);
    if (fd < 0) return;
    char buffer[65536];
    for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;)
      received.append(buffer, static_cast<std::size_t>(n));
    ::close(fd);
  });
  const RunResult r =
      Run({"export", "training", "--format", "csv", "-q", "-o", path.string()}, root);
  ::shutdown(listener, SHUT_RDWR);  // lets the reader go, should the command not have connected
  reader.join();
  ::close(listener);
  CHECK(r.exit_code == 0);
  CHECK(received == plain.out);
  struct stat st {};
  CHECK((::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)));
}

TEST_CASE("output targets: -o onto a symlink writes its target, atomically, and the link stays") {
  StudyCopy study;
  const fs::path root = study.root();
  WriteFile(root / "out" / "real.csv", "old\n");
  fs::create_directories(root / "out" / "deep");
  fs::create_symlink("../real.csv", root / "out" / "deep" / "link.csv");
  fs::create_symlink("deep/link.csv", root / "out" / "chain.csv");
  ::chmod((root / "out" / "real.csv").c_str(), 0640);
  const RunResult plain = Run({"export", "training", "--format", "csv", "-q"}, root);
  const RunResult r = Run({"export", "training", "--format", "csv", "-o", "out/chain.csv"}, root);
  CHECK(r.exit_code == 0);
  CHECK(fs::is_symlink(root / "out" / "chain.csv"));
  CHECK(fs::is_symlink(root / "out" / "deep" / "link.csv"));
  CHECK(ReadFile(root / "out" / "real.csv") == plain.out);
  CHECK((fs::status(root / "out" / "real.csv").permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read));
  // A link to a file not there yet: the file is made where the link points.
  fs::create_symlink("made.md", root / "out" / "dangling.md");
  CHECK(Run({"export", "training", "--format", "md", "-o", "out/dangling.md"}, root).exit_code ==
        0);
  CHECK(fs::is_symlink(root / "out" / "dangling.md"));
  CHECK(fs::is_regular_file(root / "out" / "made.md"));
  // xlsx through a link as well.
  WriteFile(root / "out" / "real.xlsx", "old");
  fs::create_symlink("real.xlsx", root / "out" / "book.xlsx");
  CHECK(Run({"export", "--format", "xlsx", "-o", "out/book.xlsx"}, root).exit_code == 0);
  CHECK(fs::is_symlink(root / "out" / "book.xlsx"));
  CHECK(ReadFile(root / "out" / "real.xlsx").starts_with("PK"));
  // A loop is an error, not a hang.
  fs::create_symlink("loop2.csv", root / "out" / "loop1.csv");
  fs::create_symlink("loop1.csv", root / "out" / "loop2.csv");
  const RunResult loop =
      Run({"export", "training", "--format", "csv", "-o", "out/loop1.csv"}, root);
  CHECK(loop.exit_code == 3);
  CHECK(Contains(loop.err, "too many levels of symbolic links"));
}

TEST_CASE("output targets: ResolveOutput classifies without touching anything") {
  TempDir tmp;
  const fs::path file = tmp.path() / "file";
  WriteFile(file, "x");
  fs::create_symlink("file", tmp.path() / "link");
  using Kind = framework::OutputTarget::Kind;
  framework::OutputTarget t = framework::ResolveOutput((tmp.path() / "link").string());
  CHECK(t.kind == Kind::kFile);
  CHECK(t.path == (tmp.path() / "file").string());
  t = framework::ResolveOutput("/dev/stdout");
  CHECK(t.kind == Kind::kStream);
  CHECK(t.fd == 1);
  t = framework::ResolveOutput("/dev/null");
  CHECK(t.kind == Kind::kStream);
  CHECK(t.fd == -1);
  t = framework::ResolveOutput(tmp.path().string());
  CHECK(!t.error.empty());
  t = framework::ResolveOutput((tmp.path() / "new").string());
  CHECK(t.kind == Kind::kFile);
  CHECK(t.error.empty());
  CHECK(!fs::exists(tmp.path() / "new"));
  CHECK(framework::SameFileAs((tmp.path() / "link").string(), {"/dev/null", file.string()}) ==
        file.string());
  CHECK(framework::SameFileAs((tmp.path() / "new").string(), {file.string()}).empty());
}
