"""Russian names in any script and spelling, reduced to comparable tokens.

One person's name reaches the platform in several forms: in Cyrillic (Юлия Владимировна Жукова),
in the ICAO transliteration of post-2014 passports (IULIIA VLADIMIROVNA ZHUKOVA), in the older
passport and English forms of the sanctions list (YULIYA, Yulia), in other European languages'
forms (Julija, Žukova, Wladimirowitsch), with the surname first or last and the patronymic
present or not. :func:`analyse_name` turns each form into a :class:`NameForm`: a tuple of
*canonical tokens* and the *role* of each (core name, middle name, initial).

The canonical token of a word is what the common romanisations of one Cyrillic spelling have in
common. The text is first transliterated with the ICAO table (:mod:`relocard.core.translit`),
then each word is rewritten by :data:`SPELLING_RULES` (one scan, left to right) and
:data:`VOWEL_RULES`:

========================  ====================================  ===========================
rule                      why                                   example
========================  ====================================  ===========================
shch, sch, šč -> W        щ (ICAO, bank schemas, Czech)         SHCHUKIN, Schukin -> Wukin
ch, tch, tsch, č -> Q     ч (English, German, Czech)            Andreevich -> andreviQ
sh, š -> S; zh, ž -> Z    ш, ж                                  ZHUKOVA, Žukova -> Zukova
kh, h -> H                х (MVD, BGN and Czech forms)          Mikhail, Mihail -> miHail
ts, tz, c before e/i -> C ц                                     TSOI -> Coi
other c -> k, x -> ks     English Victor, Alexander             Alexander -> aleksander
w -> v, final ff -> v     German, old French forms              Iwanow, Smirnoff
y, j -> i                 й, ы, я/ю/е as y- or j-               YULIYA, Julija -> iuliia
doubled letters -> one    ii, nn, ss                            IULIIA -> iulia
ie -> e                   е written ye / ie                     Yevgeny -> evgeni
io not after a vowel -> e ё written yo / io (ICAO: e)           Fyodor, Yolkina -> fedor, elkina
========================  ====================================  ===========================

so that IULIIA, YULIYA, Yulia, Julija and Юлия all become ``iulia``; GRIGORII, Grigoriy and
Grigory become ``grigori``; NATALIA, Natalya and Natal'ya become ``natalia``. What the rules
cannot reach (Alexander / Aleksandr, Peter / Petr) differs by a vowel and is left to
:func:`token_similarity`. The rules are deliberately few: each one merges
spellings, and a rule that merged different names would cost precision everywhere.

Roles: Russian names have a patronymic (Vladimirovna), which a passport's Latin line and many
queries leave out. In a name of three or more words, a word that ends like a patronymic
(-ovich, -evich, -ich, -ovna, -evna, -ichna) in second or last place is a *middle* name; when
the list gives ``middleName`` explicitly, that is used instead. Single letters are *initials*.
The rest are *core* names (given names and surnames), which a match must agree on.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from enum import StrEnum
from typing import Final, NamedTuple

from rapidfuzz import fuzz

from relocard.core.translit import CYRILLIC_TO_LATIN

__all__ = [
    "SPELLING_RULES",
    "VOWEL_RULES",
    "NameForm",
    "Role",
    "Script",
    "analyse_name",
    "canonical_token",
    "split_words",
    "token_similarity",
]


class Role(StrEnum):
    CORE = "core"
    MIDDLE = "middle"
    INITIAL = "initial"


class Script(StrEnum):
    LATIN = "latin"
    CYRILLIC = "cyrillic"
    MIXED = "mixed"
    OTHER = "other"


#: Latin letters with diacritics used by scientific, Czech, Polish and other transliterations,
#: spelled as digraphs first so that one rule covers both (š and sh, č and ch).
_LATIN_LETTERS: Final = {
    "š": "sh",
    "č": "ch",
    "ž": "zh",
    "ŝ": "shch",
    "ć": "ch",
    "ś": "sh",
    "ź": "zh",
    "ż": "zh",
    "ł": "l",
    "đ": "d",
    "ß": "ss",
    "æ": "ae",
    "ø": "o",
    "œ": "oe",
}

#: One table for ``str.translate`` on a lower-case word: Cyrillic letters as passports spell
#: them (the ICAO table of :mod:`relocard.core.translit`, Ukrainian and Belarusian letters
#: included) and the Latin letters above as digraphs.
_TO_LATIN: Final = str.maketrans(
    {
        **{cyr.lower(): lat.lower() for cyr, lat in CYRILLIC_TO_LATIN.items()},
        **_LATIN_LETTERS,
    }
)

#: Apostrophes and primes (the soft sign in older forms: Natal'ya) are dropped inside words.
_APOSTROPHES: Final = re.compile(r"['’ʼʹ`´′]")
#: A word: a run of letters of any script (digits and punctuation separate words).
_WORD: Final = re.compile(r"[^\W\d_]+")
_CYRILLIC: Final = re.compile(r"[\u0400-\u04ff]")
_LATIN: Final = re.compile(r"[a-zA-Z\u00c0-\u024f]")

#: Stage 1 of canonicalising a lower-case Latin word: one scan from left to right; at each
#: position the first spelling of this table that matches there is rewritten, and the scan goes
#: on after it. Upper-case letters stand for sounds spelled with several letters: W щ, Q ч,
#: S ш, Z ж, H х, C ц.
SPELLING_RULES: Final[tuple[tuple[str, str], ...]] = (
    ("schtsch", "W"),
    ("shch", "W"),
    ("tsch", "Q"),
    ("tch", "Q"),
    ("sch", "W"),
    ("ch", "Q"),
    ("cz", "Q"),
    ("sh", "S"),
    ("sz", "S"),
    ("zh", "Z"),
    ("ph", "f"),
    ("kh", "H"),
    ("h", "H"),
    ("ts", "C"),
    ("tz", "C"),
    ("c(?=[eiy])", "C"),
    ("ck", "k"),
    ("c", "k"),
    ("q", "k"),
    ("x", "ks"),
    ("w", "v"),
    ("ff$", "v"),
    ("y", "i"),
    ("j", "i"),
    ("ou", "u"),
)
#: Stage 2: these rewrite the whole result of stage 1, one after the other.
VOWEL_RULES: Final[tuple[tuple[str, str], ...]] = (
    (r"(.)\1+", r"\1"),
    (r"ie", "e"),
    (r"(?<![aeiou])io", "e"),
    (r"(.)\1+", r"\1"),
)
_SPELLINGS: Final = re.compile("|".join(f"({pattern})" for pattern, _ in SPELLING_RULES))
_SPELLED: Final = (None, *(repl for _, repl in SPELLING_RULES))
_VOWEL_RULES: Final = tuple((re.compile(pattern), repl) for pattern, repl in VOWEL_RULES)
_NOT_LATIN: Final = re.compile(r"[^a-z]+")

_PATRONYMIC: Final = re.compile(r"(?:iQ|iQna|[oe]vna)$")


@functools.lru_cache(maxsize=1 << 18)
def canonical_token(word: str) -> str:
    """The canonical token of one word in any script ("" for a word with no Latin reading).

    >>> [canonical_token(w) for w in ("IULIIA", "Yuliya", "Julija", "Юлия")]
    ['iulia', 'iulia', 'iulia', 'iulia']
    """
    text = unicodedata.normalize("NFC", word.lower()).translate(_TO_LATIN)
    if not text.isascii():  # diacritics: NFKD puts the marks apart, then they go
        text = unicodedata.normalize("NFKD", text)
    text = _SPELLINGS.sub(_spelled, _NOT_LATIN.sub("", text))
    for pattern, repl in _VOWEL_RULES:
        text = pattern.sub(repl, text)
    return text


def _spelled(match: re.Match[str]) -> str:
    return _SPELLED[match.lastindex or 0] or ""


def split_words(text: str) -> list[str]:
    """The words of a name as written (apostrophes inside words kept out, hyphens separate)."""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return _WORD.findall(_APOSTROPHES.sub("", text))


class NameForm(NamedTuple):
    """A name analysed for matching: its words as written, their canonical tokens and roles.

    A named tuple rather than a frozen dataclass: the bulk re-screening builds hundreds of
    thousands, and a frozen dataclass takes several times longer to create.
    """

    text: str
    words: tuple[str, ...]
    tokens: tuple[str, ...]
    roles: tuple[Role, ...]
    script: Script
    #: The positions of the core words (given names and surnames).
    core: tuple[int, ...]


def analyse_name(text: str, *, middle_name: str = "") -> NameForm:
    """Split, canonicalise and give roles to the words of one name.

    ``middle_name`` is the list's ``middleName`` when it gives one: its words are the middle
    names, whatever their ending. Words with no Latin reading (another script) are left out.
    """
    # Written for speed (the bulk re-screening analyses hundreds of thousands of names): the
    # per-word work is cached in _word, the rest is one pass over the words.
    words: list[str] = []
    tokens: list[str] = []
    roles: list[Role] = []
    named: list[int] = []
    scripts = 0
    for word in split_words(text):
        token, script, initial = _word(word)
        scripts |= script
        if token:
            if not initial:
                named.append(len(tokens))
            words.append(word)
            tokens.append(token)
            roles.append(_INITIAL if initial else _CORE)
    if middle_name:
        explicit = {canonical_token(w) for w in split_words(middle_name)}
        for i in named:
            if i > 0 and tokens[i] in explicit:
                roles[i] = _MIDDLE
                explicit.discard(tokens[i])
    elif len(named) >= 3:
        for i in (named[1], named[-1]):
            if _PATRONYMIC.search(tokens[i]):
                roles[i] = _MIDDLE
                break
    return NameForm(
        " ".join(text.split()),
        tuple(words),
        tuple(tokens),
        tuple(roles),
        _SCRIPTS[scripts],
        tuple(i for i in named if roles[i] is _CORE),
    )


@functools.lru_cache(maxsize=1 << 18)
def _word(word: str) -> tuple[str, int, bool]:
    """A word's canonical token, its script (1: Latin letters, 2: Cyrillic, 3: both) and
    whether it is an initial (a token of one letter)."""
    script = (2 if _CYRILLIC.search(word) else 0) | (1 if _LATIN.search(word) else 0)
    token = canonical_token(word)
    return token, script, len(token) == 1


_CORE: Final = Role.CORE
_MIDDLE: Final = Role.MIDDLE
_INITIAL: Final = Role.INITIAL


_SCRIPTS: Final = (Script.OTHER, Script.LATIN, Script.CYRILLIC, Script.MIXED)


_VOWELS: Final = re.compile(r"[aeiou]")


def token_similarity(a: str, b: str) -> float:
    """How alike two canonical tokens are, 0..1 (1: the same token).

    The Indel similarity of ``rapidfuzz`` (``fuzz.ratio``), taken both on the whole tokens and
    on their consonants alone, whichever is lower: after canonicalisation the spellings of one
    name still differ in vowels (Aleksandr / Alexander, Petr / Peter, Grigori / Gregori), while
    names that differ in a consonant are usually different names (Shcherbakov / Shcherbatov).
    The male and female forms of one name are different names (0): Zhukov / Zhukova,
    Aleksandr / Aleksandra, Zhukovskii / Zhukovskaia.
    """
    if a == b:
        return 1.0
    if _sex_forms(a, b):
        return 0.0
    whole = fuzz.ratio(a, b)
    consonants = fuzz.ratio(_VOWELS.sub("", a), _VOWELS.sub("", b))
    return min(whole, consonants) / 100


def _sex_forms(a: str, b: str) -> bool:
    """Whether two tokens are the male and the female form of one name."""
    if len(a) > len(b):
        a, b = b, a
    if b == a + "a":  # Zukov / Zukova, aleksandr / aleksandra, evgeni / evgenia
        return True
    # Adjectival surnames: Zukovski / Zukovskaia, Tolstoi / Tolstaia.
    return b.endswith("aia") and (
        (a.endswith("i") and a[:-1] == b[:-3]) or (a.endswith("oi") and a[:-2] == b[:-3])
    )
