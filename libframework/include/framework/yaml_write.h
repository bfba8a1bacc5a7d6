// The YAML scalar writer for the files framework writes as text (framework.yaml and transcript
// heads from `init` and `import`): every value reads back as the same text.
#pragma once

#include <string>
#include <string_view>

namespace framework {

/// `text` as a YAML double-quoted scalar: '"' and '\' escaped, and a line break, tab, CR, other
/// C0 controls and DEL, U+2028, U+2029, NEL and a BOM written as escapes (\n, \t, \r, \xNN,
/// \L, \P, \N, \uFEFF), so it always reads back as `text`, on one line.
std::string YamlQuoted(std::string_view text);

/// `text` as a plain YAML scalar when that is safe (it starts with a letter, holds only letters,
/// digits, non-ASCII, and ` _.-()/'`, does not end with a space, and is not a word YAML reads as
/// a boolean or null), else YamlQuoted(text).
std::string YamlScalar(std::string_view text);

}  // namespace framework
