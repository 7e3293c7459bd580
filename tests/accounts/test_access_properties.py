"""Properties of the access layer's path arithmetic, checked on generated trees."""

from hypothesis import given
from hypothesis import strategies as st

from zhiyuan.organizations.access import _minimal_prefixes, after_subtree

STEP = 4
steps = st.sampled_from(["0001", "0002", "0003", "000A"])
paths = st.lists(steps, min_size=1, max_size=4).map("".join)


@given(st.lists(paths, max_size=12), st.lists(paths, max_size=30))
def test_minimal_prefixes_cover_exactly_the_same_nodes(
    role_paths: list[str], nodes: list[str]
) -> None:
    kept = _minimal_prefixes(role_paths)
    for node in nodes:
        covered_before = any(node.startswith(p) for p in role_paths)
        covered_after = any(node.startswith(p) for p in kept)
        assert covered_before == covered_after
    # minimal: no kept prefix lies inside another, and each comes from the input
    assert all(not a.startswith(b) for a in kept for b in kept if a != b)
    assert set(kept) <= set(role_paths)
    assert kept == sorted(kept)


tree_paths = st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=12)


@given(tree_paths, tree_paths)
def test_the_range_of_a_subtree_holds_exactly_the_paths_that_start_with_it(
    prefix: str, path: str
) -> None:
    """`scope` reads a copied path as `prefix <= path < after_subtree(prefix)` (an index range)
    where it read `path.startswith(prefix)`: the two agree on every path of the tree's
    alphabet, in byte order (SQLite's, and PostgreSQL's under the C collation)."""
    assert (prefix <= path < after_subtree(prefix)) == path.startswith(prefix)
    assert (prefix <= prefix + path < after_subtree(prefix)) is True
