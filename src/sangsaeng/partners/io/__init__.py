"""Importing and exporting the partner registry (companies, supply links) as xlsx or CSV.

The functions here are the whole API; the ``sangsaeng import`` / ``sangsaeng export`` commands
and the web upload page call them::

    try:
        result = import_companies(upload, actor=request.user, fmt="xlsx", dry_run=False)
    except ImportErrors as exc:
        exc.errors  # [RowError(row, column, code, message, value), ...], first 1,000
        exc.total   # how many in all; nothing was written
    result.created, result.updated, result.unchanged, result.seconds, result.rate

    export_companies(response_or_path, user=request.user, fmt="xlsx")
"""

from sangsaeng.partners.io.common import (
    MAX_REPORTED_ERRORS,
    ImportErrors,
    ImportResult,
    Progress,
    RowError,
)
from sangsaeng.partners.io.companies import COMPANY_COLUMNS, import_companies
from sangsaeng.partners.io.links import LINK_COLUMNS, find_cycles, import_links
from sangsaeng.partners.io.writing import export_companies, export_links

__all__ = [
    "COMPANY_COLUMNS",
    "LINK_COLUMNS",
    "MAX_REPORTED_ERRORS",
    "ImportErrors",
    "ImportResult",
    "Progress",
    "RowError",
    "export_companies",
    "export_links",
    "find_cycles",
    "import_companies",
    "import_links",
]
