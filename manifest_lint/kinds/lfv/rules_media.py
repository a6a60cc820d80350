"""Rules for the media of Lookout for Vision datasets (LFV4xx: images and masks, also used
for CSV label files) and for a manifest against its CSV (LFV5xx). Import them through
:mod:`manifest_lint.kinds.lfv.rules`."""

from manifest_lint.rules import rule

# ------------------------------------------------------------------------ LFV4xx media

MEDIA_MISSING = rule(
    "LFV401", "lfv-media-missing", "lfv", "error", False,
    "A referenced image or mask does not exist in its mapped local folder.",
    why="""
With `media-map` set (an S3 prefix mapped to a local folder), every referenced image and mask
must exist there, as a regular file. A missing object fails the import (RCL: more than 20%
missing fails the whole dataset). CSV rows without `s3://` are looked up relative to the CSV.
""",
    bad="s3://bucket/train/img9.jpg -> data/train/img9.jpg (no such file)",
    good="s3://bucket/train/img1.jpg -> data/train/img1.jpg",
)
IMAGE_FORMAT = rule(
    "LFV402", "lfv-image-format", "lfv", "error", False,
    "An image is not a readable PNG or JPEG (checked by content, not by name).",
    why="""
Lookout for Vision accepts only PNG and JPEG. The content decides: a WebP renamed to `.jpg`
or a truncated file is rejected. With `--deep` the pixels are decoded too, which also finds
truncated image data.
""",
    bad="img1.jpg whose bytes are a WebP image",
    good="img1.jpg whose bytes are a JPEG image",
)
IMAGE_DIMENSIONS = rule(
    "LFV403", "lfv-image-dimensions", "lfv", "error", False,
    "An image side is smaller than 64 or larger than 4,096 pixels.",
    why="""
Lookout for Vision needs images from 64x64 to 4096x4096 pixels (not adjustable). The stored
pixel size is used (no EXIF rotation: rotation cannot move a side into or out of the range).
""",
    bad="img1.jpg of 32x32 pixels",
    good="img1.jpg of 640x480 pixels",
)
IMAGE_FILE_SIZE = rule(
    "LFV404", "lfv-image-file-too-large", "lfv", "error", False,
    "An image file is larger than 8 MiB.",
    why="""
Lookout for Vision's maximum image file size is 8 MB (not adjustable). manifest-lint uses
8 MiB (8,388,608 bytes).
""",
    bad="img1.png of 9.5 MB",
    good="img1.jpg of 450 KB",
)
SIZE_MISMATCH = rule(
    "LFV405", "lfv-image-size-mismatch", "lfv", "error", False,
    "Images of one dataset do not all have the same width and height.",
    why="""
"All images in the dataset must have the same dimensions." Every image whose stored size
differs from the majority size is reported; the message names the majority size. The
majority size is the one most images have; on a tie, the size seen first (on the earliest
line), the same rule DS301 applies to a whole project.
""",
    bad="img1.jpg 640x480, img2.jpg 1024x768",
    good="img1.jpg 640x480, img2.jpg 640x480",
)
MASK_FORMAT = rule(
    "LFV406", "lfv-mask-format", "lfv", "error", False,
    "A mask is not a readable PNG (checked by content).",
    why="""
"Masks must be real PNGs; renaming a file to .png is not sufficient." A JPEG mask also
smears the colours, so they no longer match the colour map. Training fails.
""",
    bad="masks/img1.png whose bytes are a JPEG",
    good="masks/img1.png saved as PNG",
)
MASK_SIZE = rule(
    "LFV407", "lfv-mask-size", "lfv", "error", False,
    "A mask's size differs from its image's size.",
    why="""
A mask labels the image pixel by pixel, so it must have the image's width and height (AWS's
own masks do). A scaled mask labels the wrong pixels.
""",
    bad="img1.jpg 640x480, masks/img1.png 320x240",
    good="img1.jpg 640x480, masks/img1.png 640x480",
)
MASK_COLORS = rule(
    "LFV408", "lfv-mask-colors", "lfv", "error", False,
    "A mask holds colours that are not in the line's `internal-color-map`.",
    why="""
"If the mask colors don't match the hex-color values, training fails." Colours are compared
as RGB after converting palette and alpha; fully transparent pixels, `#ffffff` and `#000000`
count as background (AWS's own masks use a transparent black background).
""",
    bad='mask with #ff0000 pixels, color map {"1": {"class-name": "scratch", '
        '"hex-color": "#2ca02c"}}',
    good='mask with #2ca02c pixels on white, same color map',
)
PATH_ESCAPE = rule(
    "LFV409", "lfv-media-path-escape", "lfv", "error", False,
    "A media reference leads outside its mapped folder (`..`, an absolute key, a symlink).",
    why="""
A key like `../../etc/passwd` or a symlink leaving the mapped folder would make the linter
read files the dataset does not own; such references are never opened. In S3 they would name
a different object than intended.
""",
    bad="s3://bucket/train/../../secret.jpg",
    good="s3://bucket/train/img1.jpg",
)

# -------------------------------------------------------------- LFV5xx manifest vs CSV

SYNC_MISSING_IN_MANIFEST = rule(
    "LFV501", "lfv-sync-missing-in-manifest", "lfv", "error", True,
    "An image of the CSV beside the manifest (X.csv for X.manifest) is not in the manifest.",
    why="""
When a manifest is generated from a CSV, the CSV is the source of truth; an image added to
the CSV but not to the manifest is not imported. `fix` regenerates the missing lines from the
CSV (when the CSV itself has no errors).
""",
    bad="train.csv lists img3.jpg, train.manifest does not",
    good="train.csv and train.manifest list the same images",
)
SYNC_MISSING_IN_CSV = rule(
    "LFV502", "lfv-sync-missing-in-csv", "lfv", "error", True,
    "A manifest line's image is not in the CSV beside the manifest.",
    why="""
An image removed from the CSV (for example a mislabeled one) is still imported if its line
stays in the manifest. `fix` deletes the line (when the CSV itself has no errors).
""",
    bad="train.manifest lists img9.jpg, train.csv does not",
    good="train.csv and train.manifest list the same images",
)
SYNC_CLASS = rule(
    "LFV503", "lfv-sync-class-mismatch", "lfv", "error", True,
    "A manifest line's class differs from the class in the CSV beside the manifest.",
    why="""
A relabel in the CSV that never reached the manifest trains the model on the old label.
`fix` regenerates the line from the CSV; unchanged lines are kept byte for byte.
""",
    bad="train.csv: img1.jpg,anomaly   train.manifest: img1.jpg class-name normal",
    good="train.csv: img1.jpg,anomaly   train.manifest: img1.jpg class-name anomaly",
)


def media_wanted(enabled_codes: frozenset[str]) -> bool:
    """Whether a selection needs a file's media looked at: a media rule (LFV4xx), or a rule
    of the dataset pass that judges the sizes and file digests the media checks leave."""
    return any(c.startswith("LFV4") or c in ("DS201", "DS202", "DS301") for c in enabled_codes)
