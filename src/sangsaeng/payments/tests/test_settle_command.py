"""``sangsaeng settle`` pays every tree due up to the date, once."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from sangsaeng.payments import services
from sangsaeng.payments.models import Claim, Payout
from sangsaeng.payments.tests.conftest import D, assert_invariants, key

pytestmark = pytest.mark.django_db


def test_settle_command(world):
    op = world.operator
    services.escrow_deposit(
        actor=op, programme=world.programme, amount=10_000, value_date=D(2024, 1, 2),
        idempotency_key=key(),
    )  # fmt: skip
    for maturity in (D(2024, 4, 1), D(2024, 5, 1), D(2024, 6, 1)):
        services.claim_issue(
            actor=op, programme=world.programme, holder=world.t1, amount=1_000,
            maturity=maturity, value_date=D(2024, 3, 1), idempotency_key=key(),
        )  # fmt: skip
    out = io.StringIO()
    call_command("settle", "--as-of", "2024-05-01", "--quiet", stdout=out)
    assert "settled 2 claim tree(s), 2,000 won" in out.getvalue()
    assert Claim.objects.filter(settled_on__isnull=False).count() == 2
    out = io.StringIO()
    call_command("settle", "--as-of", "2024-05-01", "--quiet", stdout=out)
    assert "settled 0 claim tree(s)" in out.getvalue()
    call_command("settle", "--quiet", stdout=io.StringIO())  # today: the last one too
    assert Payout.objects.count() == 3
    assert set(Payout.objects.values_list("paid_on", flat=True)) == {
        D(2024, 4, 1), D(2024, 5, 1), D(2024, 6, 1),
    }  # fmt: skip
    with pytest.raises(CommandError):
        call_command("settle", "--as-of", "2999-01-01", "--quiet")
    with pytest.raises(CommandError):
        call_command("settle", "--as-of", "soon", "--quiet")
    assert_invariants()


@pytest.mark.parametrize("value", ["soon", "2026-13-01", "2025-02-30"])
def test_a_bad_date_on_the_command_line_is_a_usage_error_not_a_traceback(value, capsys):
    """From a shell (``run_from_argv``), argparse must report the date: exit 2 and the
    message, instead of an uncaught CommandError escaping parse_args."""
    from sangsaeng.payments.management.commands.settle import Command

    with pytest.raises(SystemExit) as caught:
        Command().run_from_argv(["sangsaeng", "settle", "--as-of", value])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert "YYYY-MM-DD" in err and value in err
    assert "Traceback" not in err
