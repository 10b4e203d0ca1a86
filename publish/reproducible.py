"""Timestamps and zip containers that depend only on SOURCE_DATE_EPOCH, so equal input gives equal bytes.

DOCX and PPTX files, and the workbook inside a PPTX chart, are zip (OPC) packages. Their writers
stamp every member with the current time and keep members in the order they were made; the
renderers pass what they saved through `reproducible_zip` once.
"""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Mapping
from datetime import UTC, datetime

FIRST_MEMBERS = ("[Content_Types].xml", "_rels/.rels")
"""Zip members kept first: Office and some validators look for the content types first."""

_EARLIEST = 315532800
"""1980-01-01T00:00:00Z, the earliest time a zip archive can hold."""


def moment(epoch: int | None) -> datetime:
    """The build's timestamp: `epoch` (SOURCE_DATE_EPOCH) when set, else now; UTC, whole seconds, naive."""
    stamp = epoch if epoch is not None else int(time.time())
    return datetime.fromtimestamp(stamp, UTC).replace(tzinfo=None)


def zip_time(epoch: int) -> tuple[int, int, int, int, int, int]:
    """The DOS date and time of `epoch` in UTC, clamped to what a zip can hold (1980-2107)."""
    moment = time.gmtime(max(epoch, _EARLIEST))
    stamp = (moment.tm_year, moment.tm_mon, moment.tm_mday, moment.tm_hour, moment.tm_min, moment.tm_sec)
    return min(stamp, (2107, 12, 31, 23, 59, 58))


def reproducible_zip(data: bytes, epoch: int | None, replace: Mapping[str, bytes] | None = None) -> bytes:
    """The zip `data` rewritten so equal content gives equal bytes.

    Members in a fixed order (content types and package relationships first, then by name), each
    stamped with `epoch` (None: now), deflated, with Unix 0644 permissions and no extra fields or
    comments. `replace` gives new contents for members by name (None: none; no member is added).
    """
    stamp = zip_time(epoch if epoch is not None else int(time.time()))
    replace = replace or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        names = [info.filename for info in source.infolist()]
        first = [name for name in FIRST_MEMBERS if name in names]
        for name in [*first, *sorted(set(names) - set(first))]:
            member = zipfile.ZipInfo(name, date_time=stamp)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.create_system = 3  # Unix, whatever the build machine, so the attributes mean the same
            member.external_attr = (0o100644 << 16) if not name.endswith("/") else (0o40755 << 16)
            content = replace[name] if name in replace else source.read(name)
            target.writestr(member, content, compresslevel=6)
    return out.getvalue()
