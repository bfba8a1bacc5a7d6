#include "yaml_support.h"

#include <yaml-cpp/depthguard.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

#include "framework/text.h"

namespace framework::yaml {

namespace {
Position FromMark(const SourceText& source, const YAML::Mark& mark) {
  if (mark.is_null() || mark.line < 0) return {};
  return source.PositionAt(source.OffsetOf(mark.line, mark.column));
}

std::string Describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Null:
      return "empty";
    case YAML::NodeType::Scalar:
      return "a scalar";
    default:
      return "undefined";
  }
}
}  // namespace

namespace {
std::mutex budget_mutex;
std::condition_variable budget_freed;
std::size_t bytes_in_flight = 0;
thread_local std::size_t bytes_held_here = 0;  // by this thread
}  // namespace

Reservation::Reservation(std::size_t bytes) {
  bytes = std::min(std::max<std::size_t>(bytes, 1), kYamlCppBytesInFlight);
  std::unique_lock<std::mutex> lock(budget_mutex);
  if (bytes_held_here == 0)
    budget_freed.wait(lock, [&] { return bytes_in_flight + bytes <= kYamlCppBytesInFlight; });
  bytes_in_flight += bytes;
  bytes_held_here += bytes;
  bytes_ = bytes;
}

Reservation::Reservation(Reservation&& other) noexcept : bytes_(std::exchange(other.bytes_, 0)) {}

Reservation& Reservation::operator=(Reservation&& other) noexcept {
  if (this != &other) {
    Release();
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

Reservation::~Reservation() { Release(); }

void Reservation::Release() {
  if (bytes_ == 0) return;
  {
    std::lock_guard<std::mutex> lock(budget_mutex);
    bytes_in_flight -= bytes_;
    bytes_held_here -= std::min(bytes_held_here, bytes_);
  }
  bytes_ = 0;
  budget_freed.notify_all();
}

// yaml-cpp keeps an alias ('*name') as one more reference to its anchor's node, so a small file
// can name a large value many times over, and every reader that walks the tree copies it each
// time. Without aliases neither count can exceed the file's size; the budget leaves room for
// honest reuse of an anchored value.
YAML::Node OverExpanded(const YAML::Node& root, std::size_t input_bytes) {
  const std::size_t budget = kAliasExpansionFactor * input_bytes + kAliasExpansionSlack;
  std::size_t spent = 0;
  std::vector<YAML::Node> stack{root};
  while (!stack.empty()) {
    YAML::Node node = std::move(stack.back());
    stack.pop_back();
    spent += 1;  // every node costs at least its own record
    if (node.IsScalar()) spent += node.Scalar().size();
    if (spent > budget) return node;
    if (node.IsSequence()) {
      for (const YAML::Node& child : node) stack.push_back(child);
    } else if (node.IsMap()) {
      for (const auto& pair : node) {
        stack.push_back(pair.first);
        stack.push_back(pair.second);
      }
    }
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

namespace {

// The kind of study file `name` is, by its name, for kGuess.
YamlFile GuessYamlFile(std::string_view name) {
  auto ends_with = [&](std::string_view tail) {
    return name.size() >= tail.size() && name.substr(name.size() - tail.size()) == tail;
  };
  const std::size_t slash = name.rfind('/');
  const std::string_view base = slash == std::string_view::npos ? name : name.substr(slash + 1);
  if (base == "framework.yaml") return YamlFile::kFramework;
  if (ends_with(".txt") || ends_with(".md")) return YamlFile::kFrontMatter;
  if (name.substr(0, 7) == "charts/" || name.find("/charts/") != std::string_view::npos)
    return YamlFile::kChart;
  return YamlFile::kGuess;
}

// The hint of "yaml-too-large" for a file of kind `kind`.
std::string TooLargeHint(YamlFile kind) {
  switch (kind) {
    case YamlFile::kFramework:
      return "framework.yaml is always read as general YAML: it holds the themes, sub-themes "
             "and settings, far less than this; keep long descriptions in a file of their own "
             "(see docs/limits.md)";
    case YamlFile::kParticipants:
      return "a participants file this large is read only in the shape framework writes it: "
             "'participants:' last, then one '- {id: P01, role: ...}' a line (plain or "
             "double-quoted values); or give a participants.csv (see docs/limits.md)";
    case YamlFile::kChart:
      return "a chart this large is read only in the shape 'framework chart' saves it: open "
             "and save it with 'framework chart THEME' (see docs/limits.md)";
    case YamlFile::kFrontMatter:
      return "front matter holds a few keys (participant, date, speakers); plain 'key: value' "
             "lines are read at any size (see docs/limits.md)";
    case YamlFile::kGuess:
      break;
  }
  return "files this large are read only in the shape framework writes them (a chart as "
         "'framework chart' saves it, participants as one '- {id: ...}' a line); see "
         "docs/limits.md";
}

}  // namespace

YAML::Node Parse(const SourceText& source, const std::string& yaml_text, Diagnostics& diagnostics,
                 bool* ok, Reservation* held, YamlFile kind) {
  *ok = false;
  if (yaml_text.size() > kMaxYamlCppBytes) {
    if (kind == YamlFile::kGuess) kind = GuessYamlFile(source.name());
    diagnostics.push_back(source.AtPosition(
        Severity::kError, "yaml-too-large", {1, 1},
        "file too large to read as general YAML: " + std::to_string(yaml_text.size()) +
            " bytes, the limit is " + std::to_string(kMaxYamlCppBytes) + " bytes",
        TooLargeHint(kind)));
    return YAML::Node();
  }
  Reservation reservation(yaml_text.size());
  try {
    YAML::Node node = YAML::Load(yaml_text);
    if (const YAML::Node at = OverExpanded(node, yaml_text.size()); at.IsDefined()) {
      Position p = PositionOf(source, at);
      if (p.line == 0) p = {1, 1};
      diagnostics.push_back(source.AtPosition(
          Severity::kError, "yaml-alias-expansion", p,
          "YAML aliases expand this file to more than " + std::to_string(kAliasExpansionFactor) +
              " times its size; this value is repeated "
              "too often",
          "framework files need no anchors ('&name') or aliases ('*name'): write the values out "
          "(see docs/limits.md)"));
      return YAML::Node();
    }
    *ok = true;
    if (held) *held = std::move(reservation);
    return node;
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp's parser recurses per level and stops at kMaxYamlDepth, saying only "bad file".
    Position p = FromMark(source, e.mark);
    if (p.line == 0) p = {1, 1};
    diagnostics.push_back(source.AtPosition(
        Severity::kError, "yaml-too-deep", p,
        "invalid YAML: nesting deeper than " + std::to_string(kMaxYamlDepth - 1) + " levels",
        "framework files nest a few levels deep; look for a runaway run of '[', '{' or '-' here"));
  } catch (const YAML::Exception& e) {
    Position p = FromMark(source, e.mark);
    if (p.line == 0) p = {1, 1};
    diagnostics.push_back(source.AtPosition(Severity::kError, "bad-yaml", p,
                                            "invalid YAML: " + e.msg,
                                            "check the indentation and quoting near here"));
  } catch (const std::exception& e) {
    diagnostics.push_back(source.AtPosition(Severity::kError, "bad-yaml", {1, 1},
                                            std::string("invalid YAML: ") + e.what()));
  }
  return YAML::Node();
}

Position PositionOf(const SourceText& source, const YAML::Node& node) {
  if (!node.IsDefined()) return {};
  return FromMark(source, node.Mark());
}

Diagnostic At(const SourceText& source, const YAML::Node& node, Severity severity, std::string rule,
              std::string message, std::string hint) {
  Position p = PositionOf(source, node);
  int length = 1;
  if (node.IsDefined() && node.IsScalar())
    length = std::max<int>(1, static_cast<int>(CountCodePoints(node.Scalar())));
  return source.AtPosition(severity, std::move(rule), p, std::move(message), std::move(hint),
                           length);
}

void CheckKeys(const SourceText& source, const YAML::Node& map,
               std::initializer_list<std::string_view> allowed, std::string_view what,
               Diagnostics& diagnostics) {
  if (!map.IsMap()) return;
  std::vector<std::string> allowed_list(allowed.begin(), allowed.end());
  std::set<std::string> seen;
  for (auto it = map.begin(); it != map.end(); ++it) {
    const YAML::Node key = it->first;
    if (!key.IsScalar()) {
      diagnostics.push_back(
          At(source, key, Severity::kError, "bad-key",
             "a key in " + std::string(what) + " must be a plain name, not " + Describe(key)));
      continue;
    }
    std::string name = key.Scalar();
    if (!seen.insert(name).second) {
      diagnostics.push_back(At(source, key, Severity::kError, "duplicate-key",
                               "duplicate key '" + name + "' in " + std::string(what),
                               "YAML keeps only one of them; remove or rename the other"));
      continue;
    }
    if (!allowed_list.empty() &&
        std::find(allowed_list.begin(), allowed_list.end(), name) == allowed_list.end()) {
      auto guess = Suggest(name, allowed_list);
      std::string hint = guess ? "did you mean '" + *guess + "'?" : "known keys: ";
      if (!guess) {
        for (std::size_t i = 0; i < allowed_list.size(); ++i)
          hint += (i ? ", " : "") + allowed_list[i];
      }
      diagnostics.push_back(At(source, key, Severity::kWarning, "unknown-key",
                               "unknown key '" + name + "' in " + std::string(what) + " is ignored",
                               hint));
    }
  }
}

std::optional<std::string> Scalar(const SourceText& source, const YAML::Node& node,
                                  std::string_view what, Diagnostics& diagnostics) {
  if (node.IsDefined() && node.IsScalar()) {
    const std::string& value = node.Scalar();
    if (!IsValidUtf8(value)) {
      diagnostics.push_back(At(source, node, Severity::kError, "invalid-utf8",
                               std::string(what) + " is not valid UTF-8",
                               "save the file as UTF-8"));
      return std::nullopt;
    }
    return ToNfc(value);
  }
  diagnostics.push_back(At(source, node, Severity::kError, "bad-type",
                           std::string(what) + " must be a text value, not " + Describe(node)));
  return std::nullopt;
}

YAML::Node Get(const YAML::Node& map, std::string_view key) {
  if (!map.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) return it->second;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

bool PlainShapeText(std::string_view text) {
  const auto byte = [&](std::size_t i) {
    return i < text.size() ? static_cast<unsigned char>(text[i]) : 0u;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const unsigned c = byte(i);
    if (c < 0x20 ? c != '\n' : c == 0x7F) return false;
    if (c == 0xC2 && byte(i + 1) < 0xA0) return false;  // U+0080..U+009F
    if (c == 0xE2 && byte(i + 1) == 0x80 && (byte(i + 2) == 0xA8 || byte(i + 2) == 0xA9))
      return false;                                                             // U+2028, U+2029
    if (c == 0xEF && byte(i + 1) == 0xBB && byte(i + 2) == 0xBF) return false;  // BOM
    if (c == 0xEF && byte(i + 1) == 0xBF && byte(i + 2) >= 0xBE) return false;  // U+FFFE/FFFF
  }
  return true;
}

bool IsNullWord(std::string_view v) {
  return v == "~" || v == "null" || v == "Null" || v == "NULL";
}

bool SafePlain(std::string_view v, bool in_flow) {
  if (v.empty() || IsNullWord(v)) return false;
  if (std::string_view("-?:,[]{}#&*!|>'\"%@`").find(v.front()) != std::string_view::npos)
    return false;
  if (v.front() == ' ' || v.back() == ' ' || v.back() == ':') return false;
  if (v.find(": ") != std::string_view::npos || v.find(" #") != std::string_view::npos)
    return false;
  for (char c : v)
    if (c == '\t' || (in_flow && (c == ',' || c == '[' || c == ']' || c == '{' || c == '}')))
      return false;
  return true;
}

std::optional<std::string> DoubleQuoted(std::string_view v) {
  if (v.size() < 2 || v.front() != '"' || v.back() != '"') return std::nullopt;
  std::string out;
  out.reserve(v.size() - 2);
  for (std::size_t i = 1; i + 1 < v.size(); ++i) {
    // The run up to the next quote or escape, appended at once.
    std::size_t run = i;
    while (run + 1 < v.size() && v[run] != '"' && v[run] != '\\') ++run;
    out.append(v.data() + i, run - i);
    i = run;
    if (i + 1 >= v.size()) break;
    if (v[i] == '"') return std::nullopt;
    if (++i + 1 >= v.size()) return std::nullopt;
    switch (v[i]) {
      case '"':
        out += '"';
        break;
      case '\\':
        out += '\\';
        break;
      case '/':
        out += '/';
        break;
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      default:
        return std::nullopt;  // \u and YAML's own escapes: left to yaml-cpp
    }
  }
  return out;
}

}  // namespace framework::yaml
