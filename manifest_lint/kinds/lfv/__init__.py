"""Lookout for Vision / Ground Truth manifests (JSON Lines, one object per image)."""

from manifest_lint.kinds import KindSpec

SPEC = KindSpec(
    name="lfv",
    title="Lookout for Vision / Ground Truth manifest",
    checker="manifest_lint.kinds.lfv.check:check",
    options={},
)
