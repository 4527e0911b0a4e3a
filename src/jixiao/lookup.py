"""Finding things in a document, the same for every face: a project by its number or part
of its name, the reader's warnings that belong to a project, a document cut to one
project."""

from __future__ import annotations

import dataclasses

from jixiao.model import Document, Project, ReadWarning, SourceSpan


def projects_matching(doc: Document, ref: str) -> list[Project]:
    """The project numbered `ref` (its seq), or those whose name contains it."""
    ref = ref.strip()
    if ref.isascii() and ref.isdigit():
        return [p for p in doc.projects if p.seq == int(ref)]
    return [p for p in doc.projects if ref and ref in p.name]


def _spans(project: Project) -> list[SourceSpan]:
    return [project.span, *project.field_spans.values(), *(i.span for i in project.indicators)]


def project_pages(project: Project) -> range:
    """The pages a project's rows take (first to last, a row cut by a page break included);
    empty for a reading without pages."""
    pages = [s.page for s in _spans(project) if s.page is not None]
    return range(min(pages), max(pages) + 1) if pages else range(0)


def project_lines(project: Project) -> range:
    """The source lines a project's rows take; empty for a reading without lines (a PDF)."""
    lines = [n for s in _spans(project) for n in (s.first_line, s.last_line) if n is not None]
    return range(min(lines), max(lines) + 1) if lines else range(0)


def warnings_of(doc: Document, project: Project) -> list[ReadWarning]:
    """The reader's warnings that point into a project's rows: by line where the source has
    lines (text), by page where it has only pages (PDF, whose spans carry no lines) — then a
    page two projects share shows its warnings with both."""
    lines, pages = project_lines(project), project_pages(project)
    found = []
    for w in doc.warnings:
        if w.span.first_line is not None and lines:
            if w.span.first_line in lines:
                found.append(w)
        elif w.span.first_line is None and w.span.page is not None and w.span.page in pages:
            found.append(w)
    return found


def only(doc: Document, project: Project) -> Document:
    """`doc` holding just `project` (in its first unit): a name key met twice in the
    document compares the linked pair, not the first of the two."""
    return dataclasses.replace(doc, units=[dataclasses.replace(doc.units[0],
                                                               projects=[project])])
