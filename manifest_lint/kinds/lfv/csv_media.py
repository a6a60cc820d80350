"""Media checks for a CSV label file: its images, against the rules of Lookout for Vision.

The CSV kind itself knows nothing of media: the kind registry runs this pass after the CSV
checker, which leaves the number of rows and of bare image names in ``ctx.facts``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from manifest_lint.diagnostics import Diagnostic
from manifest_lint.kinds.csv.rows import HEADER_WORDS, Row, canonical_class, rows_of
from manifest_lint.kinds.lfv import rules as R
from manifest_lint.kinds.lfv.rules_media import media_wanted
from manifest_lint.wording import plural

if TYPE_CHECKING:
    from manifest_lint.context import CheckContext
    from manifest_lint.kinds.lfv.media import MediaChecker, MediaTask


def add_note(ctx: CheckContext, text: str) -> None:
    """Hand ``text`` to the engine as a note on this file (nothing when empty)."""
    if text:
        ctx.note(text)


def check_csv_media(ctx: CheckContext) -> Iterator[Diagnostic]:
    """Media diagnostics for the CSV label file of ``ctx`` (after the CSV checker's pass).

    ``s3://`` rows go through ``media-map``; other rows are relative to ``--media-root`` or
    the CSV's folder. Each image is checked once. The CSV is read a second time only when
    some row can be reachable; when no bare name exists locally at all, the bare names are
    taken to live only in S3 (counted in a note, not reported missing one by one).
    """
    rows = int(ctx.facts.get("rows", 0))
    bare_names = int(ctx.facts.get("bare_names", 0))
    if ctx.settings.no_media or not media_wanted(ctx.enabled_codes):
        if rows and ctx.settings.no_media and media_wanted(ctx.enabled_codes):
            add_note(ctx, f"{plural(rows, 'media reference')} not checked: --no-media")
        return  # no second pass over the CSV just to count what was not checked
    if not ctx.config.options("lfv").get("media-map") and not bare_names and not ctx.remote:
        if rows:
            add_note(ctx, f"{plural(rows, 'media reference')} not checked: no media-map "
                     "entry maps their bucket to a local folder ([tool.manifest-lint.lfv] "
                     "media-map; --remote checks them in the bucket)")
        return
    from manifest_lint.kinds.lfv.media import MediaChecker, _show  # only when media are checked

    base = ctx.media_root() or ctx.path.parent
    media = MediaChecker.for_context(ctx, relative_base=base)
    relative_missing: list[Diagnostic] = []
    relative_found = 0
    try:
        for task, diags in _results(ctx, media):
            if not task.tag:  # an s3:// row
                yield from diags
                continue
            missing = [d for d in diags if d.code == R.MEDIA_MISSING.code]
            relative_missing.extend(missing)
            relative_found += not missing and not any(d.code == R.PATH_ESCAPE.code
                                                      for d in diags)
            yield from (d for d in diags if d.code != R.MEDIA_MISSING.code)
    finally:
        media.close()
    if relative_found or isinstance(base, str):  # in a bucket: missing is missing
        yield from relative_missing
    elif relative_missing:
        n = len(relative_missing)
        media.unchecked[f"no bare image name exists below {_show(base)} (use --media-root "
                        "to point at a local copy)"] += n
    yield from media.size_diagnostics()
    ctx.facts.update(sizes=media.sizes, digests=media.digests)  # reports, the dataset pass
    add_note(ctx, media.note())


def _results(ctx: CheckContext, media: MediaChecker
             ) -> Iterator[tuple[MediaTask, list[Diagnostic]]]:
    """Every distinct image of the CSV through ``media``, tagged True for bare names."""
    seen: set[str] = set()
    first = True
    for row in rows_of(ctx.source):
        if not isinstance(row, Row) or not row.fields or not row.fields[0].strip():
            continue
        image = row.fields[0].strip()
        if first:
            first = False
            cls = row.fields[1] if len(row.fields) > 1 else ""
            if canonical_class(cls, ["normal", "anomaly"]) is None and (
                    image.lower() in HEADER_WORDS):
                continue
        if image in seen:
            continue
        seen.add(image)
        if image.lower().startswith("s3:") or "://" in image:
            yield from media.check(row.start, image, tag=False)
        else:  # a bare name, as `create lfv` joins it to the prefix (leading "/" dropped)
            yield from media.check(row.start, image.lstrip("/"), tag=True)
    yield from media.finish()
