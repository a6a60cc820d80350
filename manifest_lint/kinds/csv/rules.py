"""Rules for Lookout for Vision CSV label files (``image-location,class``, no header)."""

from manifest_lint.rules import rule

ENCODING = rule(
    "CSV001", "csv-encoding-error", "csv", "error", False,
    "The file is not UTF-8 text (invalid bytes, UTF-16/32, or NUL bytes).",
    why="""
Lookout for Vision and the AWS CSV-to-manifest script read label files as UTF-8. Invalid
bytes make the script crash or write garbled `source-ref` values; a UTF-16 file (what
Excel's "Unicode text" writes) is not read at all. `fix` does not rewrite a file it could
not decode.
""",
    bad="s3://bucket/caf\\xe9.jpg,normal   (Latin-1 byte 0xe9)",
    good="s3://bucket/café.jpg,normal      (saved as UTF-8)",
    blocks_fixes=True,
)
BOM = rule(
    "CSV002", "csv-utf8-bom", "csv", "warning", True,
    "The file starts with a UTF-8 byte order mark.",
    why="""
The AWS example script opens the CSV as `UTF-8`, not `utf-8-sig`, so the BOM becomes part of
the first image name (`\\ufeffs3://...`) and that image is not found. Spreadsheet programs
add the BOM silently. `fix` removes it.
""",
    bad="\\ufeffs3://bucket/img1.jpg,normal",
    good="s3://bucket/img1.jpg,normal",
)
SYNTAX = rule(
    "CSV003", "csv-syntax-error", "csv", "error", False,
    "A row is not valid CSV (an unterminated quote, a stray quote, a field too large).",
    why="""
An unterminated quote makes a CSV reader swallow every following line into one field; a
quote in the middle of a quoted field is read differently by different tools. The row is
reported at the line where it starts and is not changed by `fix`.
""",
    bad='"s3://bucket/img1.jpg,normal\ns3://bucket/img2.jpg,anomaly',
    good='"s3://bucket/img1.jpg",normal\ns3://bucket/img2.jpg,anomaly',
    blocks_fixes=True,
)
EMPTY_FILE = rule(
    "CSV004", "csv-empty-file", "csv", "error", False,
    "The file has no label rows.",
    why="""
A dataset made from an empty label file has no images; the service rejects an empty
manifest. Usually a file was truncated or the wrong file was committed.
""",
    bad="(an empty file, or only blank lines)",
    good="s3://bucket/img1.jpg,normal",
)
TOO_FEW = rule(
    "CSV101", "too-few-fields", "csv", "error", False,
    "A row has fewer than two fields (image and class).",
    why="""
Every row needs the image location and its class. The AWS example script crashes with an
IndexError on such a row and leaves partial output behind.
""",
    bad="s3://bucket/img1.jpg",
    good="s3://bucket/img1.jpg,normal",
)
TOO_MANY = rule(
    "CSV102", "too-many-fields", "csv", "error", False,
    "A row has more than two fields.",
    why="""
Extra columns are silently dropped by the AWS script. Most often the image name contains a
comma and is not quoted, so the class column holds part of the name and the real class is
lost. Quote such names.
""",
    bad="s3://bucket/a,b.jpg,normal",
    good='"s3://bucket/a,b.jpg",normal',
)
BLANK = rule(
    "CSV103", "blank-row", "csv", "warning", True,
    "A blank or whitespace-only row.",
    why="""
Blank rows are skipped by the AWS script but shift its line numbers, so its error report
points at the wrong lines; Rekognition counts them as invalid objects. `fix` deletes them.
""",
    bad="s3://bucket/img1.jpg,normal\n\ns3://bucket/img2.jpg,anomaly",
    good="s3://bucket/img1.jpg,normal\ns3://bucket/img2.jpg,anomaly",
)
HEADER = rule(
    "CSV104", "header-row", "csv", "error", True,
    "The first row is a header; label files have none.",
    why="""
The documentation says "Don't add a header row". A header is read as an image called
`image` with the class `label`, which fails the class check and stops the import. `fix`
deletes it.
""",
    bad="image,label\ns3://bucket/img1.jpg,normal",
    good="s3://bucket/img1.jpg,normal",
)
EMPTY_IMAGE = rule(
    "CSV201", "empty-image", "csv", "error", False,
    "The image field is empty.",
    why="""
A row without an image location becomes a manifest line with an empty `source-ref`, which
the service rejects.
""",
    bad=",normal",
    good="s3://bucket/img1.jpg,normal",
)
IMAGE_SPACES = rule(
    "CSV202", "image-whitespace", "csv", "warning", True,
    "The image location has leading or trailing spaces.",
    why="""
S3 keys may contain spaces, so `s3://bucket/img1.jpg ` names a different object than
`s3://bucket/img1.jpg` and the import fails to find it. `fix` strips the spaces.
""",
    bad="s3://bucket/img1.jpg ,normal",
    good="s3://bucket/img1.jpg,normal",
)
UNKNOWN_CLASS = rule(
    "CSV203", "unknown-class", "csv", "error", False,
    "The class is not one of the configured classes (default: normal, anomaly).",
    why="""
Lookout for Vision knows only `normal` and `anomaly`. Any other value is not rejected: the
image is silently imported as unlabeled and ignored in training. Configure other classes
with `classes = [...]` under `[tool.manifest-lint.csv]`.
""",
    bad="s3://bucket/img1.jpg,defect",
    good="s3://bucket/img1.jpg,anomaly",
)
CLASS_CASE = rule(
    "CSV204", "class-not-canonical", "csv", "warning", True,
    "The class matches an allowed class only after case-folding or stripping spaces.",
    why="""
The AWS script accepts `Anomaly` but writes it verbatim into `class-name`, and the service
treats `class-name` case-sensitively (the image may be imported unlabeled); ` normal` with a
space is rejected by the script. `fix` writes the canonical class.
""",
    bad="s3://bucket/img1.jpg,Anomaly",
    good="s3://bucket/img1.jpg,anomaly",
)
BAD_URI = rule(
    "CSV205", "invalid-s3-uri", "csv", "error", False,
    "The image location is not a well-formed `s3://bucket/key` URI.",
    why="""
Lookout for Vision needs `s3://bucket/key`. Typos like `s3: //`, `S3://`, `s3:/`, a missing
key, `//` inside the key or a doubled `s3://s3://` prefix point at objects that do not
exist. The fix is a decision about the right location, so it is left to you.
""",
    bad="s3: //bucket/img1.jpg,normal",
    good="s3://bucket/img1.jpg,normal",
)
NO_PREFIX = rule(
    "CSV206", "missing-s3-prefix", "csv", "warning", False,
    "A bare image name, but no `s3-path` is configured to place it in a bucket.",
    why="""
Bare names are joined to the `--s3-path` given to `create lfv`; without one the manifest
would hold a relative `source-ref`, which the service rejects. Set `s3-path` under
`[tool.manifest-lint.csv]` so lint and `create lfv` agree.
""",
    bad="img1.jpg,normal            (no s3-path configured)",
    good='img1.jpg,normal            (s3-path = "s3://bucket/train/")',
)
NOT_UTF8 = rule(
    "CSV208", "image-not-utf8", "csv", "error", False,
    "The image location holds bytes that are not UTF-8 (e.g. a Latin-1 file name).",
    why="""
S3 object keys are UTF-8, and so is the manifest `create lfv` writes. An image location
saved in another encoding (`caf\\xe9.jpg`, Latin-1 from an old scanner or a Windows
spreadsheet) names no object: the image is missing from the dataset. The whole file is
CSV001 too; this rule names each row whose image is affected. Rename the image to UTF-8 and
re-save the file as UTF-8.
""",
    bad="s3://bucket/caf\\xe9.jpg,normal    (the byte 0xE9: Latin-1 \"é\")",
    good="s3://bucket/caf\\xc3\\xa9.jpg,normal    (UTF-8 \"café.jpg\")",
)
EXTENSION = rule(
    "CSV207", "unsupported-extension", "csv", "warning", False,
    "The image name does not end in .png, .jpg or .jpeg.",
    why="""
Lookout for Vision accepts only PNG and JPEG images. The service checks the content, not the
name, but another extension usually means a wrong file (a `.tif`, a `.txt`, a folder).
""",
    bad="s3://bucket/img1.tif,normal",
    good="s3://bucket/img1.png,normal",
)
DUPLICATE = rule(
    "CSV301", "duplicate-image", "csv", "error", True,
    "The same image is listed again with the same class.",
    why="""
"All training and test images must be unique images." The AWS script reports `DUPLICATE`
and refuses to write the manifest. `fix` keeps the first row and deletes the repeats.
""",
    bad="s3://bucket/img1.jpg,normal\ns3://bucket/img1.jpg,normal",
    good="s3://bucket/img1.jpg,normal",
)
CONFLICT = rule(
    "CSV302", "conflicting-class", "csv", "error", False,
    "The same image is listed again with a different class.",
    why="""
An image cannot be both normal and anomalous; one of the labels is a mistake and the
linter cannot know which, so `fix` leaves both rows for you to decide.
""",
    bad="s3://bucket/img1.jpg,normal\ns3://bucket/img1.jpg,anomaly",
    good="s3://bucket/img1.jpg,anomaly",
)
BUCKETS = rule(
    "CSV303", "multiple-buckets", "csv", "error", False,
    "Images come from more than one S3 bucket.",
    why="""
All images of a Lookout for Vision dataset must be in one S3 bucket; the import fails
otherwise. Reported at the first row of each bucket other than the first one.
""",
    bad="s3://bucket-a/img1.jpg,normal\ns3://bucket-b/img2.jpg,anomaly",
    good="s3://bucket-a/img1.jpg,normal\ns3://bucket-a/img2.jpg,anomaly",
)
