"""Fees (phí, lệ phí): the amount per channel, its explanation, and what the steps say.

A fee cell is an amount or "Miễn phí", often followed by an explanation in
parentheses: "Miễn phí(Mức lệ phí cụ thể do Hội đồng nhân dân tỉnh ... quyết
định. Miễn lệ phí đối với ...)", "160,000 Việt Nam Đồng(160.000/hộ chiếu ...)".
The answer gives the amount per channel (channels with the same cell share a
line), then the explanation cut into sentences, each labelled by what it says:
the amount ("Mức thu"), an exemption ("Miễn, giảm"), the council deciding the
level ("theo quy định của HĐND tỉnh"), the legal basis ("Căn cứ"), else "Ghi
chú". The steps are searched for what the applicant pays ("nộp lệ phí nếu thuộc
trường hợp phải nộp ...", "nộp tiền tạm ứng án phí") and quoted.

A rate for a period ("Kể từ ngày 01/7/2025 đến hết ngày 31/12/2026 mức thu ... bằng
50% mức thu nêu trên") is read against today's date (Huế's): a rate in force is
quoted right after the amounts, and its share is said beside them ("70,000 Việt Nam
Đồng (đến hết 31/12/2026 thu 50% mức này, xem dưới)"; the amount it comes to is
not worked out, so every amount stays one the record prints); a period that has
ended or not begun is marked so beside its sentence. A "Miễn phí" cell whose explanation leaves the
level to the fee law or the council is said to be so, right after the amounts:
the portal's "free" is then no promise.

When a cell says "Miễn phí" but its own explanation states a charge and no
exemption ("Miễn phí(Lệ phí cấp giấy phép lái xe: 135.000 đồng/lần ...)",
"Miễn phí(Thực hiện theo Thông tư ... quy định mức thu ... phí ...)"), the
label is not repeated as the answer: the charge is given and the conflict is
said in one sentence, so a citizen is neither told it is free nor left
unaware that the portal's table says otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from knowledge.answers.text import CHANNEL_LABELS, channel_names, clauses, quote, shorten, unique
from knowledge.records import ChannelOption, Procedure

FREE = "Miễn phí"
_AMOUNT = re.compile(r"\d[\d.,]*\s*(?:đồng|đ\b|VNĐ|VND|USD|EUR|Việt Nam Đồng)|\d[\d.,]*\s*%", re.I)
_RATE_RULE = re.compile(r"mức thu|mức phí|mức lệ phí", re.I)
_EXEMPT = re.compile(r"\bmiễn\b|\bgiảm\b|không thu|không phải nộp|không phải trả", re.I)
_COUNCIL = re.compile(r"Hội đồng nhân dân|HĐND", re.I)
_LEGAL = re.compile(r"Thông tư|Nghị định|Nghị quyết|Quyết định|Luật\b|văn bản", re.I)
#: A clause of the steps about paying: "nộp lệ phí", "thu lệ phí (nếu có)", "nộp tiền tạm ứng án phí".
_PAY = re.compile(r"(?:nộp|thu|thanh toán|đóng|chịu|trả|miễn|giảm)\b[^.;]{0,40}?\b(?:lệ phí|phí|án phí)\b", re.I)
_FEE_WORD = re.compile(r"\b(?:lệ phí|phí|án phí)\b", re.I)

MAX_STEP_QUOTES = 4
#: A rate's period: "(Kể) từ ngày 01/7/2025 đến (hết) ngày 31/12/2026".
_PERIOD = re.compile(r"từ ngày (\d{1,2})/(\d{1,2})/(\d{4}),? đến (?:hết )?ngày (\d{1,2})/(\d{1,2})/(\d{4})", re.I)
#: ...or only its end: "(áp dụng đến hết ngày 31/12/2023 theo Thông tư số 44/2023/TT-BTC …)".
_UNTIL = re.compile(r"áp dụng (?:đến|tới) (?:hết )?ngày (\d{1,2})/(\d{1,2})/(\d{4})", re.I)
_SHARE = re.compile(r"bằng (\d{1,3}(?:[.,]\d+)?)\s*%")
_CHANNEL_WORD = re.compile(r"trực tuyến|trực tuyển|trực tiếp|bưu chính", re.I)
_VND = re.compile(r"^(\d{1,3}(?:,\d{3})+|\d+) Việt Nam Đồng$")
#: "Luật phí và lệ phí", the council: a "Miễn phí" cell whose level is left to them is no promise.
_RULES = re.compile(r"Luật phí và lệ phí|Hội đồng nhân dân|HĐND", re.I)


def _period(sentence: str) -> tuple[date, date] | None:
    """The period a sentence sets a rate for (an open start when it gives only the end), or None."""
    try:
        if m := _PERIOD.search(sentence):
            d1, m1, y1, d2, m2, y2 = (int(g) for g in m.groups())
            return date(y1, m1, d1), date(y2, m2, d2)
        if m := _UNTIL.search(sentence):
            d2, m2, y2 = (int(g) for g in m.groups())
            return date.min, date(y2, m2, d2)
    except ValueError:
        pass
    return None


def _amount_until(explanation: str | None) -> date | None:
    """The end of the period an amount's own note gives it ("áp dụng đến hết ngày 31/12/2023"), when the note
    sets no reduction for a period of its own ("Kể từ … đến hết …", which is about another rate)."""
    if not explanation or _PERIOD.search(explanation):
        return None
    period = _period(explanation)
    return period[1] if period else None


def when(sentence: str, today: date) -> str:
    """" (đang áp dụng, đến hết 31/12/2026)" for a sentence with a period that holds today; "(đã hết hạn …)"
    or "(áp dụng từ …)" for one that does not; "" for a sentence without a period."""
    period = _period(sentence)
    if period is None:
        return ""
    start, end = period
    if today > end:
        return f" (đã hết hạn từ {end + _ONE_DAY:%d/%m/%Y})"
    if today < start:  # never for an open start
        return f" (áp dụng từ {start:%d/%m/%Y})"
    return f" (đang áp dụng, đến hết {end:%d/%m/%Y})"


def split_cell(fee: str) -> tuple[str, str | None]:
    """ "Miễn phí(…)" -> ("Miễn phí", "…"); the explanation without its outer parentheses."""
    cut = fee.find("(")
    if cut <= 0:
        return fee.strip(), None
    label, rest = fee[:cut].strip(), fee[cut:].strip()
    return label, "\n".join(_groups(rest)) or None


def _groups(text: str) -> list[str]:
    """The contents of the top-level parentheses of ``text`` ("(a)(b (c))" -> ["a", "b (c)"]), each unwrapped."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            if depth == 0:
                if re.search(r"\w", text[start:i]):
                    out.append(text[start:i].strip())
                start = i + 1
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
            if depth == 0:
                out.append(text[start:i].strip())
                start = i + 1
    if re.search(r"\w", text[start:]):
        out.append(text[start:].strip(" )"))
    groups = [g for g in out if g]
    # "((gồm ...). (Áp dụng ...).)": a group that starts with its own parentheses is unwrapped again.
    return [inner for g in groups for inner in (_groups(g) if g.startswith("(") else [g])]


def contradicted(label: str, explanation: str | None) -> bool:
    """A "Miễn phí" cell whose own explanation states a charge and no exemption.

    A charge is an amount ("135.000 đồng/lần") or a rule setting one ("Thông tư ...
    quy định mức thu ... phí"); a level left to the council or "(nếu có)" is not one.
    """
    if label != FREE or not explanation or _EXEMPT.search(explanation):
        return False
    if _AMOUNT.search(explanation):
        return True
    return bool(_RATE_RULE.search(explanation)) and not (_COUNCIL.search(explanation) or "nếu có" in explanation)


def _sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.;])\s+|\s+-\s+(?=[^\W\d_])|^\s*-\s*|\n", text)
    return [_balanced(re.sub(r"^-\s+", "", p.strip(" ;"))) for p in parts if p and p.strip(" ;.-()")]


def _balanced(text: str) -> str:
    """Without a parenthesis left open or closed at either end by the cut: "(gồm 3.000.000 đồng" -> "gồm ..."."""
    text = text.strip(" .;")
    while text.startswith("(") and text.count("(") > text.count(")"):
        text = text[1:].strip(" .;")
    while text.endswith(")") and text.count(")") > text.count("("):
        text = text[:-1].strip(" .;")
    return text


def labelled(sentence: str, today: date | None = None) -> str:
    """A sentence of a fee explanation with what it says in front (and, given ``today``, whether its period
    holds)."""
    period = when(sentence, today) if today is not None else ""
    if _COUNCIL.search(sentence) and not _AMOUNT.search(sentence):
        return f"Mức thu cụ thể: theo quy định của HĐND tỉnh — hồ sơ ghi {quote(sentence)}{period}."
    if _EXEMPT.search(sentence):
        return f"Miễn, giảm: {quote(sentence)}{period}."
    if _AMOUNT.search(sentence):
        return f"Mức thu: {quote(sentence)}{period}."
    if _LEGAL.search(sentence):
        return f"Căn cứ: {quote(sentence)}{period}."
    return f"Ghi chú: {quote(sentence)}{period}."


@dataclass(frozen=True)
class InForce:
    """A rate for a period that holds today: the record's sentence, the period's end, and the share of the
    record's amount it sets ("50%"), when it sets one for every channel."""

    sentence: str
    end: date
    share: str | None

    def line(self) -> str:
        return f"Đang áp dụng đến hết ngày {self.end:%d/%m/%Y}: {quote(self.sentence)}."


def in_force(sentence: str, today: date) -> InForce | None:
    """The rate ``sentence`` sets for a period that holds ``today``, or None. Its share ("bằng 50% mức thu")
    is kept when the sentence names no channel (a rate for online submission only is left as the record
    words it). The amount it comes to is not worked out: every amount an answer gives is one the record
    prints (``python -m bench.answers`` checks the whole base)."""
    period = _period(sentence)
    if period is None or not period[0] <= today <= period[1]:
        return None
    share = _SHARE.search(sentence)
    return InForce(sentence, period[1], f"{share.group(1)}%" if share and not _CHANNEL_WORD.search(sentence) else None)


_ONE_DAY = timedelta(days=1)


def fee_label(label: str, explanation: str | None) -> str:
    """The amount to show for a cell: its label, unless its own explanation contradicts it."""
    return "theo phần giải thích dưới đây" if contradicted(label, explanation) else label


def step_quotes(p: Procedure) -> list[str]:
    out = []
    for clause in clauses(p.steps):
        m = _PAY.search(clause)
        if m:
            out.append(shorten(clause, m.start(), m.end()))
    return unique(out)


def render(p: Procedure, today: date | None = None) -> tuple[list[str], bool]:
    """The fee lines of ``p`` and whether the record states a fee; ``today`` (default: none) dates the rates."""
    lines: list[str] = []
    cells = [(c, *split_cell(c.fee)) for c in p.channels if c.fee]
    groups: dict[tuple[str, str | None], list[ChannelOption]] = {}
    for c, label, explanation in cells:
        groups.setdefault((label, explanation), []).append(c)
    explanations = [(e, chs) for (_, e), chs in groups.items() if e]
    amounts = {label for _, label, _ in cells if _VND.match(label)}
    current = [] if today is None else list({rate.sentence: rate for e, _ in explanations for s in _sentences(e)
                                             if (rate := in_force(s, today)) is not None}.values())
    reduced = next((rate for rate in current if rate.share), None)

    def shown(label: str, explanation: str | None) -> str:
        amount = fee_label(label, explanation)
        if reduced is not None and label in amounts:  # what a citizen pays today, beside the record's amount
            amount += f" (đến hết {reduced.end:%d/%m/%Y} thu {reduced.share} mức này, xem dưới)"
        elif label in amounts and today is not None and (end := _amount_until(explanation)) and end < today:
            # "160,000 Việt Nam Đồng(… áp dụng đến hết ngày 31/12/2023 …)": the portal still shows a rate that ended.
            amount += f" (Cổng ghi mức này áp dụng đến hết {end:%d/%m/%Y}, nay đã hết hạn)"
        return amount

    labels = {label for label, _ in groups}
    if len(labels) == 1 and len(cells) == len(p.channels):
        (label, explanation), *_ = groups
        lines.append(f"Phí, lệ phí: {shown(label, explanation)} (mọi hình thức nộp).")
    elif cells:
        lines.append("Phí, lệ phí theo hình thức nộp:")
        by_label: dict[str, list[str]] = {}
        for (label, explanation), channels in groups.items():
            by_label.setdefault(shown(label, explanation), []).extend(CHANNEL_LABELS[c.channel] for c in channels)
        for amount, names in by_label.items():
            lines.append(f"- {', '.join(dict.fromkeys(names))}: {amount}")
        if unpriced := [c for c in p.channels if not c.fee]:
            lines.append(f"- {channel_names(unpriced)}: Cổng không ghi")
    lines.extend(rate.line() for rate in current)
    if any(label == FREE and e and _RULES.search(e) and not contradicted(label, e) for label, e in groups):
        lines.append("Lưu ý: ô “Phí, lệ phí” trên Cổng ghi miễn phí, nhưng phần giải thích để mức thu theo quy định "
                     "về phí, lệ phí (Luật phí và lệ phí, Hội đồng nhân dân): có thể vẫn có khoản phải nộp, "
                     "vui lòng hỏi lại nơi tiếp nhận hồ sơ.")
    shared = len({e for e, _ in explanations}) == 1
    for explanation, channels in explanations if not shared else explanations[:1]:
        where = "" if shared else f" ({', '.join(dict.fromkeys(CHANNEL_LABELS[c.channel] for c in channels))})"
        lines.append(f"Giải thích trên Cổng{where}:")
        lines.extend(f"- {labelled(s, today)}" for s in _sentences(explanation))
    if any(contradicted(label, e) for label, e in groups):
        lines.append("Lưu ý: ô “Phí, lệ phí” trên Cổng ghi là không thu, nhưng phần giải thích trong cùng ô lại nêu "
                     "khoản phải nộp như trên; vui lòng hỏi lại nơi tiếp nhận hồ sơ.")
    notes = unique(s for c in p.channels if c.note for s in _sentences(c.note) if _FEE_WORD.search(s))
    if notes:
        lines.append("Mô tả trên Cổng:")
        lines.extend(f"- {labelled(n)}" for n in notes)
    steps = step_quotes(p)
    stated = bool(cells) or any(_AMOUNT.search(s) for s in steps)
    if not stated:
        lines.insert(0, "Hồ sơ thủ tục trên Cổng Dịch vụ công không ghi mức phí, lệ phí.")
    if steps:
        lines.append("Trình tự thực hiện ghi:")
        lines.extend(f"- {quote(s)}" for s in steps[:MAX_STEP_QUOTES])
    return lines, stated
