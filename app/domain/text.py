"""Text as it is typed on a Japanese keyboard, and the keys that searches compare."""

import unicodedata

# Dash-like characters typed for "-" that NFKC leaves alone (it already turns the
# full-width hyphen-minus into "-"): hyphen, non-breaking hyphen, figure dash, en and em
# dash, horizontal bar, minus sign, small hyphen-minus. Not the prolonged sound mark ー,
# which is part of words (コールドウォレット).
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63"), "-")


def normalise_width(text: str) -> str:
    """``text`` as a Japanese keyboard's full-width letters and digits mean it: NFKC
    (ＡＮ２０２６ becomes AN2026, ｶﾅ becomes カナ, the ideographic space a space) and
    dashes as "-"."""
    return unicodedata.normalize("NFKC", text).translate(_DASHES)


def search_key(*texts: str | None) -> str:
    """What a search compares: each text width-normalised and case-folded, so that ZEN,
    ｚｅｎ and ＺＥＮ are one key. Several texts are joined by a newline, which no search
    term contains (app.paging.search_text drops it), so a term never spans two of them."""
    return "\n".join(normalise_width(text or "").casefold() for text in texts)
