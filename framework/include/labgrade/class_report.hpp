// The class's files, made from the students' results (they only format):
//
//   write_class_files(lab, batch.students, out_dir);   // grades.csv, report.html
//
// grades.csv: one row a student (name, score, max, one column per check in
// lab.toml's order; RFC 4180 quoting). report.html: one self-contained page
// (no network, no script, no font) with the score distribution as a chart,
// the failure rate of each check, the students the grader failed or whose
// programs timed out, and a link to each student's feedback.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "labgrade/batch.hpp"
#include "labgrade/lab_spec.hpp"

namespace labgrade {

std::string format_grades_csv(const LabSpec& lab, const std::vector<StudentResult>& students);
std::string format_class_html(const LabSpec& lab, const std::vector<StudentResult>& students);
void write_class_files(const LabSpec& lab, const std::vector<StudentResult>& students,
                       const std::filesystem::path& out_dir);

}  // namespace labgrade
