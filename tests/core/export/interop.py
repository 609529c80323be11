"""Checkers of other tools' formats, from the published schemas under tests/data/schemas/.

No network: the W3C assertions' `$ref`s resolve to the vendored definitions files, the
REFI-QDA schema is a local XSD, the CSL styles are local files (see PROVENANCE.md).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import jsonschema
from lxml import etree
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from tests.conftest import PROJECT_ROOT

SCHEMAS = PROJECT_ROOT / "tests" / "data" / "schemas"
W3C = SCHEMAS / "web-annotation-tests"
MUST_TESTS = {
    "annotation": W3C / "annotations" / "annotationMusts.test",
    "collection": W3C / "collections" / "collectionMusts.test",
    "page": W3C / "collections" / "pages" / "pageMusts.test",
}
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s]*$")

FORMATS = jsonschema.FormatChecker()


@FORMATS.checks("uri")
def _is_uri(value: object) -> bool:
    """RFC 3986's absolute URI: a scheme, a colon, no white space (jsonschema checks
    'uri' only with an optional package, so the assertions' format tests run here)."""
    return not isinstance(value, str) or bool(_URI.match(value))


@cache
def _w3c_registry() -> Registry:
    """Every definitions file and assertion, under the bare names their `id`s give."""
    resources = []
    for path in W3C.rglob("*.json"):
        schema = json.loads(path.read_text(encoding="utf-8"))
        resources.append((schema.get("id", path.name),
                          Resource.from_contents(schema, default_specification=DRAFT4)))
    return Registry().with_resources(resources)


def must_assertions(kind: str) -> list[tuple[str, dict]]:
    """(file, schema) of each "must" assertion the W3C test lists for `kind`."""
    listing = json.loads(MUST_TESTS[kind].read_text(encoding="utf-8"))
    found = []
    for name in listing["assertions"]:
        schema = json.loads((W3C / name).read_text(encoding="utf-8"))
        found.append((name, schema))
    return found


SELECTOR_ASSERTIONS = ("annotations/specificResource/4.2-selectorValidIfPresent.json",
                       "annotations/specificResource/4.2-fragmentCssXPathSelectorValid.json")
"""The W3C's checks of selectors (model §4.2), beyond the annotation's musts."""


def selector_assertions() -> list[tuple[str, dict]]:
    return [(name, json.loads((W3C / name).read_text(encoding="utf-8")))
            for name in SELECTOR_ASSERTIONS]


def w3c_failures(kind: str, data: dict) -> list[str]:
    """The messages of the "must" assertions `data` fails ([] when it passes them all);
    kind "selectors" runs the selector checks of SELECTOR_ASSERTIONS."""
    failures = []
    assertions = selector_assertions() if kind == "selectors" else must_assertions(kind)
    for name, schema in assertions:
        validator = jsonschema.Draft4Validator(schema, registry=_w3c_registry(),
                                               format_checker=FORMATS)
        valid = validator.is_valid(data)
        if valid != (schema.get("expectedResult", "valid") == "valid"):
            failures.append(f"{name}: {schema.get('errorMessage', schema.get('title'))}")
    return failures


@cache
def _csl_validator() -> jsonschema.protocols.Validator:
    schema = json.loads((SCHEMAS / "csl" / "csl-data.json").read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=FORMATS)


def csl_errors(items: list) -> list[str]:
    """What CSL's csl-data.json schema says is wrong with the items."""
    return [f"{list(e.path)}: {e.message}" for e in _csl_validator().iter_errors(items)]


@cache
def _refi_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "refi-qda" / "Project-mrt2019.xsd")))


def refi_errors(project_qde: bytes) -> list[str]:
    """What REFI-QDA's Project.xsd says is wrong with a project.qde."""
    schema = _refi_schema()
    document = etree.fromstring(project_qde)
    if schema.validate(document):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


CSL_STYLES = {"apa": SCHEMAS / "csl" / "apa.csl",
              "chicago": SCHEMAS / "csl" / "chicago-author-date.csl",
              "harvard": "harvard-cite-them-right"}
"""The styles every CSL item is formatted in; Harvard is the one citeproc-py ships."""


def csl_bibliography(items: list[dict], style: str | Path) -> list[str]:
    """The items as citeproc-py prints them in a style's bibliography (plain text)."""
    from citeproc import (
        Citation,
        CitationItem,
        CitationStylesBibliography,
        CitationStylesStyle,
        formatter,
    )
    from citeproc.source.json import CiteProcJSON

    styles = CitationStylesStyle(str(style), validate=False)
    bibliography = CitationStylesBibliography(styles, CiteProcJSON(items), formatter.plain)
    for item in items:
        bibliography.register(Citation([CitationItem(item["id"])]))
    return [str(entry) for entry in bibliography.bibliography()]


def csl_citation(items: list[dict], key: str, style: str | Path, page: str = "") -> str:
    """One in-text citation of item `key` as citeproc-py prints it, with a page locator."""
    from citeproc import (
        Citation,
        CitationItem,
        CitationStylesBibliography,
        CitationStylesStyle,
        Locator,
        formatter,
    )
    from citeproc.source.json import CiteProcJSON

    styles = CitationStylesStyle(str(style), validate=False)
    bibliography = CitationStylesBibliography(styles, CiteProcJSON(items), formatter.plain)
    cited = Citation([CitationItem(key, locator=Locator("page", page)) if page
                      else CitationItem(key)])
    bibliography.register(cited)
    return str(bibliography.cite(cited, lambda item: None))
