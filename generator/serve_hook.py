"""MkDocs hook used by ``papershelf serve``: regenerate pages before each build."""

from generator.serve import regenerate


def on_pre_build(config, **kwargs):  # noqa: ANN001 - MkDocs' hook signature
    regenerate()
