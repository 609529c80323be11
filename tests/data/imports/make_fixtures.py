"""Writes the fixtures of tests/data/imports/ (see its README).

Run from the project folder: `PYTHONPATH=. python tests/data/imports/make_fixtures.py`.
"""

import json
from pathlib import Path

from tests.core.archive_fixtures import FILES

OUT = Path("tests/data/imports")
CTX = "http://www.w3.org/ns/anno.jsonld"
LIB, ASH, REP = FILES["liberty.txt"], FILES["ashraf.txt"], FILES["code/report.txt"]
URN = {"liberty": "urn:archive-app:corpus/liberty.txt",
       "ashraf": "urn:archive-app:corpus/ashraf.txt"}

def at(text, quote, n=1):
    start = -1
    for _ in range(n):
        start = text.index(quote, start + 1)
    return start, start + len(quote)

def hyp(i, text, quote, note, tags, uri, created, updated, page):
    s, e = at(text, quote)
    return {
        "id": f"hyp{i}AbCdEfGhIjK", "created": created, "updated": updated,
        "user": "acct:researcher@hypothes.is", "uri": uri, "text": note, "tags": tags,
        "group": "__world__",
        "permissions": {"read": ["group:__world__"], "admin": ["acct:researcher@hypothes.is"],
                        "update": ["acct:researcher@hypothes.is"],
                        "delete": ["acct:researcher@hypothes.is"]},
        "target": [{"source": uri, "selector": [
            {"type": "RangeSelector", "startContainer": "/main[1]/p[1]", "startOffset": 0,
             "endContainer": "/main[1]/p[1]", "endOffset": len(quote)},
            {"type": "TextPositionSelector", "start": s, "end": e},
            {"type": "TextQuoteSelector", "exact": quote, "prefix": text[max(0, s - 32):s],
             "suffix": text[e:e + 32]}]}],
        "document": {"title": [page]},
        "links": {"html": f"https://hypothes.is/a/hyp{i}AbCdEfGhIjK",
                  "incontext": f"https://hyp.is/hyp{i}AbCdEfGhIjK/example.org/",
                  "json": f"https://hypothes.is/api/annotations/hyp{i}AbCdEfGhIjK"},
        "user_info": {"display_name": "A. Researcher"}, "flagged": False, "hidden": False,
        "references": [],
    }

five = [
    hyp(1, LIB, "Mortar attacks struck the camp", "Check the dates", ["verify"],
        "https://example.org/unami/liberty", "2023-03-01T10:15:30.123456+00:00",
        "2023-03-02T08:00:00.000000+00:00", "Camp Liberty relocation"),
    hyp(2, LIB, "Residents were moved to Camp Liberty", "", ["relocation"],
        "https://example.org/unami/liberty", "2023-03-01T10:16:00.000000+00:00",
        "2023-03-01T10:16:00.000000+00:00", "Camp Liberty relocation"),
    hyp(3, ASH, "killed 52 residents", "Figure disputed", ["count", "people/victims"],
        "https://example.org/un/ashraf", "2023-03-04T09:00:00.000000+00:00",
        "2023-03-05T09:30:00.000000+00:00", "Camp Ashraf attack"),
    hyp(4, ASH, "Witnesses described the massacre", "Eyewitness accounts", [],
        "https://example.org/un/ashraf", "2023-03-04T09:05:00.000000+00:00",
        "2023-03-04T09:05:00.000000+00:00", "Camp Ashraf attack"),
    hyp(5, REP, "Returns the integer value", "", ["code"],
        "https://example.org/notes/report", "2023-03-06T12:00:00.000000+00:00",
        "2023-03-06T12:00:00.000000+00:00", "Function notes"),
]
(OUT / "hypothesis-client-export.json").write_text(json.dumps({
    "export_date": "2023-03-07T18:20:00.000Z", "export_userid": "acct:researcher@hypothes.is",
    "client_version": "1.1561.0", "annotations": five}, indent=2) + "\n")
(OUT / "h-api-search.json").write_text(json.dumps({"total": 2, "rows": five[:2]}, indent=2) + "\n")

def quote_sel(text, quote):
    s, e = at(text, quote)
    return {"type": "TextQuoteSelector", "exact": quote, "prefix": text[max(0, s - 20):s],
            "suffix": text[e:e + 20]}

def write(name, items):
    page = {"@context": CTX, "id": f"http://example.org/page/{name}", "type": "AnnotationPage",
            "items": items}
    (OUT / f"w3c-{name}.json").write_text(json.dumps(page, indent=2) + "\n")

# §3.1's basic form (an IRI body), with a text target
write("iri-body", [{"@context": CTX, "id": "http://example.org/anno-iri", "type": "Annotation",
                    "body": "http://example.org/post1",
                    "target": {"source": URN["liberty"],
                               "selector": quote_sel(LIB, "near Baghdad")}}])
# §3.2.5 String Body (bodyValue)
write("body-value", [{"@context": CTX, "id": "http://example.org/anno-bv", "type": "Annotation",
                      "bodyValue": "Comment text",
                      "target": {"source": URN["ashraf"],
                                 "selector": quote_sel(ASH, "an attack on Camp Ashraf")}}])
# §4.2.9 Refinement of Selection: a FragmentSelector refined by a TextQuoteSelector, and an
# RFC 5147 character fragment refined by a TextPositionSelector (offsets inside it)
cs, ce = at(LIB, "Mortar attacks struck the camp in 2013 and 2015.")
rs, re_ = at(LIB, "in 2013")
write("refined-by", [
    {"@context": CTX, "id": "http://example.org/anno-ref-quote", "type": "Annotation",
     "bodyValue": "The year",
     "target": {"source": URN["ashraf"], "selector": {
         "type": "FragmentSelector", "value": "para2",
         "refinedBy": quote_sel(ASH, "1 September 2013")}}},
    {"@context": CTX, "id": "http://example.org/anno-ref-pos", "type": "Annotation",
     "body": {"type": "TextualBody", "purpose": "tagging", "value": "dates"},
     "target": {"source": URN["liberty"], "selector": {
         "type": "FragmentSelector", "conformsTo": "http://tools.ietf.org/rfc/rfc5147",
         "value": f"char={cs},{ce}",
         "refinedBy": {"type": "TextPositionSelector", "start": rs - cs, "end": re_ - cs}}}},
    {"@context": CTX, "id": "http://example.org/anno-ref-unknown", "type": "Annotation",
     "bodyValue": "Somewhere in paragraph 5",
     "target": {"source": URN["liberty"], "selector": {
         "type": "FragmentSelector", "value": "para5",
         "refinedBy": {"type": "TextPositionSelector", "start": 4, "end": 12}}}},
])
# §4.2.5 Text Position Selector alone
ps, pe = at(ASH, "Camp Ashraf killed")
write("position-only", [
    {"@context": CTX, "id": "http://example.org/anno-pos", "type": "Annotation",
     "bodyValue": "By position",
     "target": {"source": URN["ashraf"],
                "selector": {"type": "TextPositionSelector", "start": ps, "end": pe}}},
    {"@context": CTX, "id": "http://example.org/anno-pos-far", "type": "Annotation",
     "bodyValue": "Past the end",
     "target": {"source": URN["ashraf"],
                "selector": {"type": "TextPositionSelector", "start": 4000, "end": 4010}}},
    {"@context": CTX, "id": "http://example.org/anno-pos-web", "type": "Annotation",
     "bodyValue": "A page we do not have",
     "target": {"source": "http://example.com/page1",
                "selector": {"type": "TextPositionSelector", "start": 10, "end": 20}}},
])
# §3.1 (target is an IRI), §4.1 {"source"} without selector, §4.2.3 XPath only
write("whole-document", [
    {"@context": CTX, "id": "http://example.org/anno-doc-iri", "type": "Annotation",
     "created": "2015-01-28T12:00:00Z", "creator": {"type": "Person", "name": "Pat"},
     "bodyValue": "Read this whole report first", "target": URN["ashraf"]},
    {"@context": CTX, "id": "http://example.org/anno-doc-source", "type": "Annotation",
     "body": [{"type": "TextualBody", "purpose": "tagging", "value": "background"}],
     "target": {"source": URN["liberty"]}},
    {"@context": CTX, "id": "http://example.org/anno-doc-web", "type": "Annotation",
     "bodyValue": "A page we do not have", "target": "http://example.com/page1"},
    {"@context": CTX, "id": "http://example.org/anno-xpath", "type": "Annotation",
     "bodyValue": "Structure only",
     "target": {"source": URN["liberty"],
                "selector": {"type": "XPathSelector",
                             "value": "/html/body/p[2]/table/tr[2]/td[3]/span"}}},
])
