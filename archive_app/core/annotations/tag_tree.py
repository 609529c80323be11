"""Hierarchical tags ('people/witnesses') as a tree with counts, and tag lists typed as text.

A tag name with '/' sits under its parents. A parent need not be a tag itself: with only
'people/victims' in the store, 'people' is a node without colour or annotations of its
own, there to group its children (renaming it renames the children, as the store does).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from archive_app.core.annotations.records import (
    MAX_TAG_DEPTH,
    AnnotationError,
    TagInfo,
    clean_tag,
    tidy_tag,
)


@dataclass
class TagNode:
    name: str
    """The full name, 'people/witnesses'."""
    label: str
    """The last part, 'witnesses' (below the depth limit: all the parts left, see
    `build_tag_tree`)."""
    color: str | None = None
    """None when the node only groups sub-tags and is not a tag itself."""
    count: int = 0
    """Annotations carrying exactly this tag."""
    children: list[TagNode] = field(default_factory=list)
    total: int = 0
    """Uses of this tag and of every tag below it (what `tag:NAME` searches for)."""

    @property
    def is_tag(self) -> bool:
        return self.color is not None


def build_tag_tree(tags: Iterable[TagInfo]) -> list[TagNode]:
    """The roots of the tag hierarchy, each level sorted case-insensitively.

    Nothing here recurses, and the tree is at most MAX_TAG_DEPTH levels deep: a tag
    stored before the limits existed (20,000 levels, say) keeps the rest of its name in
    the label of its node at the last level, so neither this nor the Tags dock can be
    driven into a RecursionError or a tree of thousands of levels.
    """
    roots: list[TagNode] = []
    nodes: dict[str, TagNode] = {}
    for tag in tags:
        siblings, path, node = roots, "", None
        for part in _levels(tag.name):
            path = f"{path}/{part}" if path else part
            node = nodes.get(path.casefold())
            if node is None:
                node = nodes[path.casefold()] = TagNode(path, part)
                siblings.append(node)
            siblings, path = node.children, node.name
        if node is not None:
            node.color, node.count = tag.color, tag.count
    ordered = list(walk(roots))
    for node in reversed(ordered):  # children before their parents
        node.children.sort(key=lambda child: child.label.casefold())
        node.total = node.count + sum(child.total for child in node.children)
    roots.sort(key=lambda node: node.label.casefold())
    return roots


def _levels(name: str) -> list[str]:
    """A name's parts, the ones beyond the depth limit kept together in the last."""
    parts = name.split("/", MAX_TAG_DEPTH - 1)
    return [part for part in parts if part]


def walk(nodes: list[TagNode]) -> Iterator[TagNode]:
    """Every node, parents before their children (depth first, in order; no recursion)."""
    stack = list(reversed(nodes))
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.children))


def parse_tags(text: str) -> list[str]:
    """'witness, people / victims,, Witness' -> ['witness', 'people/victims'].

    Empty entries are skipped and a repeat (in any case) is dropped, as the store would.
    An entry beyond the limits (too deep, too long) is kept as typed, so that the store
    refuses it with its message instead of it vanishing without a word.
    """
    names: dict[str, str] = {}
    for entry in text.split(","):
        try:
            name = clean_tag(entry)
        except AnnotationError:
            name = tidy_tag(entry)
            if not name:
                continue
        names.setdefault(name.casefold(), name)
    return list(names.values())


def format_tags(names: Iterable[str]) -> str:
    """The inverse of `parse_tags`, for a text field."""
    return ", ".join(names)
