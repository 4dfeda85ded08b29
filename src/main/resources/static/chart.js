// A small SVG line chart: enough for loss and accuracy curves, no dependency, works offline.
const NS = 'http://www.w3.org/2000/svg';
export const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];

function el(name, attrs, parent) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (parent) parent.appendChild(node);
  return node;
}

function niceTicks(min, max, count) {
  const span = max - min || 1;
  const step = Math.pow(10, Math.floor(Math.log10(span / count)));
  const mult = [1, 2, 5, 10].find(m => span / (step * m) <= count) || 10;
  const s = step * mult;
  const ticks = [];
  for (let v = Math.ceil(min / s) * s; v <= max + 1e-9; v += s) ticks.push(+v.toFixed(10));
  return ticks;
}

function format(v) {
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en');
  return String(+v.toPrecision(3));
}

/**
 * Draws series of [x, y] points into container; call update(series) to redraw with new points.
 * Every point is a circle with class "pt" and data-series = the series name, so tests can count them.
 */
export function lineChart(container, { title, xLabel, yLabel, yMin, yMax, width = 520, height = 260 }) {
  container.classList.add('chart');
  const heading = document.createElement('h3');
  heading.textContent = title;
  container.appendChild(heading);
  const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title }, container);
  const legend = document.createElement('div');
  legend.className = 'legend';
  container.appendChild(legend);
  const m = { left: 48, right: 12, top: 10, bottom: 34 };

  function update(series) {
    svg.replaceChildren();
    legend.replaceChildren();
    const all = series.flatMap(s => s.points);
    const xs = all.map(p => p[0]), ys = all.map(p => p[1]);
    const x0 = Math.min(0, ...xs), x1 = Math.max(1, ...xs);
    const y0 = yMin ?? (ys.length ? Math.min(...ys) : 0), y1 = yMax ?? (ys.length ? Math.max(...ys) : 1);
    const sx = v => m.left + (v - x0) / (x1 - x0 || 1) * (width - m.left - m.right);
    const sy = v => height - m.bottom - (v - y0) / (y1 - y0 || 1) * (height - m.top - m.bottom);
    for (const t of niceTicks(y0, y1, 5)) {
      el('line', { x1: m.left, x2: width - m.right, y1: sy(t), y2: sy(t), class: 'grid' }, svg);
      el('text', { x: m.left - 6, y: sy(t) + 4, 'text-anchor': 'end' }, svg).textContent = format(t);
    }
    for (const t of niceTicks(x0, x1, 6)) {
      el('text', { x: sx(t), y: height - m.bottom + 14, 'text-anchor': 'middle' }, svg).textContent = format(t);
    }
    el('line', { x1: m.left, x2: width - m.right, y1: height - m.bottom, y2: height - m.bottom, class: 'axis' }, svg);
    el('line', { x1: m.left, x2: m.left, y1: m.top, y2: height - m.bottom, class: 'axis' }, svg);
    el('text', { x: (m.left + width - m.right) / 2, y: height - 4, 'text-anchor': 'middle' }, svg).textContent = xLabel;
    el('text', { x: 12, y: (m.top + height - m.bottom) / 2, transform: `rotate(-90 12 ${(m.top + height - m.bottom) / 2})`,
      'text-anchor': 'middle' }, svg).textContent = yLabel;
    series.forEach((s, i) => {
      const color = s.color || PALETTE[i % PALETTE.length];
      const pts = s.points.filter(p => Number.isFinite(p[1]));
      if (pts.length > 1) {
        el('polyline', { fill: 'none', stroke: color, 'stroke-width': 2,
          points: pts.map(p => `${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join(' ') }, svg);
      }
      if (!s.hidePoints) {
        for (const p of pts) {
          el('circle', { cx: sx(p[0]), cy: sy(p[1]), r: 3, fill: color, class: 'pt', 'data-series': s.name }, svg)
            .appendChild(el('title', {})).textContent = `${s.name}: ${format(p[0])}, ${format(p[1])}`;
        }
      }
      const item = document.createElement('span');
      const swatch = document.createElement('i');
      swatch.style.background = color;   // through the CSSOM: CSP refuses inline style attributes
      item.appendChild(swatch);
      item.append(s.name);
      legend.appendChild(item);
    });
  }

  update([]);
  return { update };
}
