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
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>

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

std::string DiskFileSystem::Resolve(const std::string& path) const {
  if (path.empty()) return root_;
  if (path[0] == '/' || root_.empty() || root_ == ".") return path;
  return root_ + "/" + path;
}

ReadResult DiskFileSystem::Read(const std::string& path) const {
  ReadResult result;
  int fd = ::open(Resolve(path).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    result.not_found = errno == ENOENT || errno == ENOTDIR;
    result.error = ErrorText(errno);
    return result;
  }
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    result.error = "is a directory";
    return result;
  }
  // Read the size fstat reported, then whatever more the file has grown by.
  std::size_t size = 0;
  result.contents.resize(st.st_size > 0 ? static_cast<std::size_t>(st.st_size) + 1 : 1 << 16);
  for (;;) {
    if (size == result.contents.size()) result.contents.resize(size * 2);
    ssize_t n = ::read(fd, result.contents.data() + size, result.contents.size() - size);
    if (n < 0) {
      if (errno == EINTR) continue;
      result.error = ErrorText(errno);
      ::close(fd);
      result.contents.clear();
      return result;
    }
    if (n == 0) break;
    size += static_cast<std::size_t>(n);
  }
  result.contents.resize(size);
  ::close(fd);
  result.ok = true;
  return result;
}

bool DiskFileSystem::IsDirectory(const std::string& path) const {
  std::error_code ec;
  return fs::is_directory(Resolve(path), ec);
}

bool DiskFileSystem::Exists(const std::string& path) const {
  std::error_code ec;
  return fs::exists(Resolve(path), ec);
}

std::vector<std::string> DiskFileSystem::ListFiles(const std::string& dir,
                                                   const std::string& suffix) const {
  std::vector<std::string> out;
  std::error_code ec;
  std::string base = dir;
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  fs::path resolved = Resolve(base);
  for (fs::recursive_directory_iterator
           it(resolved, fs::directory_options::skip_permission_denied, ec),
       end;
       !ec && it != end; it.increment(ec)) {
    if (IsHidden(it->path())) {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(ec)) continue;
    std::string name = it->path().filename().string();
    if (name.size() < suffix.size() ||
        name.compare(name.size() - suffix.size(), suffix.size(), suffix))
      continue;
    fs::path relative = fs::path(base) / it->path().lexically_relative(resolved);
    out.push_back(relative.lexically_normal().generic_string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> DiskFileSystem::Glob(const std::string& pattern) const {
  std::vector<std::string> out;
  glob_t g{};
  std::string full = Resolve(pattern);
  if (::glob(full.c_str(), 0, nullptr, &g) == 0) {
    std::size_t strip = (pattern.empty() || pattern[0] == '/' || root_.empty() || root_ == ".")
                            ? 0
                            : root_.size() + 1;
    for (std::size_t i = 0; i < g.gl_pathc; ++i) {
      std::string p = g.gl_pathv[i];
      struct stat st {};
      if (::stat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      out.push_back(p.substr(strip));
    }
  }
  ::globfree(&g);
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
  return ::open(target.path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
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
    if (fd_ < 0) return error_ = "cannot open " + path + ": " + ErrorText(errno);
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
  if (stream_fd_ < 0) return error_ = "cannot open " + path + ": " + ErrorText(errno);
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
  const bool ok = WriteAll(fd_, buffer_.data(), buffer_.size(), stream_ ? path_ : tmp_);
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
  return WriteAll(fd_, bytes.data(), bytes.size(), stream_ ? path_ : tmp_);
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
    if (::fsync(fd_) != 0) Fail("cannot sync " + tmp_);
  }
  if (!error_.empty()) {
    Abandon();
    return error_;
  }
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) {
    Fail("cannot close " + tmp_);
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
