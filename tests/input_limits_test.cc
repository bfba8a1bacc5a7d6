// Hostile and odd input files (issue 14): every input goes through ReadInputFile, which reads
// only regular files, at most --max-file-size bytes, and (for study files) only inside the study
// folder unless --follow-symlinks; ReadTextFile refuses UTF-16 and UTF-32 with one error and
// reads CR-only line ends. Big files are sparse files made here with truncate(2); FIFOs with
// mkfifo(3); everything lives in temporary folders.
//
// Permission tests: root reads a chmod-000 file anyway, so when the tests run as root the binary
// is run as "nobody" through setpriv(1) (the study is made readable for it); without setpriv they
// say they were skipped.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "framework/file_system.h"
#include "framework/refi_export.h"
#include "framework/study.h"
#include "run_binary.h"

namespace {

using namespace framework_test;
using framework::ReadInputFile;
using framework::ReadPolicy;
using framework::ReadResult;

constexpr std::uint64_t k64G = 64ull << 30;

// A small clean study in a temporary folder: two participants, two transcripts, one chart.
class LimitStudy {
 public:
  LimitStudy() {
    fs::permissions(tmp_.path(), fs::perms::owner_all | fs::perms::group_read |
                                     fs::perms::group_exec | fs::perms::others_read |
                                     fs::perms::others_exec);
    Write("framework.yaml", R"(framework: 1
title: Limits
themes:
  - id: t
    label: Theme
    subthemes:
      - id: s
        label: Sub
)");
    Write("participants.yaml", "participants:\n  - id: P01\n  - id: P02\n");
    Write("transcripts/P01.txt", "Hello {t.s}world{/t.s}\n");
    Write("transcripts/P02.txt", "Plain text\n");
  }
  fs::path root() const { return tmp_.path() / "study"; }
  fs::path operator/(const std::string& p) const { return root() / p; }
  void Write(const std::string& path, const std::string& contents) {
    WriteFile(root() / path, contents);
  }
  // A sparse file of `size` bytes at `path` (no disk space used).
  void Sparse(const std::string& path, std::uint64_t size) {
    fs::create_directories((root() / path).parent_path());
    WriteFile(root() / path, "");
    REQUIRE(::truncate((root() / path).c_str(), static_cast<off_t>(size)) == 0);
  }
  void Fifo(const std::string& path) {
    fs::remove(root() / path);
    REQUIRE(::mkfifo((root() / path).c_str(), 0644) == 0);
  }
  void Link(const std::string& path, const std::string& target) {
    fs::remove(root() / path);
    fs::create_symlink(target, root() / path);
  }

 private:
  TempDir tmp_;
};

// The lines of `err` that say "error:".
std::vector<std::string> Errors(const std::string& err) {
  std::vector<std::string> out;
  for (const std::string& line : Lines(err))
    if (Contains(line, "error:")) out.push_back(line);
  return out;
}

// Runs the binary as "nobody" when the tests run as root (root ignores file permissions), else
// as is. Empty optional: cannot drop privileges here.
std::optional<RunResult> RunUnprivileged(const std::vector<std::string>& args,
                                         const fs::path& cwd) {
  if (::geteuid() != 0) return Run(args, cwd);
  if (::access("/usr/bin/setpriv", X_OK) != 0) return std::nullopt;
  std::vector<std::string> all{"--reuid=65534", "--regid=65534", "--clear-groups", FRAMEWORK_BIN};
  all.insert(all.end(), args.begin(), args.end());
  return RunProgram("/usr/bin/setpriv", all, cwd);
}

}  // namespace

// ---- the reader -----------------------------------------------------------------------------

TEST_CASE("input files: a 64 GB sparse file is refused by its size, nothing is read") {
  TempDir tmp;
  const std::string path = (tmp.path() / "big.txt").string();
  WriteFile(path, "");
  REQUIRE(::truncate(path.c_str(), static_cast<off_t>(k64G)) == 0);
  ReadResult r = ReadInputFile(path);
  CHECK_FALSE(r.ok);
  CHECK_FALSE(r.not_found);
  CHECK(r.error == "file too large (64 GB > limit 64 MB)");
  CHECK(Contains(r.hint, "--max-file-size 64G"));
  CHECK(r.contents.empty());

  ReadPolicy roomy;
  roomy.max_file_size = 128ull << 30;
  // Allowed by the limit, it would be read; a check alone says yes without reading.
  CHECK(framework::CheckInputFile(path, roomy).ok);
}

TEST_CASE("input files: the limit is exact, and a file that grows past it is refused") {
  TempDir tmp;
  const std::string path = (tmp.path() / "f.txt").string();
  WriteFile(path, "0123456789");
  ReadPolicy policy;
  policy.max_file_size = 10;
  ReadResult r = ReadInputFile(path, policy);
  CHECK(r.ok);
  CHECK(r.contents == "0123456789");
  policy.max_file_size = 9;
  r = ReadInputFile(path, policy);
  CHECK_FALSE(r.ok);
  CHECK(r.error == "file too large (10 bytes > limit 9 bytes)");
  // Files in /proc say size 0 and stream: reading stops at the limit.
  if (fs::exists("/proc/self/maps")) {
    policy.max_file_size = 16;
    r = ReadInputFile("/proc/self/maps", policy);
    CHECK_FALSE(r.ok);
    CHECK(Contains(r.error, "file too large (it grew past the limit of 16 bytes"));
    CHECK(r.contents.empty());
  }
}

TEST_CASE("input files: FIFOs, devices, sockets and folders are refused, naming the kind") {
  TempDir tmp;
  const std::string fifo = (tmp.path() / "pipe").string();
  REQUIRE(::mkfifo(fifo.c_str(), 0644) == 0);
  ReadResult r = ReadInputFile(fifo);  // must not block: no writer ever comes
  CHECK_FALSE(r.ok);
  CHECK(r.error == "a FIFO (named pipe), not a regular file");
  CHECK(Contains(r.hint, "only regular files are read"));

  r = ReadInputFile("/dev/zero");  // would stream forever
  CHECK_FALSE(r.ok);
  CHECK(r.error == "a character device, not a regular file");

  const std::string socket_path = (tmp.path() / "sock").string();
  const int s = ::socket(AF_UNIX, SOCK_STREAM, 0);
  REQUIRE(s >= 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  REQUIRE(socket_path.size() < sizeof address.sun_path);
  std::copy(socket_path.begin(), socket_path.end(), address.sun_path);
  REQUIRE(::bind(s, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  r = ReadInputFile(socket_path);
  ::close(s);
  CHECK(r.error == "a socket, not a regular file");

  r = ReadInputFile(tmp.path().string());
  CHECK(r.error == "is a directory");
  r = ReadInputFile((tmp.path() / "none").string());
  CHECK(r.not_found);
}

TEST_CASE("input files: study files that lead outside the study folder are refused") {
  LimitStudy study;
  TempDir outside;
  WriteFile(outside.path() / "secret.txt", "secret\n");
  const std::string secret = fs::canonical(outside.path() / "secret.txt").string();
  study.Link("transcripts/P03.txt", secret);
  study.Link("transcripts/P04.txt", "P01.txt");  // inside: fine
  study.Link("transcripts/P05.txt", "gone.txt");
  fs::create_symlink(outside.path(), study / "elsewhere");

  framework::DiskFileSystem disk(study.root().string());
  ReadResult r = disk.Read("transcripts/P03.txt");
  CHECK_FALSE(r.ok);
  CHECK(r.error == "a symbolic link to '" + secret + "', outside the study folder");
  CHECK(Contains(r.hint, "--follow-symlinks"));
  CHECK(disk.Read("transcripts/P04.txt").contents == "Hello {t.s}world{/t.s}\n");
  r = disk.Read("transcripts/P05.txt");
  CHECK(r.error == "a dangling symbolic link (to 'gone.txt')");
  CHECK_FALSE(r.not_found);  // the link is there: an error, not a missing file
  r = disk.Read("elsewhere/secret.txt");
  CHECK(r.error ==
        "resolves through a symbolic link to '" + secret + "', outside the study folder");
  // A folder linked inside the study: read, the file checked where it was opened.
  fs::create_symlink(study / "transcripts", study / "alias");
  CHECK(disk.Read("alias/P01.txt").contents == "Hello {t.s}world{/t.s}\n");
  CHECK(disk.Read("alias/P04.txt").ok);
  r = disk.Read("alias/P03.txt");
  CHECK(r.error == "a symbolic link to '" + secret + "', outside the study folder");
  r = disk.Read(secret);  // an absolute path, as framework.yaml could name it
  CHECK(r.error == "'" + secret + "' is outside the study folder");
  r = disk.Read(fs::relative(secret, study.root()).string());
  CHECK(Contains(r.error, "is outside the study folder"));

  ReadPolicy follow;
  follow.follow_symlinks = true;
  framework::DiskFileSystem trusting(study.root().string(), follow);
  CHECK(trusting.Read("transcripts/P03.txt").contents == "secret\n");
  CHECK(trusting.Read(secret).ok);
}

TEST_CASE("input files: a folder outside the study is not walked (transcripts: / would be)") {
  LimitStudy study;
  TempDir outside;
  WriteFile(outside.path() / "a.txt", "secret\n");
  const std::string real = fs::canonical(outside.path()).string();
  framework::DiskFileSystem disk(study.root().string());
  std::vector<framework::ListProblem> problems;
  CHECK(disk.ListFilesChecked("/", ".txt", &problems).empty());
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].path == "/");
  CHECK(problems[0].error == "'/' is outside the study folder");
  problems.clear();
  CHECK(disk.GlobChecked(real + "/*.txt", &problems).empty());
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].error == "'" + real + "' is outside the study folder");
  problems.clear();
  fs::create_symlink(outside.path(), study / "linked");
  CHECK(disk.ListFilesChecked("linked", ".txt", &problems).empty());
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].path == "linked");
  // Allowed, they are listed (and read).
  ReadPolicy follow;
  follow.follow_symlinks = true;
  framework::DiskFileSystem trusting(study.root().string(), follow);
  problems.clear();
  CHECK(trusting.ListFilesChecked("linked", ".txt", &problems) ==
        std::vector<std::string>{"linked/a.txt"});
  CHECK(trusting.GlobChecked(real + "/*.txt", &problems) ==
        std::vector<std::string>{real + "/a.txt"});
  CHECK(problems.empty());

  // Through the binary: one error, exit 3, and the machine is not walked.
  study.Write("framework.yaml", ReadFile(study / "framework.yaml") + "transcripts: /\n");
  RunResult r = Run({"check"}, study.root());
  CHECK(r.exit_code == 3);
  const auto errors = Errors(r.err);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0] == "/: error: cannot read folder: '/' is outside the study folder");
  CHECK(Contains(r.err, "pass --follow-symlinks"));
}

namespace {

// A chain of `depth` folders named `name` under `top`, made and removed through descriptors
// (mkdirat, unlinkat): its paths are longer than PATH_MAX, which path-based calls (and
// fs::remove_all) refuse with ENAMETOOLONG.
class DeepChain {
 public:
  DeepChain(const fs::path& top, const std::string& name, int depth, const std::string& file)
      : name_(name), file_(file) {
    int fd = ::open(top.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    fds_.push_back(fd);
    for (int i = 0; i < depth; ++i) {
      REQUIRE(::mkdirat(fd, name.c_str(), 0755) == 0);
      fd = ::openat(fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      REQUIRE(fd >= 0);
      fds_.push_back(fd);
    }
    const int f = ::openat(fd, file.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    REQUIRE(f >= 0);
    REQUIRE(::write(f, "P02: deep\n", 10) == 10);
    ::close(f);
  }
  ~DeepChain() {
    ::unlinkat(fds_.back(), file_.c_str(), 0);
    for (std::size_t i = fds_.size(); i-- > 1;) {
      ::close(fds_[i]);
      ::unlinkat(fds_[i - 1], name_.c_str(), AT_REMOVEDIR);
    }
    ::close(fds_[0]);
  }

 private:
  std::string name_, file_;
  std::vector<int> fds_;
};

}  // namespace

TEST_CASE("input files: a folder whose path is too long for the system is an error naming it") {
  // Hostile sweep 50/51: past PATH_MAX the folder was taken for a file and dropped silently.
  LimitStudy study;
  fs::remove(study / "transcripts/P02.txt");
  const std::string name(250, 'd');
  const DeepChain chain(study / "transcripts", name, 20, "P02.txt");  // about 5,000 bytes
  framework::DiskFileSystem disk(study.root().string());
  std::vector<framework::ListProblem> problems;
  CHECK(disk.ListFilesChecked("transcripts", ".txt", &problems) ==
        std::vector<std::string>{"transcripts/P01.txt"});
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].err == ENAMETOOLONG);
  CHECK(problems[0].error == "file name too long");
  CHECK(problems[0].path.rfind("transcripts/" + name + "/", 0) == 0);
  CHECK(problems[0].path.size() > 2000);

  RunResult r = Run({"check"}, study.root());
  CHECK(r.exit_code == 3);
  CHECK(Contains(r.err, "transcripts/" + name + "/"));
  CHECK(Contains(r.err, ": error: cannot read folder: file name too long"));
  CHECK(Contains(r.err, "its path is longer than the system can open"));
}

TEST_CASE("input files: listings show FIFOs and dangling links, so that reading names them") {
  LimitStudy study;
  study.Fifo("transcripts/P03.txt");
  study.Link("transcripts/P04.txt", "gone.txt");
  framework::DiskFileSystem disk(study.root().string());
  std::vector<framework::ListProblem> problems;
  auto listed = disk.ListFilesChecked("transcripts", ".txt", &problems);
  CHECK(listed == std::vector<std::string>{"transcripts/P01.txt", "transcripts/P02.txt",
                                           "transcripts/P03.txt", "transcripts/P04.txt"});
  CHECK(problems.empty());
  CHECK(disk.Glob("transcripts/*.txt") == listed);
}

TEST_CASE("input files: UTF-16 and UTF-32 are refused with one error naming the encoding") {
  struct Case {
    std::string bytes;
    std::string encoding;
    std::string iconv_from;
  };
  auto wide = [](const std::string& ascii, int width, bool big) {
    std::string out;
    for (char c : ascii) {
      std::string unit(static_cast<std::size_t>(width), '\0');
      unit[big ? static_cast<std::size_t>(width - 1) : 0] = c;
      out += unit;
    }
    return out;
  };
  const std::string text = "participants:\n  - id: P01\n";
  const std::vector<Case> cases{
      {"\xFF\xFE" + wide(text, 2, false), "UTF-16LE", "UTF-16"},
      {"\xFE\xFF" + wide(text, 2, true), "UTF-16BE", "UTF-16"},
      {std::string("\xFF\xFE\0\0", 4) + wide(text, 4, false), "UTF-32LE", "UTF-32"},
      {std::string("\0\0\xFE\xFF", 4) + wide(text, 4, true), "UTF-32BE", "UTF-32"},
      {wide(text, 2, false), "UTF-16LE", "UTF-16LE"},
      {wide(text, 2, true), "UTF-16BE", "UTF-16BE"},
      {wide(text, 4, false), "UTF-32LE", "UTF-32LE"},
      {wide(text, 4, true), "UTF-32BE", "UTF-32BE"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.encoding);
    framework::MemoryFileSystem files;
    files.Add("p.yaml", c.bytes);
    ReadResult r = framework::ReadTextFile(files, "p.yaml");
    CHECK_FALSE(r.ok);
    CHECK(r.encoding == c.encoding);
    CHECK(Contains(r.error, "the file is " + c.encoding + " text"));
    CHECK(Contains(r.error, "not UTF-8"));
    CHECK(Contains(r.hint, "iconv -f " + c.iconv_from + " -t UTF-8 p.yaml"));
  }
  // UTF-8 with a stray NUL is refused at the NUL (hostile_io_test); binary noise without one
  // is left to the parsers (invalid-utf8, ...).
  framework::MemoryFileSystem files;
  files.Add("a.txt", std::string("abc\0def\n", 8));
  files.Add("b.txt", "caf\xC3\xA9\n");
  CHECK(framework::ReadTextFile(files, "a.txt").encoding == "binary");
  CHECK(framework::ReadTextFile(files, "b.txt").contents == "caf\xC3\xA9\n");
}

TEST_CASE("input files: CR-only line ends are read as LF, keeping every offset, CRLF is kept") {
  framework::MemoryFileSystem files;
  files.Add("mac.txt", "one\rtwo\r\rthree");
  files.Add("dos.txt", "one\r\ntwo\r\n");
  files.Add("mixed.txt", "a\r\nb\rc\n\r");
  CHECK(framework::ReadTextFile(files, "mac.txt").contents == "one\ntwo\n\nthree");
  CHECK(framework::ReadTextFile(files, "dos.txt").contents == "one\r\ntwo\r\n");
  CHECK(framework::ReadTextFile(files, "mixed.txt").contents == "a\r\nb\nc\n\n");
}

TEST_CASE("input files: sizes are parsed and shown in units of 1024") {
  using framework::FormatFileSize;
  using framework::ParseFileSize;
  CHECK(ParseFileSize("256M") == 256ull << 20);
  CHECK(ParseFileSize("1g") == 1ull << 30);
  CHECK(ParseFileSize("2GiB") == 2ull << 30);
  CHECK(ParseFileSize("10KB") == 10240u);
  CHECK(ParseFileSize("4096") == 4096u);
  CHECK(ParseFileSize("1T") == 1ull << 40);
  for (const char* bad : {"", "0", "M", "12X", "-1", "1.5G", "99999999999999999999", "20000000T"})
    CHECK_MESSAGE(!ParseFileSize(bad), bad);
  CHECK(FormatFileSize(k64G) == "64 GB");
  CHECK(FormatFileSize(256ull << 20) == "256 MB");
  CHECK(FormatFileSize((256ull << 20) + 1) == "256.1 MB");
  CHECK(FormatFileSize(1536) == "1.5 KB");
  CHECK(FormatFileSize(1) == "1 byte");
}

// ---- the study loader -----------------------------------------------------------------------

TEST_CASE("study: a UTF-16 file of each kind gives one wrong-encoding error, not an I/O error") {
  const std::string utf16 = std::string("\xFF\xFE") + std::string("H\0i\0\n\0", 6);
  for (const std::string file :
       {"framework.yaml", "participants.yaml", "transcripts/P02.txt", "charts/t.yaml"}) {
    CAPTURE(file);
    framework::MemoryFileSystem files;
    files.Add("framework.yaml",
              "framework: 1\ntitle: T\nthemes:\n  - id: t\n    label: T\n    subthemes:\n"
              "      - id: s\n        label: S\n");
    files.Add("participants.yaml", "participants:\n  - id: P01\n  - id: P02\n");
    files.Add("transcripts/P01.txt", "Hello {t.s}world{/t.s}\n");
    files.Add("transcripts/P02.txt", "Plain\n");
    files.Add("charts/t.yaml", "theme: t\ncells: []\n");
    files.Add(file, utf16);
    framework::Study study = framework::LoadStudy(files);
    INFO(Summary(study.diagnostics));
    REQUIRE(study.diagnostics.size() == 1);
    const framework::Diagnostic& d = study.diagnostics[0];
    CHECK(d.rule == "wrong-encoding");
    CHECK(d.file == file);
    CHECK(d.message == "the file is UTF-16LE text (it begins with a byte order mark), not UTF-8");
    CHECK(Contains(d.hint, "iconv -f UTF-16 -t UTF-8 " + file));
    CHECK_FALSE(study.io_error);
  }
}

TEST_CASE("study: CR-only line ends give the right line numbers and the same REFI export") {
  auto load = [](const std::string& eol) {
    framework::MemoryFileSystem files;
    files.Add("framework.yaml",
              "framework: 1\rtitle: T\rspeakers: {INT: interviewer}\rthemes:\r"
              "  - id: t\r    label: T\r    subthemes:\r      - id: s\r"
              "        label: S\r");
    files.Add("participants.yaml", "participants:\r  - id: P01\r");
    std::string t = "INT: First line\n\nP01: {t.s}coded\nacross lines{/t.s} and {t.x}\n";
    for (std::size_t i = t.find('\n'); i != std::string::npos; i = t.find('\n', i + eol.size()))
      t.replace(i, 1, eol);
    files.Add("transcripts/P01.txt", t);
    return framework::LoadStudy(files);
  };
  framework::Study mac = load("\r");
  framework::Study unix_ = load("\n");
  INFO(Summary(mac.diagnostics));
  // The unknown (and unclosed) code is on line 4, column 25, however the lines end.
  REQUIRE(mac.diagnostics.size() == 2);
  REQUIRE(unix_.diagnostics.size() == 2);
  CHECK(mac.diagnostics[0].rule == "unknown-code");
  for (std::size_t i = 0; i < 2; ++i) {
    CHECK(mac.diagnostics[i].line == 4);
    CHECK(mac.diagnostics[i].column == 25);
    CHECK(mac.diagnostics[i].column == unix_.diagnostics[i].column);
    CHECK(mac.diagnostics[i].source_line == "across lines{/t.s} and {t.x}");
  }
  REQUIRE(mac.transcripts.size() == 1);
  CHECK(mac.transcripts[0].line_count == 4);
  REQUIRE(mac.transcripts[0].segments.size() == 1);
  CHECK(mac.transcripts[0].segments[0].line_start == 3);
  CHECK(mac.transcripts[0].segments[0].line_end == 4);
  const framework::RefiProject a = framework::BuildRefiProject(mac);
  const framework::RefiProject b = framework::BuildRefiProject(unix_);
  CHECK(a.project_xml == b.project_xml);
  CHECK(a.sources == b.sources);
}

TEST_CASE("study: a folder that cannot be listed is an I/O error, not an empty study") {
  // The failure injected: the library sees what a chmod-000 folder gives.
  class Unlistable : public framework::MemoryFileSystem {
   public:
    std::vector<std::string> ListFilesChecked(
        const std::string& dir, const std::string& suffix,
        std::vector<framework::ListProblem>* problems) const override {
      if (problems) problems->push_back({dir, "permission denied", EACCES});
      (void)suffix;
      return {};
    }
  };
  Unlistable files;
  files.Add("framework.yaml",
            "framework: 1\ntitle: T\nthemes:\n  - id: t\n    label: T\n"
            "    subthemes:\n      - id: s\n        label: S\n");
  files.Add("participants.yaml", "participants:\n  - id: P01\n");
  files.Add("transcripts/P01.txt", "Hello\n");
  framework::Study study = framework::LoadStudy(files);
  CHECK(study.io_error);
  REQUIRE(study.diagnostics.size() == 1);  // no "P01 has no transcript" besides
  CHECK(study.diagnostics[0].rule == "io-error");
  CHECK(study.diagnostics[0].file == "transcripts/");
  CHECK(study.diagnostics[0].message == "cannot read folder: permission denied");
}

// ---- the binary -----------------------------------------------------------------------------

TEST_CASE("cli: /dev/zero or a FIFO as the participants file ends at once with exit 3") {
  for (const std::string target : {"/dev/zero", "pipe"}) {
    CAPTURE(target);
    LimitStudy study;
    if (target == "pipe") study.Fifo("pipe");
    std::string yaml = ReadFile(study / "framework.yaml");
    study.Write("framework.yaml", yaml + "participants: " + target + "\n");
    RunResult r = Run({"check"}, study.root());
    CHECK(r.exit_code == 3);
    const auto errors = Errors(r.err);
    REQUIRE(errors.size() == 1);
    CHECK(Contains(errors[0], "framework.yaml:9:15: error: cannot read the participants file '" +
                                  target + "': "));
    CHECK(Contains(errors[0], target == "pipe" ? "a FIFO (named pipe), not a regular file"
                                               : "a character device, not a regular file"));
    CHECK(Contains(r.err, "hint: only regular files are read"));
  }
}

TEST_CASE("cli: a 64 GB sparse transcript or chart is refused by size with exit 3") {
  for (const std::string file : {"transcripts/P02.txt", "charts/t.yaml"}) {
    CAPTURE(file);
    LimitStudy study;
    study.Sparse(file, k64G);
    RunResult r = Run({"check"}, study.root());
    CHECK(r.exit_code == 3);
    const auto errors = Errors(r.err);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0] == file + ": error: cannot read " +
                           (file == "charts/t.yaml" ? "chart" : "transcript") +
                           ": file too large (64 GB > limit 64 MB)");
    CHECK(Contains(r.err, "'--max-file-size 64G' reads this one"));
  }
}

TEST_CASE("cli: --max-file-size before or after the command, a bad size is a usage error") {
  LimitStudy study;
  study.Write("transcripts/P02.txt", std::string(2000, 'x') + "\n");
  RunResult r = Run({"check", "--max-file-size", "1K"}, study.root());
  CHECK(r.exit_code == 3);
  CHECK(Contains(r.err,
                 "transcripts/P02.txt: error: cannot read transcript: file too large "
                 "(2.0 KB > limit 1 KB)"));
  r = Run({"--max-file-size", "1K", "check"}, study.root());
  CHECK(r.exit_code == 3);
  CHECK(Contains(r.err, "file too large"));
  r = Run({"check", "--max-file-size", "2K"}, study.root());
  CHECK(r.exit_code == 0);
  r = Run({"check", "--max-file-size", "lots"}, study.root());
  CHECK(r.exit_code == 2);
  CHECK(Contains(r.err, "not a size: 'lots'"));
}

TEST_CASE("cli: a transcript linked to /etc/passwd is refused, shown nowhere, not exported") {
  LimitStudy study;
  study.Link("transcripts/P15.txt", "/etc/passwd");
  const std::string real = fs::canonical("/etc/passwd").string();
  RunResult r = Run({"check"}, study.root());
  CHECK(r.exit_code == 3);
  const auto errors = Errors(r.err);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0] == "transcripts/P15.txt: error: cannot read transcript: a symbolic link to '" +
                         real + "', outside the study folder");
  CHECK(Contains(r.err, "pass --follow-symlinks to read them anyway"));
  CHECK_FALSE(Contains(r.err, "root:"));

  // The export goes ahead without it (saying the study has an error): one source, no passwd.
  r = Run({"export", "--format", "qdpx", "-o", "out.qdpx"}, study.root());
  CHECK(Contains(r.err, "the study has 1 error"));
  CHECK(Contains(r.out + r.err, "2 sources,"));
  REQUIRE(fs::exists(study / "out.qdpx"));
  CHECK_FALSE(Contains(ReadFile(study / "out.qdpx"), "root:"));

  // Allowed: the file is read (it is then a transcript of an undeclared participant).
  r = Run({"--follow-symlinks", "check"}, study.root());
  CHECK_FALSE(Contains(r.err, "outside the study folder"));
  CHECK(Contains(r.err, "P15"));
  r = Run({"check", "--follow-symlinks"}, study.root());
  CHECK_FALSE(Contains(r.err, "outside the study folder"));
}

TEST_CASE("cli: FIFO and dangling-link transcripts are errors naming the file, exit 3") {
  LimitStudy study;
  study.Fifo("transcripts/P02.txt");
  study.Link("transcripts/P03.txt", "missing.txt");
  RunResult r = Run({"check"}, study.root());
  CHECK(r.exit_code == 3);
  const auto errors = Errors(r.err);
  REQUIRE(errors.size() == 2);
  CHECK(errors[0] ==
        "transcripts/P02.txt: error: cannot read transcript: a FIFO (named pipe), not a regular "
        "file");
  CHECK(errors[1] ==
        "transcripts/P03.txt: error: cannot read transcript: a dangling symbolic link (to "
        "'missing.txt')");
  // The participant whose transcript could not be read is not also "without transcript".
  CHECK_FALSE(Contains(r.err, "'P02' has no transcript"));

  // Charts likewise.
  LimitStudy charts;
  fs::create_directories(charts / "charts");
  charts.Fifo("charts/t.yaml");
  r = Run({"check"}, charts.root());
  CHECK(r.exit_code == 3);
  CHECK(Contains(r.err, "charts/t.yaml: error: cannot read chart: a FIFO (named pipe)"));
}

TEST_CASE("cli: an unreadable transcript or transcripts folder is exit 3 with an error") {
  LimitStudy study;
  fs::permissions(study / "transcripts/P02.txt", fs::perms::none);
  auto r = RunUnprivileged({"check"}, study.root());
  if (!r) {
    MESSAGE("skipped: running as root without setpriv, so permissions cannot be tested");
    return;
  }
  CHECK(r->exit_code == 3);
  CHECK(Contains(r->err, "transcripts/P02.txt: error: cannot read transcript: permission denied"));

  fs::permissions(study / "transcripts/P02.txt", fs::perms::owner_read | fs::perms::others_read);
  fs::permissions(study / "transcripts", fs::perms::none);
  r = RunUnprivileged({"check"}, study.root());
  CHECK(r->exit_code == 3);
  auto errors = Errors(r->err);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0] == "transcripts: error: cannot read folder: permission denied");
  CHECK_FALSE(Contains(r->err, "has no transcript"));

  // The same through a glob: no "no transcript matches" besides.
  study.Write("framework.yaml",
              ReadFile(study / "framework.yaml") + "transcripts: transcripts/*.txt\n");
  r = RunUnprivileged({"check"}, study.root());
  fs::permissions(study / "transcripts", fs::perms::owner_all);
  CHECK(r->exit_code == 3);
  errors = Errors(r->err);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0] == "transcripts: error: cannot read folder: permission denied");
}

TEST_CASE("cli: a UTF-16 transcript gives one error with an iconv hint and no raw NULs") {
  LimitStudy study;
  std::string utf16 = "\xFF\xFE";
  for (char c : std::string("Hello {t.s}world{/t.s}\n")) utf16 += std::string{c, '\0'};
  study.Write("transcripts/P02.txt", utf16);
  RunResult r = Run({"check"}, study.root());
  CHECK(r.exit_code == 1);
  const auto errors = Errors(r.err);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0] ==
        "transcripts/P02.txt: error: the file is UTF-16LE text (it begins with a byte order "
        "mark), not UTF-8");
  CHECK(Contains(r.err, "iconv -f UTF-16 -t UTF-8 transcripts/P02.txt"));
  CHECK(r.err.find('\0') == std::string::npos);
}

TEST_CASE("cli: a CR-only transcript checks clean and shows its lines") {
  LimitStudy study;
  study.Write("transcripts/P02.txt", "First\rSecond {t.s}coded{/t.s}\rThird\r");
  RunResult r = Run({"check"}, study.root());
  CHECK(r.exit_code == 0);
  r = Run({"show", "P02", "--format", "json"}, study.root());
  CHECK(r.exit_code == 0);
  CHECK(Contains(r.out, "\"line_start\": 2"));
}

TEST_CASE("cli: named inputs (import, merge parts, --only-from) go through the same reader") {
  LimitStudy study;
  study.Fifo("pipe.qdc");
  RunResult r = Run({"import", "pipe.qdc"}, study.root());
  CHECK(r.exit_code == 3);
  CHECK(Contains(r.err, "cannot read pipe.qdc: a FIFO (named pipe), not a regular file"));

  study.Sparse("big.qdpx", k64G);
  r = Run({"import", "big.qdpx", "-o", "imported"}, study.root());
  CHECK(r.exit_code == 3);
  CHECK(Contains(r.err, "cannot read big.qdpx: file too large (64 GB > limit 64 MB)"));
  CHECK_FALSE(fs::exists(study / "imported"));

  study.Fifo("part.json");
  r = Run({"merge", "part.json", "-o", "merged.json"}, study.root());
  CHECK(r.exit_code == 3);
  CHECK(Contains(r.err, "cannot read part.json: a FIFO (named pipe), not a regular file"));

  r = Run({"export", "--only-from", "/dev/zero", "-f", "json"}, study.root());
  CHECK(r.exit_code == 3);
  CHECK(Contains(r.err, "cannot read --only-from /dev/zero: a character device"));
}
