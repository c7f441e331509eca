const problems = [];
const visible = (e) => !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length);
for (const e of document.querySelectorAll('input, select, textarea')) {
  if (e.type === 'hidden' || e.getAttribute('aria-hidden') === 'true' || !visible(e)) continue;
  const labelled = (e.labels && e.labels.length > 0) || e.getAttribute('aria-label') || e.getAttribute('aria-labelledby');
  if (!labelled) problems.push(`no label: ${e.outerHTML.slice(0, 80)}`);
}
const headings = [...document.querySelectorAll('main h1, main h2, main h3, main h4')].filter(visible);
if (document.querySelectorAll('main h1').length !== 1) problems.push(`h1 count ${document.querySelectorAll('main h1').length}`);
let level = 0;
for (const h of headings) {
  const l = Number(h.tagName[1]);
  if (l > level + 1) problems.push(`heading jumps to ${h.tagName}: ${h.textContent.slice(0, 40)}`);
  level = l;
}
const rgb = (s) => (s.match(/[\d.]+/g) || []).map(Number);
const lum = ([r, g, b]) => {
  const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
  return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
};
const background = (e) => {
  let layers = [];
  for (let n = e; n && n.nodeType === 1; n = n.parentElement) {
    const c = rgb(getComputedStyle(n).backgroundColor);
    if (c.length >= 3 && (c.length < 4 || c[3] > 0)) { layers.push(c); if (c.length < 4 || c[3] >= 1) break; }
  }
  let out = [255, 255, 255];
  for (const c of layers.reverse()) {
    const a = c.length >= 4 ? c[3] : 1;
    out = [0, 1, 2].map((i) => c[i] * a + out[i] * (1 - a));
  }
  return out;
};
for (const e of document.querySelectorAll('body *')) {
  if (!visible(e) || e.closest('svg')) continue;
  const own = [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
  if (!own) continue;
  const s = getComputedStyle(e);
  const fg = rgb(s.color), bg = background(e);
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  const ratio = (a + 0.05) / (b + 0.05);
  const large = parseFloat(s.fontSize) >= 24 || (parseFloat(s.fontSize) >= 18.66 && Number(s.fontWeight) >= 700);
  if (ratio < (large ? 3 : 4.5)) problems.push(`contrast ${ratio.toFixed(2)}: ${e.textContent.trim().slice(0, 40)}`);
}
const width = document.documentElement.clientWidth;
if (document.documentElement.scrollWidth > width) problems.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${width}`);
for (const e of document.querySelectorAll('body *')) {
  const r = e.getBoundingClientRect();
  if (visible(e) && r.right > width + 1 && getComputedStyle(e).position !== 'fixed' && !e.closest('.picker, .table-scroll'))
    { problems.push(`wider than the screen: <${e.tagName.toLowerCase()} class="${e.className}"> ${Math.round(r.right)}px`); break; }
}
return problems;
