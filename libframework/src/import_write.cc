// Putting an imported study on disk: built whole in a staging folder beside the target, then
// renamed into place (docs/decisions.md "Import staging").
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "framework/file_system.h"
#include "framework/refi_import.h"

namespace framework {
namespace {

namespace fs = std::filesystem;

constexpr const char* kReport = "IMPORT-REPORT.md";

std::string ErrorText(int err) {
  std::string text = std::strerror(err);
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

// ".NAME.import-": the start of the staging folders of imports into NAME.
std::string StagingPrefix(const fs::path& target) {
  return "." + target.filename().string() + ".import-";
}

void SyncFolder(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// Writes a new file of the staging folder (no one else sees it: no temporary file needed; the
// whole folder is synced once before it is renamed into place).
std::string WriteNewFile(const fs::path& path, const std::string& contents) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) return "cannot create " + path.string() + ": " + ErrorText(errno);
  const char* data = contents.data();
  std::size_t left = contents.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, data, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return "cannot write " + path.string() + ": " + ErrorText(err);
    }
    data += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) return "cannot write " + path.string() + ": " + ErrorText(errno);
  return {};
}

// Removes the staging folders of earlier imports into `target` that no process holds (a killed
// import's, or the old study a finished one swapped out and was killed before removing); each
// one removed is named in `notes`. A staging folder in use is locked (flock) by its import.
void RemoveLeftovers(const fs::path& target, std::vector<std::string>* notes) {
  const std::string prefix = StagingPrefix(target);
  std::error_code ec;
  std::vector<fs::path> leftovers;
  for (fs::directory_iterator it(target.parent_path(), ec), end; !ec && it != end;
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() == prefix.size() + 6 && name.starts_with(prefix) && it->is_directory(ec) &&
        !it->is_symlink(ec))
      leftovers.push_back(it->path());
  }
  for (const fs::path& dir : leftovers) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) continue;
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
      fs::remove_all(dir, ec);
      if (!ec && notes)
        notes->push_back("removed " + dir.string() + ", left by an interrupted import");
    }
    ::close(fd);
  }
}

// --force: every file of the old study the import does not write, put in the staging folder as
// it is (hard-linked, else copied; symlinks copied as links), so the new study keeps it.
std::string KeepOldFiles(const fs::path& old, const fs::path& staging,
                         const std::set<std::string>& written) {
  std::error_code ec;
  fs::recursive_directory_iterator it(old, fs::directory_options::none, ec), end;
  if (ec) return "cannot read " + old.string() + ": " + ec.message();
  for (; it != end; it.increment(ec)) {
    if (ec) return "cannot read " + old.string() + ": " + ec.message();
    const std::string relative = it->path().lexically_relative(old).generic_string();
    const fs::path to = staging / relative;
    const fs::file_status status = it->symlink_status(ec);
    if (written.count(relative)) {
      if (fs::is_directory(status)) it.disable_recursion_pending();
      continue;
    }
    if (fs::is_directory(status)) {
      fs::create_directories(to, ec);
      if (!ec) fs::permissions(to, status.permissions(), ec);
    } else if (fs::is_symlink(status)) {
      fs::copy_symlink(it->path(), to, ec);
    } else if (fs::is_regular_file(status)) {
      if (::link(it->path().c_str(), to.c_str()) != 0)
        fs::copy_file(it->path(), to, fs::copy_options::none, ec);
    }
    // Devices, FIFOs and sockets are not carried over.
    if (ec) return "cannot keep " + it->path().string() + ": " + ec.message();
  }
  return {};
}

}  // namespace

std::string WriteImportedStudy(const std::string& dir, const ImportResult& result, bool force,
                               std::vector<std::string>* notes) {
  std::error_code ec;
  // The target as an absolute path; a symlink to a folder is followed (the link stays).
  fs::path target = fs::absolute(dir, ec).lexically_normal();
  if (!target.has_filename()) target = target.parent_path();
  if (fs::is_symlink(target, ec)) {
    const fs::path real = fs::canonical(target, ec);
    if (ec) return "cannot follow " + dir + ": " + ec.message();
    target = real;
  }
  const bool exists = fs::exists(target, ec);
  if (exists) {
    if (!fs::is_directory(target, ec)) return dir + " exists and is not a folder";
    if (!force && !fs::is_empty(target, ec))
      return dir + " is not empty; import into a new or empty folder, or use --force";
  }
  // The folder this process runs in is replaced too: say so (a shell there must cd again).
  const bool in_target = exists && fs::equivalent(fs::current_path(ec), target, ec);
  const fs::path parent = target.parent_path();
  if (!exists) {
    fs::create_directories(parent, ec);
    if (ec) return "cannot create " + parent.string() + ": " + ec.message();
  }
  RemoveLeftovers(target, notes);

  // The staging folder, locked while this import uses it.
  std::string name = (parent / (StagingPrefix(target) + "XXXXXX")).string();
  if (::mkdtemp(name.data()) == nullptr)
    return "cannot create a folder in " + parent.string() + ": " + ErrorText(errno);
  const fs::path staging = name;
  const int lock = ::open(staging.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (lock >= 0) ::flock(lock, LOCK_EX);
  auto fail = [&](const std::string& error) {
    fs::remove_all(staging, ec);
    if (lock >= 0) ::close(lock);
    return error;
  };

  std::set<std::string> written;
  for (const ImportedFile& f : result.files) written.insert(f.path);
  if (exists && force)
    if (std::string error = KeepOldFiles(target, staging, written); !error.empty())
      return fail(error);
  // The files, the report last.
  auto write = [&](const ImportedFile& f) {
    const fs::path path = staging / f.path;
    fs::create_directories(path.parent_path(), ec);
    if (ec) return "cannot create " + path.parent_path().string() + ": " + ec.message();
    return WriteNewFile(path, f.contents);
  };
  for (const ImportedFile& f : result.files)
    if (f.path != kReport)
      if (std::string error = write(f); !error.empty()) return fail(error);
  for (const ImportedFile& f : result.files)
    if (f.path == kReport)
      if (std::string error = write(f); !error.empty()) return fail(error);

  // The folder's mode: the old folder's, else 0777 under the umask (mkdtemp made it 0700).
  struct stat st {};
  mode_t mode = 0777;
  if (exists && ::stat(target.c_str(), &st) == 0) {
    mode = st.st_mode & 07777;
  } else {
    const mode_t mask = ::umask(0);
    ::umask(mask);
    mode &= ~mask;
  }
  ::chmod(staging.c_str(), mode);
  // Every byte on disk before the study appears (one sync of the file system, not one per file).
  if (lock >= 0 && ::syncfs(lock) != 0)
    return fail("cannot sync " + staging.string() + ": " + ErrorText(errno));

  // Into place: the one step that makes the study appear, whole.
  if (!exists || !force || fs::is_empty(target, ec)) {
    // A new folder, or over an empty one (rename replaces an empty folder, and refuses one
    // that is not empty: an import that got there first is never overwritten).
    if (::rename(staging.c_str(), target.c_str()) != 0)
      return fail("cannot create " + dir + ": " + ErrorText(errno));
  } else {
    // --force: the new study and the old one swap places at once; the old one, now at the
    // staging name, is then removed (a kill before that leaves it to RemoveLeftovers).
    if (::renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) != 0) {
      if (errno != EINVAL && errno != ENOSYS)
        return fail("cannot replace " + dir + ": " + ErrorText(errno));
      // A file system without the exchange: the old folder moves aside first, under a name
      // RemoveLeftovers does not take (a kill between the two renames leaves it there).
      std::string aside = (parent / (StagingPrefix(target) + "old-XXXXXX")).string();
      if (::mkdtemp(aside.data()) == nullptr)
        return fail("cannot create a folder in " + parent.string() + ": " + ErrorText(errno));
      if (::rename(target.c_str(), aside.c_str()) != 0) {
        const int err = errno;
        ::rmdir(aside.c_str());
        return fail("cannot replace " + dir + ": " + ErrorText(err));
      }
      if (::rename(staging.c_str(), target.c_str()) != 0) {
        const int err = errno;
        ::rename(aside.c_str(), target.c_str());
        return fail("cannot replace " + dir + ": " + ErrorText(err));
      }
      fs::remove_all(aside, ec);
    }
  }
  SyncFolder(parent);
  // The staging name now holds the old study (or nothing).
  fs::remove_all(staging, ec);
  if (lock >= 0) ::close(lock);
  if (in_target && notes)
    notes->push_back(dir + " is a new folder now: a shell in the old one sees it after 'cd .'");
  return {};
}

}  // namespace framework
