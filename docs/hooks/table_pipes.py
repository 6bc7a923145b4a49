"""MkDocs hook: a ``\\|`` in a table cell's code reads as ``|`` on the site, as on GitHub.

The command tables escape the pipes inside their code spans so that Markdown does not split
the cell there; Python-Markdown keeps the backslash inside code, GitHub does not.
"""

from __future__ import annotations

import re
from typing import Any

_CODE = re.compile(r"<code>(.*?)</code>", re.S)


def on_page_content(html: str, **_: Any) -> str:
    return _CODE.sub(lambda m: "<code>" + m.group(1).replace("\\|", "|") + "</code>", html)
