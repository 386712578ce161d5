// Evaluated in each rendered handout page by tests/handout/test_render.py (an expression: an
// async arrow function called at once). Returns facts, not verdicts; the python side judges.
(async () => {
  await document.fonts.ready;
  const root = document.documentElement;
  const vw = root.clientWidth;

  // where an element is, for messages: its tag, id/class, the section it is in, its text
  const where = (el) => {
    let sec = el.closest('section[id], [id]');
    let h = el;
    while (h && !(h.id && /^H[1-6]$/.test(h.tagName))) {
      h = h.previousElementSibling || h.parentElement;
    }
    const cls = (el.getAttribute('class') || '').trim();
    return `<${el.tagName.toLowerCase()}${el.id ? ' id=' + el.id : ''}${cls ? ' class="' + cls + '"' : ''}>`
      + ` in #${h ? h.id : (sec ? sec.id : '?')}: "${(el.textContent || '').trim().slice(0, 50)}"`;
  };

  // ---- overflow: the page, and every element, must fit the viewport's width
  const overflow = [];
  if (root.scrollWidth > root.clientWidth) {
    overflow.push(`the page is ${root.scrollWidth} px wide in a ${root.clientWidth} px viewport`);
  }
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;       // not rendered
    if (!(el instanceof SVGElement) && el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1) {
      overflow.push(`${where(el)}: content ${el.scrollWidth} px wide in a box of ${el.clientWidth} px`);
    }
    if (r.right > vw + 1 || r.left < -1) {
      overflow.push(`${where(el)}: spans x ${Math.round(r.left)}..${Math.round(r.right)}, viewport 0..${vw}`);
    }
  }

  // ---- figures: every <img> loaded, every <svg> has a size and its text stays inside it
  const figures = [];
  for (const img of document.images) {
    figures.push({kind: 'img', id: img.id, ok: img.complete && img.naturalWidth > 0 && img.naturalHeight > 0,
                  width: img.naturalWidth, height: img.naturalHeight, src: img.getAttribute('src').slice(0, 80)});
  }
  for (const svg of document.querySelectorAll('svg')) {
    const r = svg.getBoundingClientRect();
    const fig = svg.closest('figure');
    const vb = svg.viewBox.baseVal;
    const outside = [];
    // The smallest label as drawn: its font size times the figure's scale (rendered / viewBox width).
    const scale = vb.width ? r.width / vb.width : 1;
    let minLabel = Infinity, minText = '';
    for (const t of svg.querySelectorAll('text')) {
      const px = parseFloat(getComputedStyle(t).fontSize) * scale;
      if (px < minLabel) { minLabel = px; minText = t.textContent.slice(0, 40); }
      const b = t.getBBox();
      if (b.width === 0 || b.x < vb.x - 1 || b.y < vb.y - 1 || b.x + b.width > vb.x + vb.width + 1 ||
          b.y + b.height > vb.y + vb.height + 1) {
        outside.push(`"${t.textContent}" at x ${Math.round(b.x)}..${Math.round(b.x + b.width)}`);
      }
    }
    figures.push({kind: 'svg', id: fig ? fig.id : '', width: r.width, height: r.height,
                  texts: svg.querySelectorAll('text').length, outside, minLabel, minText,
                  caption: fig && fig.querySelector('figcaption') ? fig.querySelector('figcaption').textContent.trim() : ''});
  }

  // ---- links: internal anchors must exist; others are reported for the python side
  const links = [];
  for (const a of document.querySelectorAll('a[href]')) {
    const href = a.getAttribute('href');
    let target = null;
    if (href.startsWith('#')) {
      target = !!document.getElementById(decodeURIComponent(href.slice(1)));
    }
    links.push({href, internal: href.startsWith('#'), target, text: a.textContent.trim().slice(0, 40)});
  }

  // ---- glyphs: each CJK character (ideographs, CJK punctuation, full-width forms; not the
  // ideographic space), drawn in its element's font on a canvas. A character no installed font
  // has is drawn as the missing-glyph box (or nothing): the same picture as a code point that
  // no font has at all, and the same picture for every such character.
  const CJK = /[\u3001-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff60]/u;
  const byFont = new Map();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || !CJK.test(n.data)) continue;
    const cs = getComputedStyle(el);
    const font = `${cs.fontStyle} ${cs.fontWeight} 48px ${cs.fontFamily}`;
    if (!byFont.has(font)) byFont.set(font, new Map());
    const chars = byFont.get(font);
    for (const ch of n.data) {
      if (CJK.test(ch) && !chars.has(ch)) chars.set(ch, where(el));
    }
  }
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 64;
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  const picture = (font, ch) => {
    ctx.clearRect(0, 0, 64, 64);
    ctx.font = font;
    ctx.fillStyle = '#000';
    ctx.textBaseline = 'alphabetic';
    ctx.fillText(ch, 4, 50);
    const d = ctx.getImageData(0, 0, 64, 64).data;
    let h = 2166136261, ink = 0;
    for (let i = 3; i < d.length; i += 4) {
      if (d[i]) ink++;
      h = Math.imul(h ^ d[i], 16777619) >>> 0;
    }
    return {hash: h, ink};
  };
  const glyphs = {fonts: [], checked: 0, missing: []};
  for (const [font, chars] of byFont) {
    // U+0378 is unassigned, U+10FFFD a private-use code point of the last plane: no font draws them
    const refs = ['\u0378', '\u{10FFFD}'].map((c) => picture(font, c).hash);
    const seen = new Map();
    for (const [ch, at] of chars) {
      const p = picture(font, ch);
      glyphs.checked++;
      if (p.ink === 0 || refs.includes(p.hash)) {
        glyphs.missing.push({ch, at, font, why: p.ink === 0 ? 'nothing drawn' : 'the missing-glyph box'});
      }
      if (!seen.has(p.hash)) seen.set(p.hash, []);
      seen.get(p.hash).push(ch);
    }
    for (const same of seen.values()) {
      if (same.length > 3) {
        glyphs.missing.push({ch: same.slice(0, 10).join(''), at: `${same.length} characters`, font,
                             why: 'all drawn as the same picture'});
      }
    }
    glyphs.fonts.push({font, chars: chars.size});
  }
  return {viewport: vw, overflow, figures, links, glyphs};
})()
