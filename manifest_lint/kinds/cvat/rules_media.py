"""Rules for the media of CVAT manifests: CVAT4xx (existence, sizes, related images,
unlisted files, order, video properties) and CVAT5xx ``--deep`` checks. Import them through
:mod:`manifest_lint.kinds.cvat.rules`."""

from manifest_lint.rules import rule

# --------------------------------------------------------------------- media

MISSING_MEDIA = rule(
    "CVAT401", "cvat-missing-media", "cvat", "error", False,
    "A file the manifest refers to does not exist.",
    why="""
Media are resolved relative to the manifest's folder (or `--media-root`), as CVAT does.
A missing image makes CVAT fail with "Uploaded files do no match the upload manifest file
contents" or, for cloud storage, leaves a frame without data; a missing video means the
manifest cannot be checked or used.
""",
    bad='{"name":"img_9","extension":".jpg",...}   (no img_9.jpg next to the manifest)',
    good='{"name":"img_1","extension":".jpg",...}   (img_1.jpg exists)',
)
UNLISTED_MEDIA = rule(
    "CVAT402", "cvat-unlisted-media", "cvat", "warning", True,
    "An image in the manifest's folder is not listed in the manifest.",
    why="""
CVAT's tool lists every image below the folder (context images under `related_images/`
in the `meta` of their image). An image the manifest does not list is not part of the task,
and uploading the folder with the manifest fails the file/manifest match. `fix` adds context
images to their image's `meta.related_images`; other files need a decision (regenerate with
`create cvat`, or move the file).
""",
    bad="images/: a.jpg b.jpg   manifest lists a.jpg only",
    good="images/: a.jpg b.jpg   manifest lists a.jpg and b.jpg",
)
SIZE_MISMATCH = rule(
    "CVAT403", "cvat-image-size-mismatch", "cvat", "error", True,
    "`width`/`height` are not the image's size (after CVAT's EXIF-orientation swap).",
    why="""
CVAT takes the frame size from the manifest, so wrong values misplace or clip annotations.
CVAT's tool records `Image.size` and swaps width and height when the EXIF orientation is 5-8.
`fix` writes the image's real size.
""",
    bad='{"name":"a","extension":".jpg","width":640,"height":480,...}   (a.jpg is 480x640)',
    good='{"name":"a","extension":".jpg","width":480,"height":640,...}',
)
MISSING_RELATED = rule(
    "CVAT404", "cvat-missing-related-image", "cvat", "error", True,
    "A context image listed in `meta.related_images` does not exist.",
    why="""
CVAT loads context images from the listed paths (relative to the manifest's folder); a
missing one breaks the task's context view or its creation. `fix` rewrites the list from the
context images that exist in `related_images/<name>_<ext>/`.
""",
    bad='"meta":{"related_images":["related_images/a_jpg/gone.jpg"]}',
    good='"meta":{"related_images":["related_images/a_jpg/ctx.jpg"]}',
)
SORT_ORDER = rule(
    "CVAT405", "cvat-sort-order", "cvat", "warning", False,
    "Records are not in the order of the configured `sorting`.",
    why="""
CVAT maps frame i to record i: a manifest used with lexicographical or natural sorting must
already be in that order, or task creation fails with "Incorrect file mapping to manifest
content". Set `sorting` under `[tool.manifest-lint.cvat]` to the sorting method your tasks
use; `predefined` means the manifest's own order is the frame order (not checked).
""",
    bad="sorting = \"lexicographical\":  img_2.jpg, img_10.jpg",
    good="sorting = \"lexicographical\":  img_10.jpg, img_2.jpg",
    fix_note="Reordering changes frame numbers; regenerate with `create cvat --sorting ...`.",
)
VIDEO_NAME = rule(
    "CVAT406", "cvat-video-name", "cvat", "error", True,
    "`properties.name` is not the video's file name.",
    why="""
CVAT's tool writes the video's base name into `properties.name`. When it names another
file, the manifest was made for a different video (or the video was renamed) and its key
frames may not fit. The video is the only one in the manifest's folder. `fix` regenerates the
properties and key frames from it.
""",
    bad='{"properties":{"name":"old.mp4",...}}   (folder holds clip.mp4)',
    good='{"properties":{"name":"clip.mp4",...}}',
)
VIDEO_RESOLUTION = rule(
    "CVAT407", "cvat-video-resolution", "cvat", "error", True,
    "`properties.resolution` is not the video's frame size.",
    why="""
CVAT trusts `resolution` for the task's frame size; a wrong one misplaces annotations or
breaks the player. CVAT's tool reads it from the first decoded frame (rotated by the
`rotate` tag). `fix` regenerates the properties and key frames.
""",
    bad='{"properties":{"name":"clip.mp4","resolution":[1920,1080],"length":40}}  (64x48 video)',
    good='{"properties":{"name":"clip.mp4","resolution":[64,48],"length":40}}',
)
VIDEO_LENGTH = rule(
    "CVAT408", "cvat-video-length", "cvat", "error", True,
    "`properties.length` is not the video's number of frames.",
    why="""
CVAT trusts `length` for the task's frame count: too large and the last frames fail to
decode, too small and frames are silently dropped. CVAT's tool counts decoded frames. `fix`
regenerates the properties and key frames.
""",
    bad='{"properties":{"name":"clip.mp4","resolution":[64,48],"length":50}}  (40 frames)',
    good='{"properties":{"name":"clip.mp4","resolution":[64,48],"length":40}}',
)
UNREADABLE_MEDIA = rule(
    "CVAT409", "cvat-unreadable-media", "cvat", "error", False,
    "A referenced image or video cannot be read or decoded.",
    why="""
A corrupt, truncated, empty or mis-named file cannot be decoded by CVAT either: the frame
fails at task creation or shows as an error in the player. Re-export the file.
""",
    bad="img_1.jpg: 0 bytes / truncated JPEG / a text file named .jpg",
    good="img_1.jpg: a complete JPEG",
)
OUTSIDE_ROOT = rule(
    "CVAT410", "cvat-media-outside-root", "cvat", "error", False,
    "A referenced file is a symbolic link that leads outside the media folder.",
    why="""
Only with `links = "inside"` in `[tool.manifest-lint.cvat]`. By default links are followed
as CVAT's tool follows them (a DVC or git-annex dataset is links into a cache). Opt in when
the dataset is uploaded or synced by a tool that does not follow links out of the folder:
the frame would be missing there. manifest-lint does not open such files then. Names in
the manifest are always guarded (`..`, absolute paths and `~`: CVAT208, CVAT203).
""",
    bad="images/a.jpg -> /home/me/other/a.jpg",
    good="images/a.jpg (a regular file below the manifest's folder)",
)

LARGE_IMAGE = rule(
    "CVAT411", "cvat-large-image", "cvat", "warning", False,
    "An image has more pixels than Pillow's `MAX_IMAGE_PIXELS` (up to twice that).",
    why="""
Pillow (which CVAT's tool and server decode with) only warns about images between
`MAX_IMAGE_PIXELS` (89,478,485 pixels by default) and twice that, so CVAT writes them in the
manifest and accepts them, but decoding takes a lot of memory and a server with a lower
limit refuses them. Past twice the limit Pillow refuses the image (a possible
decompression bomb): CVAT409.
""",
    bad="scan.png: 10000x10000 (100,000,000 pixels)",
    good="scan.png: 8000x8000, or tiles of it",
)

# --------------------------------------------------------------------- --deep

CHECKSUM_MISMATCH = rule(
    "CVAT501", "cvat-checksum-mismatch", "cvat", "error", True,
    "`checksum` is not the md5 of the decoded pixels (with `--deep`).",
    why="""
CVAT computes `md5(PIL.Image.open(f).tobytes())` for images and
`md5(frame.to_image().tobytes())` for video key frames. A different value means the file
changed after the manifest was made (or the manifest hashed the file bytes, as some
third-party tools do), so CVAT's integrity check fails. `fix --deep` writes the right
checksum. JPEG checksums depend on the decoder build; compare with the same Pillow.
""",
    bad='{"name":"a","extension":".png",...,"checksum":"(md5 of the file bytes)"}',
    good='{"name":"a","extension":".png",...,"checksum":"(md5 of the decoded pixels)"}',
)
BAD_KEY_FRAME = rule(
    "CVAT502", "cvat-bad-key-frame", "cvat", "error", True,
    "A key-frame record does not seek back to its frame (with `--deep`).",
    why="""
CVAT seeks to a record's `pts`, then decodes forward counting frames from its `number`.
If seeking to `pts` lands on another frame, or `number` is not the index of the frame with
that `pts`, every frame after it is silently shifted; CVAT's validator rejects records whose
`pts` does not decode back ("The uploaded manifest does not match the video"). `fix --deep`
regenerates the key frames.
""",
    bad='{"number":11,"pts":5120,...}   (pts 5120 is frame 10)',
    good='{"number":10,"pts":5120,...}',
)
MISSING_KEY_FRAMES = rule(
    "CVAT503", "cvat-missing-key-frames", "cvat", "warning", True,
    "The video has usable key frames that the manifest does not list (with `--deep`).",
    why="""
CVAT seeks only to listed key frames, so every missing one makes random access decode more
frames (slower playback and chunk building); CVAT's tool lists all of them. `fix --deep`
regenerates the key frames.
""",
    bad='{"number":0,...}\n{"number":20,...}   (frame 10 is a usable key frame too)',
    good='{"number":0,...}\n{"number":10,...}\n{"number":20,...}',
)
