"""KRW amounts. Money is always an ``int`` number of won; never a float.

Formatting follows Korean convention: thousands separators with ``원``, and for large
figures the 억 (10^8) / 만 (10^4) units people read in reports.
"""

from __future__ import annotations

MAN = 10_000
EOK = 100_000_000
JO = 1_000_000_000_000


def format_krw(amount: int | None) -> str:
    """``1234567`` → ``1,234,567원``."""
    if amount is None:
        return "—"
    return f"{int(amount):,}원"


def format_krw_units(amount: int | None) -> str:
    """``9_300_000`` → ``930만원``; ``2_800_000_000`` → ``28억원``;
    ``123_456_789`` → ``1억 2,345만원``.

    Units below 만 are dropped only when the amount is at least 1억 (report style); smaller
    amounts keep every won so that nothing is silently rounded.
    """
    if amount is None:
        return "—"
    value = int(amount)
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value < MAN:
        return f"{sign}{value:,}원"
    parts = []
    jo, rest = divmod(value, JO)
    eok, rest = divmod(rest, EOK)
    man, won = divmod(rest, MAN)
    if jo:
        parts.append(f"{jo:,}조")
    if eok:
        parts.append(f"{eok:,}억")
    if man:
        parts.append(f"{man:,}만")
    if won and value < EOK:
        parts.append(f"{won:,}")
    return sign + " ".join(parts) + "원"


def format_krw_units_en(amount: int | None) -> str:
    """The English reading of a large figure: ``2_500_000_000`` → ``2.5 billion won``,
    ``9_300_000`` → ``9.3 million won``; below a million every won: ``12,345 won``. At most
    three decimals, trailing zeros dropped (a reading aid beside the exact amount)."""
    if amount is None:
        return "—"
    value = int(amount)
    sign = "-" if value < 0 else ""
    value = abs(value)
    for size, name in ((10**12, "trillion"), (10**9, "billion"), (10**6, "million")):
        if value >= size:
            whole, part = divmod(value * 1000 // size, 1000)
            decimals = f"{part:03d}".rstrip("0")
            return f"{sign}{whole:,}{'.' + decimals if decimals else ''} {name} won"
    return f"{sign}{value:,} won"
