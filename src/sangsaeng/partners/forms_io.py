"""The upload form of the import page. It checks what a browser can get wrong about the file
(kind, extension, size); the rows themselves are checked by the import functions in
``partners.io``, the same ones the ``sangsaeng import`` command runs."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sangsaeng.accounts.models import User
from sangsaeng.partners.io import (
    COMPANY_COLUMNS,
    LINK_COLUMNS,
    ImportResult,
    import_companies,
    import_links,
)
from sangsaeng.partners.io.common import Column

COMPANIES, LINKS = "companies", "links"
KINDS = (COMPANIES, LINKS)
FORMATS = ("xlsx", "csv")
# Larger files belong to the command line (``sangsaeng import``), which shows progress.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024

IMPORTERS = {COMPANIES: import_companies, LINKS: import_links}
COLUMNS: dict[str, tuple[Column, ...]] = {COMPANIES: COMPANY_COLUMNS, LINKS: LINK_COLUMNS}


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What to import"),
        choices=[(COMPANIES, _("Companies")), (LINKS, _("Supply links"))],
        initial=COMPANIES,
        widget=forms.RadioSelect,
    )
    file = forms.FileField(
        label=_("File (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    dry_run = forms.BooleanField(
        label=_("Validate only (dry run)"),
        required=False,
        help_text=_("Every row is checked and the counts shown, but nothing is saved."),
    )

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["file"].help_text = gettext(
            "Up to %(limit)s MB. The first row holds the column names."
        ) % {"limit": MAX_UPLOAD_BYTES // (1024 * 1024)}

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        extension = PurePath(upload.name or "").suffix.lower().lstrip(".")
        if extension == "xls":
            raise forms.ValidationError(
                _("The old Excel format (.xls) cannot be read. Save the file as .xlsx or CSV."),
                code="file_format",
            )
        if extension not in FORMATS:
            raise forms.ValidationError(
                _("Only .xlsx and .csv files can be imported."), code="file_format"
            )
        if (upload.size or 0) > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s MB. Split it, or use the command line."),
                code="file_size",
                params={"limit": MAX_UPLOAD_BYTES // (1024 * 1024)},
            )
        return upload

    @property
    def file_format(self) -> str:
        upload: UploadedFile = self.cleaned_data["file"]
        return PurePath(upload.name or "").suffix.lower().lstrip(".")

    def run(self, *, actor: User) -> ImportResult:
        """Import the valid upload as ``actor``. Raises ``ImportErrors`` (nothing written) if
        any row is refused."""
        importer = IMPORTERS[self.cleaned_data["kind"]]
        return importer(
            self.cleaned_data["file"],
            actor=actor,
            fmt=self.file_format,
            dry_run=self.cleaned_data["dry_run"],
        )
