"""nbgrader integration for trainers: the course directory, isolated parallel autograde, exports.

Small modules, one job each:
- `layout`: where the course lives (`Course`) and how nbgrader's own commands are run on it;
- `generate`: `notebooks/<module>/` → `course/source/<module>/` → nbgrader `generate_assignment`;
- `sanitize`: rebuild a submission's graded cells from the source, keyed by ids, never by trust;
- `execute`: run one notebook in its own kernel, environment and time budget;
- `scoring`: nbgrader's scoring rule per test cell, and the per-check rows;
- `gradebook`: write scores where formgrader reads them, read them back;
- `autograde`: the pipeline of steps per submission and the parallel, resumable runner;
- `evidence`: grading from the attempt log shipped in a submission;
- `fence`: one set of namespaces and an RBAC-restricted kubeconfig per submission;
- `redact`: the feedback preprocessor that hides hidden checks;
- `export`: per-check CSV and JSON;
- `report`: the progress line and summary table printed for trainers;
- `validate`: solutions score full marks, starters score zero.
"""
