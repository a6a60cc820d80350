"""Rules of the dataset pass (``DS…``): problems no single file shows.

They have their own group because they span kinds: a leak between a CSV label file and a
manifest, or a duplicate between two CVAT manifests, belongs to neither file's kind. None is
fixable: which copy to keep, or which split an image belongs in, needs a human decision.
"""

from __future__ import annotations

from manifest_lint.rules import rule

KIND = "dataset"

LEAKAGE = rule(
    "DS101", "dataset-split-leakage", KIND, "error", False,
    "The same image is in the training and the test split of a dataset.",
    why="""
Lookout for Vision requires that "all training and test images must be unique images". An
image the model was trained on scores well in the test, so the reported test metrics are a
lie. The diagnostic sits on the test line and names the training file and line.
""",
    bad="""
train.csv:  s3://bucket/img/a.jpg,normal
test.csv:   s3://bucket/img/a.jpg,normal   <- also in train.csv:1
""",
    good="""
train.csv:  s3://bucket/img/a.jpg,normal
test.csv:   s3://bucket/img/b.jpg,normal
""",
)

DUPLICATE_REFERENCE = rule(
    "DS102", "dataset-duplicate-reference", KIND, "warning", False,
    "Two manifests of one CVAT group list the same image file.",
    why="""
Manifests of one group (configured `files`, or the CVAT manifests of one folder tree) are
meant to describe different images. The same file in two of them is annotated twice, and
lands in two tasks or jobs (or in two subsets) when the manifests are used together.
""",
    bad="""
data/manifest.jsonl line 3:     {"name":"a/img_1","extension":".jpg",...}
data/a/manifest.jsonl line 3:   {"name":"img_1","extension":".jpg",...}
""",
    good="each image file is listed by one manifest of the group",
)

DUPLICATE_CONTENT = rule(
    "DS201", "dataset-duplicate-content", KIND, "warning", False,
    "The same image content under different names within a split or a CVAT group.",
    why="""
Copies of one picture under two names are labelled twice (wasted work, and two labels that
may disagree) and weigh twice in training. Found from CVAT `checksum` values (md5 of the
pixels) and, where media are reachable, from the md5 of the image files, which the media
layer computes with the other facts it caches.
""",
    bad="""
manifest.jsonl line 3: {"name":"img_1",...,"checksum":"1770f9375680bdf6b1c2f68e55a06037"}
manifest.jsonl line 9: {"name":"copy_of_1",...,"checksum":"1770f9375680bdf6b1c2f68e55a06037"}
""",
    good="every checksum (every image file) appears once",
)

CONTENT_LEAKAGE = rule(
    "DS202", "dataset-content-leakage", KIND, "error", False,
    "The same image content is in the training and the test split under different names.",
    why="""
A renamed copy of a training image in the test split leaks just like the same name would
(see DS101), and no name comparison finds it. Found from the md5 of the image files when
`media-map` (or the CSV's folder) makes them reachable.
""",
    bad="""
train.csv: s3://bucket/a.jpg,anomaly
test.csv:  s3://bucket/a_copy.jpg,anomaly   (same bytes as a.jpg)
""",
    good="test images are pictures the model has never seen",
)

IMAGE_SIZE = rule(
    "DS301", "dataset-image-size", KIND, "error", False,
    "Images of one Lookout for Vision project (train and test together) differ in size.",
    why="""
"All images in a project must have the same dimensions" (model-create-dataset.md): the
training and the test dataset together. Each file may be consistent on its own (LFV405
checks that) while the test images differ from the training images. Reported for the
images whose size is not the project's majority size, when media are reachable. The
majority size is the one most images have; on a tie, the size seen first (training files
before test files, then by line), the same rule LFV405 applies within one file.
""",
    bad="train images 640x480, test images 1024x768",
    good="every image of train and test is 640x480",
)

TOO_MANY_LABELS = rule(
    "DS302", "dataset-too-many-anomaly-labels", KIND, "error", False,
    "More than 100 anomaly labels (mask classes) in one Lookout for Vision project.",
    why="""
Lookout for Vision allows at most 100 anomaly labels per project (limits.md), counted over
the colour maps of the training and the test manifests together.
""",
    bad="colour maps naming 101 different anomaly classes across train and test",
    good="at most 100 anomaly classes in the project",
)

TOO_FEW_PER_LABEL = rule(
    "DS303", "dataset-too-few-per-anomaly-label", KIND, "warning", False,
    "An anomaly label has fewer than 10 single-label images in the training or test split.",
    why="""
With separate training and test datasets, each anomaly label needs at least 10 images in
each dataset, and only images with exactly one anomaly type count (limits.md). Training of
a segmentation model fails otherwise.
""",
    bad="'scratch' on 12 training images but on only 4 test images",
    good="'scratch' alone on at least 10 training and 10 test images",
)

TOO_FEW_TEST = rule(
    "DS304", "dataset-too-few-test-images", KIND, "warning", False,
    "The test split has fewer than 10 normal or 10 anomalous labeled images.",
    why="""
A project with separate datasets needs at least 10 normal and 10 anomalous images in the
test dataset (limits.md); training fails late otherwise. Counted over every file of the
test split (when the split is a single manifest named like a test manifest, LFV305
already says so and this rule stays quiet).
""",
    bad="test.csv with 12 normal and 8 anomaly rows",
    good="test.csv with 12 normal and 10 anomaly rows",
)

LOCALIZATION_CAP = rule(
    "DS305", "dataset-localization-cap", KIND, "error", False,
    "More than 8,000 training or 800 test images in a segmentation (localization) project.",
    why="""
For anomaly localization (manifests with masks) Lookout for Vision accepts at most 8,000
training and 800 test images (limits.md), far fewer than the 16,000 / 4,000 of
classification. Reported on the first image over the cap.
""",
    bad="a test manifest with masks and 900 images",
    good="at most 800 test images in a segmentation project",
)

__all__ = [
    "CONTENT_LEAKAGE", "DUPLICATE_CONTENT", "DUPLICATE_REFERENCE", "IMAGE_SIZE", "LEAKAGE",
    "LOCALIZATION_CAP", "TOO_FEW_PER_LABEL", "TOO_FEW_TEST", "TOO_MANY_LABELS",
]
