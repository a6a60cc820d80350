"""Rules for Lookout for Vision / Ground Truth manifests (JSON Lines, one object per image).

Groups: LFV0xx file, encoding and JSON; LFV1xx ``source-ref`` and the classification label
pair; LFV2xx segmentation masks; LFV3xx file-level and dataset limits; LFV4xx media (images
and masks on disk, also used for CSV label files); LFV5xx a manifest against its CSV.
"""

from manifest_lint.rules import rule

_LINE = (
    '{"source-ref": "s3://bucket/img1.jpg", "anomaly-label": 1, "anomaly-label-metadata": '
    '{"confidence": 1, "job-name": "labeling-job/anomaly-classification", '
    '"class-name": "anomaly", "human-annotated": "yes", '
    '"creation-date": "2024-05-01T12:00:00.000000", '
    '"type": "groundtruth/image-classification"}}'
)


def _sub(old: str, new: str, text: str = _LINE) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


_MASK = (
    '{"source-ref": "s3://bucket/img1.jpg", "anomaly-label": 1, "anomaly-label-metadata": '
    '{"class-name": "anomaly", "human-annotated": "yes", '
    '"type": "groundtruth/image-classification"}, '
    '"anomaly-mask-ref": "s3://bucket/masks/img1.png", "anomaly-mask-ref-metadata": '
    '{"internal-color-map": {"0": {"class-name": "BACKGROUND", "hex-color": "#ffffff", '
    '"confidence": 0.0}, "1": {"class-name": "scratch", "hex-color": "#2ca02c", '
    '"confidence": 0.0}}, "human-annotated": "yes", '
    '"type": "groundtruth/semantic-segmentation"}}'
)

# ------------------------------------------------------------------ LFV0xx file and JSON

ENCODING = rule(
    "LFV001", "lfv-encoding-error", "lfv", "error", False,
    "The manifest is not UTF-8 text (invalid bytes, UTF-16/32, or NUL bytes).",
    why="""
Manifests are UTF-8 JSON Lines. Lookout for Vision and Ground Truth reject a UTF-16 file and
misread invalid bytes inside `source-ref` values, so the image is not found. `fix` does not
rewrite a file it could not decode.
""",
    bad='{"source-ref": "s3://bucket/caf\\xe9.jpg", ...}   (Latin-1 byte 0xe9)',
    good='{"source-ref": "s3://bucket/café.jpg", ...}      (saved as UTF-8)',
    blocks_fixes=True,
)
BOM = rule(
    "LFV002", "lfv-utf8-bom", "lfv", "warning", True,
    "The manifest starts with a UTF-8 byte order mark.",
    why="""
A JSON Lines reader that does not expect a BOM sees `\\ufeff{` on the first line, which is
not valid JSON, and drops or rejects the first image. `fix` removes the BOM.
""",
    bad="\\ufeff" + _LINE,
    good=_LINE,
)
BLANK = rule(
    "LFV003", "lfv-blank-line", "lfv", "warning", True,
    "A blank or whitespace-only line.",
    why="""
Ground Truth's input rules allow one JSON object per line and nothing else; Rekognition-style
importers count a blank line as an invalid object against their error budget. `fix`
deletes it.
""",
    bad=_LINE + "\n\n" + _sub("img1", "img2"),
    good=_LINE + "\n" + _sub("img1", "img2"),
)
INVALID_JSON = rule(
    "LFV004", "lfv-invalid-json", "lfv", "error", False,
    "A line is not one JSON object (a syntax error, trailing text, or an array/string/number).",
    why="""
Each line must be exactly one JSON object. The importer rejects the line
(`ERROR_INVALID_JSON_LINE` in the closely related Rekognition importer), so the image is
missing from the dataset. The message gives the column where parsing failed.
""",
    bad=_LINE[:-1] + "   (closing brace missing)",
    good=_LINE,
    blocks_fixes=True,
)
MULTILINE = rule(
    "LFV005", "lfv-multiline-object", "lfv", "error", True,
    "A JSON object is spread over several lines (pretty-printed).",
    why="""
The documentation pretty-prints its examples "for readability", but a manifest needs each
object on one line: Ground Truth's input rules forbid line breaks inside an object, so every
line of a pretty-printed object is an invalid record. The message names the first and last
line; `fix` joins the object onto one line (in the style of the file).
""",
    bad='{\n  "source-ref": "s3://bucket/img1.jpg",\n  "anomaly-label": 1,\n  ...\n}',
    good=_LINE,
)
EMPTY = rule(
    "LFV006", "lfv-empty-manifest", "lfv", "error", False,
    "The manifest has no JSON objects.",
    why="""
A dataset created from an empty manifest has no images; the service rejects an empty
manifest (`ERROR_EMPTY_MANIFEST` in Rekognition). Usually a file was truncated or the wrong
file was committed.
""",
    bad="(an empty file, or only blank lines)",
    good=_LINE,
)
LONE_SURROGATE = rule(
    "LFV007", "lfv-lone-surrogate", "lfv", "error", False,
    "A string holds a lone surrogate (`\\ud800`-`\\udfff` with no partner).",
    why="""
A lone surrogate is not a character, and S3 object keys, class names and job names are
UTF-8 text. The service's JSON reader rejects the line, so the image is missing from the
dataset. Such values come from a character above U+FFFF cut in half, a reversed pair, or a
file name that is not UTF-8 (Python writes its bytes as `\\udc80`-`\\udcff`): no S3 object
has such a key. `fix` leaves the line alone: rename the object to a UTF-8 key and write it
(or the intended character) in the line.
""",
    bad=_sub("img1", "caf\\udce9"),
    good=_sub("img1", "caf\\u00e9"),
)

# ------------------------------------------------------- LFV1xx source-ref and label pair

MISSING_SOURCE_REF = rule(
    "LFV101", "lfv-missing-source-ref", "lfv", "error", False,
    "The object has no `source-ref`, or it is not a string.",
    why="""
`source-ref` is the S3 location of the image and the only required key of every line. A
misspelt key (`source_ref`, `sourceRef`) or a non-string value makes the line invalid
(`ERROR_MISSING_SOURCE_REF`).
""",
    bad=_sub('"source-ref"', '"source_ref"'),
    good=_LINE,
)
INVALID_SOURCE_REF = rule(
    "LFV102", "lfv-invalid-source-ref", "lfv", "error", False,
    "`source-ref` is not a well-formed `s3://bucket/key` URI.",
    why="""
Lookout for Vision reads images from S3 only. A relative path, `https://` URL, `s3: //`
(a typo in the official documentation), `S3://`, a missing key, `//` inside the key or a
doubled `s3://s3://` point at objects that do not exist (`ERROR_INVALID_SOURCE_REF_FORMAT`).
""",
    bad=_sub("s3://bucket/img1.jpg", "s3: //bucket/img1.jpg"),
    good=_LINE,
)
MISSING_LABEL = rule(
    "LFV103", "lfv-missing-label", "lfv", "error", False,
    "No label attribute with a matching `<name>-metadata` object.",
    why="""
A labeled image needs a label attribute (any name, usually `anomaly-label`) and an object
named after it plus `-metadata`. Without the pair the line has no label
(`ERROR_NO_LABEL_ATTRIBUTES`); a `-metadata` object whose attribute is missing, or that is
not an object, is reported too.
""",
    bad=_sub('"anomaly-label-metadata"', '"anomaly-metadata"'),
    good=_LINE,
)
LABEL_TYPE = rule(
    "LFV104", "lfv-wrong-label-type", "lfv", "error", False,
    "The label metadata `type` is not `groundtruth/image-classification`.",
    why="""
Lookout for Vision imports classification labels only from metadata whose `type` is exactly
`groundtruth/image-classification`; any other value is an unsupported use case
(`ERROR_UNSUPPORTED_USE_CASE_TYPE`) and the image has no label.
""",
    bad=_sub("groundtruth/image-classification", "groundtruth/classification"),
    good=_LINE,
)
UNKNOWN_CLASS = rule(
    "LFV105", "lfv-unknown-class", "lfv", "error", False,
    "`class-name` is missing or not `normal`/`anomaly`.",
    why="""
Lookout for Vision knows only the classes `normal` and `anomaly`. Any other value is not
rejected: the image is silently imported as unlabeled and ignored in training, which
usually surfaces only as "not enough images" at training time.
""",
    bad=_sub('"class-name": "anomaly"', '"class-name": "defect"'),
    good=_LINE,
)
CLASS_CASE = rule(
    "LFV106", "lfv-class-not-canonical", "lfv", "warning", True,
    "`class-name` matches `normal`/`anomaly` only after case-folding or stripping spaces.",
    why="""
The case sensitivity of `class-name` is undocumented; the API's anomaly-class pattern is
lowercase `(normal|anomaly)` and the AWS CSV script writes `Anomaly` verbatim, which risks the
image being imported unlabeled. `fix` writes the lowercase class.
""",
    bad=_sub('"class-name": "anomaly"', '"class-name": "Anomaly "'),
    good=_LINE,
)
HUMAN_ANNOTATED = rule(
    "LFV107", "lfv-human-annotated", "lfv", "error", False,
    "`human-annotated` in label or mask metadata is missing or not `\"yes\"`/`\"no\"`.",
    why="""
The documentation lists `human-annotated` as required, with the string values `yes` and
`no`. A boolean, `"Yes"` or a missing key does not match the documented format, and the
importer may reject the label.
""",
    bad=_sub('"human-annotated": "yes"', '"human-annotated": true'),
    good=_LINE,
)
LABEL_VALUE = rule(
    "LFV108", "lfv-label-value", "lfv", "warning", True,
    "The label value is a string, or disagrees with `class-name` (1 = anomaly, 0 = normal).",
    why="""
The label value is required but not used: `class-name` alone decides the label. AWS's own
tools disagree (the CSV script writes `"1"`, the Lab notebook writes 1 for *normal*), so a
value that contradicts `class-name` misleads every other reader. Lookout for Vision's output
uses the integer 1 for anomaly and 0 for normal; `fix` writes that.
""",
    bad=_sub('"anomaly-label": 1', '"anomaly-label": "1"'),
    good=_LINE,
)
CONFIDENCE = rule(
    "LFV109", "lfv-invalid-confidence", "lfv", "warning", False,
    "`confidence` in label or mask metadata is not a number from 0 to 1.",
    why="""
`confidence` is optional and unused by Lookout for Vision, but Ground Truth defines it as a
number in 0..1 and other consumers (Rekognition Custom Labels) require that. A string or a
percentage (`95`) is a sign of a hand-made or converted file.
""",
    bad=_sub('"confidence": 1', '"confidence": "high"'),
    good=_LINE,
)
CREATION_DATE = rule(
    "LFV110", "lfv-invalid-creation-date", "lfv", "warning", False,
    "`creation-date` is not a string in a date format AWS tools write.",
    why="""
`creation-date` is optional and its format is not specified. Official material uses ISO 8601
(`2020-11-10T03:37:09.600`, with or without `Z`, an offset or fractions) and, once, a
JavaScript `Date.toString()`. Anything else (a number, `yesterday`, `10/11/2020`) cannot be
read back reliably.
""",
    bad=_sub("2024-05-01T12:00:00.000000", "05/01/2024"),
    good=_LINE,
)
MULTIPLE_LABELS = rule(
    "LFV111", "lfv-multiple-labels", "lfv", "warning", False,
    "More than one classification label pair on one line.",
    why="""
Which of two `groundtruth/image-classification` pairs Lookout for Vision uses is not
documented. Chained Ground Truth jobs add a second pair; keep only the one you mean.
""",
    bad=_sub(
        '"anomaly-label": 1,',
        '"anomaly-label": 1, "old-label": 0, "old-label-metadata": {"class-name": "normal", '
        '"human-annotated": "yes", "type": "groundtruth/image-classification"},',
    ),
    good=_LINE,
)
EXTENSION = rule(
    "LFV112", "lfv-unsupported-extension", "lfv", "warning", False,
    "`source-ref` does not end in .png, .jpg or .jpeg.",
    why="""
Lookout for Vision accepts only PNG and JPEG images. The service checks the content, not the
name, but another extension usually means a wrong file (a `.tif`, a folder marker).
""",
    bad=_sub("img1.jpg", "img1.tif"),
    good=_LINE,
)
HIDDEN_CHARACTER = rule(
    "LFV113", "lfv-hidden-key-character", "lfv", "warning", False,
    "An image or mask URI holds U+F03A or another invisible character the S3 key lacks.",
    why="""
Ground Truth output arrives with U+F03A (a private-use character) where the S3 key has a
colon, e.g. in the timestamped keys of segmentation masks; zero-width spaces, non-breaking
spaces and decomposed accents slip in through copy and paste. The URI then names another key
than the object's, and the image or mask is not found at import or training time.
""",
    bad=_sub("img1.jpg", "img\\uf03a1.jpg"),
    good=_LINE,
)

# ----------------------------------------------------------------- LFV2xx segmentation

MASK_PAIR = rule(
    "LFV201", "lfv-invalid-mask-pair", "lfv", "error", False,
    "A mask attribute and its `-metadata` do not form a pair (name not ending in `-ref`, "
    "one half missing).",
    why="""
A segmentation mask needs an attribute whose name ends in `-ref` (usually `anomaly-mask-ref`)
holding the mask's S3 URI, and `<name>-metadata` of type
`groundtruth/semantic-segmentation`. If one half is missing or the name does not end in
`-ref`, the mask is not used and a segmentation model cannot train.
""",
    bad=_sub('"anomaly-mask-ref-metadata"', '"anomaly-mask-metadata"', _MASK),
    good=_MASK,
)
MASK_TYPE = rule(
    "LFV202", "lfv-wrong-mask-type", "lfv", "error", False,
    "The mask metadata `type` is not `groundtruth/semantic-segmentation`.",
    why="""
Mask metadata must say `"type": "groundtruth/semantic-segmentation"`; with any other type the
mask is not read. (Ground Truth verification pairs, type `groundtruth/label-verification`,
are passed through and not reported.)
""",
    bad=_sub("groundtruth/semantic-segmentation", "groundtruth/segmentation", _MASK),
    good=_MASK,
)
MASK_REF = rule(
    "LFV203", "lfv-invalid-mask-ref", "lfv", "error", False,
    "The mask attribute is not a well-formed `s3://bucket/key` URI.",
    why="""
The mask is read from S3 like the image; a relative path or malformed URI points at nothing
and training a segmentation model fails.
""",
    bad=_sub("s3://bucket/masks/img1.png", "masks/img1.png", _MASK),
    good=_MASK,
)
COLOR_MAP = rule(
    "LFV204", "lfv-invalid-color-map", "lfv", "error", False,
    "`internal-color-map` is missing or malformed (keys, `class-name`, `hex-color`).",
    why="""
Mask metadata needs `internal-color-map`: an object keyed by integer strings (`"0"`, `"1"`,
...) whose entries have a string `class-name` and a `hex-color` like `#2ca02c`. Training maps
mask pixels to anomaly classes through it; a malformed map fails training.
""",
    bad=_sub('"hex-color": "#2ca02c"', '"hex-color": "green"', _MASK),
    good=_MASK,
)
DUPLICATE_COLOR = rule(
    "LFV205", "lfv-duplicate-mask-color", "lfv", "error", False,
    "Two classes of one colour map share a `hex-color`.",
    why="""
A mask pixel's colour is the only thing that says which anomaly it shows. Two classes with
the same colour cannot be told apart (colours are compared case-insensitively).
""",
    bad=_sub('"hex-color": "#2ca02c"', '"hex-color": "#FFFFFF"', _MASK),
    good=_MASK,
)
TOO_MANY_MASK_CLASSES = rule(
    "LFV206", "lfv-too-many-mask-classes", "lfv", "error", False,
    "More than 20 anomaly classes in one colour map.",
    why="""
Lookout for Vision allows at most 20 anomaly labels on one mask image (limits.md); the
BACKGROUND entry does not count.
""",
    bad='"internal-color-map": {"0": {"class-name": "BACKGROUND", ...}, "1": ..., "21": ...}',
    good='"internal-color-map": {"0": {"class-name": "BACKGROUND", ...}, "1": ..., "20": ...}',
)
BACKGROUND = rule(
    "LFV207", "lfv-background-not-canonical", "lfv", "warning", False,
    'Colour map entry `"0"` is not `BACKGROUND` with `#ffffff`.',
    why="""
The documentation says entry `"0"` must be `BACKGROUND` and its colour "is always
#ffffff". AWS's own getting-started data omits it and trains anyway, so this is a warning:
follow the documented form so every consumer reads the map the same way.
""",
    bad=_sub(
        '"0": {"class-name": "BACKGROUND", "hex-color": "#ffffff", "confidence": 0.0}, ', "",
        _MASK,
    ),
    good=_MASK,
)
COLOR_CONFIDENCE = rule(
    "LFV208", "lfv-color-confidence", "lfv", "warning", False,
    "A colour map entry has no numeric `confidence`.",
    why="""
The documentation says each colour map entry's `confidence` is unused "but a float value is
required" (examples use `0.0`). AWS's getting-started data omits it, so this is a warning.
""",
    bad=_sub(', "confidence": 0.0}}', "}}", _MASK),
    good=_MASK,
)
MASK_EXTENSION = rule(
    "LFV209", "lfv-mask-extension", "lfv", "warning", False,
    "The mask URI does not end in .png.",
    why="""
Masks must be PNG images. The service checks the content, but a mask named `.jpg` is almost
always a lossy JPEG whose colours no longer match the colour map.
""",
    bad=_sub("masks/img1.png", "masks/img1.jpg", _MASK),
    good=_MASK,
)

# ---------------------------------------------------------- LFV3xx file level, dataset

DUPLICATE = rule(
    "LFV301", "lfv-duplicate-source-ref", "lfv", "error", False,
    "The same `source-ref` appears on more than one line.",
    why="""
"All training and test images must be unique images." When entries are updated, a line whose
`source-ref` matches an existing entry *replaces* it, so which label wins depends on order.
The message names the first line. When the manifest has a CSV beside it without problems,
`fix` deletes the repeat, as regenerating from the CSV would.
""",
    bad=_LINE + "\n" + _LINE,
    good=_LINE + "\n" + _sub("img1", "img2"),
)
BUCKETS = rule(
    "LFV302", "lfv-multiple-buckets", "lfv", "error", False,
    "Images or masks come from more than one S3 bucket.",
    why="""
All images and masks of a Lookout for Vision dataset must be in one S3 bucket; the import
fails otherwise (`ERROR_IMAGES_IN_MULTIPLE_S3_BUCKETS`). Reported at the first line of each
bucket other than the first one.
""",
    bad=_LINE + "\n" + _sub("s3://bucket/img1", "s3://other-bucket/img2"),
    good=_LINE + "\n" + _sub("img1", "img2"),
)
TOO_MANY = rule(
    "LFV303", "lfv-too-many-images", "lfv", "error", False,
    "More than 16,000 images in a training or 4,000 in a test manifest.",
    why="""
Lookout for Vision limits a training dataset to 16,000 images and a test dataset to 4,000
(limits.md). The role comes from `role` in the config or from `train`/`test` in the file
name; reported at the first line over the limit.
""",
    bad="test.manifest with 4,001 lines",
    good="test.manifest with 4,000 lines",
)
TOO_LARGE = rule(
    "LFV304", "lfv-manifest-too-large", "lfv", "error", False,
    "The manifest file is larger than 1 GiB.",
    why="""
Lookout for Vision's maximum manifest size is 1 GB (limits.md); a larger file is not
imported. Split the dataset.
""",
    bad="train.manifest of 1.2 GB",
    good="train.manifest of 300 MB",
)
TOO_FEW = rule(
    "LFV305", "lfv-too-few-images", "lfv", "warning", False,
    "Fewer labeled normal/anomaly images than Lookout for Vision needs to train.",
    why="""
Minimums (limits.md): a single-dataset project needs 20 normal and 10 anomalous images; with
separate datasets the training set needs 10 normal and the test set 10 normal and 10
anomalous. Training fails late otherwise. Set `project` and `role` under
`[tool.manifest-lint.lfv]` when the file name does not tell.
""",
    bad="train.manifest with 12 normal and 3 anomaly lines (single-dataset project)",
    good="train.manifest with 20 normal and 10 anomaly lines",
)

# The media (LFV4xx) and CSV sync (LFV5xx) rules live beside this module; they are
# names of this one too, so that `R.MEDIA_MISSING` works wherever `R` is this module.
from manifest_lint.kinds.lfv.rules_media import (  # noqa: E402
    IMAGE_DIMENSIONS,
    IMAGE_FILE_SIZE,
    IMAGE_FORMAT,
    MASK_COLORS,
    MASK_FORMAT,
    MASK_SIZE,
    MEDIA_MISSING,
    PATH_ESCAPE,
    SIZE_MISMATCH,
    SYNC_CLASS,
    SYNC_MISSING_IN_CSV,
    SYNC_MISSING_IN_MANIFEST,
    media_wanted,
)

__all__ = [
    "BACKGROUND", "BLANK", "BOM", "BUCKETS", "CLASS_CASE", "COLOR_CONFIDENCE", "COLOR_MAP",
    "CONFIDENCE", "CREATION_DATE", "DUPLICATE", "DUPLICATE_COLOR", "EMPTY", "ENCODING",
    "EXTENSION", "HIDDEN_CHARACTER", "HUMAN_ANNOTATED", "IMAGE_DIMENSIONS", "IMAGE_FILE_SIZE",
    "IMAGE_FORMAT",
    "INVALID_JSON", "INVALID_SOURCE_REF", "LABEL_TYPE", "LABEL_VALUE", "MASK_COLORS",
    "MASK_EXTENSION", "MASK_FORMAT", "MASK_PAIR", "MASK_REF", "MASK_SIZE", "MASK_TYPE",
    "MEDIA_MISSING", "MISSING_LABEL", "MISSING_SOURCE_REF", "MULTILINE", "MULTIPLE_LABELS",
    "PATH_ESCAPE", "SIZE_MISMATCH", "SYNC_CLASS", "SYNC_MISSING_IN_CSV",
    "SYNC_MISSING_IN_MANIFEST", "TOO_FEW", "TOO_LARGE", "TOO_MANY", "TOO_MANY_MASK_CLASSES",
    "UNKNOWN_CLASS", "media_wanted",
]
