"""Korean particles (조사) that follow the word before them: 을/를, 이/가, 은/는, 와/과, (으)로.

``josa("기금", "을")`` gives ``"기금을"``; ``josa("지급", "를")`` gives ``"지급을"``: either
form of the pair may be asked for. A word that does not end in a Hangul syllable (Latin
letters, digits, symbols) keeps both forms, as Korean writing does when the reading is
unclear: ``"ESG을(를)"``.
"""

from __future__ import annotations

_PAIRS = {
    "을": ("을", "를"),
    "를": ("을", "를"),
    "이": ("이", "가"),
    "가": ("이", "가"),
    "은": ("은", "는"),
    "는": ("은", "는"),
    "과": ("과", "와"),
    "와": ("과", "와"),
    "으로": ("으로", "로"),
    "로": ("으로", "로"),
}
_HANGUL_FIRST, _HANGUL_LAST, _FINALS = 0xAC00, 0xD7A3, 28
_RIEUL = 8  # the final ㄹ: "로", not "으로" (서울로, 연필로)


def final_consonant(word: str) -> int | None:
    """The index of the last syllable's final consonant (0: none), or None if ``word`` does not
    end in a Hangul syllable."""
    if not word:
        return None
    code = ord(word[-1])
    if not _HANGUL_FIRST <= code <= _HANGUL_LAST:
        return None
    return (code - _HANGUL_FIRST) % _FINALS


def josa(word: str, particle: str) -> str:
    """``word`` followed by the form of ``particle`` its last syllable takes."""
    with_final, without = _PAIRS[particle]
    final = final_consonant(word)
    if final is None:
        return f"{word}{with_final}({without})"
    if with_final == "으로":
        return word + ("로" if final in (0, _RIEUL) else "으로")
    return word + (with_final if final else without)
