"""One indicator item ('产出指标：系统可用率；年度指标值:≥99%;') → category, name, target,
with the doubts it raised. Shared by every reader: the item's text is the same whether it
came from text lines, a PDF cell or a spreadsheet."""

from __future__ import annotations

import functools
import re
from typing import Literal, NamedTuple

from jixiao.messages import say
from jixiao.model import Severity
from jixiao.targets import Kind
from jixiao.targets import parse as parse_target

ITEM_START = re.compile(r"^(\d{1,3})\s*、")
CATEGORY_RE = re.compile(r"^(产出指标|效益指标|满意度指标|成本指标)([：:]?)")
LABEL_RE = re.compile(r"([；;，,：:]?)\s*(实?年?度指标值|年度目标值)\s*([:：]?)\s*")
ITEM_TERMINATORS = ";；：。"  # an item ends with one of these; a name or a goal line never does
STANDARD_LABEL = "年度指标值"
# the coded items of the template other Guangzhou bureaus publish (WPS 表格):
# `1-产出指标；11-数量指标；名称；实施周期指标值:…；年度指标值:…。` — level codes, both periods
CODED_RE = re.compile(r"^\d{1,2}\s*-\s*(?P<category>产出指标|效益指标|满意度指标|成本指标)\s*[；;]"
                      r"\s*(?:\d{1,3}\s*-\s*)?(?P<level2>[^；;]*?)\s*[；;]\s*")
LONG_LABEL_RE = re.compile(r"[；;]\s*实施周期指标值\s*[:：]?\s*")
# an item packed into one paragraph with the others starts right after the one before ends
PACKED_START = re.compile(r"(?<=[。；;])\s*(\d{1,3})\s*、")
PACKED_AFTER = "。；;"  # the terminators PACKED_START looks behind for
LABEL_SEPARATORS = "；;，,：:"  # LABEL_RE's optional first character

Where = Literal["first", "last", "all"]  # which lines of the item a doubt points at


Doubt = tuple[str, str, Severity, Where]  # code, message, severity, which lines


class ParsedItem(NamedTuple):
    """An item's parts and doubts; shared by every reading of the same text (cached), so
    never changed."""

    category: str | None
    name: str
    target: str
    doubts: tuple[Doubt, ...] = ()
    level2: str | None = None  # a coded item's second level, without its code
    target_long: str | None = None  # a coded item's 实施周期指标值


class ItemPiece(NamedTuple):
    """One indicator of an item's text: its number, its text without the number, where
    that text lies in the item's text, and what it parses to."""

    seq: int
    raw: str
    start: int
    end: int
    parsed: ParsedItem


@functools.lru_cache(maxsize=16384)
def parsed_item(seq: int, raw: str, language: str) -> ParsedItem:
    """`parse_item`, cached across readings by the language its doubts are said in."""
    return parse_item(seq, raw)


@functools.lru_cache(maxsize=16384)
def item_pieces(text: str, position: int, language: str) -> tuple[ItemPiece, ...]:
    """An item's text (`N、…`, its lines joined) → its indicators: one, or more when
    further items are packed into the same paragraph. An item without its number takes
    `position`. Cached across readings, by the language its doubts are said in: tables
    repeat items, within a document and from one document to the next."""
    head = ITEM_START.match(text)
    seq = int(head.group(1)) if head else position
    start = head.end() if head else 0
    # a packed item starts at a 、 after this one's number: most items hold none
    packed = packed_starts(text, seq) if text.find("、", start) >= 0 else []
    if not packed:
        raw = text[start:]
        return (ItemPiece(seq, raw, start, len(text), parse_item(seq, raw)),)
    bounds = []
    for cut, end, number in packed:
        bounds.append((seq, start, cut))
        seq, start = number, end
    bounds.append((seq, start, len(text)))
    return tuple(ItemPiece(seq, text[a:b], a, b, parse_item(seq, text[a:b]))
                 for seq, a, b in bounds)


# item_pieces of the items that start with their number (where the position plays no
# part), by language and then text: a reader looks a one-line item up here first, a dict
# lookup where the LRU's key of three parts costs ≈ 2 K instructions more
_NUMBERED: dict[str, dict[str, tuple[ItemPiece, ...]]] = {}
NUMBERED_MAX = 16384  # texts kept a language: emptied when full, as the LRU would drop them


def numbered_items(language: str) -> dict[str, tuple[ItemPiece, ...]]:
    """The language's dict of numbered items' pieces (filled by `remember_numbered`)."""
    return _NUMBERED.setdefault(language, {})


def remember_numbered(numbered: dict[str, tuple[ItemPiece, ...]], text: str,
                      pieces: tuple[ItemPiece, ...]) -> None:
    """Keep `item_pieces(text, …)` in `numbered` when the text starts with its number."""
    if pieces[0].start:  # 0: no `N、`, the item took its position
        if len(numbered) >= NUMBERED_MAX:
            numbered.clear()
        numbered[text] = pieces


def clear_caches() -> None:
    """Forget every item parsed (a cold reading in bench_read)."""
    item_pieces.cache_clear()
    parsed_item.cache_clear()
    _NUMBERED.clear()


def packed_starts(text: str, seq: int) -> list[tuple[int, int, int]]:
    """Where further items start inside `text`, the text of item `seq`:
    (start of `N、`, end of it, N) for each `N、` right after a terminator whose N is the
    next number, so a number inside a name or target is never taken for an item.

    What PACKED_START finds, found from each `、` backwards: a regex search tries every
    position of the text, and this runs for every item a reader reads."""
    out = []
    k = text.find("、")
    while k >= 0:
        end = k
        while end > 0 and text[end - 1].isspace():
            end -= 1
        first = end
        while first > 0 and end - first < 4 and text[first - 1].isdecimal():
            first -= 1
        before = first
        while before > 0 and text[before - 1].isspace():
            before -= 1
        if 1 <= end - first <= 3 and before > 0 and text[before - 1] in PACKED_AFTER and \
                int(text[first:end]) == seq + 1:
            seq += 1
            out.append((first, k + 1, seq))
        k = text.find("、", k + 1)
    return out


CATEGORIES = ("产出指标", "效益指标", "满意度指标", "成本指标")
LABELS = ("度指标值", "年度目标值")


def find_label(text: str, start: int = 0) -> tuple[int, int, str] | None:
    """LABEL_RE.search(text, start) as (start, end, the label as written), found from the
    label's words (a str.find) outwards: the regex would try every position."""
    at = -1
    for word in LABELS:
        k = text.find(word, start)
        if k >= 0 and (at < 0 or k < at):
            at = k
    if at < 0:
        return None
    m = LABEL_RE.match(text, _label_start(text, at, start))
    return (m.start(), m.end(), m.group(2)) if m else None


def _label_start(text: str, at: int, start: int) -> int:
    """Back from the label's words over what LABEL_RE allows before them: 实 / 年, blanks,
    one separator."""
    j = at
    if text[j] == "度":
        if j > start and text[j - 1] == "年":
            j -= 1
        if j > start and text[j - 1] == "实":
            j -= 1
    while j > start and text[j - 1].isspace():
        j -= 1
    if j > start and text[j - 1] in LABEL_SEPARATORS:
        j -= 1
    return j


def parse_item(seq: int, raw: str) -> ParsedItem:
    """Split an item's text (without its 'N、') into category, name and target."""
    doubts: list[Doubt] = []
    body = raw.rstrip()
    coded = CODED_RE.match(body) if body[:1].isdecimal() else None
    if coded:
        return _parse_coded(seq, body, coded, doubts)
    if body and body[-1] in ITEM_TERMINATORS:  # an item cut after its `N、` has no body
        if body[-1] in "：。":
            doubts.append(("odd-terminator", say("warnings.odd-terminator", seq=seq,
                                                 end=body[-1]), Severity.INFO, "last"))
        body = body[:-1]
    else:
        doubts.append(("missing-terminator", say("warnings.missing-terminator", seq=seq,
                                                 end=";"), Severity.INFO, "last"))
    category = None
    if body.startswith(CATEGORIES):  # CATEGORY_RE, without a regex for every item
        category = body[:5] if body[0] == "满" else body[:4]
        colon = body[len(category):len(category) + 1] in ("：", ":")
        body = body[len(category) + colon:]
        if not colon:
            doubts.append(("category-without-colon", say(
                "warnings.category-without-colon", seq=seq, category=category),
                Severity.WARNING, "first"))
    else:
        doubts.append(("missing-category", say("warnings.missing-category", seq=seq),
                       Severity.WARNING, "first"))
    label = find_label(body)
    if label:
        name, target = body[: label[0]], body[label[1]:]
        if label[2] != STANDARD_LABEL:
            doubts.append(("misspelt-label", say("warnings.misspelt-label", seq=seq,
                                                 found=label[2], standard=STANDARD_LABEL),
                           Severity.WARNING, "all"))
    else:
        cut = min((k for k in (body.find("；"), body.find(";")) if k >= 0), default=-1)
        if cut >= 0:
            name, target = body[:cut], body[cut + 1:]
            doubts.append(("missing-label", say("warnings.missing-label", seq=seq),
                           Severity.WARNING, "all"))
        else:
            name, target = body, ""
            doubts.append(("missing-target", say("warnings.missing-target", seq=seq),
                           Severity.WARNING, "all"))
    if target and parse_target(target).kind is Kind.UNPARSED:
        doubts.append(("unparsed-target", say("warnings.unparsed-target", seq=seq,
                                              target=target), Severity.WARNING, "all"))
    return ParsedItem(category, name, target, tuple(doubts))


def _parse_coded(seq: int, body: str, coded: re.Match[str], doubts: list[Doubt]
                 ) -> ParsedItem:
    """`1-产出指标；11-数量指标；名称；实施周期指标值:X；年度指标值:Y。`: this template ends
    every item with `。`, so that is no odd terminator here."""
    if body[-1:] in ITEM_TERMINATORS:
        body = body[:-1]
    else:
        doubts.append(("missing-terminator", say("warnings.missing-terminator", seq=seq,
                                                 end="。"), Severity.INFO, "last"))
    rest = body[coded.end():]
    target_long = None
    label = find_label(rest)
    if label:
        head, target = rest[: label[0]], rest[label[1]:]
        if label[2] != STANDARD_LABEL:
            doubts.append(("misspelt-label", say("warnings.misspelt-label", seq=seq,
                                                 found=label[2], standard=STANDARD_LABEL),
                           Severity.WARNING, "all"))
    else:
        head, target = rest, ""
        doubts.append(("missing-target", say("warnings.missing-annual", seq=seq),
                       Severity.WARNING, "all"))
    long = LONG_LABEL_RE.search(head)
    name = head
    if long:
        name, target_long = head[: long.start()], head[long.end():]
    if target and parse_target(target).kind is Kind.UNPARSED:
        doubts.append(("unparsed-target", say("warnings.unparsed-target", seq=seq,
                                              target=target), Severity.WARNING, "all"))
    return ParsedItem(coded.group("category"), name, target, tuple(doubts),
                      coded.group("level2") or None, target_long)


@functools.lru_cache(maxsize=16384)
def has_target(item_text: str) -> bool:
    """True when an item's text holds a label (or a '；' separator) followed by a value.
    Cached: the text reader asks it of every row's last item, which tables repeat."""
    m = find_label(item_text)
    if m:
        return bool(item_text[m[1]:].strip(ITEM_TERMINATORS + " "))
    body = item_text.rstrip(ITEM_TERMINATORS)
    return "；" in body or ";" in body
