"""Hierarchical tags ('people/witnesses') as a tree with counts, and tag lists typed as text.

A tag name with '/' sits under its parents. A parent need not be a tag itself: with only
'people/victims' in the store, 'people' is a node without colour or annotations of its
own, there to group its children (renaming it renames the children, as the store does).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from archive_app.core.annotations import AnnotationError, TagInfo, clean_tag


@dataclass
class TagNode:
    name: str
    """The full name, 'people/witnesses'."""
    label: str
    """The last part, 'witnesses'."""
    color: str | None = None
    """None when the node only groups sub-tags and is not a tag itself."""
    count: int = 0
    """Annotations carrying exactly this tag."""
    children: list[TagNode] = field(default_factory=list)

    @property
    def is_tag(self) -> bool:
        return self.color is not None

    @property
    def total(self) -> int:
        """Uses of this tag and of every tag below it (what `tag:NAME` searches for)."""
        return self.count + sum(child.total for child in self.children)


def build_tag_tree(tags: Iterable[TagInfo]) -> list[TagNode]:
    """The roots of the tag hierarchy, each level sorted case-insensitively."""
    roots: list[TagNode] = []
    nodes: dict[str, TagNode] = {}
    for tag in tags:
        siblings, path = roots, ""
        for part in tag.name.split("/"):
            path = f"{path}/{part}" if path else part
            node = nodes.get(path.casefold())
            if node is None:
                node = nodes[path.casefold()] = TagNode(path, part)
                siblings.append(node)
            siblings, path = node.children, node.name
        node.color, node.count = tag.color, tag.count
    _sort(roots)
    return roots


def _sort(nodes: list[TagNode]) -> None:
    nodes.sort(key=lambda node: node.label.casefold())
    for node in nodes:
        _sort(node.children)


def walk(nodes: list[TagNode]) -> Iterator[TagNode]:
    """Every node, parents before their children."""
    for node in nodes:
        yield node
        yield from walk(node.children)


def parse_tags(text: str) -> list[str]:
    """'witness, people / victims,, Witness' -> ['witness', 'people/victims'].

    Empty entries are skipped and a repeat (in any case) is dropped, as the store would.
    """
    names: dict[str, str] = {}
    for entry in text.split(","):
        try:
            name = clean_tag(entry)
        except AnnotationError:
            continue
        names.setdefault(name.casefold(), name)
    return list(names.values())


def format_tags(names: Iterable[str]) -> str:
    """The inverse of `parse_tags`, for a text field."""
    return ", ".join(names)
