"""File-level checks of a CSV label file, after the row pass: buckets, and bare names
without a prefix (CSV206, once per file)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from manifest_lint.diagnostics import Diagnostic
from manifest_lint.kinds.csv import rules as R
from manifest_lint.s3 import check_s3_uri
from manifest_lint.wording import plural

if TYPE_CHECKING:
    from manifest_lint.context import CheckContext
    from manifest_lint.kinds.csv.state import State


def file_diagnostics(ctx: CheckContext, st: State) -> Iterator[Diagnostic]:
    """Everything said about the file as a whole once its rows are read (the media pass
    of the LfV kind comes after)."""
    yield from _buckets(ctx.display, st)
    yield from _unplaced(ctx, st)


def _buckets(path: str, st: State) -> Iterator[Diagnostic]:
    for bucket, (line, count) in st.other_buckets.items():
        yield R.BUCKETS.diag(
            path, line,
            f"image in bucket {bucket!r} ({plural(count, 'row')} from here on) but the "
            f"first image (line {st.first_bucket_line}) is in "
            f"{st.first_bucket!r}: a dataset's images must all be in one bucket",
        )


def _unplaced(ctx: CheckContext, st: State) -> Iterator[Diagnostic]:
    """One CSV206 for the bare names no prefix places, unless the manifest beside the CSV
    (``X.manifest`` for ``X.csv``) shows the prefix it was made with."""
    if not st.unplaced or not ctx.enabled(R.NO_PREFIX):
        return
    manifest = ctx.path.with_suffix(".manifest")
    if ctx.config.options("lfv").get("sync-csv", True) and manifest.is_file():
        from manifest_lint.kinds.csv.prefix import infer_prefix

        names = {k.lstrip("/") for k in st.seen if check_s3_uri(k) is None}
        prefix = infer_prefix(manifest, names)
        if prefix:
            ctx.note(f"bare image names are taken to be under {prefix}, the prefix "
                     f"{manifest.name} was made with (set s3-path under "
                     "[tool.manifest-lint.csv] to say so)")
            return
    line, name = st.first_unplaced
    what = (f"bare image name {name!r} has" if st.unplaced == 1 else
            f"{st.unplaced:,} bare image names (the first is {name!r}, here) have")
    yield R.NO_PREFIX.diag(
        ctx.display, line,
        f"{what} no S3 prefix: set s3-path under [tool.manifest-lint.csv] (or pass "
        "--s3-path to create lfv)",
    )
