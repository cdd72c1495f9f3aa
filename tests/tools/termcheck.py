# termcheck: what imx writes for people (messages on stderr, the text tables of models, runs and
# verify) holds no byte a terminal would act on: no C0 control but the newline, no DEL, no C1
# control (raw or UTF-8 encoded), no bidirectional override, nothing but valid UTF-8.
import re

FORBIDDEN = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def shown_only(path):
    """Asserts the file holds only text safe on a terminal; returns it decoded."""
    data = open(path, "rb").read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise AssertionError("%s: invalid UTF-8 at byte %d: %r" % (path, e.start,
                                                                   data[e.start:e.start + 8]))
    m = FORBIDDEN.search(text)
    assert not m, "%s: raw control character %r in %r" % (path, m.group(),
                                                          text[max(0, m.start() - 30):m.end() + 30])
    return text
