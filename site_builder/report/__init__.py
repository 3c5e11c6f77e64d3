"""The period report (DESIGN.md §6, `okr-portal report`): one period's objectives, key
results, check-ins, target changes and data notes as a printable, tagged PDF.

A part at the side of the pipeline: it reads the computed report and the render stage's
views (charts, facts, the catalogs) and is never imported by the stages. ``document``
makes the HTML, ``pdf`` turns it into a PDF with WeasyPrint (the optional extra
``okr-portal[report]``), ``publish`` makes the reports a build links from period pages.
"""
