#include "framework/file_system.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <thread>

namespace framework {

namespace fs = std::filesystem;

namespace {
std::string ErrorText(int err) {
  std::string text = std::strerror(err);
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

bool IsHidden(const fs::path& p) {
  std::string name = p.filename().string();
  return !name.empty() && name[0] == '.';
}
}  // namespace

namespace {

// What a file that is not a regular file is, for messages.
const char* KindName(mode_t mode) {
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISDIR(mode)) return "a folder";
  return "a special file";
}

std::string RealPath(const std::string& path) {
  char* real = ::realpath(path.c_str(), nullptr);
  if (!real) return {};
  std::string out(real);
  std::free(real);
  return out;
}

std::string LinkTarget(const std::string& path) {
  std::string buffer(256, '\0');
  for (;;) {
    const ssize_t n = ::readlink(path.c_str(), buffer.data(), buffer.size());
    if (n < 0) return "?";
    if (static_cast<std::size_t>(n) < buffer.size())
      return buffer.substr(0, static_cast<std::size_t>(n));
    if (buffer.size() >= (1u << 16)) return buffer;
    buffer.resize(buffer.size() * 2);
  }
}

constexpr const char* kKindHint =
    "only regular files are read; save the data to a file and name that instead";

// True when the real path `real` is `folder` or lies under it.
bool Inside(const std::string& real, const std::string& folder) {
  if (folder == "/") return true;
  return real.compare(0, folder.size(), folder) == 0 &&
         (real.size() == folder.size() || real[folder.size()] == '/');
}

// The --max-file-size value that would let a file of `bytes` be read: whole units, rounded up.
std::string LimitFor(std::uint64_t bytes) {
  const char* units = "KMGT";
  std::uint64_t unit = 1024;
  int u = 0;
  while (u < 3 && bytes > unit * 1024 * 4) {
    unit *= 1024;
    ++u;
  }
  return std::to_string((bytes + unit - 1) / unit) + units[u];
}

ReadResult TooLarge(std::uint64_t size, const ReadPolicy& policy, bool grew) {
  ReadResult result;
  result.error = grew ? "file too large (it grew past the limit of " +
                            FormatFileSize(policy.max_file_size) + " while being read)"
                      : "file too large (" + FormatFileSize(size) + " > limit " +
                            FormatFileSize(policy.max_file_size) + ")";
  const std::string read_up_to =
      "files are read up to --max-file-size (default " + LimitFor(kDefaultMaxFileSize) + "); ";
  result.hint =
      grew ? read_up_to + "raise it, e.g. --max-file-size " + LimitFor(policy.max_file_size * 4)
           : read_up_to + "'--max-file-size " + LimitFor(size) + "' reads this one";
  return result;
}

}  // namespace

std::string FormatFileSize(std::uint64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
  const char* names[] = {"KB", "MB", "GB", "TB", "PB", "EB"};
  std::uint64_t unit = 1024;
  int u = 0;
  while (u < 5 && bytes / unit >= 1024) {
    unit *= 1024;
    ++u;
  }
  const std::uint64_t whole = bytes / unit;
  const std::uint64_t rest = bytes % unit;
  if (rest == 0) return std::to_string(whole) + " " + names[u];
  // One decimal, rounded up, so a file just over a limit never shows as equal to it.
  std::uint64_t tenths = (rest * 10 + unit - 1) / unit;  // rest < unit <= 2^60: no overflow
  std::uint64_t w = whole;
  if (tenths == 10) {
    ++w;
    tenths = 0;
  }
  return std::to_string(w) + "." + std::to_string(tenths) + " " + names[u];
}

std::optional<std::uint64_t> ParseFileSize(std::string_view text) {
  std::size_t i = 0;
  std::uint64_t value = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    const std::uint64_t digit = static_cast<std::uint64_t>(text[i] - '0');
    if (value > (UINT64_MAX - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
    ++i;
  }
  if (i == 0) return std::nullopt;
  std::string unit;
  for (; i < text.size(); ++i)
    unit += static_cast<char>(std::toupper(static_cast<unsigned char>(text[i])));
  int shift = -1;
  if (unit.empty() || unit == "B")
    shift = 0;
  else if (unit.size() <= 3) {
    const std::string_view letters = "KMGT";
    const std::size_t at = letters.find(unit[0]);
    const std::string_view tail = std::string_view(unit).substr(1);
    if (at != std::string_view::npos && (tail.empty() || tail == "B" || tail == "IB"))
      shift = 10 * static_cast<int>(at + 1);
  }
  if (shift < 0 || value == 0) return std::nullopt;
  if (shift > 0 && value > (UINT64_MAX >> shift)) return std::nullopt;
  return value << shift;
}

namespace {

// The refusal of a file whose real path `real` lies outside `confine_name`.
bool OutsideError(const std::string& path, const std::string& real, bool link,
                  const std::string& confine_name, ReadResult& result) {
  std::error_code ec;
  const std::string lexical = fs::absolute(path, ec).lexically_normal().generic_string();
  result.ok = false;
  result.hint =
      "files outside " + confine_name + " are not read; pass --follow-symlinks to read them anyway";
  result.error = link ? "a symbolic link to '" + real + "', outside " + confine_name
                 : lexical != real
                     ? "resolves through a symbolic link to '" + real + "', outside " + confine_name
                     : "'" + real + "' is outside " + confine_name;
  return false;
}

// Where the open file `fd` (opened as `path`) really is: the kernel's name for it, or the
// path resolved again where /proc is not mounted. Empty when neither can be had.
std::string OpenFilePath(int fd, const std::string& path) {
  char link[64];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  char buffer[PATH_MAX + 1];
  const ssize_t n = ::readlink(link, buffer, PATH_MAX);
  if (n > 0 && n < PATH_MAX && buffer[0] == '/')
    return std::string(buffer, static_cast<std::size_t>(n));
  return RealPath(path);
}

// The checks made before a file is opened: it exists, is a regular file (a FIFO or a device is
// never opened), lies inside `confine` and is not too large. On success `open_path` is what to
// open (the real path when confined) and `st` its status.
// With `after_open` set, a path whose last part is not a symbolic link is not resolved here
// (that costs a readlink per folder of the path): `*after_open` stays true and the caller
// checks where the opened file really is (ConfinedFd), which also leaves no gap between the
// check and the open.
bool Precheck(const std::string& path, const ReadPolicy& policy, const std::string& confine,
              const std::string& confine_name, ReadResult& result, struct stat& st,
              std::string& open_path, bool* after_open = nullptr) {
  auto fail = [&](std::string error, std::string hint = {}) {
    result.ok = false;
    result.error = std::move(error);
    result.hint = std::move(hint);
    return false;
  };
  struct stat link {};
  if (::lstat(path.c_str(), &link) != 0) {
    result.not_found = errno == ENOENT || errno == ENOTDIR;
    return fail(ErrorText(errno));
  }
  if (!S_ISLNK(link.st_mode)) {
    st = link;
  } else if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR)
      return fail("a dangling symbolic link (to '" + LinkTarget(path) + "')",
                  "restore the file it points to, or remove the link");
    return fail(ErrorText(err));
  }
  if (S_ISDIR(st.st_mode)) return fail("is a directory");
  if (!S_ISREG(st.st_mode))
    return fail(std::string(KindName(st.st_mode)) + ", not a regular file", kKindHint);
  open_path = path;
  const bool confined = !confine.empty() && !policy.follow_symlinks;
  if (after_open) *after_open = confined && !S_ISLNK(link.st_mode);
  if (confined && !(after_open && *after_open)) {
    std::string real = RealPath(path);
    if (real.empty()) return fail(ErrorText(errno));
    if (!Inside(real, confine))
      return OutsideError(path, real, S_ISLNK(link.st_mode), confine_name, result);
    open_path = real;
  }
  if (static_cast<std::uint64_t>(st.st_size) > policy.max_file_size) {
    result = TooLarge(static_cast<std::uint64_t>(st.st_size), policy, false);
    return false;
  }
  return true;
}

}  // namespace

ReadResult CheckInputFile(const std::string& path, const ReadPolicy& policy,
                          const std::string& confine, const std::string& confine_name) {
  ReadResult result;
  struct stat st {};
  std::string open_path;
  result.ok = Precheck(path, policy, confine, confine_name, result, st, open_path);
  return result;
}

ReadResult ReadInputFile(const std::string& path, const ReadPolicy& policy,
                         const std::string& confine, const std::string& confine_name) {
  ReadResult result;
  auto fail = [&](std::string error, std::string hint = {}) {
    result.ok = false;
    result.error = std::move(error);
    result.hint = std::move(hint);
    result.contents.clear();
    return result;
  };
  struct stat st {};
  std::string open_path;
  bool confine_after_open = false;
  if (!Precheck(path, policy, confine, confine_name, result, st, open_path, &confine_after_open))
    return result;

  // O_NONBLOCK: should the file have become a FIFO since, opening it does not wait for a writer.
  // O_NOFOLLOW: its last part was not a symbolic link when checked, nor may it be now.
  const int fd =
      ::open(open_path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC |
                                    (open_path == path && !confine_after_open ? 0 : O_NOFOLLOW));
  if (fd < 0) return fail(ErrorText(errno));
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  if (confine_after_open) {
    const std::string real = OpenFilePath(fd, path);
    if (real.empty()) return fail(ErrorText(errno));
    if (!Inside(real, confine)) {
      OutsideError(path, real, false, confine_name, result);
      return result;
    }
  }
  if (::fstat(fd, &st) != 0) return fail(ErrorText(errno));
  if (S_ISDIR(st.st_mode)) return fail("is a directory");
  if (!S_ISREG(st.st_mode))
    return fail(std::string(KindName(st.st_mode)) + ", not a regular file", kKindHint);
  const std::uint64_t size = static_cast<std::uint64_t>(st.st_size);
  if (size > policy.max_file_size) return TooLarge(size, policy, false);

  // Read the size fstat reported, then whatever more the file has grown by (files in /proc say
  // 0), never more than the limit.
  const std::uint64_t cap = policy.max_file_size;
  std::size_t have = 0;
  try {
    result.contents.resize(
        static_cast<std::size_t>(std::min<std::uint64_t>(size > 0 ? size + 1 : 1 << 16, cap + 1)));
    for (;;) {
      if (have == result.contents.size()) {
        if (have > cap) return TooLarge(have, policy, true);
        result.contents.resize(
            static_cast<std::size_t>(std::min<std::uint64_t>(std::uint64_t{have} * 2, cap + 1)));
      }
      const ssize_t n = ::read(fd, result.contents.data() + have, result.contents.size() - have);
      if (n < 0) {
        if (errno == EINTR) continue;
        return fail(ErrorText(errno));
      }
      if (n == 0) break;
      have += static_cast<std::size_t>(n);
    }
  } catch (const std::bad_alloc&) {
    return fail("not enough memory to read it (" +
                    FormatFileSize(std::max<std::uint64_t>(size, have)) + ")",
                "lower --max-file-size, or free memory");
  }
  if (have > cap) return TooLarge(have, policy, true);
  result.contents.resize(have);
  result.ok = true;
  return result;
}

namespace {

// The text encoding of a file that is UTF-16 or UTF-32 rather than UTF-8, with whether it
// begins with a byte order mark, or nullptr.
const char* WideEncoding(std::string_view b, bool* bom) {
  auto starts = [&](std::string_view prefix) { return b.substr(0, prefix.size()) == prefix; };
  *bom = true;
  if (starts(std::string_view("\xFF\xFE\0\0", 4))) return "UTF-32LE";
  if (starts(std::string_view("\0\0\xFE\xFF", 4))) return "UTF-32BE";
  if (starts("\xFF\xFE")) return "UTF-16LE";
  if (starts("\xFE\xFF")) return "UTF-16BE";
  *bom = false;
  // No mark: mostly-ASCII text in a wide encoding has NUL bytes in a fixed pattern.
  const std::size_t n = std::min<std::size_t>(b.size(), 4096) & ~std::size_t{3};
  if (n < 4 || std::memchr(b.data(), 0, n) == nullptr) return nullptr;
  std::size_t zero[4] = {0, 0, 0, 0};
  for (std::size_t i = 0; i < n; ++i)
    if (b[i] == 0) ++zero[i % 4];
  const std::size_t per = n / 4;  // bytes at each position mod 4
  // At least 90% (or, for the odd or even half of UTF-16, 70%) NUL, or at most 10%.
  auto most = [](std::size_t z, std::size_t slots) { return z * 10 >= slots * 9; };
  auto few = [](std::size_t z, std::size_t slots) { return z * 10 <= slots; };
  if (most(zero[2], per) && most(zero[3], per) && few(zero[0], per)) return "UTF-32LE";
  if (most(zero[0], per) && most(zero[1], per) && few(zero[3], per)) return "UTF-32BE";
  const std::size_t odd = zero[1] + zero[3], even = zero[0] + zero[2];
  if (odd * 10 >= 2 * per * 7 && few(even, 2 * per)) return "UTF-16LE";
  if (even * 10 >= 2 * per * 7 && few(odd, 2 * per)) return "UTF-16BE";
  return nullptr;
}

}  // namespace

ReadResult ReadTextFile(const FileSystem& fs, const std::string& path) {
  ReadResult result = fs.Read(path);
  if (!result.ok) return result;
  bool bom = false;
  if (const char* encoding = WideEncoding(result.contents, &bom)) {
    const std::string family(encoding, 6);  // "UTF-16" or "UTF-32"
    result.ok = false;
    result.contents.clear();
    result.encoding = encoding;
    result.error = std::string("the file is ") + encoding + " text" +
                   (bom ? " (it begins with a byte order mark)" : "") + ", not UTF-8";
    const std::string from = bom ? family : std::string(encoding);
    result.hint = "save it as UTF-8, e.g. iconv -f " + from + " -t UTF-8 " + path + " > " + path +
                  ".utf8 && mv " + path + ".utf8 " + path;
    return result;
  }
  // A NUL byte: no text file has one (a binary file, or text cut and pasted from one).
  if (const void* nul = std::memchr(result.contents.data(), 0, result.contents.size())) {
    const std::string_view text = result.contents;
    const std::size_t at = static_cast<std::size_t>(static_cast<const char*>(nul) - text.data());
    const std::size_t line_start =
        text.rfind('\n', at) == std::string_view::npos ? 0 : text.rfind('\n', at) + 1;
    result.line = static_cast<int>(std::count(
                      text.begin(), text.begin() + static_cast<std::ptrdiff_t>(line_start), '\n')) +
                  1;
    result.column = 1;
    for (std::size_t i = line_start; i < at; ++i)
      if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++result.column;
    result.ok = false;
    result.contents.clear();
    result.encoding = "binary";
    result.error = "a NUL byte (0x00): the file is not UTF-8 text";
    result.hint = "remove the NUL bytes, e.g. tr -d '\\000' < " + path + " > " + path +
                  ".txt && mv " + path + ".txt " + path + ", or save the file as UTF-8 text again";
    return result;
  }
  // A CR not followed by LF ends a line, as on old Macs: read as LF, which keeps every offset.
  std::string& text = result.contents;
  for (std::size_t i = text.find('\r'); i != std::string::npos; i = text.find('\r', i + 1))
    if (i + 1 == text.size() || text[i + 1] != '\n') text[i] = '\n';
  return result;
}

DiskFileSystem::DiskFileSystem(std::string root, ReadPolicy policy)
    : root_(std::move(root)), policy_(policy) {
  // The default root, ".", is the current folder as a tool or a test uses it: not confined
  // (ConfineTo confines it). A study's root is always given, and confines its reads.
  if (root_.empty() || root_ == ".") return;
  ConfineTo(root_);
  confine_name_ = "the study folder";
}

void DiskFileSystem::ConfineTo(const std::string& folder) {
  confine_ = RealPath(folder);
  if (confine_.empty()) {
    std::error_code ec;
    confine_ = fs::absolute(folder, ec).lexically_normal().generic_string();
    while (confine_.size() > 1 && confine_.back() == '/') confine_.pop_back();
  }
  confine_name_ = "'" + folder + "'";
}

std::string DiskFileSystem::Resolve(const std::string& path) const {
  if (path.empty()) return root_;
  if (path[0] == '/' || root_.empty() || root_ == ".") return path;
  return root_ + "/" + path;
}

ReadResult DiskFileSystem::Read(const std::string& path) const {
  return ReadInputFile(Resolve(path), policy_, confine_, confine_name_);
}

bool DiskFileSystem::IsDirectory(const std::string& path) const {
  std::error_code ec;
  return fs::is_directory(Resolve(path), ec);
}

bool DiskFileSystem::Exists(const std::string& path) const {
  std::error_code ec;
  return fs::exists(Resolve(path), ec);
}

namespace {

// Why the folder `folder` (resolved) may not be listed: it lies outside `confine`. Empty when it
// may (or does not exist: the listing says so).
std::string OutsideFolder(const std::string& folder, const std::string& confine,
                          const ReadPolicy& policy, const std::string& confine_name) {
  if (confine.empty() || policy.follow_symlinks) return {};
  const std::string real = RealPath(folder);
  if (real.empty() || Inside(real, confine)) return {};
  return "'" + real + "' is outside " + confine_name;
}

}  // namespace

std::vector<std::string> DiskFileSystem::ListFiles(const std::string& dir,
                                                   const std::string& suffix) const {
  return ListFilesChecked(dir, suffix, nullptr);
}

std::vector<std::string> DiskFileSystem::ListFilesChecked(
    const std::string& dir, const std::string& suffix, std::vector<ListProblem>* problems) const {
  std::vector<std::string> out;
  std::string base = dir;
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  auto shown = [&](const fs::path& relative) {
    return (fs::path(base) / relative).lexically_normal().generic_string();
  };
  auto problem = [&](const fs::path& relative, const std::error_code& ec) {
    if (!problems) return;
    std::string text = ec.message();
    if (!text.empty())
      text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
    std::string p = relative.empty() ? base : shown(relative);
    problems->push_back({std::move(p), std::move(text), ec.value()});
  };
  const fs::path resolved = Resolve(base);
  if (std::string outside = OutsideFolder(resolved.string(), confine_, policy_, confine_name_);
      !outside.empty()) {
    if (problems) problems->push_back({base, outside, 0});
    return out;
  }
  // An explicit walk, folder by folder, so that an unreadable folder is reported and the walk
  // goes on; folders reached through symbolic links are not entered.
  std::vector<fs::path> pending{fs::path()};
  while (!pending.empty()) {
    const fs::path relative = std::move(pending.back());
    pending.pop_back();
    std::error_code ec;
    fs::directory_iterator it(relative.empty() ? resolved : resolved / relative, ec), end;
    if (ec) {
      problem(relative, ec);
      continue;
    }
    for (; it != end; it.increment(ec)) {
      const fs::path name = it->path().filename();
      if (IsHidden(name)) continue;
      // The type readdir gave, when it gave one (no system call); else lstat. A folder whose
      // path is too long for the system to look up (ENAMETOOLONG, past PATH_MAX) is reported,
      // not taken for a file and dropped.
      std::error_code type_ec;
      const bool link = it->is_symlink(type_ec);
      const bool folder = !type_ec && !link && it->is_directory(type_ec);
      if (type_ec) {
        problem(relative / name, type_ec);
        continue;
      }
      if (folder) {
        pending.push_back(relative / name);
        continue;
      }
      const std::string file = name.string();
      if (file.size() < suffix.size() ||
          file.compare(file.size() - suffix.size(), suffix.size(), suffix))
        continue;
      out.push_back(shown(relative / name));
    }
    if (ec) problem(relative, ec);
  }
  std::sort(out.begin(), out.end());
  return out;
}

namespace {
// glob(3) reports unreadable folders through a plain function: to the current call's list.
thread_local std::vector<std::pair<std::string, int>>* glob_errors = nullptr;
int OnGlobError(const char* path, int err) {
  if (glob_errors) glob_errors->emplace_back(path, err);
  return 0;  // go on
}
}  // namespace

std::vector<std::string> DiskFileSystem::Glob(const std::string& pattern) const {
  return GlobChecked(pattern, nullptr);
}

std::vector<std::string> DiskFileSystem::GlobChecked(const std::string& pattern,
                                                     std::vector<ListProblem>* problems) const {
  std::vector<std::string> out;
  glob_t g{};
  std::string full = Resolve(pattern);
  const std::size_t strip = (pattern.empty() || pattern[0] == '/' || root_.empty() || root_ == ".")
                                ? 0
                                : root_.size() + 1;
  // The folder the pattern starts from (its components before the first with a wildcard) must
  // lie inside the confining folder, or nothing is listed.
  std::string fixed;
  for (std::size_t at = 0; at < full.size();) {
    const std::size_t slash = full.find('/', at);
    const std::size_t end = slash == std::string::npos ? full.size() : slash;
    if (full.substr(at, end - at).find_first_of("*?[") != std::string::npos) break;
    if (slash == std::string::npos) break;
    fixed = full.substr(0, slash == 0 ? 1 : slash);
    at = slash + 1;
  }
  if (std::string outside =
          OutsideFolder(fixed.empty() ? "." : fixed, confine_, policy_, confine_name_);
      !outside.empty()) {
    if (problems) {
      std::string shown = fixed.size() >= strip && strip > 0 ? fixed.substr(strip) : fixed;
      problems->push_back({shown.empty() ? "." : shown, outside, 0});
    }
    return out;
  }
  std::vector<std::pair<std::string, int>> errors;
  glob_errors = &errors;
  const int status = ::glob(full.c_str(), 0, OnGlobError, &g);
  glob_errors = nullptr;
  if (status == 0) {
    for (std::size_t i = 0; i < g.gl_pathc; ++i) {
      std::string p = g.gl_pathv[i];
      struct stat st {};
      if (::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) continue;
      out.push_back(p.substr(std::min(strip, p.size())));
    }
  }
  ::globfree(&g);
  if (problems)
    for (auto& [path, err] : errors) {
      std::string p = path.size() >= strip ? path.substr(strip) : path;
      while (p.size() > 1 && p.back() == '/') p.pop_back();
      problems->push_back({p.empty() ? "." : p, ErrorText(err), err});
    }
  std::sort(out.begin(), out.end());
  return out;
}

ReadResult MemoryFileSystem::Read(const std::string& path) const {
  ReadResult result;
  auto it = files_.find(path);
  if (it == files_.end()) {
    result.not_found = true;
    result.error = "no such file or directory";
    return result;
  }
  result.ok = true;
  result.contents = it->second;
  return result;
}

bool MemoryFileSystem::IsDirectory(const std::string& path) const {
  std::string prefix = path;
  if (prefix.empty() || prefix.back() != '/') prefix += '/';
  auto it = files_.lower_bound(prefix);
  return it != files_.end() && it->first.compare(0, prefix.size(), prefix) == 0;
}

bool MemoryFileSystem::Exists(const std::string& path) const {
  return files_.count(path) || IsDirectory(path);
}

std::vector<std::string> MemoryFileSystem::ListFiles(const std::string& dir,
                                                     const std::string& suffix) const {
  std::string prefix = dir;
  if (prefix.empty() || prefix.back() != '/') prefix += '/';
  std::vector<std::string> out;
  for (const auto& [path, contents] : files_) {
    if (path.compare(0, prefix.size(), prefix) != 0) continue;
    if (path.find("/.", prefix.size() - 1) != std::string::npos) continue;  // hidden
    if (path.size() < suffix.size() ||
        path.compare(path.size() - suffix.size(), suffix.size(), suffix))
      continue;
    out.push_back(path);
  }
  return out;
}

std::vector<std::string> MemoryFileSystem::Glob(const std::string& pattern) const {
  std::vector<std::string> out;
  for (const auto& [path, contents] : files_)
    if (::fnmatch(pattern.c_str(), path.c_str(), FNM_PATHNAME | FNM_PERIOD) == 0)
      out.push_back(path);
  return out;
}

namespace {
// Writes bypass the buffer from this size on; the buffer is flushed when it reaches it.
constexpr std::size_t kAtomicFileBuffer = 1 << 16;
// How long an output FIFO is waited for a reader before it is an error.
constexpr std::chrono::milliseconds kFifoReaderWait{2000};
}  // namespace

namespace {
// The descriptor an output path names: /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N;
// else -1. These are written through the descriptor itself: following the link would find the
// file (or "pipe:[…]") the shell opened and replace it.
int NamedDescriptor(const std::string& path) {
  const std::string p = fs::path(path).lexically_normal().string();
  if (p == "/dev/stdout") return 1;
  if (p == "/dev/stderr") return 2;
  for (std::string_view prefix : {"/dev/fd/", "/proc/self/fd/", "/proc/thread-self/fd/"}) {
    if (p.size() <= prefix.size() || p.compare(0, prefix.size(), prefix) != 0) continue;
    std::string_view digits = std::string_view(p).substr(prefix.size());
    if (digits.size() > 9 ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return -1;
    return std::stoi(std::string(digits));
  }
  return -1;
}

// Opens the stream `target` names for writing; -1 (errno set) on failure.
int OpenStream(const OutputTarget& target) {
  if (target.fd >= 0) {
    std::fflush(nullptr);  // what stdio holds for the descriptor goes first
    return ::fcntl(target.fd, F_DUPFD_CLOEXEC, 3);
  }
  if (target.socket) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (target.path.size() >= sizeof address.sun_path) {
      errno = ENAMETOOLONG;
      return -1;
    }
    std::memcpy(address.sun_path, target.path.c_str(), target.path.size() + 1);
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
      const int err = errno;
      ::close(fd);
      errno = err;
      return -1;
    }
    return fd;
  }
  // Non-blocking, so a FIFO nothing reads fails (ENXIO) instead of waiting forever, and a device
  // whose open would wait (a serial line) does not either. A FIFO gets a short grace for a reader
  // started at the same time (`framework export -o pipe & cat pipe`).
  const auto deadline = std::chrono::steady_clock::now() + kFifoReaderWait;
  for (;;) {
    const int fd = ::open(target.path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd >= 0) {
      const int flags = ::fcntl(fd, F_GETFL);
      if (flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);  // writes wait for the reader
      return fd;
    }
    if (errno != ENXIO || std::chrono::steady_clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// Why a stream could not be opened, for messages.
std::string StreamErrorText(const std::string& path, int err) {
  struct stat st {};
  if (err == ENXIO && ::stat(path.c_str(), &st) == 0 && S_ISFIFO(st.st_mode))
    return "a FIFO (named pipe) that nothing reads; start its reader first";
  return ErrorText(err);
}

// The mode a replacing file gets: the replaced file's, else 0644 under the umask.
mode_t ReplacementMode(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) return st.st_mode & 07777;
  mode_t mask = ::umask(0);
  ::umask(mask);
  return 0644 & ~mask;
}

// Makes a temporary file from `tmp_template` (ending in XXXXXX); its fd, and the name in `*tmp`.
int MakeTemporary(const std::string& tmp_template, std::string* tmp) {
  std::vector<char> name(tmp_template.begin(), tmp_template.end());
  name.push_back('\0');
  const int fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd >= 0) *tmp = name.data();
  return fd;
}
}  // namespace

OutputTarget ResolveOutput(const std::string& path) {
  OutputTarget target;
  target.path = path;
  if (path.empty()) {
    target.error = "no file name given";
    return target;
  }
  std::string current = path;
  for (int hops = 0;; ++hops) {
    if (int fd = NamedDescriptor(current); fd >= 0) {
      target.kind = OutputTarget::Kind::kStream;
      target.fd = fd;
      return target;
    }
    struct stat st {};
    if (::lstat(current.c_str(), &st) != 0) {
      if (errno == ENOENT) {
        target.path = current;  // a new file (a missing folder shows when it is created)
        return target;
      }
      target.error = ErrorText(errno);
      return target;
    }
    if (S_ISLNK(st.st_mode)) {
      if (hops >= 40) {
        target.error = "too many levels of symbolic links";
        return target;
      }
      std::string link(static_cast<std::size_t>(st.st_size > 0 ? st.st_size : 255) + 1, '\0');
      const ssize_t n = ::readlink(current.c_str(), link.data(), link.size());
      if (n < 0 || static_cast<std::size_t>(n) >= link.size()) {
        target.error = n < 0 ? ErrorText(errno) : "the symbolic link changed while read";
        return target;
      }
      link.resize(static_cast<std::size_t>(n));
      fs::path next(link);
      if (next.is_relative()) next = fs::path(current).parent_path() / next;
      current = next.string();
      continue;
    }
    target.path = current;
    if (S_ISREG(st.st_mode)) return target;
    if (S_ISDIR(st.st_mode)) {
      target.error = "is a folder";
    } else if (S_ISBLK(st.st_mode)) {
      target.error = "is a block device; output is not written to disks";
    } else {
      target.kind = OutputTarget::Kind::kStream;
      target.socket = S_ISSOCK(st.st_mode);
    }
    return target;
  }
}

std::string SameFileAs(const std::string& path, const std::vector<std::string>& candidates) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  for (const std::string& candidate : candidates) {
    struct stat other {};
    if (::stat(candidate.c_str(), &other) == 0 && other.st_dev == st.st_dev &&
        other.st_ino == st.st_ino)
      return candidate;
  }
  return {};
}

AtomicFile::~AtomicFile() { Abandon(); }

std::string AtomicFile::Open(const std::string& path) {
  Abandon();
  error_.clear();
  stream_ = by_name_ = false;
  const OutputTarget target = ResolveOutput(path);
  if (!target.error.empty()) return error_ = "cannot write " + path + ": " + target.error;
  if (target.kind == OutputTarget::Kind::kStream) {
    stream_ = true;
    path_ = path;
    fd_ = OpenStream(target);
    if (fd_ < 0) return error_ = "cannot open " + path + ": " + StreamErrorText(target.path, errno);
    return {};
  }
  path_ = target.path;
  fs::path file(path_);
  fs::path dir = file.parent_path();
  if (dir.empty()) dir = ".";
  fd_ = MakeTemporary((dir / ("." + file.filename().string() + ".tmp-XXXXXX")).string(), &tmp_);
  if (fd_ < 0)
    return error_ = "cannot create a temporary file in " + dir.string() + ": " + ErrorText(errno);
  return {};
}

std::string AtomicFile::OpenByName(const std::string& path, std::string* scratch) {
  const OutputTarget target = ResolveOutput(path);
  if (target.kind == OutputTarget::Kind::kFile || !target.error.empty()) {
    if (std::string error = Open(path); !error.empty()) return error;
    by_name_ = true;
    *scratch = tmp_;
    return {};
  }
  Abandon();
  error_.clear();
  stream_ = by_name_ = true;
  path_ = path;
  stream_fd_ = OpenStream(target);
  if (stream_fd_ < 0)
    return error_ = "cannot open " + path + ": " + StreamErrorText(target.path, errno);
  std::error_code ec;
  fs::path dir = fs::temp_directory_path(ec);
  if (ec) dir = "/tmp";
  fd_ = MakeTemporary((dir / ".framework-output.tmp-XXXXXX").string(), &tmp_);
  if (fd_ < 0)
    return error_ = "cannot create a temporary file in " + dir.string() + ": " + ErrorText(errno);
  *scratch = tmp_;
  return {};
}

bool AtomicFile::Fail(const std::string& what) {
  if (error_.empty()) error_ = what + ": " + ErrorText(errno);
  return false;
}

bool AtomicFile::WriteAll(int fd, const char* data, std::size_t left, const std::string& name) {
  while (left > 0) {
    ssize_t n = ::write(fd, data, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Fail("cannot write " + name);
    }
    data += n;
    left -= static_cast<std::size_t>(n);
  }
  return true;
}

bool AtomicFile::Flush() {
  const bool ok = WriteAll(fd_, buffer_.data(), buffer_.size(), path_);
  buffer_.clear();
  return ok;
}

bool AtomicFile::Write(std::string_view bytes) {
  if (fd_ < 0 || !error_.empty() || by_name_) return false;
  if (buffer_.size() + bytes.size() < kAtomicFileBuffer) {
    buffer_.append(bytes);
    return true;
  }
  if (!Flush()) return false;
  if (bytes.size() < kAtomicFileBuffer) {
    buffer_.append(bytes);
    return true;
  }
  return WriteAll(fd_, bytes.data(), bytes.size(), path_);
}

// Commit() of a stream: the buffered bytes (or the scratch file's) into it, then closed.
std::string AtomicFile::CommitStream() {
  if (error_.empty()) Flush();
  if (by_name_ && error_.empty()) {
    // The scratch file, as the writer left it, copied into the stream.
    const int in = ::open(tmp_.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0) Fail("cannot read " + tmp_);
    std::vector<char> chunk(kAtomicFileBuffer);
    while (in >= 0 && error_.empty()) {
      const ssize_t n = ::read(in, chunk.data(), chunk.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) Fail("cannot read " + tmp_);
      if (n <= 0) break;
      WriteAll(stream_fd_, chunk.data(), static_cast<std::size_t>(n), path_);
    }
    if (in >= 0) ::close(in);
  }
  const int out = by_name_ ? stream_fd_ : fd_;
  if (by_name_)
    stream_fd_ = -1;
  else
    fd_ = -1;
  if (::close(out) != 0 && error_.empty()) Fail("cannot write " + path_);
  Abandon();  // the scratch file, if any
  return error_;
}

std::string AtomicFile::Commit() {
  if (fd_ < 0) return error_.empty() ? "no file is open" : error_;
  if (stream_) return CommitStream();
  if (error_.empty()) Flush();
  if (error_.empty() && by_name_) {
    // The writer wrote the file by name: sync what is there now.
    ::close(fd_);
    fd_ = ::open(tmp_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
      Fail("cannot open " + tmp_);
      ::unlink(tmp_.c_str());
      tmp_.clear();
      return error_;
    }
  }
  if (error_.empty()) {
    // Keep the permissions of the file being replaced, else the usual 0644 under the umask.
    ::fchmod(fd_, ReplacementMode(path_));
    if (::fsync(fd_) != 0) Fail("cannot write " + path_);
  }
  if (!error_.empty()) {
    Abandon();
    return error_;
  }
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) {
    Fail("cannot write " + path_);
    ::unlink(tmp_.c_str());
    tmp_.clear();
    return error_;
  }
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) {
    Fail("cannot replace " + path_);
    ::unlink(tmp_.c_str());
    tmp_.clear();
    return error_;
  }
  tmp_.clear();
  fs::path dir = fs::path(path_).parent_path();
  if (dir.empty()) dir = ".";
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

void AtomicFile::Abandon() {
  buffer_.clear();
  if (stream_fd_ >= 0) ::close(stream_fd_);
  stream_fd_ = -1;
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!tmp_.empty()) ::unlink(tmp_.c_str());
  tmp_.clear();
}

std::string WriteFileAtomically(const std::string& path, std::string_view contents) {
  AtomicFile file;
  if (std::string error = file.Open(path); !error.empty()) return error;
  file.Write(contents);
  return file.Commit();
}

}  // namespace framework
