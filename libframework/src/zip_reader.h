// Reading zip archives safely: entry names checked against path traversal and duplicates, reads
// bounded in entry count, size and compression ratio (zip bombs), declared sizes never trusted.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "framework/refi_import.h"

namespace framework {

/// An open archive. Entry names are checked on open; reads are bounded by the limits.
class SafeZip {
 public:
  struct Entry {
    std::string name;
    std::uint64_t compressed = 0;  ///< as declared (used only for the ratio check)
    std::uint64_t size = 0;        ///< uncompressed, as declared (0 when not given)
    std::uint64_t index = 0;
  };

  ~SafeZip();
  SafeZip(const SafeZip&) = delete;
  SafeZip& operator=(const SafeZip&) = delete;

  /// Opens an archive in memory (`bytes` must outlive the archive) or from a file. On failure
  /// returns null and sets `*error` (lower-case, names the entry at fault when there is one).
  static std::unique_ptr<SafeZip> OpenMemory(std::string_view bytes, const ImportLimits& limits,
                                             std::string* error);
  static std::unique_ptr<SafeZip> OpenFile(const std::string& path, const ImportLimits& limits,
                                           std::string* error);

  const std::vector<Entry>& entries() const { return entries_; }

  /// Reads entry `entry` whole. False (with `*error`) when it is larger than the limits allow,
  /// expands beyond the ratio, would exceed the total, or is corrupt. The limits are enforced
  /// on the bytes actually inflated, counted as they come (the reading stops at the limit);
  /// the declared sizes serve only to refuse early. Compressed sizes are taken as at most the
  /// archive's own size, so a central directory that lies cannot widen the ratio.
  bool Read(const Entry& entry, std::string* out, std::string* error);

  /// True once a Read failed on a limit (size, total, ratio): the archive is not to be imported.
  bool limit_exceeded() const { return limit_exceeded_; }

 private:
  SafeZip() = default;
  bool Load(std::string* error);

  struct ZipHandle;
  ZipHandle* zip_ = nullptr;
  ImportLimits limits_;
  std::uint64_t total_read_ = 0;
  std::uint64_t archive_bytes_ = 0;  // the archive's real size
  bool limit_exceeded_ = false;
  std::vector<Entry> entries_;
};

/// Why an archive entry name is unsafe to use as a path ("" when it is safe): '..' components,
/// absolute paths, backslashes, drive letters, NUL or control characters.
std::string UnsafeEntryName(std::string_view name);

}  // namespace framework
