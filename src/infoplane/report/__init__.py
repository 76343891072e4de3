"""The run report: one self-contained HTML page and an animated GIF of the information plane.

``write_report(run_dir)`` (the ``infoplane report`` command) shows the information plane of a run
next to the caveats of Geiger (2021), "On Information Plane Analyses of Neural Network Classifiers
-- A Review", arXiv 2003.09671: geometric diagnostics, data-processing-inequality violations and the
sensitivity of compression to the estimator's parameter. Heavy imports happen inside the functions.
"""

from infoplane.report.html import ReportResult, build_report_html, write_report
from infoplane.report.run_data import RunData, check_run_dir, load_run

__all__ = [
    "ReportResult",
    "RunData",
    "build_report_html",
    "check_run_dir",
    "load_run",
    "write_report",
]
