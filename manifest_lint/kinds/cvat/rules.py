"""Rules for CVAT dataset manifests (``manifest.jsonl``).

Codes: CVAT0xx file, encoding, JSON and serialisation; CVAT1xx header; CVAT2xx image
records; CVAT3xx video key-frame records; CVAT4xx media (existence, sizes, related images,
unlisted files, order, video properties); CVAT5xx ``--deep`` checks (pixel checksums, key
frames).
"""

from manifest_lint.rules import rule

# --------------------------------------------------------------------- file and JSON

ENCODING = rule(
    "CVAT001", "cvat-encoding-error", "cvat", "error", False,
    "The manifest is not UTF-8 text (invalid bytes, UTF-16/32, or NUL bytes).",
    why="""
CVAT reads manifests as UTF-8 JSON Lines; a UTF-16 file or invalid bytes make its structure
check fail ("Invalid manifest was uploaded"). `fix` does not rewrite a file it could not
decode.
""",
    bad='{"name":"caf\\xe9","extension":".jpg",...}   (Latin-1 byte 0xe9)',
    good='{"name":"caf\\u00e9","extension":".jpg",...}',
    blocks_fixes=True,
)
BOM = rule(
    "CVAT002", "cvat-utf8-bom", "cvat", "error", True,
    "The manifest starts with a UTF-8 byte order mark.",
    why="""
CVAT parses line 1 with `json.loads`, which rejects a leading BOM, so the whole manifest is
"not a manifest". Editors on Windows add the BOM silently. `fix` removes it.
""",
    bad='\\ufeff{"version":"1.1"}',
    good='{"version":"1.1"}',
)
INVALID_JSON = rule(
    "CVAT003", "cvat-invalid-json", "cvat", "error", False,
    "A line is not a JSON object.",
    why="""
Every line of a manifest is one JSON object. CVAT's reader fails on a line it cannot parse
(a missing brace, a trailing comma, two objects on one line, a bare string or array).
""",
    bad='{"name":"img_1","extension":".jpg",}',
    good='{"name":"img_1","extension":".jpg"}',
    blocks_fixes=True,
)
BLANK_LINE = rule(
    "CVAT004", "cvat-blank-line", "cvat", "warning", True,
    "A blank line between records.",
    why="""
CVAT's index builder skips blank lines between records, but other JSON Lines readers do not,
and CVAT's own tool never writes them. (A blank line in or directly after the header is
CVAT102, an error.) `fix` deletes it.
""",
    bad='{"name":"a","extension":".jpg",...}\n\n{"name":"b","extension":".jpg",...}',
    good='{"name":"a","extension":".jpg",...}\n{"name":"b","extension":".jpg",...}',
)
EMPTY_FILE = rule(
    "CVAT005", "cvat-empty-file", "cvat", "error", False,
    "The manifest is empty.",
    why="""
An empty `manifest.jsonl` has no header, so CVAT rejects it ("Invalid manifest was
uploaded"). Usually a generator failed or the wrong file was committed.
""",
    bad="(an empty file, or only blank lines)",
    good='{"version":"1.1"}\n{"type":"images"}\n{"name":"a","extension":".jpg",...}',
)
NON_CANONICAL = rule(
    "CVAT006", "cvat-non-canonical", "cvat", "warning", True,
    "A line is not written the way CVAT writes it (compact, ASCII-escaped, key order).",
    why="""
CVAT's tool writes every line with `json.dumps(obj, separators=(',', ':'))`: no spaces,
non-ASCII escaped as `\\uXXXX`, keys in the order `name, extension, width, height, meta,
checksum` (video: `number, pts, checksum`; properties: `name, resolution, length`). CVAT
reads other spellings too, but a manifest in canonical form diffs cleanly against a
regenerated one and is byte-identical to what `create cvat` writes. `fix` rewrites the line
(same data, canonical form).
""",
    bad='{"name": "img_1", "width": 640, "extension": ".jpg", "height": 480}',
    good='{"name":"img_1","extension":".jpg","width":640,"height":480}',
)
LINE_TERMINATOR = rule(
    "CVAT007", "cvat-line-terminator", "cvat", "warning", True,
    "Lines end with CRLF or CR, or the last line has no newline.",
    why="""
CVAT writes LF line endings and a final newline. CVAT tolerates CRLF, but tools that append
records or compute offsets (`index.json`) expect LF, and a missing final newline glues the
next appended record onto the last one. `fix` converts to LF and adds the final newline.
""",
    bad='{"version":"1.1"}\\r\\n{"type":"images"}\\r\\n...  (no newline at the end)',
    good='{"version":"1.1"}\\n{"type":"images"}\\n...\\n',
)
LONE_SURROGATE = rule(
    "CVAT008", "cvat-lone-surrogate", "cvat", "error", False,
    "A string holds a lone surrogate (`\\ud800`-`\\udfff` with no partner) that is not a "
    "non-UTF-8 file name.",
    why="""
A lone surrogate is not a character. Python's `json` (CVAT's reader) accepts one, but no
file name can hold it and most other JSON readers (orjson, Rust, Go, browsers) reject the
whole line. The one legitimate use is in a record's `name`, `extension` or related images:
CVAT's tool writes the bytes of a file name that is not UTF-8 as `\\udc80`-`\\udcff` (see
CVAT210). Anywhere else, or any other surrogate, is a broken value: a character above
U+FFFF cut in half, or a reversed pair. `fix` leaves the line alone: write the character it
should be (a pair `\\ud83d\\ude00` for characters above U+FFFF) or regenerate the manifest.
""",
    bad='{"name":"img_\\ud83d","extension":".jpg",...}   (half of a pair)',
    good='{"name":"img_\\ud83d\\ude00","extension":".jpg",...}   (the whole pair: U+1F600)',
)

# --------------------------------------------------------------------- header

VERSION = rule(
    "CVAT101", "cvat-version", "cvat", "error", True,
    'Line 1 is not {"version": "1.0"} or {"version": "1.1"} (a string).',
    why="""
CVAT reads the version from line 1 exactly and accepts only the strings "1.0" and "1.1"; a
number (`1.1`), another version, a header that puts version and type on one line, or a
missing version line makes it reject the manifest. `fix` repairs a numeric or padded
version, splits a combined header and inserts a missing version line in front of a valid
type line.
""",
    bad='{"version":1.1}\n{"type":"images"}',
    good='{"version":"1.1"}\n{"type":"images"}',
    fix_note="A version CVAT does not know (e.g. \"2.0\") needs a decision and is not fixed.",
)
HEADER_BLANK = rule(
    "CVAT102", "cvat-blank-line-in-header", "cvat", "error", True,
    "A blank line in the header or directly after it.",
    why="""
CVAT reads the header by position (line 1 version, line 2 type, line 3 video properties)
and its structure check parses the line right after the header as the first record, so a
blank line there makes CVAT reject the manifest. `fix` deletes it.
""",
    bad='{"version":"1.1"}\n{"type":"images"}\n\n{"name":"a","extension":".jpg",...}',
    good='{"version":"1.1"}\n{"type":"images"}\n{"name":"a","extension":".jpg",...}',
)
TYPE = rule(
    "CVAT103", "cvat-type", "cvat", "error", False,
    'Line 2 is not {"type": "images"} or {"type": "video"}.',
    why="""
CVAT reads the manifest type from line 2 and knows only "images" (2D images and 3D point
clouds) and "video"; anything else is rejected as "Incorrect type field".
""",
    bad='{"version":"1.1"}\n{"type":"image"}',
    good='{"version":"1.1"}\n{"type":"images"}',
)
VIDEO_PROPERTIES = rule(
    "CVAT104", "cvat-video-properties", "cvat", "error", True,
    "Line 3 of a video manifest is not a valid properties object.",
    why="""
A video manifest's line 3 must be `{"properties":{"name":...,"resolution":[w,h],
"length":n}}`: `name` the video's file name (no folders), `resolution` two positive integers,
`length` the number of frames (> 0). CVAT rejects the manifest otherwise and trusts these
values for the task's size and frame count. Extra properties (e.g. `chapters`) are allowed.
With the video reachable, `fix` recomputes the properties.
""",
    bad='{"properties":{"name":"clip.mp4","resolution":"64x48","length":0}}',
    good='{"properties":{"name":"clip.mp4","resolution":[64,48],"length":40}}',
)
NO_RECORDS = rule(
    "CVAT105", "cvat-no-records", "cvat", "error", False,
    "The manifest has a header but no records.",
    why="""
CVAT's structure check parses the first record after the header; a header-only manifest is
"not a manifest" and is rejected. A video without any usable key frame cannot have a
manifest at all.
""",
    bad='{"version":"1.1"}\n{"type":"images"}',
    good='{"version":"1.1"}\n{"type":"images"}\n{"name":"a","extension":".jpg",...}',
)

# --------------------------------------------------------------------- image records

IMAGE_NAME_REQUIRED = rule(
    "CVAT201", "cvat-image-name-required", "cvat", "error", False,
    "An image record has no string `name` or `extension`.",
    why="""
CVAT matches frames to records by `name + extension`, and its reader fails with "'name' is
required, but not found" when either is missing. A video key-frame record in an images
manifest (or a video manifest attached as a dataset manifest) shows up here too.
""",
    bad='{"name":"img_1.jpg","width":640,"height":480}',
    good='{"name":"img_1","extension":".jpg","width":640,"height":480}',
)
IMAGE_SIZE_FIELD = rule(
    "CVAT202", "cvat-image-size-field", "cvat", "error", True,
    "A 2D image record has no positive integer `width` and `height`.",
    why="""
CVAT uses `width`/`height` from the manifest for 2D tasks; for cloud-storage data it fails
with "Can't find image ... width or height info in the manifest", and chunk sizes are
computed from them. Only 3D point-cloud records (`.pcd`) may omit them. With the images
reachable, `fix` fills them in.
""",
    bad='{"name":"img_1","extension":".jpg","width":"640"}',
    good='{"name":"img_1","extension":".jpg","width":640,"height":480}',
)
IMAGE_META = rule(
    "CVAT203", "cvat-image-meta", "cvat", "error", True,
    "`meta` is not an object whose `related_images` is a list of relative paths.",
    why="""
CVAT reads `meta.related_images` as the list of context images of a frame, as paths
relative to the manifest's folder. Another type, or an absolute or `..` path, makes CVAT
fail or look outside the dataset. With the images reachable, `fix` recomputes the list from
the `related_images/<name>_<ext>/` folder.
""",
    bad='{"name":"a","extension":".jpg","width":8,"height":8,"meta":{"related_images":"ctx.jpg"}}',
    good='{"name":"a","extension":".jpg","width":8,"height":8,'
         '"meta":{"related_images":["related_images/a_jpg/ctx.jpg"]}}',
)
RELATED_ORDER = rule(
    "CVAT209", "cvat-related-images-order", "cvat", "warning", True,
    "`meta.related_images` is not sorted, or lists a path twice.",
    why="""
CVAT's tool writes the context images of a frame as a sorted list without repeats, and
CVAT shows them in that order. Another order or a repeated path is not what the tool writes
for the same files (so a regenerated manifest differs) and a repeat shows the same context
image twice. `fix` sorts the list and drops the repeats.
""",
    bad='{"name":"a",...,"meta":{"related_images":["related_images/a_jpg/r.jpg",'
        '"related_images/a_jpg/l.jpg"]},...}',
    good='{"name":"a",...,"meta":{"related_images":["related_images/a_jpg/l.jpg",'
         '"related_images/a_jpg/r.jpg"]},...}',
)
CHECKSUM_FORMAT = rule(
    "CVAT204", "cvat-checksum-format", "cvat", "error", True,
    "`checksum` is not 32 lowercase hexadecimal digits (an md5).",
    why="""
CVAT compares `checksum` with the md5 it computes of the decoded pixels (`hexdigest()`,
lowercase); any other value never matches, so CVAT cannot verify the data. `fix` lowercases
uppercase hex; with `--deep` and the media reachable it recomputes the checksum.
""",
    bad='{"name":"a","extension":".jpg",...,"checksum":"D41D8CD98F00B204E9800998ECF8427E"}',
    good='{"name":"a","extension":".jpg",...,"checksum":"d41d8cd98f00b204e9800998ecf8427e"}',
)
MISSING_CHECKSUM = rule(
    "CVAT205", "cvat-missing-checksum", "cvat", "warning", True,
    "A record has no `checksum`.",
    why="""
CVAT cannot verify cloud-storage data without the checksum (it only logs "A manifest file
does not contain checksum"), so silently changed images go unnoticed. CVAT's tool always
writes it for 2D images and video key frames (point clouds have none). `fix` computes
it from the media (with or without `--deep`); it is reported fixable whenever the image is
reachable, whatever the media cache holds.
""",
    bad='{"name":"a","extension":".jpg","width":8,"height":8,"meta":{"related_images":[]}}',
    good='{"name":"a","extension":".jpg","width":8,"height":8,"meta":{"related_images":[]},'
         '"checksum":"0f343b0931126a20f133d67c2b018a3b"}',
    fix_note="Needs the media: `fix` decodes the image (the checksum is an md5 of its pixels).",
)
DUPLICATE = rule(
    "CVAT206", "cvat-duplicate-image", "cvat", "error", False,
    "Two records name the same file (`name` + `extension`).",
    why="""
CVAT maps frame i to record i by `name + extension`; a file listed twice makes the manifest
and the uploaded files disagree ("Uploaded files do no match the upload manifest file
contents") or makes two frames show the same image. Delete one of the records.
""",
    bad='{"name":"a","extension":".jpg",...}\n{"name":"a","extension":".jpg",...}',
    good='{"name":"a","extension":".jpg",...}\n{"name":"b","extension":".jpg",...}',
)
NAME_EXTENSION = rule(
    "CVAT207", "cvat-name-includes-extension", "cvat", "error", False,
    "`name` ends with its own extension, or `extension` is not a dot suffix.",
    why="""
CVAT's tool splits the relative path with `os.path.splitext`: `name` has no extension and
`extension` starts with a dot (or is empty). A record like `{"name":"a.jpg",
"extension":".jpg"}` refers to `a.jpg.jpg`, and `"extension":"jpg"` to `ajpg`, so CVAT does
not find the file. (When the media are reachable and such a file really exists, nothing is
reported.)
""",
    bad='{"name":"img_1.jpg","extension":".jpg",...}',
    good='{"name":"img_1","extension":".jpg",...}',
)
UNSAFE_NAME = rule(
    "CVAT208", "cvat-unsafe-name", "cvat", "error", True,
    "`name` is not a clean relative path (backslash, leading `/` or `~`, `..`, control chars).",
    why="""
Names are paths relative to the manifest's folder with `/` separators. A backslash does not
match the file on Linux servers, an absolute or `~` path, a `..`, `.` or empty segment points
elsewhere or never matches CVAT's file list, and control characters (NUL, newline) cannot be
file names. manifest-lint never opens such paths. `fix` turns backslashes into `/`; the rest
needs a decision.
""",
    bad='{"name":"..\\\\images\\\\img_1","extension":".jpg",...}',
    good='{"name":"images/img_1","extension":".jpg",...}',
)
NAME_NOT_UTF8 = rule(
    "CVAT210", "cvat-name-not-utf8", "cvat", "warning", False,
    "A file name is not UTF-8: the record carries Python's escapes for its bytes.",
    why="""
CVAT's tool decodes file names with Python's `surrogateescape`, so a Latin-1 name such as
the bytes `caf\\xe9.png` becomes `"caf\\udce9"`. CVAT finds that file on the machine that
made the manifest, and manifest-lint checks the media through the same bytes. But the name
does not survive a copy to S3 or another cloud store (object keys are UTF-8), a zip
archive or another OS, and most JSON readers reject the line. Rename the file to UTF-8
(e.g. `convmv -f latin1 -t utf8`) and regenerate the manifest.
""",
    bad='{"name":"caf\\udce9","extension":".png",...}   (the file is named b"caf\\xe9.png")',
    good='{"name":"caf\\u00e9","extension":".png",...}   (the file renamed to UTF-8 "café.png")',
)

# --------------------------------------------------------------------- video records

KEY_FRAME_FIELDS = rule(
    "CVAT301", "cvat-key-frame-fields", "cvat", "error", False,
    "A video record has no integer `number` (>= 0) and `pts`.",
    why="""
A video manifest lists key frames as `{"number":frame index,"pts":presentation timestamp,
"checksum":md5}`. CVAT's reader requires integer `number` and `pts` ("'number' is required")
and seeks to `pts` to decode frame `number`; a string or float is rejected. An image record
in a video manifest shows up here too.
""",
    bad='{"number":"10","pts":5120.0,"checksum":"..."}',
    good='{"number":10,"pts":5120,"checksum":"..."}',
)
FRAME_ORDER = rule(
    "CVAT302", "cvat-frame-number-order", "cvat", "error", False,
    "Key-frame `number`s are not strictly increasing.",
    why="""
CVAT bisects on `number` to find the key frame before a requested frame and its validator
rejects the manifest with "Invalid saved key frames sequence in manifest file". Records must
be in frame order without repeats.
""",
    bad='{"number":20,"pts":10240,...}\n{"number":10,"pts":5120,...}',
    good='{"number":10,"pts":5120,...}\n{"number":20,"pts":10240,...}',
)
PTS_ORDER = rule(
    "CVAT303", "cvat-pts-order", "cvat", "error", False,
    "Key-frame `pts` values are not strictly increasing.",
    why="""
Presentation timestamps grow with the frame number in every video CVAT accepts (its tool
refuses videos with "non-increasing PTS"). A record whose `pts` does not grow points at the
wrong frame: CVAT seeks there and then counts frames from `number`, silently showing the
wrong picture.
""",
    bad='{"number":10,"pts":5120,...}\n{"number":20,"pts":5120,...}',
    good='{"number":10,"pts":5120,...}\n{"number":20,"pts":10240,...}',
)
FRAME_RANGE = rule(
    "CVAT304", "cvat-frame-number-range", "cvat", "error", False,
    "A key-frame `number` is not below the video's `length`.",
    why="""
Frame numbers are 0-based indexes of decoded frames, so every `number` must be smaller than
`properties.length`. A larger one means the properties or the records belong to another
video.
""",
    bad='{"properties":{"name":"clip.mp4","resolution":[64,48],"length":40}}\n'
        '{"number":40,"pts":20480,...}',
    good='{"properties":{"name":"clip.mp4","resolution":[64,48],"length":40}}\n'
         '{"number":30,"pts":15360,...}',
)


# The media (CVAT4xx) and --deep (CVAT5xx) rules live beside this module; they are names
# of this one too, so that `R.MISSING_MEDIA` works wherever `R` is this module.
from manifest_lint.kinds.cvat.rules_media import (  # noqa: E402
    BAD_KEY_FRAME,
    CHECKSUM_MISMATCH,
    LARGE_IMAGE,
    MISSING_KEY_FRAMES,
    MISSING_MEDIA,
    MISSING_RELATED,
    OUTSIDE_ROOT,
    SIZE_MISMATCH,
    SORT_ORDER,
    UNLISTED_MEDIA,
    UNREADABLE_MEDIA,
    VIDEO_LENGTH,
    VIDEO_NAME,
    VIDEO_RESOLUTION,
)

__all__ = [
    "BAD_KEY_FRAME", "BLANK_LINE", "BOM", "CHECKSUM_FORMAT", "CHECKSUM_MISMATCH", "DUPLICATE",
    "EMPTY_FILE", "ENCODING", "FRAME_ORDER", "FRAME_RANGE", "HEADER_BLANK", "IMAGE_META",
    "IMAGE_NAME_REQUIRED", "IMAGE_SIZE_FIELD", "INVALID_JSON", "KEY_FRAME_FIELDS",
    "LARGE_IMAGE", "LINE_TERMINATOR", "LONE_SURROGATE", "MISSING_CHECKSUM",
    "MISSING_KEY_FRAMES", "MISSING_MEDIA", "MISSING_RELATED", "NAME_EXTENSION", "NAME_NOT_UTF8",
    "NON_CANONICAL",
    "NO_RECORDS", "OUTSIDE_ROOT", "PTS_ORDER", "RELATED_ORDER", "SIZE_MISMATCH", "SORT_ORDER",
    "TYPE", "UNLISTED_MEDIA", "UNREADABLE_MEDIA", "UNSAFE_NAME", "VERSION", "VIDEO_LENGTH",
    "VIDEO_NAME", "VIDEO_PROPERTIES", "VIDEO_RESOLUTION",
]
