"""Slugs kept between builds."""

from __future__ import annotations


def test_slugs_kept_between_builds_are_used_under_the_same_versions_only(tmp_path, monkeypatch):
    import slugify

    from generator import ids

    path = tmp_path / "slugs.pickle"
    monkeypatch.setattr(ids, "_SLUGS", {})
    cache = ids.SlugCache(path)
    assert ids.author_id("Zoë Müller-Lüdenscheidt") == "zoe-muller-ludenscheidt"
    cache.save()
    monkeypatch.setattr(ids, "_SLUGS", {})

    def no_slugify(*_a, **_k):
        raise AssertionError("slugified again")

    monkeypatch.setattr(ids, "_slugify", no_slugify)
    ids.SlugCache(path)
    assert ids.author_id("Zoë Müller-Lüdenscheidt") == "zoe-muller-ludenscheidt"  # from the kept table
    monkeypatch.setattr(ids, "_SLUGS", {})
    monkeypatch.setattr(slugify, "__version__", "0.0.0-other")
    ids.SlugCache(path)  # another python-slugify: the kept slugs are not trusted
    assert ids._SLUGS == {}
