#include "common/workdir_ignore.h"

#include <fstream>
#include <sstream>
#include <vector>

#include "common/split_view.h"

namespace hetsched {
namespace {

// Matches one `[...]` class at the start of `glob` against `c`; sets
// `length` to the class's length, or 0 when it is not a closed class.
bool ClassMatch(std::string_view glob, char c, size_t* length) {
  size_t i = 1;
  bool negate = false;
  if (i < glob.size() && (glob[i] == '!' || glob[i] == '^')) {
    negate = true;
    ++i;
  }
  bool matched = false;
  const size_t first = i;
  for (; i < glob.size(); ++i) {
    if (glob[i] == ']' && i > first) {
      *length = i + 1;
      return matched != negate;
    }
    if (i + 2 < glob.size() && glob[i + 1] == '-' && glob[i + 2] != ']') {
      if (c >= glob[i] && c <= glob[i + 2]) matched = true;
      i += 2;
    } else if (glob[i] == c) {
      matched = true;
    }
  }
  *length = 0;
  return false;
}

}  // namespace

bool GlobMatch(std::string_view glob, std::string_view text) {
  if (glob.empty()) return text.empty();
  if (glob.substr(0, 2) == "**") {
    std::string_view rest = glob.substr(2);
    if (rest.empty()) return true;  // `x/**`: everything below
    if (rest[0] == '/') {
      // `**/`: zero or more whole directories.
      rest.remove_prefix(1);
      if (GlobMatch(rest, text)) return true;
      for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '/' && GlobMatch(rest, text.substr(i + 1))) return true;
      }
      return false;
    }
    for (size_t i = 0; i <= text.size(); ++i) {
      if (GlobMatch(rest, text.substr(i))) return true;
    }
    return false;
  }
  switch (glob[0]) {
    case '*':
      for (size_t i = 0; i <= text.size(); ++i) {
        if (GlobMatch(glob.substr(1), text.substr(i))) return true;
        if (i < text.size() && text[i] == '/') break;
      }
      return false;
    case '?':
      return !text.empty() && text[0] != '/' &&
             GlobMatch(glob.substr(1), text.substr(1));
    case '[': {
      size_t length = 0;
      if (!text.empty() && text[0] != '/' &&
          ClassMatch(glob, text[0], &length)) {
        return GlobMatch(glob.substr(length), text.substr(1));
      }
      if (length != 0 || text.empty() || text[0] != '[') return false;
      break;  // not a class: a literal '['
    }
    case '\\':
      if (glob.size() > 1) {
        return !text.empty() && text[0] == glob[1] &&
               GlobMatch(glob.substr(2), text.substr(1));
      }
      break;
    default:
      break;
  }
  return !text.empty() && text[0] == glob[0] &&
         GlobMatch(glob.substr(1), text.substr(1));
}

WorkdirIgnore WorkdirIgnore::Parse(std::string_view text) {
  WorkdirIgnore ignore;
  for (std::string_view line : SplitView(text, '\n')) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    while (!line.empty() && line.back() == ' ' &&
           !(line.size() > 1 && line[line.size() - 2] == '\\')) {
      line.remove_suffix(1);
    }
    if (line.empty() || line[0] == '#') continue;
    Rule rule;
    if (line[0] == '!') {
      rule.negate = true;
      line.remove_prefix(1);
    } else if (line.substr(0, 2) == "\\!" || line.substr(0, 2) == "\\#") {
      line.remove_prefix(1);
    }
    if (!line.empty() && line.back() == '/') {
      rule.dir_only = true;
      line.remove_suffix(1);
    }
    if (!line.empty() && line[0] == '/') {
      rule.anchored = true;
      line.remove_prefix(1);
    }
    if (line.find('/') != std::string_view::npos) rule.anchored = true;
    if (line.empty()) continue;
    rule.glob = std::string(line);
    ignore.rules_.push_back(std::move(rule));
  }
  return ignore;
}

WorkdirIgnore WorkdirIgnore::ForDirectory(const std::string& dir) {
  for (const char* name : {"/.hetschedignore", "/.gitignore"}) {
    std::ifstream in(dir + name);
    if (!in) continue;
    std::stringstream text;
    text << in.rdbuf();
    return Parse(text.str());
  }
  return WorkdirIgnore();
}

bool WorkdirIgnore::Ignored(std::string_view path, bool is_dir) const {
  const size_t slash = path.rfind('/');
  const std::string_view name =
      slash == std::string_view::npos ? path : path.substr(slash + 1);
  if (name == ".git") return true;
  bool ignored = false;
  for (const Rule& rule : rules_) {
    if (rule.dir_only && !is_dir) continue;
    if (rule.negate != ignored) {
      // Only a rule that would change the answer needs matching.
      continue;
    }
    const bool match =
        rule.anchored ? GlobMatch(rule.glob, path) : GlobMatch(rule.glob, name);
    if (match) ignored = !rule.negate;
  }
  return ignored;
}

}  // namespace hetsched
