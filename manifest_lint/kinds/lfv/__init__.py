"""Lookout for Vision / Ground Truth manifests (JSON Lines, one object per image)."""

from manifest_lint.kinds.spec import KindSpec, Option

SPEC = KindSpec(
    name="lfv",
    title="Lookout for Vision / Ground Truth manifest",
    checker="manifest_lint.kinds.lfv.check:check",
    preview="manifest_lint.kinds.lfv.preview:lfv_locator",
    options={
        "media-root": Option(
            "str", "",
            "Where media resolve instead of the file's folder: a folder (relative to the "
            "config file) or s3://bucket/prefix/ (also gs://, az://container/ or "
            "https://<account>.blob.core.windows.net/<container>/; checked there). "
            "--media-root wins.",
        ),
        "media-map": Option(
            "dict[str,str]", {},
            "S3 prefix -> local folder (relative to the config file) or a gs://, az:// or s3:// "
            "mirror holding a copy of the "
            'objects, e.g. "s3://bucket/train/" = "data/train/". Images and masks under a '
            "mapped prefix are checked on disk (also for CSV label files); others are counted "
            "as not checked.",
        ),
        "role": Option(
            "str", "",
            "Dataset role for the image limits and minimums: train or test. Empty: from "
            "`train`/`test` in the file name; no role, no limits.",
            choices=("", "train", "test"),
        ),
        "project": Option(
            "str", "",
            "Project layout for the minimum image counts: single (one dataset, 20 normal + 10 "
            "anomaly) or separate (train 10 normal; test 10 normal + 10 anomaly). Empty: "
            "separate for a test manifest or when a train/test twin file sits beside it, "
            "otherwise single.",
            choices=("", "single", "separate"),
        ),
        "sync-csv": Option(
            "bool", True,
            "Compare X.manifest with X.csv in the same folder and report images or classes "
            "that differ (`fix` regenerates the manifest from the CSV).",
        ),
    },
)
