"""Lookout for Vision CSV label files: ``image-location,class`` per row, no header."""

from manifest_lint.kinds.spec import KindSpec, Option

SPEC = KindSpec(
    name="csv",
    title="Lookout for Vision CSV label file",
    checker="manifest_lint.kinds.csv.check:check",
    options={
        "media-root": Option(
            "str", "",
            "Where media resolve instead of the file's folder: a folder (relative to the "
            "config file) or s3://bucket/prefix/ (also gs://, az://container/ or "
            "https://<account>.blob.core.windows.net/<container>/; checked there). "
            "--media-root wins.",
        ),
        "classes": Option(
            "list[str]", ["normal", "anomaly"], "Allowed values of the class column."
        ),
        "s3-path": Option(
            "str", "",
            "S3 prefix that bare image names are relative to (as `create lfv --s3-path`).",
        ),
    },
)
