"""The dashboard's bar charts: a label is never cut off at the chart's left edge."""

from __future__ import annotations

import re

from notifier.entrypoints.web.charts import CHAR_WIDTH, Row, Series, hbar


def _label_ends(svg: str) -> list[tuple[float, str]]:
    return [(float(x), text) for x, text in
            re.findall(r'<text x="([\d.]+)"[^>]*text-anchor="end"[^>]*>([^<]+)</text>', svg)]


def test_long_labels_get_room_to_the_left_of_their_bars() -> None:
    rows = [Row("kinderopvang-wachtlijst", (3,)), Row("24 maanden en ouder", (1,)),
            Row("pinda-ei", (2,))]
    svg = str(hbar("c", "t", (Series("n", "solid"),), rows, width=640, label_width=110))
    ends = _label_ends(svg)
    assert len(ends) == 3
    for x, text in ends:  # right-aligned at x: its start must stay inside the chart
        assert x - len(text) * CHAR_WIDTH * 12 >= 0, text


def test_short_labels_keep_the_given_label_column() -> None:
    svg = str(hbar("c", "t", (Series("n", "solid"),), [Row("sms", (1,))], label_width=150))
    assert _label_ends(svg)[0][0] == 144
