#include "framework/file_system.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
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

AtomicFile::~AtomicFile() { Abandon(); }

std::string AtomicFile::Open(const std::string& path) {
  Abandon();
  error_.clear();
  path_ = path;
  fs::path target(path);
  fs::path dir = target.parent_path();
  if (dir.empty()) dir = ".";
  std::string tmp_template = (dir / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
  std::vector<char> name(tmp_template.begin(), tmp_template.end());
  name.push_back('\0');
  fd_ = ::mkstemp(name.data());
  if (fd_ < 0)
    return error_ = "cannot create a temporary file in " + dir.string() + ": " + ErrorText(errno);
  tmp_ = name.data();
  return {};
}

bool AtomicFile::Fail(const std::string& what) {
  if (error_.empty()) error_ = what + ": " + ErrorText(errno);
  return false;
}

bool AtomicFile::Flush() {
  const char* data = buffer_.data();
  std::size_t left = buffer_.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, data, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      buffer_.clear();
      return Fail("cannot write " + tmp_);
    }
    data += n;
    left -= static_cast<std::size_t>(n);
  }
  buffer_.clear();
  return true;
}

bool AtomicFile::Write(std::string_view bytes) {
  if (fd_ < 0 || !error_.empty()) return false;
  if (buffer_.size() + bytes.size() < kAtomicFileBuffer) {
    buffer_.append(bytes);
    return true;
  }
  if (!Flush()) return false;
  if (bytes.size() < kAtomicFileBuffer) {
    buffer_.append(bytes);
    return true;
  }
  const char* data = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, data, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Fail("cannot write " + tmp_);
    }
    data += n;
    left -= static_cast<std::size_t>(n);
  }
  return true;
}

std::string AtomicFile::Commit() {
  if (fd_ < 0) return error_.empty() ? "no file is open" : error_;
  if (error_.empty()) Flush();
  if (error_.empty()) {
    // Keep the permissions of the file being replaced, else the usual 0644 under the umask.
    struct stat st {};
    mode_t mode = 0644;
    if (::stat(path_.c_str(), &st) == 0) {
      mode = st.st_mode & 07777;
    } else {
      mode_t mask = ::umask(0);
      ::umask(mask);
      mode &= ~mask;
    }
    ::fchmod(fd_, mode);
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
    return error_;
  }
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) {
    Fail("cannot replace " + path_);
    ::unlink(tmp_.c_str());
    return error_;
  }
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
  if (fd_ < 0) return;
  ::close(fd_);
  fd_ = -1;
  ::unlink(tmp_.c_str());
}

std::string WriteFileAtomically(const std::string& path, std::string_view contents) {
  AtomicFile file;
  if (std::string error = file.Open(path); !error.empty()) return error;
  file.Write(contents);
  return file.Commit();
}

}  // namespace framework
