"""Datasets for the report-format, baseline and GitHub Action tests: the demo dataset (errors
and warnings in all three kinds) and a clean one (all three kinds, no problems)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import FIXTURES

LFV_OBJECT = {
    "source-ref": "", "anomaly-label": 0,
    "anomaly-label-metadata": {
        "confidence": 1, "job-name": "labeling-job/anomaly-classification",
        "class-name": "", "human-annotated": "yes",
        "creation-date": "2024-05-01T12:00:00.000000",
        "type": "groundtruth/image-classification",
    },
}


def lfv_line(ref: str, cls: str = "normal") -> str:
    """A canonical Lookout for Vision classification line (without newline)."""
    obj = json.loads(json.dumps(LFV_OBJECT))
    obj["source-ref"] = ref
    obj["anomaly-label"] = 1 if cls == "anomaly" else 0
    obj["anomaly-label-metadata"]["class-name"] = cls
    return json.dumps(obj)


def demo_dataset(folder: Path) -> Path:
    """A copy of fixtures/demo at ``folder``: CSV, LfV and CVAT files with errors and
    warnings (and test.csv, clean on its own, which shares one image with train.csv)."""
    shutil.copytree(FIXTURES / "demo", folder)
    return folder


def clean_dataset(folder: Path) -> Path:
    """A CSV label file, an LfV manifest and a CVAT manifest with its images, all clean."""
    folder.mkdir(parents=True)
    shutil.copy(FIXTURES / "csv" / "good" / "train.csv", folder / "train.csv")
    lines = [lfv_line("s3://lfv-demo/train/a1.jpg", "anomaly"),
             lfv_line("s3://lfv-demo/train/n1.jpg"), lfv_line("s3://lfv-demo/train/n2.png")]
    (folder / "images.manifest").write_text("\n".join(lines) + "\n", encoding="utf-8")
    shutil.copytree(FIXTURES / "cvat" / "golden" / "images", folder / "cvat")
    shutil.copy(FIXTURES / "cvat" / "golden" / "images_natural.jsonl",
                folder / "cvat" / "manifest.jsonl")
    return folder
