"""Hubcity's matching library: embeddings, index documents, search backends, the matching service.

A library of its own (DESIGN.md §2, §5): it never imports ``hubcity``, ``litestar`` or ``piccolo``
(an import-linter contract in ``pyproject.toml`` checks this). The platform reaches it only
through ``hubcity.matches`` and the composition root.
"""
