"""Usernames that cannot be mistaken for one another.

A username is what an administrator reads when they reset a second factor or deactivate someone, and
what a person types to sign in. So:

- it is normalised before it is stored or looked up: NFKC (a full-width "ａ" becomes "a", a ligature
  "ﬁ" becomes "fi") and lower-case, so "Pat" and "pat" are one account;
- its letters come from one script: "аdmin" with a Cyrillic "а" is refused, because it looks exactly
  like "admin" (digits and . _ - @ + belong to every script);
- its *skeleton* (Unicode UTS #39: each character replaced by the one it can be confused with, "1"
  and "l" alike, "rn" and "m" alike) must differ from every other account's, so "rnanager" cannot
  sit beside "manager".

The confusable characters and scripts come from Unicode's data, as shipped by confusable-homoglyphs.
"""

from __future__ import annotations

import unicodedata
from functools import cache

from django.core.exceptions import ValidationError

from isg.lib.text import validate_one_line_plain_text

# Characters that belong to every script: digits, punctuation, combining marks.
_SHARED_SCRIPTS = frozenset({"COMMON", "INHERITED"})
_MARK = "\u200e"  # the data wraps right-to-left characters in left-to-right marks


def normalise_username(value: str) -> str:
    """How a username is stored and looked up: NFKC, lower-case, without surrounding spaces."""
    return unicodedata.normalize("NFKC", value).strip().lower()


def scripts_of(value: str) -> list[str]:
    """The scripts of the letters in `value`, in order of first use (digits and punctuation have none)."""
    from confusable_homoglyphs.categories import alias

    found: list[str] = []
    for char in value:
        script = alias(char)
        if script not in _SHARED_SCRIPTS and script not in found:
            found.append(script)
    return found


@cache
def _prototypes() -> dict[str, str]:
    """Each confusable character -> one member of its class of look-alikes (UTS #39 confusables).

    The data lists, for each character, what it looks like (or what looks like it); the classes are
    built by joining every pair, and each is named by its multi-character prototype if it has one
    ("m" looks like "rn"), else by its first member in a fixed order.
    """
    from confusable_homoglyphs.confusables import confusables_data

    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for key, looks in confusables_data.items():
        for glyph in looks:
            a, b = find(key.strip(_MARK)), find(glyph["c"].strip(_MARK))
            if a != b:
                parent[max(a, b)] = min(a, b)
    classes: dict[str, list[str]] = {}
    for member in list(parent):
        classes.setdefault(find(member), []).append(member)
    mapping: dict[str, str] = {}
    for members in classes.values():
        name = min(members, key=lambda m: (len(m) == 1, not m.isascii(), m))
        for member in members:
            if len(member) == 1 and member != name:
                mapping[member] = name
    return mapping


def skeleton(value: str) -> str:
    """UTS #39 skeleton of a (normalised) username: two that look alike have the same skeleton."""
    prototypes = _prototypes()
    decomposed = unicodedata.normalize("NFD", value)
    return unicodedata.normalize("NFD", "".join(prototypes.get(char, char) for char in decomposed))


def _script_name(script: str) -> str:
    return script.title()


def validate_username_text(value: str) -> None:
    """The checks that need no database: hidden characters, then one script only."""
    validate_one_line_plain_text(value)
    scripts = scripts_of(value)
    if len(scripts) > 1:
        raise ValidationError(
            f"Use letters from one alphabet only: this username mixes {_script_name(scripts[0])} and "
            f"{_script_name(scripts[1])} letters, which can look the same (a Cyrillic “а” looks just like "
            "a Latin “a”). Retype it using your keyboard's usual letters",
            code="mixed_script",
        )


def validate_username(value: str, *, exclude_pk: int | None = None) -> None:
    """All the checks for a normalised username, including the look-alike check against every other account."""
    from .models import User

    validate_username_text(value)
    mine = skeleton(value)
    others = User.objects.exclude(pk=exclude_pk) if exclude_pk is not None else User.objects.all()
    for username in others.values_list("username", flat=True).iterator():
        if username == value:
            continue  # the same username: the unique check says so in its own words
        if skeleton(normalise_username(username)) == mine:
            raise ValidationError(
                f"This username looks too much like the existing username “{username}” (some letters and "
                "digits look alike, such as “l” and “1”). Choose a different one",
                code="confusable",
            )
