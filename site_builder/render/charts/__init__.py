"""Charts drawn at build time as inline SVG, readable with no JavaScript: the canvas
(SVG primitives, scales, ticks, label placement) and the chart kinds drawn on it (kinds:
the progress chart of a metric key result, the band chart of a maintain key result, the
timeline of a milestone, the full series of a metric)."""
