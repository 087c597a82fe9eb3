"""Make ``ansible_collections.fediverse.deploy`` importable when pytest runs from a plain checkout.

``ansible-test units`` (``make units``) already runs inside an ``ansible_collections/fediverse/deploy``
tree and needs none of this; ``make units-fast`` runs pytest straight from the checkout, where the
repository root is the collection root but not under such a path. A link under ``.cache`` gives it one.
"""

from __future__ import annotations

import os
import sys

try:
    import ansible_collections.fediverse.deploy  # noqa: F401  pylint: disable=unused-import
except ImportError:
    _ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    _TREE = os.path.join(_ROOT, ".cache", "pytest-collections")
    _LINK = os.path.join(_TREE, "ansible_collections", "fediverse", "deploy")
    if not os.path.islink(_LINK):
        os.makedirs(os.path.dirname(_LINK), exist_ok=True)
        os.symlink(_ROOT, _LINK)
    import ansible
    from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder

    # The `ansible` package's bundled collections (community.docker, ...) stay visible next to ours.
    _BUNDLED = os.path.dirname(os.path.dirname(ansible.__file__))
    # The failed import above left the plain namespace package in sys.modules; the finder replaces it.
    for _name in [m for m in sys.modules if m == "ansible_collections" or m.startswith("ansible_collections.")]:
        del sys.modules[_name]
    _AnsibleCollectionFinder(paths=[_TREE, _BUNDLED])._install()  # pylint: disable=protected-access
