// The one content hash of the project: FNV-1a 64, fed piece by piece (HashHex in text.h is it
// over one string). It names coded text in charts (`source`) and study versions in exports.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace framework {

/// FNV-1a 64 (offset basis cbf29ce484222325, prime 100000001b3) over the bytes added so far.
class Fnv1a {
 public:
  /// Adds one byte.
  void Add(char c) {
    h_ ^= static_cast<unsigned char>(c);
    h_ *= 1099511628211ull;
  }
  /// Adds each byte of `bytes`, in order.
  void Add(std::string_view bytes) {
    for (char c : bytes) Add(c);
  }
  /// The hash of the bytes added so far.
  std::uint64_t value() const { return h_; }
  /// The hash as 16 lower-case hex digits.
  std::string Hex() const {
    static const char* kHex = "0123456789abcdef";
    std::string out(16, '0');
    std::uint64_t v = h_;
    for (int i = 15; i >= 0; --i) {
      out[static_cast<std::size_t>(i)] = kHex[v & 0xF];
      v >>= 4;
    }
    return out;
  }

 private:
  std::uint64_t h_ = 14695981039346656037ull;
};

}  // namespace framework
