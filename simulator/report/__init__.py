"""After-action reports (AAR/IP) from an exercise log, as Markdown, self-contained HTML or JSON."""

from __future__ import annotations

from simulator.report.aar import FORMAT, Report, build_report, read_log
from simulator.report.render import (
    DEFAULT_APPENDIX,
    FORMATS,
    render,
    render_html,
    render_json,
    render_markdown,
    report_data,
)

__all__ = [
    "DEFAULT_APPENDIX",
    "FORMAT",
    "FORMATS",
    "Report",
    "build_report",
    "read_log",
    "render",
    "render_html",
    "render_json",
    "render_markdown",
    "report_data",
]
