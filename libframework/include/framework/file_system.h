// File access behind a small interface, so loaders can be tested without files.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace framework {

/// The largest input file read by default: 64 MiB (docs/limits.md, "Reading files"). A long
/// interview transcript is well under 1 MB; the most memory any command needs for one file is
/// about four times it, so the default keeps every command on any one file under 500 MB.
inline constexpr std::uint64_t kDefaultMaxFileSize = 64ull << 20;

/// What input files may be read (docs/limits.md, "Reading files"). The command line sets it
/// (`--max-file-size`, `--follow-symlinks`); a study's own files cannot change it.
struct ReadPolicy {
  /// Files larger than this many bytes are refused before anything is read; a file that grows
  /// past it while being read is refused too.
  std::uint64_t max_file_size = kDefaultMaxFileSize;
  /// false: a file that resolves outside its confining folder (the study folder), through a
  /// symbolic link or a path such as "../x" or "/etc/x", is refused. true: it is read.
  bool follow_symlinks = false;
};

/// Result of a read: the bytes, or an error message (`strerror`-style, lower-case).
struct ReadResult {
  bool ok = false;
  bool not_found = false;  ///< the file does not exist (as opposed to unreadable)
  std::string contents;
  std::string error;
  std::string hint;      ///< what to do about `error`; may be empty
  std::string encoding;  ///< ReadTextFile: the file was read but is UTF-16 or UTF-32 (a study
                         ///< error, not an input/output failure), e.g. "UTF-16LE"; "binary"
                         ///< when it holds a NUL byte
  int line = 0;          ///< ReadTextFile: where in the file `error` is (1-based), 0: the whole
  int column = 0;        ///< file; the column in code points
};

/// Reads the file at `path`: the one function that reads input files from disk (study files
/// through DiskFileSystem, files named on the command line directly). Only regular files are
/// read: a FIFO, socket, device or folder is refused without being opened for more than a
/// look (no FIFO blocks, /dev/zero is not read), with `error` naming what it is. A file larger
/// than `policy.max_file_size` is refused with its size and the limit ("file too large (64 GB >
/// limit 64 MB)") and a hint; reading stops at the limit whatever the file claims. A dangling
/// symbolic link says so and names its target. When `confine` is not empty (the real path of a
/// folder, as `realpath` gives it) and `policy.follow_symlinks` is false, a file that resolves
/// outside it is refused, naming the link and where it leads. Never throws; thread-safe.
/// `confine_name` names that folder in messages ("the study folder").
ReadResult ReadInputFile(const std::string& path, const ReadPolicy& policy = {},
                         const std::string& confine = {},
                         const std::string& confine_name = "the study folder");

/// The checks ReadInputFile makes before it opens a file (it exists, is a regular file, lies
/// inside `confine`, is not too large), without reading it: for files another library opens
/// (a .qdpx archive). `contents` stays empty.
ReadResult CheckInputFile(const std::string& path, const ReadPolicy& policy = {},
                          const std::string& confine = {},
                          const std::string& confine_name = "the study folder");

/// "64 GB", "1.5 MB", "300 bytes": a size as messages show it (units of 1024).
std::string FormatFileSize(std::uint64_t bytes);

/// Parses a size as `--max-file-size` takes it: a whole number of bytes, or one with a unit K,
/// M, G or T (powers of 1024; "KB", "KiB", "k" too). Empty on anything else or zero.
std::optional<std::uint64_t> ParseFileSize(std::string_view text);

/// A file or folder a listing came upon but could not read, and why.
struct ListProblem {
  std::string path;   ///< as the listing gives paths (starting with its folder)
  std::string error;  ///< e.g. "permission denied"
  int err = 0;        ///< the errno behind `error`, when there is one (ENAMETOOLONG, EACCES)
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
  /// Files under directory `dir` (recursively) whose names end with `suffix`, as paths that
  /// start with `dir`, sorted bytewise: everything that is not a folder (a FIFO or a dangling
  /// link too, so that Read can say what is wrong with it). Folders are walked, not followed
  /// through symbolic links; hidden files and folders (".name") are skipped.
  virtual std::vector<std::string> ListFiles(const std::string& dir,
                                             const std::string& suffix) const = 0;
  /// Paths matching a glob pattern (`*`, `?`, `[...]`, per path component), sorted bytewise;
  /// as ListFiles, everything but folders.
  virtual std::vector<std::string> Glob(const std::string& pattern) const = 0;
  /// ListFiles, and the folders it could not read (`dir` itself or one below it) in `problems`.
  virtual std::vector<std::string> ListFilesChecked(const std::string& dir,
                                                    const std::string& suffix,
                                                    std::vector<ListProblem>* problems) const {
    (void)problems;
    return ListFiles(dir, suffix);
  }
  /// Glob, and the folders it could not read in `problems`.
  virtual std::vector<std::string> GlobChecked(const std::string& pattern,
                                               std::vector<ListProblem>* problems) const {
    (void)problems;
    return Glob(pattern);
  }
};

/// Reads the study text file `path` (framework.yaml, a participants file, a transcript, a chart)
/// through `fs` and makes it ready for the parsers: a UTF-16 or UTF-32 file (a byte order mark,
/// or the NUL bytes of mostly-ASCII text) is refused with one error naming the encoding and an
/// `iconv` hint (`encoding` set); a NUL byte anywhere else is refused the same way, located
/// at the first one (`line`, `column`; `encoding` "binary"); a lone CR (old Mac line ends) becomes
/// LF, which keeps every byte offset, so line numbers, columns and exported offsets agree. CRLF is
/// left as it is.
ReadResult ReadTextFile(const FileSystem& fs, const std::string& path);

/// The real file system, with paths resolved against `root`. Reads go through ReadInputFile
/// with `policy`, confined to `root`: a file that resolves outside it is refused unless
/// `policy.follow_symlinks`.
class DiskFileSystem : public FileSystem {
 public:
  explicit DiskFileSystem(std::string root = ".", ReadPolicy policy = {});
  /// Confines reads to `folder` (relative to the current folder, or absolute) instead of `root`.
  void ConfineTo(const std::string& folder);
  ReadResult Read(const std::string& path) const override;
  bool IsDirectory(const std::string& path) const override;
  bool Exists(const std::string& path) const override;
  std::vector<std::string> ListFiles(const std::string& dir,
                                     const std::string& suffix) const override;
  std::vector<std::string> Glob(const std::string& pattern) const override;
  std::vector<std::string> ListFilesChecked(const std::string& dir, const std::string& suffix,
                                            std::vector<ListProblem>* problems) const override;
  std::vector<std::string> GlobChecked(const std::string& pattern,
                                       std::vector<ListProblem>* problems) const override;
  const std::string& root() const { return root_; }
  const ReadPolicy& policy() const { return policy_; }

 private:
  std::string Resolve(const std::string& path) const;
  std::string root_;
  ReadPolicy policy_;
  std::string confine_;  // the real path of the folder reads are confined to
  std::string confine_name_ = "the study folder";
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

  std::string path_;     // the file replaced, or the stream's path (for messages: a failed
                         // write names it, not the scratch file, e.g. "cannot write
                         // out.json: no space left on device")
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
