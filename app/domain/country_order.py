"""The order in which people look for a country in a list of its names.

English: the letters without their accents (Åland Islands among the A's, Côte d'Ivoire
after Costa Rica). Japanese: the reading, in 五十音 order, as Japanese lists of countries
are ordered; CLDR gives names, not readings, so the names that begin with kanji carry
theirs here (tests/test_country_names.py checks that none is missing)."""

import unicodedata

# CLDR's Japanese names that begin with kanji, by ISO code: their readings in hiragana.
JA_READINGS = {
    "AQ": "なんきょく",
    "AS": "べいりょうさもあ",
    "CF": "ちゅうおうあふりかきょうわこく",
    "CN": "ちゅうごく",
    "EH": "にしさはら",
    "GF": "ふつりょうぎあな",
    "GQ": "せきどうぎにあ",
    "HK": "ちゅうかじんみんきょうわこくほんこんとくべつぎょうせいく",
    "IO": "えいりょういんどようちいき",
    "JP": "にほん",
    "KP": "きたちょうせん",
    "KR": "かんこく",
    "MK": "きたまけどにあ",
    "MO": "ちゅうかじんみんきょうわこくまかおとくべつぎょうせいく",
    "MP": "きたまりあなしょとう",
    "PF": "ふつりょうぽりねしあ",
    "SS": "みなみすーだん",
    "TF": "ふつりょうきょくなんしょとう",
    "TL": "ひがしてぃもーる",
    "TW": "たいわん",
    "UM": "がっしゅうこくりょうゆうしょうりとう",
    "VG": "えいりょうゔぁーじんしょとう",
    "VI": "べいりょうゔぁーじんしょとう",
    "ZA": "みなみあふりか",
}

_KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}


def begins_with_kanji(name: str) -> bool:
    return bool(name) and unicodedata.name(name[0], "").startswith("CJK UNIFIED IDEOGRAPH")


def _base_letters(text: str) -> str:
    """Letters without accents or voicing marks (ガ files with カ), case-folded."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def sort_key(code: str, name: str, language: str) -> tuple:
    """Where ``name`` (the country ``code``'s name in ``language``) goes in a list."""
    if language == "ja":
        reading = JA_READINGS.get(code, name).translate(_KATAKANA_TO_HIRAGANA)
        # The long-vowel mark counts for nothing at first (ルーマニア before ルワンダ).
        return (_base_letters(reading).replace("ー", ""), reading, name)
    return (_base_letters(name), name)
