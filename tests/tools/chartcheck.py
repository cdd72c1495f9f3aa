"""chartcheck: what the chart tests read in imx's pictures (Python standard library only).
The renderer gives marks, fronts and label halos stroke widths nothing else uses, so their
elements can be counted in the SVG; PNG and PDF sizes come from their headers."""
import re
import struct
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"
MARK, FRONT, HALO = "stroke-width:0.9;", "stroke-width:2.25;", "stroke-width:3.5;"


def svg_counts(root):
    """Counts the drawn elements of a parsed <svg>: marks, fronts and label halos outside <defs>."""
    counts = {"marks": 0, "fronts": 0, "labels": 0}

    def walk(el, in_defs):
        for ch in el:
            tag = ch.tag.replace(SVG, "")
            if tag == "path" and not in_defs:
                st = ch.get("style", "")
                if MARK in st:
                    counts["marks"] += 1
                elif FRONT in st and "fill:none" in st:
                    counts["fronts"] += 1
                elif HALO in st:
                    counts["labels"] += 1
            walk(ch, in_defs or tag in ("defs", "symbol"))
    walk(root, False)
    return counts


def svg_file(path):
    root = ET.parse(path).getroot()  # raises on malformed XML
    assert root.tag == SVG + "svg", root.tag
    return root, svg_counts(root)


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(33)
    assert head[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert head[12:16] == b"IHDR", "no IHDR"
    w, h = struct.unpack(">II", head[16:24])
    with open(path, "rb") as f:
        assert f.read()[-12:][4:8] == b"IEND", "no IEND: truncated"
    return w, h


def pdf_size(path):
    data = open(path, "rb").read()
    assert data.startswith(b"%PDF-1."), "not a PDF"
    assert data.rstrip().endswith(b"%%EOF"), "no %%EOF: truncated"
    m = re.search(rb"/MediaBox \[ *([0-9.]+) +([0-9.]+) +([0-9.]+) +([0-9.]+) *\]", data)
    assert m, "no MediaBox"
    return float(m.group(3)) - float(m.group(1)), float(m.group(4)) - float(m.group(2))


def report_svgs(html):
    """The inline <svg class="chart"> elements of a report page, each parsed as XML."""
    out = []
    for m in re.finditer(r'<svg [^>]*class="chart".*?</svg>', html, re.S):
        out.append(ET.fromstring(m.group(0)))
    return out


def legend_colours(svg):
    """The legend of an inline report chart: {series name: fill colour}. The names come from the
    hover tips (data-points: a series' points in series order, its name on each tip's first
    line); the legend's marks are the chart's last marks, one per series in that order."""
    import html as _html
    import json
    names = []
    for p in json.loads(_html.unescape(svg.get("data-points"))):
        name = p[2].split("\n")[0]
        if name not in names:
            names.append(name)
    marks = []

    def walk(el, in_defs):
        for ch in el:
            tag = ch.tag.replace(SVG, "")
            if tag == "path" and not in_defs and MARK in ch.get("style", ""):
                m = re.search(r"fill:(rgb\([^)]*\)|#[0-9a-fA-F]+)", ch.get("style"))
                marks.append(m.group(1) if m else None)
            walk(ch, in_defs or tag in ("defs", "symbol"))
    walk(svg, False)
    return dict(zip(names, marks[len(marks) - len(names):]))
