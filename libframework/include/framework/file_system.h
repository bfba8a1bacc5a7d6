// File access behind a small interface, so loaders can be tested without files.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace framework {

/// Result of a read: the bytes, or an error message (`strerror`-style, lower-case).
struct ReadResult {
  bool ok = false;
  bool not_found = false;  ///< the file does not exist (as opposed to unreadable)
  std::string contents;
  std::string error;
};

/// Read-only file access for the loaders. Paths use '/' and are relative to the study root or
/// absolute. Implementations must be safe to call from several threads at once.
class FileSystem {
 public:
  virtual ~FileSystem() = default;
  /// Reads a whole file.
  virtual ReadResult Read(const std::string& path) const = 0;
  /// True when `path` is an existing directory.
  virtual bool IsDirectory(const std::string& path) const = 0;
  /// True when `path` exists (file or directory).
  virtual bool Exists(const std::string& path) const = 0;
  /// Regular files under directory `dir` (recursively) whose names end with `suffix`, as paths
  /// that start with `dir`, sorted bytewise. Hidden files and folders (".name") are skipped.
  virtual std::vector<std::string> ListFiles(const std::string& dir,
                                             const std::string& suffix) const = 0;
  /// Paths matching a glob pattern (`*`, `?`, `[...]`, per path component), sorted bytewise.
  virtual std::vector<std::string> Glob(const std::string& pattern) const = 0;
};

/// The real file system, with paths resolved against `root`.
class DiskFileSystem : public FileSystem {
 public:
  explicit DiskFileSystem(std::string root = ".") : root_(std::move(root)) {}
  ReadResult Read(const std::string& path) const override;
  bool IsDirectory(const std::string& path) const override;
  bool Exists(const std::string& path) const override;
  std::vector<std::string> ListFiles(const std::string& dir,
                                     const std::string& suffix) const override;
  std::vector<std::string> Glob(const std::string& pattern) const override;
  const std::string& root() const { return root_; }

 private:
  std::string Resolve(const std::string& path) const;
  std::string root_;
};

/// An in-memory file system for tests: path -> contents.
class MemoryFileSystem : public FileSystem {
 public:
  void Add(std::string path, std::string contents) {
    files_[std::move(path)] = std::move(contents);
  }
  ReadResult Read(const std::string& path) const override;
  bool IsDirectory(const std::string& path) const override;
  bool Exists(const std::string& path) const override;
  std::vector<std::string> ListFiles(const std::string& dir,
                                     const std::string& suffix) const override;
  std::vector<std::string> Glob(const std::string& pattern) const override;

 private:
  std::map<std::string, std::string> files_;
};

/// Writes `contents` to `path` atomically: a temporary file in the same folder, flushed, synced
/// and renamed over the target. Returns an empty string on success, else the error.
std::string WriteFileAtomically(const std::string& path, const std::string& contents);

}  // namespace framework
