// The script of `polytope view` pages (inlined into the HTML by packages/cli/src/commands/view.ts).
// Draws the embedded view model as SVG; pan (drag, arrow keys), zoom (wheel, +/−), hover/focus → details.
(function () {
  'use strict';
  const NS = 'http://www.w3.org/2000/svg';
  const model = JSON.parse(document.getElementById('data').textContent);
  const svg = document.getElementById('plot');
  const hoverList = document.getElementById('hover');
  const [x0, x1, y0, y1] = model.box;
  const home = { x: x0, y: -y1, w: x1 - x0, h: y1 - y0 };
  let view = { ...home };
  if (model.kind === 'line') svg.setAttribute('preserveAspectRatio', 'none');

  function hue(key) {
    let h = 2166136261;
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
    return ((h >>> 0) % 360) + ',' + (45 + ((h >>> 9) % 30)) + '%,' + (62 + ((h >>> 17) % 18)) + '%';
  }

  function fill(dl, entries) {
    dl.replaceChildren();
    for (const [k, v] of entries) {
      const dt = document.createElement('dt');
      dt.textContent = k;
      const dd = document.createElement('dd');
      dd.textContent = typeof v === 'number' ? String(Number(v.toPrecision(6))) : String(v);
      dl.append(dt, dd);
    }
  }

  fill(
    document.getElementById('summary'),
    Object.entries(model.summary || {}).filter(([, v]) => typeof v !== 'object'),
  );

  function apply() {
    svg.setAttribute('viewBox', view.x + ' ' + view.y + ' ' + view.w + ' ' + view.h);
  }

  const layer = document.createElementNS(NS, 'g');
  const focusable = model.cells.length <= 2000;
  let hovered = null;
  function show(el) {
    if (hovered) hovered.classList.remove('hover');
    hovered = el;
    el.classList.add('hover');
    fill(hoverList, Object.entries(model.cells[Number(el.dataset.i)].info));
  }
  model.cells.forEach((c, i) => {
    const p = document.createElementNS(NS, 'polygon');
    p.setAttribute('points', c.poly.map((v) => v[0] + ',' + -v[1]).join(' '));
    p.setAttribute('class', 'cell');
    p.setAttribute('fill', 'hsl(' + hue(c.key) + ')');
    p.dataset.i = String(i);
    if (focusable) {
      p.setAttribute('tabindex', '0');
      p.setAttribute(
        'aria-label',
        Object.entries(c.info)
          .map(([k, v]) => k + ' ' + v)
          .join(', '),
      );
      p.addEventListener('focus', () => show(p));
    }
    layer.append(p);
  });
  for (const line of model.lines) {
    const l = document.createElementNS(NS, 'polyline');
    l.setAttribute('points', line.map((v) => v[0] + ',' + -v[1]).join(' '));
    l.setAttribute('class', 'line');
    layer.append(l);
  }
  svg.append(layer);
  apply();

  svg.addEventListener('pointermove', (e) => {
    if (drag) {
      const r = svg.getBoundingClientRect();
      view.x = drag.vx - ((e.clientX - drag.cx) * view.w) / r.width;
      view.y = drag.vy - ((e.clientY - drag.cy) * view.h) / r.height;
      apply();
      return;
    }
    if (e.target instanceof SVGPolygonElement) show(e.target);
  });
  let drag = null;
  svg.addEventListener('pointerdown', (e) => {
    drag = { cx: e.clientX, cy: e.clientY, vx: view.x, vy: view.y };
    svg.setPointerCapture(e.pointerId);
  });
  svg.addEventListener('pointerup', () => (drag = null));

  function zoom(f, fx, fy) {
    const cx = view.x + fx * view.w;
    const cy = view.y + fy * view.h;
    view = { x: cx - (cx - view.x) * f, y: cy - (cy - view.y) * f, w: view.w * f, h: view.h * f };
    apply();
  }
  svg.addEventListener(
    'wheel',
    (e) => {
      e.preventDefault();
      const r = svg.getBoundingClientRect();
      zoom(e.deltaY > 0 ? 1.2 : 1 / 1.2, (e.clientX - r.left) / r.width, (e.clientY - r.top) / r.height);
    },
    { passive: false },
  );
  svg.addEventListener('keydown', (e) => {
    const step = 0.1;
    const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    if (moves[e.key]) {
      view.x += moves[e.key][0] * view.w;
      view.y += moves[e.key][1] * view.h;
      apply();
    } else if (e.key === '+' || e.key === '=') zoom(1 / 1.2, 0.5, 0.5);
    else if (e.key === '-') zoom(1.2, 0.5, 0.5);
    else return;
    e.preventDefault();
  });
  document.getElementById('zoom-in').addEventListener('click', () => zoom(1 / 1.2, 0.5, 0.5));
  document.getElementById('zoom-out').addEventListener('click', () => zoom(1.2, 0.5, 0.5));
  document.getElementById('reset').addEventListener('click', () => {
    view = { ...home };
    apply();
  });
  window.polytopeView = { model, getView: () => ({ ...view }) };
})();
