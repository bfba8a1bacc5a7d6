// File access behind a small interface, so loaders can be tested without files.
#pragma once

#include <map>
#include <string>
#include <string_view>
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

/// Where an output path leads, as every writer of the library sees it (the one output policy;
/// docs/decisions.md "Output targets"):
/// - a regular file, or no file yet: written atomically (AtomicFile), at the end of its chain of
///   symlinks, so a symlink stays a link and its target gets the new bytes;
/// - a character device, FIFO or socket (at the end of the chain), or an open descriptor named
///   /dev/stdout, /dev/stderr, /dev/fd/N or /proc/self/fd/N: written in place, never replaced;
/// - a folder, or a chain of symlinks that does not end (a loop): an error.
struct OutputTarget {
  enum class Kind { kFile, kStream };
  Kind kind = Kind::kFile;
  /// kFile: the file to replace (symlinks followed); kStream: the path to open for writing.
  std::string path;
  int fd = -1;          ///< kStream: the descriptor named (/dev/stdout: 1), else -1
  bool socket = false;  ///< kStream: a Unix socket, connected to rather than opened
  std::string error;    ///< why `path` cannot be written; empty when it can
};

/// Classifies the output path `path` (relative to the current directory, or absolute). Never
/// creates or changes anything.
OutputTarget ResolveOutput(const std::string& path);

/// The first of `candidates` that is the same file as `path` (same device and inode: through
/// symlinks and hard links), or an empty string (also when `path` does not exist).
std::string SameFileAs(const std::string& path, const std::vector<std::string>& candidates);

/// A file written piece by piece and put in place atomically: the bytes go to a temporary file
/// in the target's folder (".name.tmp-XXXXXX"), and Commit() flushes, syncs and renames it over
/// the target, so the target always holds its old or its new version. Until Commit() succeeds
/// the target is untouched; an AtomicFile destroyed (or Abandon()ed) without a commit removes
/// its temporary file. Writes are buffered; the first error is kept, later writes are ignored,
/// and Commit() reports it. The target is found by ResolveOutput: through a symlink its target
/// is replaced; a device, FIFO, socket or /dev/stdout is written in place instead (as the bytes
/// come, with no temporary file: what was written before an error or Abandon() stays written).
class AtomicFile {
 public:
  AtomicFile() = default;
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  /// Creates the temporary file for `path`. Returns an empty string on success, else the error.
  std::string Open(const std::string& path);
  /// Appends `bytes`; false once an error happened (see error()).
  bool Write(std::string_view bytes);
  /// Flushes, syncs and renames the temporary file over the target (keeping the target's
  /// permissions, else 0644 under the umask). Returns an empty string on success, else the
  /// first error (the temporary file is then removed and the target left as it was).
  std::string Commit();
  /// Removes the temporary file, leaving the target as it was.
  void Abandon();
  /// For writers that write a whole file by name themselves (libxlsxwriter): opens like Open()
  /// and sets `*scratch` to a file to write instead of calling Write(); Commit() puts it in place
  /// (renamed over a regular target; copied into a device, FIFO or socket, then removed).
  std::string OpenByName(const std::string& path, std::string* scratch);

  bool is_open() const { return fd_ >= 0; }
  const std::string& error() const { return error_; }

 private:
  bool Flush();
  bool Fail(const std::string& what);
  bool WriteAll(int fd, const char* data, std::size_t size, const std::string& name);
  std::string CommitStream();

  std::string path_;     // the file replaced, or the stream's path (for messages)
  std::string tmp_;      // the temporary file ("" when writing a stream in place)
  int fd_ = -1;          // what Write() writes: the temporary file or the stream
  int stream_fd_ = -1;   // OpenByName onto a stream: the stream (fd_ is the scratch file)
  bool stream_ = false;  // the target is a stream: no rename
  bool by_name_ = false;
  std::string buffer_;
  std::string error_;
};

/// Writes `contents` to `path` atomically, with an AtomicFile. Returns an empty string on
/// success, else the error.
std::string WriteFileAtomically(const std::string& path, std::string_view contents);

}  // namespace framework
