// JSON written piece by piece in exactly the layout of nlohmann's dump(2), for outputs streamed a
// value at a time (export --format json, summarise --format json).
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>

namespace framework {

/// Appends `value` to `out` as dump(2) writes it `depth` levels deep inside a larger document:
/// the same text, each line after the first indented 2 * depth spaces more (JSON strings never
/// hold a raw line break). Invalid UTF-8 is replaced, as everywhere in the JSON outputs.
inline void AppendJsonAtDepth(const nlohmann::ordered_json& value, std::size_t depth,
                              std::string& out) {
  const std::string text = value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  std::size_t from = 0;
  for (std::size_t nl; (nl = text.find('\n', from)) != std::string::npos; from = nl + 1) {
    out.append(text, from, nl + 1 - from);
    out.append(2 * depth, ' ');
  }
  out.append(text, from);
}

}  // namespace framework
