"""Write the careful copy of gz-zwfw-2026-xiangmu-mubiaobiao.pdf: a row's cells one after
another (name and amounts on one line, then the goal, then the indicators, each cell's
lines as the PDF wraps them), as a person copying cell by cell gets it. Independent of
jixiao's readers: characters from pypdfium2, cells from the ruling lines' positions.

    .venv/bin/python tests/data/gz-template/make_careful_copy.py PDF > COPY.txt
"""
import ctypes
import itertools
import sys

import pypdfium2 as pdfium
import pypdfium2.raw as c

pdf = pdfium.PdfDocument(sys.argv[1])
out = ["项目支出绩效目标表（含转移支付项目）", "部门名称：广州市政务服务和数据管理局", "单位：万元",
       "项目名称（资金使用单位） 总计 财政拨款 财政专户拨款 其他资金 绩效目标 绩效指标", ""]
for page in pdf:
    hs, vs = set(), set()
    for i in range(c.FPDFPage_CountObjects(page.raw)):
        o = c.FPDFPage_GetObject(page.raw, i)
        if c.FPDFPageObj_GetType(o) != c.FPDF_PAGEOBJ_PATH:
            continue
        left, b, r, t = (ctypes.c_float() for _ in range(4))
        c.FPDFPageObj_GetBounds(o, left, b, r, t)
        if t.value - b.value < 2:
            hs.add(round((t.value + b.value) / 2))
        elif r.value - left.value < 2:
            vs.add(round((left.value + r.value) / 2))
    ys, xs = sorted(hs, reverse=True), sorted(vs)
    tp = page.get_textpage()
    chars = []
    for i in range(tp.count_chars()):
        ch = tp.get_text_range(i, 1)
        if ch.strip():  # the PDF draws no space: pdfium's are generated
            x0, y0, x1, y1 = tp.get_charbox(i, loose=True)
            chars.append((ch, (x0 + x1) / 2, (y0 + y1) / 2))
    for top, bottom in itertools.pairwise(ys):
        if top - bottom < 5:
            continue
        cells = []
        for x0, x1 in itertools.pairwise(xs):
            inside = sorted((ch for ch in chars if x0 < ch[1] < x1 and bottom < ch[2] < top),
                            key=lambda ch: -ch[2])
            rows: list[list[tuple[str, float, float]]] = []
            for ch in inside:  # a line: characters within 4 points of its first one's middle
                if not rows or abs(ch[2] - rows[-1][0][2]) > 4:
                    rows.append([])
                rows[-1].append(ch)
            cells.append(["".join(ch[0] for ch in sorted(r, key=lambda ch: ch[1])) for r in rows])
        if "".join(cells[5]) == "绩效目标":
            continue  # the header row, printed on every page
        out.append(" ".join(x for x in ["".join(cells[0]), *("".join(k) for k in cells[1:5])] if x))
        for cell in cells[5:]:
            out.extend(cell)
        out.append("")
print("\n".join(out))
