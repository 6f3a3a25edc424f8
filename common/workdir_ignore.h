// Which files of a job's workdir stay out of its archive: the common
// subset of .gitignore syntax, read from DIR/.hetschedignore, else
// DIR/.gitignore (only the top-level file; nested ignore files are not
// read). Supported: `#` comments, blank lines, `*`, `?`, `[abc]`, `**`,
// a trailing `/` (directories only), a leading or inner `/` (anchored at
// the workdir's root; otherwise a pattern matches a name at any depth),
// `!` (re-includes; the last matching line wins; as in git, nothing under
// an excluded directory can be re-included). `.git` is always excluded.
// Immutable once built; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hetsched {

class WorkdirIgnore {
 public:
  // The rules of an ignore file's text.
  static WorkdirIgnore Parse(std::string_view text);
  // The rules of DIR/.hetschedignore, else DIR/.gitignore, else none.
  static WorkdirIgnore ForDirectory(const std::string& dir);

  // Whether `path` (relative to the workdir, '/'-separated, no leading
  // '/') is excluded; `is_dir` says whether it names a directory. Callers
  // walk top-down and skip what is under an excluded directory.
  bool Ignored(std::string_view path, bool is_dir) const;

 private:
  struct Rule {
    std::string glob;  // without '!', the leading and the trailing '/'
    bool negate = false;
    bool dir_only = false;
    bool anchored = false;  // matched against the whole path
  };
  std::vector<Rule> rules_;
};

// fnmatch-like glob over '/'-separated paths: `*` and `?` stop at '/',
// `**` crosses it (`**/x`, `x/**`, `a/**/b`), `[...]` is a class
// (`[!...]` negated, `a-z` ranges).
bool GlobMatch(std::string_view glob, std::string_view text);

}  // namespace hetsched
