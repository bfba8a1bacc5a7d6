// What the importers share for reading their input (see import_read.h).
#include "import_read.h"

#include <algorithm>
#include <cstdint>

#include "framework/text.h"
#include "import_model.h"

namespace framework::import_read {

using import_model::Report;

std::string Lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::string NormalGuid(std::string_view guid) {
  std::string g(Trim(guid));
  if (g.size() >= 2 && g.front() == '{' && g.back() == '}') g = g.substr(1, g.size() - 2);
  return Lower(g);
}

std::string_view LocalName(const pugi::xml_node& node) {
  std::string_view name = node.name();
  const std::size_t colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

pugi::xml_node Child(const pugi::xml_node& node, std::string_view name) {
  for (pugi::xml_node c : node.children())
    if (c.type() == pugi::node_element && LocalName(c) == name) return c;
  return {};
}

std::vector<pugi::xml_node> Children(const pugi::xml_node& node, std::string_view name) {
  std::vector<pugi::xml_node> out;
  for (pugi::xml_node c : node.children())
    if (c.type() == pugi::node_element && LocalName(c) == name) out.push_back(c);
  return out;
}

std::string RawText(const pugi::xml_node& node) { return node ? node.child_value() : ""; }

std::string Text(const pugi::xml_node& node) {
  std::string raw = RawText(node), out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\r') {
      out += '\n';
      if (i + 1 < raw.size() && raw[i + 1] == '\n') ++i;
    } else {
      out += raw[i];
    }
  }
  return out;
}

bool Xml::Parse(ImportResult& result, const ImportLimits& limits) {
  line_starts_.push_back(0);
  for (std::size_t at = text_.find('\n'); at != std::string::npos; at = text_.find('\n', at + 1))
    line_starts_.push_back(at + 1);
  // The tree's size is bounded before it is built: a few bytes of markup make a node.
  const std::uint64_t markup = static_cast<std::uint64_t>(
      std::count(text_.begin(), text_.end(), '<') + std::count(text_.begin(), text_.end(), '='));
  if (markup > limits.max_xml_markup) {
    Report(result, Severity::kError, "too-large", name_,
           "the XML has " + std::to_string(markup) + " elements and attributes, more than " +
               std::to_string(limits.max_xml_markup) + ", the limit",
           "a project this large is damaged or hostile (the limit is "
           "ImportLimits::max_xml_markup, see docs/limits.md)",
           1, 1);
    return false;
  }
  const unsigned flags = (pugi::parse_default | pugi::parse_doctype) & ~pugi::parse_eol;
  pugi::xml_parse_result r =
      doc_.load_buffer_inplace(text_.data(), text_.size(), flags, pugi::encoding_auto);
  if (!r) {
    Position p = PositionOf(static_cast<std::size_t>(r.offset));
    Report(result, Severity::kError, "bad-xml", name_,
           std::string("malformed XML: ") + Lower(r.description()),
           "the file is damaged or not a REFI-QDA file; export it again", p.line, p.column);
    return false;
  }
  for (pugi::xml_node n : doc_.children()) {
    if (n.type() == pugi::node_doctype) {
      Position p =
          PositionOf(static_cast<std::size_t>(std::max<std::ptrdiff_t>(0, n.offset_debug())));
      Report(result, Severity::kError, "xml-doctype", name_,
             "a DOCTYPE declaration is not allowed (entities and DTDs are never read)",
             "REFI-QDA files have no DOCTYPE; export the project again", p.line, p.column);
      return false;
    }
  }
  return true;
}

Position Xml::PositionOf(std::size_t offset) const {
  offset = std::min(offset, text_.size());
  const auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  const std::size_t line = static_cast<std::size_t>(it - line_starts_.begin()) - 1;
  std::size_t from = line_starts_[line];
  int column = 1;
  if (line == last_line_ && offset >= last_offset_) {
    from = last_offset_;
    column = last_column_;
  } else if (from == 0 && text_.compare(0, 3, "\xEF\xBB\xBF") == 0 && offset >= 3) {
    from = 3;  // a BOM takes no column
  }
  for (std::size_t i = from; i < offset; ++i)
    if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) ++column;
  last_line_ = line;
  last_offset_ = offset;
  last_column_ = column;
  return {static_cast<int>(line) + 1, column};
}

bool WalkCodes(const pugi::xml_node& codes, int max_depth, std::vector<CodeElement>* out,
               pugi::xml_node* deep) {
  struct Frame {
    pugi::xml_node next;  // the next sibling to look at
    int parent;
    int depth;
  };
  std::vector<Frame> stack;
  stack.push_back({codes.first_child(), -1, 1});
  while (!stack.empty()) {
    Frame& f = stack.back();
    pugi::xml_node n = f.next;
    while (n && !(n.type() == pugi::node_element && LocalName(n) == "Code")) n = n.next_sibling();
    if (!n) {
      stack.pop_back();
      continue;
    }
    f.next = n.next_sibling();
    if (f.depth > max_depth) {
      *deep = n;
      return false;
    }
    const int index = static_cast<int>(out->size());
    out->push_back({n, f.parent});
    const int depth = f.depth;
    stack.push_back({n.first_child(), index, depth + 1});
  }
  return true;
}

std::string DepthMessage(int max_depth) {
  return "code nesting deeper than " + std::to_string(max_depth) + " levels";
}

std::string TooManyCodesMessage(std::size_t codes, std::size_t max_codes) {
  return "the codebook has " + std::to_string(codes) + " codes, more than " +
         std::to_string(max_codes) + ", the limit";
}

const char* const kTooManyCodesHint =
    "a codebook this large is damaged or hostile (the limit is ImportLimits::max_codes, see "
    "docs/limits.md)";

const char* const kDepthHint =
    "a code tree this deep is damaged or hostile; flatten it in the tool that exported it (the "
    "limit is ImportLimits::max_depth, see docs/limits.md)";

std::string UnitName(Unit u) {
  switch (u) {
    case Unit::kUtf16Raw:
      return "UTF-16 code units, CRLF counted as 2";
    case Unit::kCodePointRaw:
      return "Unicode code points, CRLF counted as 2 (the standard)";
    case Unit::kCodePointLf:
      return "Unicode code points, CRLF counted as 1";
    case Unit::kUtf16Lf:
      return "UTF-16 code units, CRLF counted as 1";
    case Unit::kBytesRaw:
      return "UTF-8 bytes";
  }
  return "";
}

std::string UnitShort(Unit u) {
  switch (u) {
    case Unit::kUtf16Raw:
    case Unit::kUtf16Lf:
      return "UTF-16 code units";
    case Unit::kBytesRaw:
      return "bytes";
    default:
      return "characters";
  }
}

bool ReplaceNulBytes(std::string& bytes) {
  if (bytes.find('\0') == std::string::npos) return false;
  std::string clean;
  clean.reserve(bytes.size() + 16);
  for (char c : bytes)
    clean += c == '\0' ? std::string_view("\xEF\xBF\xBD") : std::string_view(&c, 1);
  bytes = std::move(clean);
  return true;
}

RawSource MakeRawSource(std::string raw, std::string* text) {
  RawSource s;
  if (raw.size() >= 3 && raw.compare(0, 3, "\xEF\xBB\xBF") == 0) raw.erase(0, 3);
  const bool has_cr = raw.find('\r') != std::string::npos;
  std::string lf;
  if (has_cr) lf.reserve(raw.size());
  std::size_t u16 = 0, cp = 0, cplf = 0, u16lf = 0;
  for (std::size_t i = 0; i < raw.size();) {
    const unsigned char b = static_cast<unsigned char>(raw[i]);
    const std::size_t len = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    if (b == '\r') {
      lf += '\n';
      const bool crlf = i + 1 < raw.size() && raw[i + 1] == '\n';
      u16 += crlf ? 2 : 1;
      cp += crlf ? 2 : 1;
      cplf += 1;
      u16lf += 1;
      i += crlf ? 2 : 1;
      continue;
    }
    if (has_cr) lf.append(raw, i, len);
    u16 += len == 4 ? 2 : 1;
    u16lf += len == 4 ? 2 : 1;
    cp += 1;
    cplf += 1;
    i += len;
  }
  s.units[static_cast<int>(Unit::kUtf16Raw)] = u16;
  s.units[static_cast<int>(Unit::kCodePointRaw)] = cp;
  s.units[static_cast<int>(Unit::kCodePointLf)] = cplf;
  s.units[static_cast<int>(Unit::kUtf16Lf)] = u16lf;
  s.units[static_cast<int>(Unit::kBytesRaw)] = raw.size();
  if (has_cr) {
    s.raw = std::move(raw);
    *text = std::move(lf);
  } else {
    s.lf_only = true;
    *text = std::move(raw);
  }
  return s;
}

std::vector<long long> Resolve(const std::string& raw, Unit unit,
                               const std::vector<long long>& offsets) {
  std::vector<std::size_t> order(offsets.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return offsets[a] < offsets[b]; });
  std::vector<long long> out(offsets.size(), kOutOfRange);
  std::size_t q = 0;
  long long u = 0;
  std::size_t ob = 0;
  auto settle = [&](long long width, std::size_t next_ob) {
    // Offsets at u resolve to ob; offsets strictly inside (u, u + width) are inside a character
    // (a CRLF's inside resolves to the LF).
    while (q < order.size() && offsets[order[q]] < u) {
      out[order[q]] = kOutOfRange;
      ++q;
    }
    while (q < order.size() && offsets[order[q]] == u) out[order[q++]] = static_cast<long long>(ob);
    while (q < order.size() && offsets[order[q]] < u + width) {
      out[order[q++]] = next_ob == static_cast<std::size_t>(-1) ? kInsideCharacter
                                                                : static_cast<long long>(next_ob);
    }
  };
  for (std::size_t i = 0; i < raw.size();) {
    const unsigned char b = static_cast<unsigned char>(raw[i]);
    std::size_t len = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    long long width = 1;
    std::size_t inner = static_cast<std::size_t>(-1);
    if (b == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n') {
      len = 2;
      const bool lf_unit = unit == Unit::kCodePointLf || unit == Unit::kUtf16Lf;
      width = lf_unit ? 1 : 2;
      inner = ob;  // between CR and LF: the same place in the normalised text
    } else if (unit == Unit::kBytesRaw) {
      width = static_cast<long long>(len);
    } else if ((unit == Unit::kUtf16Raw || unit == Unit::kUtf16Lf) && len == 4) {
      width = 2;
    }
    settle(width, inner);
    u += width;
    ob += (b == '\r') ? 1 : len;
    i += len;
  }
  settle(1, static_cast<std::size_t>(-1));
  while (q < order.size()) out[order[q++]] = kOutOfRange;
  return out;
}

Unit DefaultUnit(const std::string& origin) {
  const std::string o = Lower(origin);
  if (o.find("nvivo") != std::string::npos) return Unit::kUtf16Raw;
  if (o.find("atlas") != std::string::npos) return Unit::kCodePointLf;
  if (o.find("maxqda") != std::string::npos) return Unit::kCodePointLf;
  if (o.find("qualcoder") != std::string::npos) return Unit::kUtf16Lf;
  return Unit::kCodePointRaw;
}

std::string BaseName(std::string_view path) {
  const std::size_t slash = path.find_last_of('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

std::string Stem(std::string_view path) {
  std::string base = BaseName(path);
  const std::size_t dot = base.rfind('.');
  return dot == std::string::npos || dot == 0 ? base : base.substr(0, dot);
}

}  // namespace framework::import_read
