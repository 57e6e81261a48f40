// Where a grading's time goes, for benchmarks and for a developer: with
// LABGRADE_TRACE=FILE set, the grader and its check runners append a line
// per step to FILE ("<ms since boot> <pid> <what>"); unset, a trace costs a
// load and a branch. bench/check_timeline.sh turns a trace into a timeline.
//
//   trace_phase("runners started");
//   trace_phase(fmt::format("built {}", build.program));
#pragma once

#include <string_view>

namespace labgrade {

void trace_phase(std::string_view what) noexcept;

}  // namespace labgrade
