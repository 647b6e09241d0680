"""A UTF-8 byte order mark before a file's content.

Windows editors (Notepad, Excel's "CSV UTF-8") save one; JSON and the bank
formats have no place for it, and a mail file's first message does not
start with it. The readers of those files read past it with
:func:`skip_bom`; the contact-list reader, for which it names the encoding,
reads it itself.
"""

from __future__ import annotations

import codecs
from typing import IO

BOM = codecs.BOM_UTF8


def skip_bom(stream: IO[bytes]) -> bool:
    """Read past a UTF-8 byte order mark at ``stream``'s position, if there
    is one, and say whether there was; otherwise put the stream back. The
    stream must be seekable; its offsets stay the file's."""
    start = stream.tell()
    if stream.read(len(BOM)) == BOM:
        return True
    stream.seek(start)
    return False
