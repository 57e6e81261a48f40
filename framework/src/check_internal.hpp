// What check.cpp and check_run.cpp share: not part of the framework's API.
#pragma once

#include <string>

#include "labgrade/check.hpp"

namespace labgrade::detail {

/// The running check's context; throws GraderError outside the check runner.
GradingContext& context();
/// Program output quoted for a report, cut to a few hundred bytes; "nothing" when empty.
std::string excerpt(const std::string& text);
std::string trim_right(std::string s);
/// Some line of `text` is `line` (trailing blanks never decide a check).
bool has_line(const std::string& text, const std::string& line);

}  // namespace labgrade::detail
