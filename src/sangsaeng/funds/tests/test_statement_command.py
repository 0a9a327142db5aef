"""``sangsaeng fund_statement`` from a shell: a bad date is a usage error (exit 2, the reason
on stderr) and a file that cannot be written is a one-line error, never a traceback."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from sangsaeng.funds.management.commands.fund_statement import Command

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["x", "2025-02-30"])
def test_a_bad_date_is_a_usage_error(value, capsys):
    with pytest.raises(SystemExit) as caught:
        Command().run_from_argv(["sangsaeng", "fund_statement", "keis", "--start", value])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert "YYYY-MM-DD" in err and value in err
    assert "Traceback" not in err


@pytest.mark.parametrize("option", ["--xlsx", "--pdf"])
def test_an_unwritable_file_is_a_command_error(fund, tmp_path, option):
    with pytest.raises(CommandError, match="파일을 쓸 수 없습니다"):
        call_command("fund_statement", fund.code, option, str(tmp_path))  # a directory
