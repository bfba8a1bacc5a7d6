// Building zip archives in memory for the import tests, with libzip (entries deflated).
#pragma once

#include <doctest/doctest.h>
#include <zip.h>

#include <string>
#include <vector>

namespace framework_test {

/// One entry of an archive MakeZip builds: its name and bytes.
struct ZipEntry {
  std::string name;
  std::string data;
};

/// The bytes of a zip holding `entries`, in order (each deflated, names flagged UTF-8).
inline std::string MakeZip(const std::vector<ZipEntry>& entries) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* buffer = zip_source_buffer_create(nullptr, 0, 0, &error);
  REQUIRE(buffer != nullptr);
  zip_source_keep(buffer);
  zip_t* zip = zip_open_from_source(buffer, ZIP_TRUNCATE, &error);
  REQUIRE(zip != nullptr);
  for (const ZipEntry& e : entries) {
    zip_source_t* s = zip_source_buffer(zip, e.data.data(), e.data.size(), 0);
    REQUIRE(s != nullptr);
    REQUIRE(zip_file_add(zip, e.name.c_str(), s, ZIP_FL_ENC_UTF_8) >= 0);
  }
  REQUIRE(zip_close(zip) == 0);
  REQUIRE(zip_source_open(buffer) == 0);
  REQUIRE(zip_source_seek(buffer, 0, SEEK_END) == 0);
  const zip_int64_t size = zip_source_tell(buffer);
  REQUIRE(zip_source_seek(buffer, 0, SEEK_SET) == 0);
  std::string out(static_cast<std::size_t>(size), '\0');
  REQUIRE(zip_source_read(buffer, out.data(), static_cast<zip_uint64_t>(size)) == size);
  zip_source_close(buffer);
  zip_source_free(buffer);
  zip_error_fini(&error);
  return out;
}

/// A zip of a project.qde and one source.
inline std::string MakeZip(const std::string& project, const std::string& source_name,
                           const std::string& source) {
  return MakeZip({{"project.qde", project}, {source_name, source}});
}

}  // namespace framework_test
