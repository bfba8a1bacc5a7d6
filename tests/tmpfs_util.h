// A small tmpfs for the full-disk tests: root may mount one (CI runs as root); elsewhere
// `mounted()` is false and the test says so and stops.
#pragma once

#include <doctest/doctest.h>
#include <sys/mount.h>

#include <filesystem>
#include <string>

namespace framework_test {

/// Mounts a tmpfs of `size` (mount's size=, e.g. "2m") on `dir`, created if need be, for the
/// object's lifetime.
class SmallTmpfs {
 public:
  SmallTmpfs(const std::filesystem::path& dir, const std::string& size) : dir_(dir) {
    std::filesystem::create_directories(dir_);
    mounted_ = ::mount("tmpfs", dir_.c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0;
    if (!mounted_) MESSAGE("cannot mount a tmpfs here (not root?): the full-disk test did not run");
  }
  ~SmallTmpfs() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  SmallTmpfs(const SmallTmpfs&) = delete;
  SmallTmpfs& operator=(const SmallTmpfs&) = delete;
  bool mounted() const { return mounted_; }

 private:
  std::filesystem::path dir_;
  bool mounted_ = false;
};

}  // namespace framework_test
