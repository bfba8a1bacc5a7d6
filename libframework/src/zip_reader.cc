#include "zip_reader.h"

#include <zip.h>

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

namespace framework {

struct SafeZip::ZipHandle {
  zip_t* zip = nullptr;
};

namespace {

std::string ToLowerAscii(std::string text) {
  for (char& c : text)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return text;
}

std::string ZipErrorText(int code) {
  zip_error_t error;
  zip_error_init_with_code(&error, code);
  std::string text = zip_error_strerror(&error);
  zip_error_fini(&error);
  return ToLowerAscii(text);
}

}  // namespace

std::string UnsafeEntryName(std::string_view name) {
  if (name.empty()) return "an empty entry name";
  if (name.front() == '/') return "an absolute path";
  if (name.find('\\') != std::string_view::npos) return "a backslash in the path";
  if (name.size() >= 2 && name[1] == ':' &&
      ((name[0] >= 'A' && name[0] <= 'Z') || (name[0] >= 'a' && name[0] <= 'z')))
    return "a drive letter";
  for (char c : name)
    if (static_cast<unsigned char>(c) < 0x20) return "a control character in the path";
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t end = name.find('/', start);
    if (end == std::string_view::npos) end = name.size();
    if (name.substr(start, end - start) == "..") return "a '..' component";
    start = end + 1;
  }
  return {};
}

SafeZip::~SafeZip() {
  if (zip_) {
    if (zip_->zip) zip_discard(zip_->zip);
    delete zip_;
  }
}

std::unique_ptr<SafeZip> SafeZip::OpenMemory(std::string_view bytes, const ImportLimits& limits,
                                             std::string* error) {
  std::unique_ptr<SafeZip> z(new SafeZip());
  z->limits_ = limits;
  z->zip_ = new ZipHandle();
  zip_error_t zerror;
  zip_error_init(&zerror);
  zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &zerror);
  if (!source) {
    *error = "cannot read the archive: " + std::string(zip_error_strerror(&zerror));
    zip_error_fini(&zerror);
    return nullptr;
  }
  z->zip_->zip = zip_open_from_source(source, ZIP_RDONLY, &zerror);
  if (!z->zip_->zip) {
    *error = "not a readable zip archive: " + ToLowerAscii(zip_error_strerror(&zerror));
    zip_source_free(source);
    zip_error_fini(&zerror);
    return nullptr;
  }
  zip_error_fini(&zerror);
  z->archive_bytes_ = bytes.size();
  if (!z->Load(error)) return nullptr;
  return z;
}

std::unique_ptr<SafeZip> SafeZip::OpenFile(const std::string& path, const ImportLimits& limits,
                                           std::string* error) {
  std::unique_ptr<SafeZip> z(new SafeZip());
  z->limits_ = limits;
  z->zip_ = new ZipHandle();
  int code = 0;
  z->zip_->zip = zip_open(path.c_str(), ZIP_RDONLY, &code);
  if (!z->zip_->zip) {
    *error = code == ZIP_ER_NOENT || code == ZIP_ER_OPEN
                 ? "cannot open: " + std::string(std::strerror(errno))
                 : "not a readable zip archive: " + ZipErrorText(code);
    return nullptr;
  }
  struct stat st;
  z->archive_bytes_ = ::stat(path.c_str(), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
  if (!z->Load(error)) return nullptr;
  return z;
}

bool SafeZip::Load(std::string* error) {
  const zip_int64_t count = zip_get_num_entries(zip_->zip, 0);
  if (count < 0) {
    *error = "cannot list the archive's entries";
    return false;
  }
  if (static_cast<std::uint64_t>(count) > limits_.max_entries) {
    *error = "the archive has " + std::to_string(count) + " entries, more than the limit of " +
             std::to_string(limits_.max_entries);
    return false;
  }
  // Names compared without case: sources are looked up that way, and "a.txt" beside "A.txt"
  // would be one file on a case-insensitive file system.
  std::map<std::string, zip_int64_t> seen;
  for (zip_int64_t i = 0; i < count; ++i) {
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(zip_->zip, static_cast<zip_uint64_t>(i), ZIP_FL_ENC_GUESS, &st) != 0 ||
        !(st.valid & ZIP_STAT_NAME)) {
      *error = "entry " + std::to_string(i) + " cannot be read";
      return false;
    }
    std::string name = st.name;
    std::string why = UnsafeEntryName(name);
    if (!why.empty()) {
      *error = "unsafe entry name '" + name + "' (" + why + "); the archive is not read";
      return false;
    }
    auto [at, added] = seen.emplace(ToLowerAscii(name), i);
    if (!added) {
      *error = "duplicate entry name '" + name + "' (entries " + std::to_string(at->second + 1) +
               " and " + std::to_string(i + 1) + "); the archive is not read";
      return false;
    }
    Entry e;
    e.name = std::move(name);
    e.index = static_cast<std::uint64_t>(i);
    e.compressed = (st.valid & ZIP_STAT_COMP_SIZE) ? st.comp_size : 0;
    e.size = (st.valid & ZIP_STAT_SIZE) ? st.size : 0;
    entries_.push_back(std::move(e));
  }
  return true;
}

namespace {

std::string Megabytes(std::uint64_t bytes) {
  if (bytes % (1u << 20) == 0) return std::to_string(bytes >> 20) + " MB";
  return std::to_string(bytes) + " bytes";
}

}  // namespace

bool SafeZip::Read(const Entry& entry, std::string* out, std::string* error) {
  out->clear();
  const auto refuse = [&](std::string message) {
    *error = std::move(message);
    limit_exceeded_ = true;
    out->clear();
    out->shrink_to_fit();
    return false;
  };
  if (entry.size > limits_.read.max_file_size)
    return refuse("entry is " + std::to_string(entry.size) + " bytes uncompressed, more than " +
                  Megabytes(limits_.read.max_file_size) + ", the limit for one file");
  // A compressed size beyond the archive's own is a lie: the ratio is taken against the smaller.
  std::uint64_t compressed = entry.compressed;
  if (archive_bytes_ > 0 && (compressed == 0 || compressed > archive_bytes_))
    compressed = archive_bytes_;
  if (compressed == 0) compressed = 1;
  // All entries together may not expand beyond the ratio times the archive (nor the total).
  // A max_ratio of 0 turns the ratio rule off (the absolute limits still hold).
  const bool ratio_rule = limits_.max_ratio > 0;
  const std::uint64_t archive_cap =
      !ratio_rule
          ? limits_.max_total_bytes
          : std::max<std::uint64_t>(limits_.ratio_floor_bytes,
                                    archive_bytes_ > limits_.max_total_bytes / limits_.max_ratio
                                        ? limits_.max_total_bytes
                                        : archive_bytes_ * limits_.max_ratio);
  zip_file_t* file = zip_fopen_index(zip_->zip, entry.index, 0);
  if (!file) {
    *error = "cannot open entry: " + ToLowerAscii(zip_strerror(zip_->zip));
    return false;
  }
  if (entry.size > 0) out->reserve(static_cast<std::size_t>(entry.size));
  // Read in bounded chunks, counting what is inflated: the declared size is never trusted.
  char buffer[64 * 1024];
  bool ok = true;
  for (;;) {
    const zip_int64_t n = zip_fread(file, buffer, sizeof buffer);
    if (n < 0) {
      *error = "corrupt entry: " + ToLowerAscii(zip_file_strerror(file));
      ok = false;
      break;
    }
    if (n == 0) break;
    const std::uint64_t size = out->size() + static_cast<std::uint64_t>(n);
    total_read_ += static_cast<std::uint64_t>(n);
    if (size > limits_.read.max_file_size) {
      ok = refuse("entry expands beyond " + Megabytes(limits_.read.max_file_size) +
                  ", the limit for one file");
      break;
    }
    if (total_read_ > limits_.max_total_bytes) {
      ok = refuse("the archive expands beyond " + Megabytes(limits_.max_total_bytes) +
                  " in all, the limit");
      break;
    }
    if (ratio_rule && size > limits_.ratio_floor_bytes && size / compressed > limits_.max_ratio) {
      ok = refuse("entry expands more than " + std::to_string(limits_.max_ratio) +
                  " times its compressed size (a zip bomb?)");
      break;
    }
    if (ratio_rule && total_read_ > archive_cap) {
      ok = refuse("the archive expands more than " + std::to_string(limits_.max_ratio) +
                  " times its own size of " + std::to_string(archive_bytes_) +
                  " bytes (a zip bomb?)");
      break;
    }
    out->append(buffer, static_cast<std::size_t>(n));
  }
  zip_fclose(file);
  if (!ok) out->clear();
  return ok;
}

}  // namespace framework
